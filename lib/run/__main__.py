"""``python -m lib.run``: execute and render the reports (see ``--help``)."""

import atexit
import os
import sys

from lib.run.cli import main

code = main()
# Every file the batch wrote is closed (each one replaced atomically). Run the exit handlers
# (multiprocessing's, logging's, coverage's) and leave without the interpreter's teardown of
# the report stack it imported: that teardown frees nothing the system would not, and costs
# about half a second of the one-authority re-run (bench/scale.py --change-only).
sys.stdout.flush()
sys.stderr.flush()
atexit._run_exitfuncs()
os._exit(code)
