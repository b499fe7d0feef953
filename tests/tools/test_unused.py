"""tools/unused.py: functions whose body never ran are listed, across subprocesses and forks.

A tiny ``lib`` is run under the same coverage settings `make unused` uses (``patch = subprocess,
fork, _exit``); the functions it calls in the main process, in a child interpreter and in a
forked child that leaves with ``os._exit`` count as used, the others are listed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tools import unused

MODULE = '''\
def used():
    return 1


def never():
    return 2


def in_child():
    return 3


def in_fork():
    return 4


class Thing:
    def method(self):
        return 5

    def unused_method(self):
        return 6


def outer():
    def inner():
        return 7

    return 8


def stub():
    """Only a docstring and an ellipsis: nothing to run."""
    ...
'''

SCRIPT = """\
import os
import subprocess
import sys

import lib.a

lib.a.used()
lib.a.Thing().method()
lib.a.outer()
subprocess.run([sys.executable, "-c", "import lib.a; lib.a.in_child()"], check=True, timeout=60)
pid = os.fork()
if pid == 0:
    lib.a.in_fork()
    os._exit(0)
os.waitpid(pid, 0)
"""


def _project(tmp_path: Path) -> Path:
    project = tmp_path / "project"
    (project / "lib").mkdir(parents=True)
    (project / "lib" / "__init__.py").write_text("")
    (project / "lib" / "a.py").write_text(MODULE)
    (project / "main.py").write_text(SCRIPT)
    return project


def test_qualified_names_of_every_function(tmp_path):
    path = _project(tmp_path) / "lib" / "a.py"
    names = [name for name, _ in unused.functions_in(path)]
    assert names == [
        "used",
        "never",
        "in_child",
        "in_fork",
        "Thing.method",
        "Thing.unused_method",
        "outer",
        "outer.inner",
        "stub",
    ]


@pytest.mark.skipif(not hasattr(os, "fork"), reason="forks a child")
def test_functions_that_never_ran_are_listed(tmp_path):
    project = _project(tmp_path)
    rcfile = unused.write_rcfile(tmp_path, project)
    env = {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}
    env["PYTHONPATH"] = str(project)
    subprocess.run(
        [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", "main.py"],
        cwd=project,
        env=env,
        check=True,
        timeout=120,
    )
    found = unused.never_ran(project, unused.executed_lines(rcfile), unused.coverage_statements(rcfile))
    assert [(f.path, f.line, f.name) for f in found] == [
        ("lib/a.py", 5, "never"),
        ("lib/a.py", 21, "Thing.unused_method"),
        ("lib/a.py", 26, "outer.inner"),
    ]


def test_listing_allowlist_and_exit_status(tmp_path, capsys):
    found = [unused.Function("lib/a.py", 5, "never"), unused.Function("lib/a.py", 22, "Thing.unused_method")]
    assert unused.report(found, {("lib/a.py", "never"), ("lib/b.py", "gone")}) == 1
    out, err = capsys.readouterr()
    assert out == "lib/a.py:22 Thing.unused_method\n"
    assert "lib/b.py gone ran (or no longer exists): remove the entry" in err
    assert "1 functions in lib/ never ran (1 allowlisted)" in err
    assert unused.report([], set()) == 0


def test_allowlist_file_format(tmp_path):
    path = tmp_path / "allow.txt"
    path.write_text(
        textwrap.dedent(
            """\
            # a comment
            lib/run/x.py Class.method  # why

            lib/run/y.py helper
            """
        )
    )
    assert unused.read_allowlist(path) == {("lib/run/x.py", "Class.method"), ("lib/run/y.py", "helper")}


def test_the_allowlist_names_functions_that_exist():
    root = Path(unused.__file__).resolve().parents[1]
    for path, name in sorted(unused.read_allowlist(unused.ALLOWLIST)):
        names = {n for n, _ in unused.functions_in(root / path)}
        assert name in names, f"{path} {name}"


def test_an_entry_point_that_fails_or_hangs_is_one_line(tmp_path):
    project = _project(tmp_path)
    rcfile = unused.write_rcfile(tmp_path, project)
    (project / "sleep.py").write_text("import time\ntime.sleep(60)\n")
    (project / "fail.py").write_text("raise SystemExit(3)\n")
    ok = unused.EntryPoint("fails as it should", lambda r: ["fail.py"], expect=3)
    assert unused.run_entry_point(ok, project, rcfile, time.monotonic() + 60) is None
    wrong = unused.EntryPoint("fails", lambda r: ["fail.py"])
    problem = unused.run_entry_point(wrong, project, rcfile, time.monotonic() + 60)
    assert problem.startswith("fails: exit 3, expected 0 (log: ")
    started = time.monotonic()
    hang = unused.EntryPoint("hangs", lambda r: ["sleep.py"])
    problem = unused.run_entry_point(hang, project, rcfile, time.monotonic() + 2)
    assert problem.startswith("hangs: still running at the time limit")
    assert time.monotonic() - started < 30
