"""``python -m lib.run``: execute and render the reports (see ``--help``)."""

from lib.run.cli import main

raise SystemExit(main())
