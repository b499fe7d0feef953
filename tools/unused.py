"""List the functions of ``lib`` that no real entry point runs (``make unused``).

The project's ``lib``, notebooks, docs, raw data and programme definition are copied to a
temporary folder, so nothing in the checkout changes. There, under coverage, the workbook is
driven the way its users drive it: the data build (``python -m lib.evaluation build``, and
``check``), the batch as ``make reports`` runs it (``python -m lib.run --timeout 180
--fork-kernels``), run twice (the second is the cached re-run), one report with fresh kernels and
``--keep-code``, the explore notebook with papermill (then every choice of its explorers'
dropdowns picked, as a reader would), the run-reports notebook with papermill (then its form
driven: two authorities picked, Run pressed and waited for, a bad threshold, Cancel pressed
during a forced run), both pages rendered without a kernel as docs/contributing.md shows (also
for a programme that states no success measure), ``python -m lib.programme check`` and
``reference``, ``python -m lib.report.contributing``, the synthetic-responses generator with a
build and a batch from its files, the page renderer, each command's ``--help``, and the errors a
user meets (a bad ``--authorities``, a bad ``--timeout``, a rejected definition, also under a
build, raw files that break the contract, a raw row naming an unknown authority). Kernels, worker
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
import csv
import json
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
]
CELL_TIMEOUT = "180"


@dataclass(frozen=True)
class EntryPoint:
    name: str
    argv: Callable[[Path], list[str]]  # from the copy's root: arguments after ``python``
    expect: int = 0  # the exit status a correct run gives
    env: tuple[tuple[str, str], ...] = ()


def _first_authority(processed: Path) -> str:
    with (processed / "authorities.csv").open(newline="", encoding="utf-8") as handle:
        return next(csv.DictReader(handle))["authority_id"]


def _bad_definition(root: Path) -> str:
    path = root.parent / "bad_definition.yaml"
    path.write_text("name: A programme with nothing else\nauthorities: []\n", encoding="utf-8")
    return str(path)


def _odd_responses(root: Path) -> str:
    """A response folder whose one file names a sector the definition does not know."""
    folder = root.parent / "odd-responses"
    folder.mkdir(exist_ok=True)
    (folder / "wave_pre.csv").write_text(
        "respondent_ref,authority,sector,phase,understand_co_production\n"
        "R1,Leeds,VCS,pre,5\nR2,Leeds,Parks department,pre,4\n",
        encoding="utf-8",
    )
    return str(folder)


def _broken_raw(root: Path) -> str:
    """A copy of the raw folder with one file not UTF-8, a row of '?' at the end of the others
    and, in the second file, one field too many on that row."""
    broken = root.parent / "raw-broken"
    shutil.copytree(root / "data/raw", broken)
    first, *others = sorted(broken.glob("*.csv"))
    first.write_bytes(first.read_bytes() + b"\xff\n")
    for path in others:
        header = path.read_text(encoding="utf-8").splitlines()[0]
        fields = len(header.split(",")) + (path == others[0])
        with path.open("a", encoding="utf-8") as handle:
            handle.write(",".join("?" * fields) + "\n")
    return str(broken)


def _unusable_responses(root: Path) -> str:
    """A responses folder holding one file with no authority column."""
    folder = root.parent / "responses-unusable"
    folder.mkdir()
    (folder / "export.csv").write_text("not,a,response\n1,2,3\n", encoding="utf-8")
    return str(folder)


# Appended to a copy of the explore notebook: what a reader does next, picking every choice of
# every dropdown in each explorer the notebook displayed (IPython keeps them in ``Out``).
EVERY_CHOICE = """\
import ipywidgets


def _every_choice(widget):
    for child in getattr(widget, "children", ()):
        _every_choice(child)
    if isinstance(widget, ipywidgets.Dropdown):
        first = widget.index
        for index in range(len(widget.options)):
            widget.index = index
        widget.index = first


for _shown in list(Out.values()):
    if isinstance(_shown, ipywidgets.Widget):
        _every_choice(_shown)
"""


def _explore_every_choice(root: Path) -> str:
    """The explore notebook with a last cell that picks every choice of its explorers."""
    notebook = json.loads((root / "notebooks/explore.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "every-choice", "metadata": {}, "outputs": []}
        | {"source": EVERY_CHOICE}
    )
    path = root.parent / "explore-every-choice.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return str(path)


def _misspelt_authority(root: Path) -> str:
    """A copy of the raw folder where one row names an authority no definition knows."""
    folder = root.parent / "raw-misspelt"
    shutil.copytree(root / "data/raw", folder)
    path = folder / "case_study_impacts.csv"
    header, first, *rest = path.read_text(encoding="utf-8").splitlines(keepends=True)
    name = first.split(",", 1)[0]
    path.write_text(header + first.replace(name, "Leeds Citty Councl", 1) + "".join(rest), encoding="utf-8")
    return str(folder)


# Appended to a copy of the run-reports notebook: what a user does with the form it shows. Pick two
# authorities (through the filter), raise the disclosure threshold, press Run and wait for the end;
# press Run again with a bad threshold (the form says why and runs nothing); force a rebuild of the
# authorities (the form lists what changed); force one more and press Cancel once it is under way;
# point the form at a folder with no processed data.
DRIVE_FORM = """\
import time

_form = next(v for v in Out.values() if type(v).__name__ == "RunForm")
_form.output_dir.value = "../site-form"
_form.timeout.value = {timeout}
_form.threshold.value = "200"  # high enough to hide the survey's figures
_ids = [value for _, value in _form.authorities.options if value != "all"][:2]
_form.filter.value = _ids[0][:3]
_form.authorities.value = (_ids[0],)
_form.filter.value = ""
_form.authorities.value = tuple(_ids)


def _run_to_end(cancel=False):
    _form.run_button.click()
    if cancel:
        _until = time.monotonic() + {timeout}
        while _form.batch.running and not _form.status.value and time.monotonic() < _until:
            time.sleep(0.2)
        _form.cancel_button.click()
    if _form.batch.wait(timeout={timeout}) is None:
        raise RuntimeError("the run did not end in time")
    print(_form.progress.bar_style, _form.summary.value, _form.errors.value)


_run_to_end()
_form.threshold.value = "abc"
_form.run_button.click()
assert "threshold" in _form.errors.value.lower(), _form.errors.value
_form.threshold.value = "10"
_form.force.value = True
_form.programme.value = False
_run_to_end()
assert "changed since the previous build" in _form.changes.value, _form.changes.value
_run_to_end(cancel=True)
_form.processed_dir.value = "../nowhere"
"""


def _run_form_driven(root: Path, timeout: str) -> str:
    """The run-reports notebook with a last cell that drives its form as a user would."""
    notebook = json.loads((root / "notebooks/run_reports.ipynb").read_text(encoding="utf-8"))
    notebook["cells"].append(
        {"cell_type": "code", "execution_count": None, "id": "drive-form", "metadata": {}, "outputs": []}
        | {"source": DRIVE_FORM.format(timeout=timeout)}
    )
    path = root.parent / "run-reports-driven.ipynb"
    path.write_text(json.dumps(notebook, indent=1), encoding="utf-8")
    return str(path)


# docs/contributing.md's way to render a page without a kernel: both pages, from a processed folder.
RENDER_WITHOUT_KERNEL = """\
import sys

from lib.report import pages, workbook

wb = workbook.load_workbook(sys.argv[1])
print(pages.PROGRAMME_PAGE.render(wb))
print(pages.AUTHORITY_PAGE.render(wb, sys.argv[2]))
"""


def _render_without_kernel(root: Path, processed: str) -> list[str]:
    """Arguments that render both pages from ``processed`` (relative to the copy) with no kernel."""
    script = root.parent / "render_without_kernel.py"
    script.write_text(RENDER_WITHOUT_KERNEL, encoding="utf-8")
    return [str(script), processed, _first_authority(root / processed)]


def _no_success_measure(root: Path) -> str:
    """A programme whose documents state no success measure: a definition without the topic
    (``../no-measure.yaml``), and a copy of the raw folder without its statement."""
    definition = (root / "data/definition.yaml").read_text(encoding="utf-8")
    topic = "  - id: success_measure\n    label: The programme's own success measure\n"
    (root.parent / "no-measure.yaml").write_text(definition.replace(topic, ""), encoding="utf-8")
    shutil.copy(root / "data/plan.yaml", root.parent / "plan.yaml")  # its evaluation plan, beside it
    folder = root.parent / "raw-no-measure"
    shutil.copytree(root / "data/raw", folder)
    path = folder / "programme_statements.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if not x.startswith("success_measure,")), encoding="utf-8")
    return str(folder)


def _on_responses(root: Path) -> list[str]:
    """Batch options for the build from synthetic responses: its folders, its first authority."""
    syn = root.parent / "synthetic"
    authority = _first_authority(syn / "processed")
    return [
        "--processed-dir",
        str(syn / "processed"),
        "--output-dir",
        str(syn / "site"),
        "--authorities",
        authority,
    ]


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
                [*batch, "--authorities", _first_authority(r / "data/processed"), "--no-programme"]
                + ["--force", "--keep-code", "--workers", "1", "--output-dir", "../site-one"]
            ),
        ),
        EntryPoint(
            "explore notebook",
            lambda r: (
                ["-m", "papermill", _explore_every_choice(r), "../explore.ipynb", "--execution-timeout"]
                + [timeout, "-p", "processed_dir", str(r / "data/processed"), "--no-progress-bar"]
            ),
        ),
        EntryPoint(
            "page renderer",
            lambda r: ["-m", "lib.run.render", "../explore.ipynb", "../explore.html", "--title", "Explore"],
        ),
        EntryPoint(
            "run form",
            lambda r: (
                ["-m", "papermill", _run_form_driven(r, timeout), "../run-reports.ipynb"]
                + ["--execution-timeout", str(3 * int(timeout)), "--no-progress-bar"]
            ),
        ),
        EntryPoint(
            "pages without a kernel",  # docs/contributing.md
            lambda r: _render_without_kernel(r, "data/processed"),
        ),
        EntryPoint(
            "data build, no success measure stated",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--raw-dir", _no_success_measure(r), "--quiet"]
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
            lambda r: _render_without_kernel(r, "../no-measure"),
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
            "response file with an unknown sector",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--quiet", "--responses-dir", _odd_responses(r)]
                + ["--processed-dir", "../odd/processed", "--outputs-dir", "../odd/outputs"]
            ),
        ),
        EntryPoint(
            "batch with responses", lambda r: [*batch, "--fork-kernels", "--quiet", *_on_responses(r)]
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
            "rejected definition", lambda r: ["-m", "lib.programme", "check", _bad_definition(r)], expect=1
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
                _broken_raw(r),
                "--processed-dir",
                "../p1",
            ],
            expect=1,
        ),
        EntryPoint(
            "a raw row naming an unknown authority",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--raw-dir", _misspelt_authority(r)]
                + ["--processed-dir", "../p4"]
            ),
            expect=1,
        ),
        EntryPoint(
            "unusable response file",
            lambda r: (
                ["-m", "lib.evaluation", "build", "--responses-dir", _unusable_responses(r)]
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
