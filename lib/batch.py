"""Moved to :mod:`lib.run.batch` (issue 13). ``python -m lib.batch`` and
``from lib import batch`` keep working: this module is that one."""

import sys

from lib.run import batch as _batch

if __name__ == "__main__":
    from lib.run.cli import main

    raise SystemExit(main())
sys.modules[__name__] = _batch
