"""``python -m lib.programme check [definition.yaml]``: validate a definition."""

from lib.programme import main

raise SystemExit(main())
