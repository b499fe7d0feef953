"""List the functions of ``lib`` that no real entry point runs (``make unused``).

The project's ``lib``, notebooks, docs, raw data and programme definition are copied to a
temporary folder, so nothing in the checkout changes. There, under coverage, the workbook is
driven the way its users drive it: the data build (``python -m lib.evaluation build``, and
``check``), the batch as ``make reports`` runs it (``python -m lib.run --timeout 180
--fork-kernels``), run twice (the second is the cached re-run), one report with fresh kernels and
``--keep-code``, the run-reports notebook with papermill (then its form driven: two authorities
picked, Run pressed and waited for, a bad threshold, Cancel pressed during a forced run), both
pages rendered without a kernel as docs/contributing.md shows (also for a programme that states
no success measure), ``python -m lib.programme check``, ``reference`` and ``new`` (with a build and
a batch of the new programme's folder), ``python -m lib.report.contributing``, the
synthetic-responses generator (with free-text answers) with a build from its files; on that
build the explore notebook with papermill (then every choice of its explorers' dropdowns picked
and their exports pressed, as a reader would), the page renderer, JupyterLab's save of the explore
notebook once run (``make lab``'s pre-save hook), the coding notebook driven by two evaluators, a build
that reads their codes and a batch; then a corrected transcription, rebuilt, and its batch (the
pages say what changed); each command's ``--help``, and the errors a user meets (a bad
``--authorities``, a bad ``--timeout``, a rejected definition, also under a build, raw files that
break the contract, a raw row naming an unknown authority). The inputs and the notebook cells
that act as the user are in ``tools/unused_scenarios.py``. Kernels, worker
processes and forked kernels are measured too (coverage's ``patch = subprocess, fork, _exit``).

Then every function and method defined under ``lib/`` whose body never ran is printed, one line
each (``lib/x.py:LINE name``, nested names dotted), and the exit status is 1 if there is any
(2 if an entry point did not exit as it should, or ran past ``--timeout``: nothing is listed).
``tools/unused_allowlist.txt`` names functions that run only where these entry points cannot
go (``path qualified.name  # why``); an entry that is no longer needed is reported on stderr.

    python -m tools.unused [--keep DIR] [--timeout S]
"""

from __future__ import annotations

import argparse
import ast
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from tools import unused_scenarios as s

ROOT = Path(__file__).resolve().parents[1]
ALLOWLIST = Path(__file__).with_name("unused_allowlist.txt")
# What the entry points need from the checkout (copied; node_modules is linked).
COPIED = [
    "lib",
    "notebooks",
    "docs",
    "data/README.md",
    "data/definition.yaml",
    "data/plan.yaml",
    "data/notes",
    "data/raw",
    "requirements",
    "package.json",
    "jupyter_server_config.py",
    "tests/fixtures/programme_minimal",
]
CELL_TIMEOUT = "180"


@dataclass(frozen=True)
class EntryPoint:
    name: str
    argv: Callable[[Path], list[str]]  # from the copy's root: arguments after ``python``
    expect: int = 0  # the exit status a correct run gives
    env: tuple[tuple[str, str], ...] = ()


def entry_points(timeout: str = CELL_TIMEOUT) -> list[EntryPoint]:
    """The commands a user runs, in order (later ones read what earlier ones wrote)."""
    syn = "../synthetic"
    batch = ["-m", "lib.run", "--timeout", timeout]
    return [
        EntryPoint("programme check", lambda r: ["-m", "lib.programme", "check"]),
        EntryPoint("raw check", lambda r: ["-m", "lib.evaluation", "check"]),
        EntryPoint("data build", lambda r: ["-m", "lib.evaluation", "build"]),
        EntryPoint("processed schema docs", lambda r: ["-m", "lib.evaluation", "schema-docs"]),
        EntryPoint("analysis step (make data)", lambda r: ["-m", "lib.analysis"]),
        EntryPoint("results schema docs", lambda r: ["-m", "lib.analysis", "schema-docs"]),
        EntryPoint("batch (make reports)", lambda r: [*batch, "--fork-kernels"]),
        EntryPoint("batch re-run (cached)", lambda r: [*batch, "--fork-kernels", "--quiet"]),
        EntryPoint(
            "one report, fresh kernel, code kept",
            lambda r: (
                [*batch, "--authorities", s.first_authority(r / "data/processed"), "--no-programme"]
                + ["--force", "--keep-code", "--workers", "1", "--output-dir", "../site-one"]
            ),
        ),
        EntryPoint(
            "run form",
            lambda r: (
                ["-m", "papermill", s.run_form_driven(r, timeout), "../run-reports.ipynb"]
                + ["--execution-timeout", str(3 * int(timeout)), "--no-progress-bar"]
            ),
        ),
        EntryPoint(
            "pages without a kernel",  # docs/contributing.md
            lambda r: s.render_without_kernel(r, "data/processed"),
        ),
        EntryPoint(
            "data build, no success measure stated",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--raw-dir", s.no_success_measure(r), "--quiet"]
                + ["--processed-dir", "../no-measure", "--outputs-dir", "../no-measure-outputs"]
            ),
            env=(("EVAL_PROGRAMME", "../no-measure.yaml"),),
        ),
        EntryPoint(
            "analysis step, no success measure stated",
            lambda r: ["-m", "lib.analysis", "--processed-dir", "../no-measure"],
            env=(("EVAL_PROGRAMME", "../no-measure.yaml"),),
        ),
        EntryPoint(
            "pages without a kernel, no success measure stated",
            lambda r: s.render_without_kernel(r, "../no-measure"),
            env=(("EVAL_PROGRAMME", "../no-measure.yaml"),),
        ),
        EntryPoint("programme reference", lambda r: ["-m", "lib.programme", "reference"]),
        EntryPoint("new programme", lambda r: ["-m", "lib.programme", "new", "../scaffold"]),
        EntryPoint(
            "data build of another programme folder",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--programme", "../scaffold", "--quiet"]
                + ["--outputs-dir", "../scaffold-outputs"]
            ),
        ),
        EntryPoint(
            "batch of another programme folder",  # make reports PROGRAMME=DIR
            lambda r: (
                [*batch, "--programme", "../scaffold", "--fork-kernels", "--quiet"]
                + ["--output-dir", "../scaffold-site"]
            ),
        ),
        EntryPoint(
            "data build of a programme without a survey",
            lambda r: (
                [
                    "-m",
                    "lib.evaluation",
                    "build",
                    "--programme",
                    "tests/fixtures/programme_minimal",
                    "--quiet",
                ]
                + ["--outputs-dir", "../minimal-outputs"]
            ),
        ),
        EntryPoint(
            "batch of a programme without a survey",  # make reports PROGRAMME=DIR, authorities + one source
            lambda r: (
                [*batch, "--programme", "tests/fixtures/programme_minimal", "--fork-kernels", "--quiet"]
                + ["--output-dir", "../minimal-site"]
            ),
        ),
        EntryPoint("contributing section map", lambda r: ["-m", "lib.report.contributing"]),
        EntryPoint(
            "synthetic responses with a comparison group",
            lambda r: [
                "-m",
                "lib.sources.synthetic",
                "--out",
                f"{syn}/responses",
                "--comparison-share",
                "0.4",
                "--free-text",
            ],
        ),
        EntryPoint(
            "data build with responses",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--quiet", "--responses-dir", f"{syn}/responses"]
                + ["--processed-dir", f"{syn}/processed", "--outputs-dir", f"{syn}/outputs"]
            ),
        ),
        EntryPoint(
            "explore notebook, on response files",
            lambda r: (
                ["-m", "papermill", s.explore_every_choice(r), "../explore.ipynb", "--execution-timeout"]
                + [timeout, "-p", "processed_dir", str(r.parent / "synthetic/processed"), "--no-progress-bar"]
            ),
        ),
        EntryPoint(
            "page renderer",
            lambda r: ["-m", "lib.run.render", "../explore.ipynb", "../explore.html", "--title", "Explore"],
        ),
        EntryPoint("notebook saved in JupyterLab (make lab)", lambda r: s.save_in_lab(r, "../explore.ipynb")),
        EntryPoint(
            "coding notebook, two coders",
            lambda r: (
                ["-m", "papermill", s.coding_driven(r, f"{syn}/processed"), "../code-answers.ipynb"]
                + ["--execution-timeout", timeout, "--no-progress-bar"]
            ),
            env=(("EVAL_CODES_DIR", f"{syn}/codes"),),
        ),
        EntryPoint(
            "data build reading the codes",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--quiet", "--responses-dir", f"{syn}/responses"]
                + ["--codes-dir", f"{syn}/codes", "--processed-dir", f"{syn}/processed"]
                + ["--outputs-dir", f"{syn}/outputs"]
            ),
        ),
        EntryPoint(
            "response file with an unknown sector",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--quiet", "--responses-dir", s.odd_responses(r)]
                + ["--processed-dir", "../odd/processed", "--outputs-dir", "../odd/outputs"]
            ),
        ),
        EntryPoint(
            "batch with responses", lambda r: [*batch, "--fork-kernels", "--quiet", *s.on_responses(r)]
        ),
        EntryPoint(
            "data build after a corrected transcription",
            lambda r: ["-m", "lib.evaluation", "build", "--quiet", "--raw-dir", s.corrected_raw(r)],
        ),
        EntryPoint(
            "batch after the correction (what changed)",
            lambda r: (
                [*batch, "--fork-kernels", "--quiet"]
                + ["--authorities", s.first_authority(r / "data/processed")]
            ),
        ),
        *[
            EntryPoint(f"{module} --help", lambda r, m=module: ["-m", m, "--help"])
            for module in (
                "lib.run",
                "lib.batch",
                "lib.evaluation",
                "lib.sources.synthetic",
                "lib.run.render",
            )
        ],
        EntryPoint("programme usage", lambda r: ["-m", "lib.programme"], expect=2),
        EntryPoint(
            "rejected definition", lambda r: ["-m", "lib.programme", "check", s.bad_definition(r)], expect=1
        ),
        EntryPoint(
            "build on a rejected definition",
            lambda r: ["-m", "lib.evaluation", "build", "--processed-dir", "../p3"],
            expect=1,
            env=(("EVAL_PROGRAMME", "../bad_definition.yaml"),),
        ),
        EntryPoint("unknown authority", lambda r: [*batch, "--authorities", "narnia"], expect=2),
        EntryPoint("empty --authorities", lambda r: [*batch, "--authorities", ""], expect=2),
        EntryPoint("bad --timeout", lambda r: ["-m", "lib.run", "--timeout", "-5"], expect=2),
        EntryPoint(
            "output dir is a file", lambda r: [*batch, "--output-dir", "outputs/index.html"], expect=2
        ),
        EntryPoint(
            "bad disclosure threshold", lambda r: batch, expect=2, env=(("EVAL_DISCLOSURE_THRESHOLD", "abc"),)
        ),
        EntryPoint(
            "missing raw folder",
            lambda r: ["-m", "lib.evaluation", "build", "--raw-dir", "../nowhere"],
            expect=1,
        ),
        EntryPoint(
            "raw files that break the contract",
            lambda r: [
                "-m",
                "lib.evaluation",
                "build",
                "--raw-dir",
                s.broken_raw(r),
                "--processed-dir",
                "../p1",
            ],
            expect=1,
        ),
        EntryPoint(
            "a raw row naming an unknown authority",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--raw-dir", s.misspelt_authority(r)]
                + ["--processed-dir", "../p4"]
            ),
            expect=1,
        ),
        EntryPoint(
            "unusable response file",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--responses-dir", s.unusable_responses(r)]
                + ["--processed-dir", "../p2"]
            ),
            expect=1,
        ),
        EntryPoint(
            "unknown synthetic format",
            lambda r: ["-m", "lib.sources.synthetic", "--formats", "doc"],
            expect=2,
        ),
    ]


def copy_project(source: Path, target: Path) -> Path:
    """A copy of what the entry points read, with empty data/processed and outputs folders."""
    for rel in COPIED:
        src, dst = source / rel, target / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        if src.is_dir():
            shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__", ".ipynb_checkpoints"))
        elif src.is_file():
            shutil.copy2(src, dst)
    (target / "data/processed").mkdir(parents=True)
    (target / "outputs").mkdir()
    modules = source / "node_modules"
    if modules.exists():
        (target / "node_modules").symlink_to(modules.resolve(), target_is_directory=True)
    return target


def write_rcfile(work: Path, project: Path) -> Path:
    rcfile = work / "coveragerc"
    rcfile.write_text(
        "[run]\n"
        f"source = {project / 'lib'}\n"
        f"data_file = {work / 'coverage' / '.coverage'}\n"
        "parallel = true\n"
        "patch = subprocess, fork, _exit\n"
        "sigterm = true\n"
        "disable_warnings = no-data-collected, module-not-measured, module-not-imported\n",
        encoding="utf-8",
    )
    (work / "coverage").mkdir()
    return rcfile


# The batch stops its kernels with SIGKILL, before coverage could save at exit: each kernel
# saves its data after every cell instead (an IPython startup file; IPYTHONDIR points here).
KERNEL_STARTUP = """\
import coverage


def _save_coverage(*args):
    cov = coverage.Coverage.current()
    if cov is not None:
        cov.save()


get_ipython().events.register("post_run_cell", _save_coverage)
"""


def write_ipython_dir(work: Path) -> Path:
    startup = work / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-save-coverage.py").write_text(KERNEL_STARTUP, encoding="utf-8")
    return work / "ipython"


def run_entry_point(point: EntryPoint, project: Path, rcfile: Path, deadline: float) -> str | None:
    """Run one entry point under coverage; None if it exited as expected, else a one-line problem."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "EVAL_"))}
    env.update({"PYTHONPATH": str(project), "IPYTHONDIR": str(rcfile.parent / "ipython"), **dict(point.env)})
    argv = [sys.executable, "-m", "coverage", "run", f"--rcfile={rcfile}", *point.argv(project)]
    log = rcfile.parent / "logs" / (point.name.replace(" ", "_").replace("/", "_") + ".log")
    log.parent.mkdir(exist_ok=True)
    started = time.monotonic()
    with log.open("w", encoding="utf-8") as out:
        # its own process group, so a run past the time limit is stopped with its workers
        process = subprocess.Popen(
            argv, cwd=project, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        try:
            returncode = process.wait(timeout=max(deadline - started, 1))
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
            return f"{point.name}: still running at the time limit (log: {log})"
    print(f"  {point.name}: exit {returncode} in {time.monotonic() - started:.1f} s", file=sys.stderr)
    if returncode != point.expect:
        return f"{point.name}: exit {returncode}, expected {point.expect} (log: {log})"
    return None


def executed_lines(rcfile: Path) -> dict[str, set[int]]:
    """Combine every process's data file; absolute path -> lines that ran."""
    import coverage

    cov = coverage.Coverage(config_file=str(rcfile))
    cov.combine(strict=True)
    data = cov.get_data()
    return {path: set(data.lines(path) or ()) for path in data.measured_files()}


@dataclass(frozen=True, order=True)
class Function:
    path: str  # relative to the project, posix
    line: int
    name: str  # qualified: Class.method, outer.inner


def _body_lines(node: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """Lines of the statements in a function's body, not descending into nested definitions."""
    lines: set[int] = set()
    stack: list[ast.AST] = list(node.body)
    while stack:
        child = stack.pop()
        if isinstance(child, ast.stmt):
            lines.add(child.lineno)
        if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            lines.update(d.lineno for d in child.decorator_list)
            continue
        stack.extend(ast.iter_child_nodes(child))
    return lines


def functions_in(path: Path) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
    """(qualified name, node) of every function and method in a module, nested ones included."""

    def walk(node: ast.AST, prefix: str) -> Iterator[tuple[str, ast.FunctionDef | ast.AsyncFunctionDef]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                yield prefix + child.name, child
                yield from walk(child, f"{prefix}{child.name}.")
            elif isinstance(child, ast.ClassDef):
                yield from walk(child, f"{prefix}{child.name}.")
            else:
                yield from walk(child, prefix)

    yield from walk(ast.parse(path.read_text(encoding="utf-8")), "")


def never_ran(
    project: Path, executed: dict[str, set[int]], statements: Callable[[Path], set[int]]
) -> list[Function]:
    """Functions under project/lib with executable lines of which none ran."""
    found = []
    for path in sorted((project / "lib").rglob("*.py")):
        ran = executed.get(str(path), set())
        measurable = statements(path)
        for name, node in functions_in(path):
            lines = _body_lines(node) & measurable
            if lines and not lines & ran and not _stub(node):
                found.append(Function(path.relative_to(project).as_posix(), node.lineno, name))
    return found


def _stub(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A body of only a docstring, ``...`` or ``pass`` (a protocol or an overload): nothing to run."""
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    return all(
        isinstance(s, ast.Pass) or (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))
        for s in body
    )


def coverage_statements(rcfile: Path) -> Callable[[Path], set[int]]:
    """The executable lines of a file as coverage sees them (excluded lines left out)."""
    import coverage

    cov = coverage.Coverage(config_file=str(rcfile))
    cov.load()
    return lambda path: set(cov.analysis2(str(path))[1])


def read_allowlist(path: Path) -> set[tuple[str, str]]:
    """(path, qualified name) pairs; blank lines and ``#`` comments ignored."""
    if not path.is_file():
        return set()
    entries = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        fields = line.split("#", 1)[0].split()
        if len(fields) == 2:
            entries.add((fields[0], fields[1]))
    return entries


def measure(work: Path, timeout: float, cell_timeout: str) -> tuple[Path, dict[str, set[int]], Callable]:
    """Copy the project into work/, run every entry point under coverage, combine."""
    project = copy_project(ROOT, work / "project")
    rcfile = write_rcfile(work, project)
    write_ipython_dir(work)
    deadline = time.monotonic() + timeout
    for point in entry_points(cell_timeout):
        if problem := run_entry_point(point, project, rcfile, deadline):
            # later entry points read what earlier ones wrote: stop at the first that went wrong
            print(f"error: {problem}; nothing listed (--keep DIR keeps the logs)", file=sys.stderr)
            raise SystemExit(2)
    return project, executed_lines(rcfile), coverage_statements(rcfile)


def report(unused: list[Function], allowed: set[tuple[str, str]]) -> int:
    listed = [f for f in unused if (f.path, f.name) not in allowed]
    for function in listed:
        print(f"{function.path}:{function.line} {function.name}")
    stale = allowed - {(f.path, f.name) for f in unused}
    for path, name in sorted(stale):
        print(f"{ALLOWLIST.name}: {path} {name} ran (or no longer exists): remove the entry", file=sys.stderr)
    print(
        f"{len(listed)} functions in lib/ never ran ({len(unused) - len(listed)} allowlisted)",
        file=sys.stderr,
    )
    return 1 if listed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.unused", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--keep", type=Path, help="work in this (new) folder and keep it (logs, coverage data)"
    )
    parser.add_argument(
        "--timeout", type=float, default=600, help="seconds for all entry points (default 600)"
    )
    parser.add_argument("--cell-timeout", default=CELL_TIMEOUT, help="per-cell timeout of every kernel")
    args = parser.parse_args(argv)
    if args.keep:
        args.keep.mkdir(parents=True)
        project, executed, statements = measure(args.keep.resolve(), args.timeout, args.cell_timeout)
        return report(never_ran(project, executed, statements), read_allowlist(ALLOWLIST))
    with tempfile.TemporaryDirectory(prefix="unused-") as tmp:
        project, executed, statements = measure(Path(tmp), args.timeout, args.cell_timeout)
        return report(never_ran(project, executed, statements), read_allowlist(ALLOWLIST))


if __name__ == "__main__":
    raise SystemExit(main())
