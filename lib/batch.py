"""Batch runner: execute and render every report of a run.

One programme report (``notebooks/programme_report.ipynb``, id ``programme``)
and one authority report per local authority
(``notebooks/authority_report.ipynb``, id = ``authority_id``) are executed
with papermill and rendered to offline HTML (:mod:`lib.render`) by a pool of
long-lived worker processes that import papermill and nbconvert once. Every
report still gets a fresh kernel.

Outputs (under ``--output-dir``, default ``outputs/``)::

    notebooks/<id>.ipynb     executed notebooks (failed ones keep their error)
    html/<id>.html           one self-contained offline page per report
    html/index.html          index with relative links (zip html/ and go)
    html/data_quality_log.csv  copy of <out>/data_quality_log.csv, if any
    index.html               the same index, links pointing into html/
    manifest.json            ids, parameters, input hashes, timings, status

Every file is written to a temporary name in its own directory and renamed
into place, so an interrupted or concurrent run never leaves a half-written
file. Reports that were not part of this run stay in the manifest and the
index (with their own build time and data version) while their HTML exists.

CLI: ``python -m lib.batch --help``. Python: :func:`run_batch`.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import os
import re
import sys
import tempfile
import time
import traceback
from collections.abc import Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parents[1]
PROGRAMME_NOTEBOOK = Path("notebooks/programme_report.ipynb")
AUTHORITY_NOTEBOOK = Path("notebooks/authority_report.ipynb")
PROGRAMME_ID = "programme"
AUTHORITIES_CSV = "authorities.csv"
DATA_QUALITY_LOG = "data_quality_log.csv"
MANIFEST_VERSION = 1

# Report ids become file names: keep them to lower-case slugs.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BatchError(Exception):
    """Invalid parameters or inputs, found before any kernel starts."""


# ---------------------------------------------------------------------------
# Atomic writes
# ---------------------------------------------------------------------------


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> Path:
    """Write ``data`` to a temp file next to ``path`` and rename it into place.

    Readers see either the old file or the complete new one, never a partial
    one; on any exception the temp file is removed and ``path`` is untouched.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    return path


def atomic_write_text(path: str | os.PathLike, text: str) -> Path:
    return atomic_write_bytes(path, text.encode("utf-8"))


def atomic_copy(src: str | os.PathLike, dst: str | os.PathLike) -> Path:
    return atomic_write_bytes(dst, Path(src).read_bytes())


def _temp_path(path: Path) -> Path:
    """A unique temp name in ``path``'s directory (for writers we don't own)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}", dir=path.parent)
    os.close(fd)
    return Path(tmp)


# ---------------------------------------------------------------------------
# Planning (cheap; no papermill/nbconvert imports)
# ---------------------------------------------------------------------------


@dataclass
class ReportSpec:
    report_id: str
    kind: str  # "programme" | "authority"
    display_name: str
    notebook: Path  # absolute
    parameters: dict[str, Any]
    notebook_sha256: str = ""


@dataclass
class ReportResult:
    id: str
    kind: str
    display_name: str
    parameters: dict[str, Any]
    inputs: dict[str, Any]
    input_hash: str
    data_version: str
    started_at: str
    finished_at: str
    duration_s: float
    status: str  # "ok" | "failed"
    error: str | None
    outputs: dict[str, str | None]
    timings: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass
class BatchResult:
    output_dir: Path
    results: list[ReportResult]
    data_version: str
    manifest_path: Path
    index_path: Path
    html_index_path: Path
    wall_s: float

    @property
    def failed(self) -> list[ReportResult]:
        return [r for r in self.results if not r.ok]

    @property
    def exit_code(self) -> int:
        return 1 if self.failed else 0


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def hash_data_dir(processed_dir: Path) -> tuple[dict[str, str], str]:
    """sha256 of every file under processed_dir, and a combined data version.

    Hidden files (``.gitkeep``, editor/temp files) are skipped. The data
    version is the sha256 of the sorted ``relpath\\0sha256`` lines.
    """
    files: dict[str, str] = {}
    for p in sorted(processed_dir.rglob("*")):
        rel = p.relative_to(processed_dir)
        if p.is_file() and not any(part.startswith(".") for part in rel.parts):
            files[rel.as_posix()] = sha256_file(p)
    combined = hashlib.sha256()
    for rel, digest in files.items():
        combined.update(f"{rel}\0{digest}\n".encode())
    return files, combined.hexdigest()


def read_authorities(processed_dir: Path) -> dict[str, str]:
    """authority_id -> display name, from <processed_dir>/authorities.csv."""
    path = processed_dir / AUTHORITIES_CSV
    if not path.is_file():
        raise BatchError(f"{path} not found; build the processed data first (make data)")
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if "authority_id" not in (reader.fieldnames or []):
            raise BatchError(f"{path} has no 'authority_id' column")
        out: dict[str, str] = {}
        for row in reader:
            aid = (row.get("authority_id") or "").strip()
            if not aid:
                continue
            name = (row.get("authority") or "").strip() or aid
            out[aid] = name
    if not out:
        raise BatchError(f"{path} lists no authorities")
    return out


def _param_path(path: Path, project_root: Path) -> str:
    """Path as the notebook should see it: relative to the project root if inside."""
    try:
        return path.resolve().relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _abs(path: str | os.PathLike, base: Path) -> Path:
    p = Path(path)
    return p if p.is_absolute() else (base / p)


def plan_reports(
    authorities: Sequence[str] | None = None,
    *,
    include_programme: bool = True,
    processed_dir: str | os.PathLike = "data/processed",
    project_root: str | os.PathLike = PROJECT_ROOT,
    programme_notebook: str | os.PathLike = PROGRAMME_NOTEBOOK,
    authority_notebook: str | os.PathLike = AUTHORITY_NOTEBOOK,
) -> tuple[list[ReportSpec], dict[str, str]]:
    """Validate parameters and list the reports to run. Raises BatchError."""
    root = Path(project_root).resolve()
    pdir = _abs(processed_dir, root)
    if not pdir.is_dir():
        raise BatchError(f"processed data directory {pdir} not found; build it first (make data)")
    names = read_authorities(pdir)
    valid = sorted(names)
    bad_slugs = [a for a in valid if not _SLUG.match(a)]
    if authorities is None:
        selected = valid
    else:
        selected = list(dict.fromkeys(a.strip() for a in authorities if a.strip()))
        unknown = [a for a in selected if a not in names]
        if unknown:
            which = ", ".join(repr(a) for a in unknown)
            noun = "authority" if len(unknown) == 1 else "authorities"
            raise BatchError(f"unknown {noun} {which}; valid ids: {', '.join(valid)}")
        if not selected and not include_programme:
            raise BatchError("no reports selected")
    bad = [a for a in selected if a in bad_slugs]
    if bad:
        raise BatchError(
            f"invalid authority id {bad[0]!r} in {pdir / AUTHORITIES_CSV}: "
            "ids must be lower-case slugs (a-z, 0-9, '-')"
        )
    if not selected and not include_programme:
        raise BatchError("no reports selected")
    pnb = _abs(programme_notebook, root)
    anb = _abs(authority_notebook, root)
    needed = ([pnb] if include_programme else []) + ([anb] if selected else [])
    for nb in needed:
        if not nb.is_file():
            raise BatchError(f"notebook {nb} not found")
    pparam = _param_path(pdir, root)
    specs: list[ReportSpec] = []
    if include_programme:
        specs.append(
            ReportSpec(PROGRAMME_ID, "programme", "Programme report", pnb.resolve(), {"processed_dir": pparam})
        )
    for aid in selected:
        specs.append(
            ReportSpec(
                aid, "authority", names[aid], anb.resolve(), {"processed_dir": pparam, "authority_id": aid}
            )
        )
    return specs, names


# ---------------------------------------------------------------------------
# Worker side
# ---------------------------------------------------------------------------

_WORKER: dict[str, Any] = {}


_POLL_SLICE_S = 0.25


def _poll_kernel_replies_in_short_slices() -> None:
    """Work around a missed wake-up when a cell creates widgets (nbclient #312).

    Now and then the execute reply of a cell that opens many widget comms is
    picked up only when the whole per-cell timeout has run out, so a report
    with widgets took ``timeout`` seconds longer (seen about one run in three
    on 2 cores). Polling the kernel's channels in short slices until the same
    deadline gives the same semantics (``Empty`` only after ``timeout``) and
    notices the reply within a quarter of a second.
    """
    from queue import Empty
    from time import monotonic

    from jupyter_client.channels import AsyncZMQSocketChannel

    if getattr(AsyncZMQSocketChannel.get_msg, "_sliced", False):
        return
    original = AsyncZMQSocketChannel.get_msg

    async def get_msg(self, timeout: float | None = None):
        deadline = None if timeout is None else monotonic() + timeout
        while True:
            remaining = None if deadline is None else max(0.0, deadline - monotonic())
            step = _POLL_SLICE_S if remaining is None else min(_POLL_SLICE_S, remaining)
            try:
                return await original(self, timeout=step)
            except Empty:
                if deadline is not None and monotonic() >= deadline:
                    raise

    get_msg._sliced = True  # type: ignore[attr-defined]
    AsyncZMQSocketChannel.get_msg = get_msg


def _worker_init(keep_code: bool, node_modules: str | None, stderr_log: str | None = None) -> None:
    """Pool initializer: import papermill/nbconvert and build the exporter once.

    ``stderr_log``: the worker's stderr (inherited by its kernels, whose
    start-up warnings would otherwise garble the progress bar) is appended
    to this file.
    """
    import logging
    import warnings

    import nbformat  # noqa: F401
    import papermill

    from lib import render

    if stderr_log:
        fd = os.open(stderr_log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        os.dup2(fd, 2)
        os.close(fd)
    # `kill -USR1 <worker pid>` dumps every thread's stack to the log.
    import faulthandler
    import signal

    faulthandler.register(signal.SIGUSR1, all_threads=True)
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    logging.getLogger("papermill").setLevel(logging.WARNING)
    logging.getLogger("traitlets").setLevel(logging.ERROR)
    _poll_kernel_replies_in_short_slices()
    _WORKER["papermill"] = papermill
    _WORKER["exporter"] = render.make_exporter(
        keep_code=keep_code, node_modules=Path(node_modules) if node_modules else None
    )


def _error_summary(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename is not None:  # papermill.PapermillExecutionError
        evalue = str(getattr(exc, "evalue", "")).strip()
        where = getattr(exc, "exec_count", None)
        cell = f" (cell [{where}])" if where is not None else ""
        msg = f"{ename}: {evalue}{cell}"
    else:
        msg = f"{type(exc).__name__}: {exc}".strip()
    msg = " ".join(msg.split())
    return msg if len(msg) <= 500 else msg[:497] + "..."


def _is_infrastructure_error(exc: BaseException) -> bool:
    """Kernel death or a timeout, as opposed to an error raised by a cell."""
    if getattr(exc, "ename", None) is not None:  # PapermillExecutionError: the report's own error
        return False
    names = {t.__name__ for t in type(exc).__mro__}
    return bool(names & {"DeadKernelError", "CellTimeoutError", "TimeoutError"}) or (
        isinstance(exc, RuntimeError) and "Kernel" in str(exc)
    )


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def execute_report(job: dict[str, Any]) -> dict[str, Any]:
    """Execute one report with papermill and render it. Runs in a worker.

    Never raises for a report failure: returns a dict with status "failed"
    and the error summary. The executed notebook is kept whenever papermill
    wrote it (with the error cell), and rendered like any other.
    """
    if not _WORKER:
        _worker_init(job["keep_code"], job.get("node_modules"))
    papermill = _WORKER["papermill"]
    exporter = _WORKER["exporter"]
    from lib import render

    nb_out = Path(job["notebook_out"])
    html_out = Path(job["html_out"])
    started_at = _utc_now()
    t0 = time.perf_counter()
    error: str | None = None
    timings: dict[str, Any] = {}
    tmp_nb = _temp_path(nb_out)
    have_nb = False
    try:
        for attempt in (1, 2):
            try:
                papermill.execute_notebook(
                    job["notebook"],
                    str(tmp_nb),
                    parameters=job["parameters"],
                    kernel_name=job.get("kernel_name", "python3"),
                    cwd=job["cwd"],
                    progress_bar=False,
                    log_output=False,
                    request_save_on_cell_execute=False,
                    shutdown_kernel="immediate",
                    execution_timeout=job.get("timeout"),
                )
                error = None
            except Exception as exc:  # report failure: keep going
                error = _error_summary(exc)
                if attempt == 1 and _is_infrastructure_error(exc):
                    # kernel died or a reply never came (seen once under heavy
                    # load): one retry with a fresh kernel, then give up
                    timings["retried_after"] = error
                    continue
            break
        timings["execute_s"] = round(time.perf_counter() - t0, 3)
        have_nb = tmp_nb.is_file() and tmp_nb.stat().st_size > 0
        if have_nb:
            t1 = time.perf_counter()
            try:
                render.render_notebook(
                    tmp_nb, html_out, keep_code=job["keep_code"], title=job["title"], exporter=exporter
                )
            except Exception as exc:
                msg = f"render failed: {_error_summary(exc)}"
                error = f"{error}; {msg}" if error else msg
            timings["render_s"] = round(time.perf_counter() - t1, 3)
            os.replace(tmp_nb, nb_out)
    finally:
        if tmp_nb.exists():
            tmp_nb.unlink()
    return {
        "id": job["id"],
        "started_at": started_at,
        "finished_at": _utc_now(),
        "duration_s": round(time.perf_counter() - t0, 3),
        "status": "failed" if error else "ok",
        "error": error,
        "have_notebook": have_nb,
        "have_html": html_out.is_file() and have_nb,
        "timings": timings,
    }


# ---------------------------------------------------------------------------
# Index page
# ---------------------------------------------------------------------------

_INDEX_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ title }}</title>
<style>
  body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; margin: 0; color: #1b1b1b; background: #fff; line-height: 1.5; }
  main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem 3rem; }
  h1 { font-size: 1.75rem; margin: 0 0 .5rem; }
  table { border-collapse: collapse; width: 100%; margin-top: 1rem; }
  caption { text-align: left; font-weight: 600; padding: .5rem 0; }
  th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid #d0d0d0; vertical-align: top; }
  thead th { border-bottom: 2px solid #555; }
  tbody th { font-weight: normal; }
  tr.group th { background: #f0f0f0; font-weight: 600; }
  a { color: #0b4f9c; }
  a:focus { outline: 3px solid #ffbf47; outline-offset: 1px; }
  .status-ok { color: #0f5b2a; }
  .status-failed { color: #a4000f; font-weight: 600; }
  code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; }
  .error { display: block; font-size: .875rem; color: #555; }
</style>
</head>
<body>
<main>
<h1>{{ title }}</h1>
<p>Built by <code>python -m lib.batch</code>. Each report is a single HTML file that works offline.
{%- if n_failed %} <strong>{{ n_failed }} of {{ rows|length }} reports failed</strong>: their pages show the error.{% endif %}</p>
<p>{% if dq_href %}<a href="{{ dq_href }}">Data-quality log (CSV)</a>{% else %}Data-quality log: not available for this run.{% endif %}
{% if caveats_href %} · <a href="{{ caveats_href }}">Assumptions and caveats log</a>{% endif %}</p>
<table>
<caption>Reports: programme first, then local authorities A to Z</caption>
<thead>
<tr><th scope="col">Report</th><th scope="col">Status</th><th scope="col">Built (UTC)</th><th scope="col">Data version</th></tr>
</thead>
<tbody>
{%- for group, items in groups %}
<tr class="group"><th scope="colgroup" colspan="4">{{ group }}</th></tr>
{%- for r in items %}
<tr>
<th scope="row">{% if r.href %}<a href="{{ r.href }}">{{ r.name }}</a>{% else %}{{ r.name }}{% endif %}{% if r.show_id %} <code>({{ r.id }})</code>{% endif %}</th>
<td class="status-{{ r.status }}">{{ r.status_text }}{% if r.error %}<span class="error">{{ r.error }}</span>{% endif %}</td>
<td><time datetime="{{ r.built }}">{{ r.built }}</time></td>
<td><code title="{{ r.data_version }}">{{ r.data_version_short }}</code></td>
</tr>
{%- endfor %}
{%- endfor %}
</tbody>
</table>
</main>
</body>
</html>
"""


def render_index(results: Iterable[ReportResult], *, prefix: str = "", dq_href: str | None = None,
                 caveats_href: str | None = None) -> str:
    """The index page. ``prefix`` is prepended to the relative report links."""
    from jinja2 import Environment

    env = Environment(autoescape=True, trim_blocks=False)
    tmpl = env.from_string(_INDEX_TEMPLATE)
    rows = []
    for r in results:
        html_rel = r.outputs.get("html")
        href = None
        if html_rel:
            href = prefix + Path(html_rel).name
        rows.append(
            {
                "id": r.id,
                "kind": r.kind,
                "name": r.display_name,
                "show_id": r.kind == "authority",
                "href": href,
                "status": "ok" if r.ok else "failed",
                "status_text": "OK" if r.ok else "Failed",
                "error": r.error,
                "built": r.finished_at,
                "data_version": r.data_version,
                "data_version_short": r.data_version[:12],
            }
        )
    programme = [x for x in rows if x["kind"] == "programme"]
    authorities = sorted(
        (x for x in rows if x["kind"] != "programme"), key=lambda x: (x["name"].casefold(), x["id"])
    )
    groups = [(g, items) for g, items in (("Programme", programme), ("Local authorities", authorities)) if items]
    return tmpl.render(
        title="Evaluation reports",
        rows=rows,
        groups=groups,
        n_failed=sum(1 for x in rows if x["status"] != "ok"),
        dq_href=dq_href,
        caveats_href=caveats_href,
    )


# ---------------------------------------------------------------------------
# Driver
# ---------------------------------------------------------------------------


def _load_previous(manifest_path: Path, out: Path) -> dict[str, ReportResult]:
    """Entries of an earlier manifest whose HTML still exists (kept in the index)."""
    try:
        data = json.loads(manifest_path.read_text(encoding="utf-8"))
        kept = {}
        for entry in data.get("reports", []):
            r = ReportResult(**entry)
            if r.outputs.get("html") and (out / r.outputs["html"]).is_file():
                kept[r.id] = r
        return kept
    except (OSError, ValueError, TypeError, KeyError):
        return {}


def _notebook_title(path: Path, fallback: str) -> str:
    import nbformat

    from lib import render

    try:
        nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=4)
        return render.notebook_title(nb, fallback)
    except (OSError, ValueError, AttributeError, TypeError, nbformat.ValidationError):
        return fallback


def _default_workers(n_reports: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_reports))


def run_batch(
    authorities: Sequence[str] | None = None,
    *,
    include_programme: bool = True,
    workers: int | None = None,
    output_dir: str | os.PathLike = "outputs",
    processed_dir: str | os.PathLike = "data/processed",
    keep_code: bool = False,
    progress: bool = False,
    project_root: str | os.PathLike = PROJECT_ROOT,
    programme_notebook: str | os.PathLike = PROGRAMME_NOTEBOOK,
    authority_notebook: str | os.PathLike = AUTHORITY_NOTEBOOK,
    kernel_name: str = "python3",
    timeout: int | None = 600,
    node_modules: str | os.PathLike | None = None,
    check_assets: bool = True,
) -> BatchResult:
    """Execute and render the reports; write outputs, manifest and index.

    Relative ``output_dir``/``processed_dir``/notebook paths are taken from
    ``project_root`` (the notebooks run with cwd = project_root). Raises
    :class:`BatchError` (before any kernel starts, writing nothing) for
    invalid parameters. Report failures do not raise: see
    ``BatchResult.failed`` / ``exit_code``.
    """
    t_start = time.perf_counter()
    root = Path(project_root).resolve()
    specs, _names = plan_reports(
        authorities,
        include_programme=include_programme,
        processed_dir=processed_dir,
        project_root=root,
        programme_notebook=programme_notebook,
        authority_notebook=authority_notebook,
    )
    if workers is not None and workers < 1:
        raise BatchError("--workers must be at least 1")
    if check_assets:
        from lib import render

        try:
            render.check_assets(Path(node_modules) if node_modules else None)
        except render.AssetsMissingError as exc:
            raise BatchError(str(exc)) from None

    pdir = _abs(processed_dir, root).resolve()
    data_files, data_version = hash_data_dir(pdir)
    nb_hashes: dict[Path, str] = {}
    for s in specs:
        if s.notebook not in nb_hashes:
            nb_hashes[s.notebook] = sha256_file(s.notebook)
        s.notebook_sha256 = nb_hashes[s.notebook]

    out = _abs(output_dir, root).resolve()
    nb_dir, html_dir = out / "notebooks", out / "html"
    nb_dir.mkdir(parents=True, exist_ok=True)
    html_dir.mkdir(parents=True, exist_ok=True)

    n_workers = min(workers or _default_workers(len(specs)), len(specs))
    base_titles = {}
    for s in specs:
        if s.notebook not in base_titles:
            base_titles[s.notebook] = _notebook_title(s.notebook, f"{s.kind.capitalize()} report")
    jobs = []
    for s in specs:
        # <title>: the notebook's metadata title (or first heading), then the
        # authority's display name; plain text, escaped by the template.
        title = base_titles[s.notebook] if s.kind == "programme" else f"{base_titles[s.notebook]}: {s.display_name}"
        jobs.append(
            {
                "id": s.report_id,
                "notebook": str(s.notebook),
                "parameters": s.parameters,
                "cwd": str(root),
                "notebook_out": str(nb_dir / f"{s.report_id}.ipynb"),
                "html_out": str(html_dir / f"{s.report_id}.html"),
                "keep_code": keep_code,
                "title": title,
                "kernel_name": kernel_name,
                "timeout": timeout,
                "node_modules": str(node_modules) if node_modules else None,
            }
        )

    raw: dict[str, dict[str, Any]] = {}
    bar = None
    log_dir = out / "logs"
    log_dir.mkdir(exist_ok=True)
    import multiprocessing as mp

    # fork: workers inherit the parent's imports (papermill, nbconvert: ~1 s
    # per process otherwise). The pool is created and every job submitted
    # before tqdm starts its monitor thread. Elsewhere: the default context.
    ctx = mp.get_context("fork") if "fork" in mp.get_all_start_methods() else None
    if ctx is not None:
        import nbformat  # noqa: F401
        import papermill  # noqa: F401

        from lib import render as _render  # noqa: F401
    with ProcessPoolExecutor(
        max_workers=n_workers,
        mp_context=ctx,
        initializer=_worker_init,
        initargs=(keep_code, str(node_modules) if node_modules else None, str(log_dir / "kernels.log")),
    ) as pool:
        futures = {pool.submit(execute_report, job): job for job in jobs}
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(jobs), unit="report", file=sys.stderr, desc="reports")
        for fut in as_completed(futures):
            job = futures[fut]
            try:
                raw[job["id"]] = fut.result()
            except Exception as exc:  # worker died (killed, out of memory)
                raw[job["id"]] = {
                    "id": job["id"],
                    "started_at": _utc_now(),
                    "finished_at": _utc_now(),
                    "duration_s": 0.0,
                    "status": "failed",
                    "error": f"worker error: {_error_summary(exc)}",
                    "have_notebook": False,
                    "have_html": False,
                    "timings": {},
                }
            if bar:
                bar.set_postfix_str(f"{job['id']} {raw[job['id']]['status']}", refresh=False)
                bar.update(1)
    if bar:
        bar.close()

    results: list[ReportResult] = []
    for s in specs:
        r = raw[s.report_id]
        inputs = {
            "notebook": {"path": _param_path(s.notebook, root), "sha256": s.notebook_sha256},
            "processed_dir": {"path": s.parameters["processed_dir"], "files": data_files},
        }
        ih = hashlib.sha256(
            json.dumps(
                {"notebook": s.notebook_sha256, "data": data_version, "parameters": s.parameters},
                sort_keys=True,
            ).encode()
        ).hexdigest()
        results.append(
            ReportResult(
                id=s.report_id,
                kind=s.kind,
                display_name=s.display_name,
                parameters=s.parameters,
                inputs=inputs,
                input_hash=ih,
                data_version=data_version,
                started_at=r["started_at"],
                finished_at=r["finished_at"],
                duration_s=r["duration_s"],
                status=r["status"],
                error=r["error"],
                outputs={
                    "notebook": f"notebooks/{s.report_id}.ipynb" if r["have_notebook"] else None,
                    "html": f"html/{s.report_id}.html" if r["have_html"] else None,
                },
                timings=r.get("timings", {}),
            )
        )

    # Data-quality log: make the link work inside a zipped html/ folder.
    dq_src = next((p for p in (out / DATA_QUALITY_LOG, pdir / DATA_QUALITY_LOG) if p.is_file()), None)
    dq_href = None
    if dq_src is not None:
        atomic_copy(dq_src, html_dir / DATA_QUALITY_LOG)
        dq_href = DATA_QUALITY_LOG

    # The caveats log, so each report's links to the entries it relies on work offline.
    from lib.render import CAVEATS_PAGE, CAVEATS_SOURCE, render_caveats

    caveats_href = None
    if CAVEATS_SOURCE.is_file():
        atomic_write_text(html_dir / CAVEATS_PAGE, render_caveats(CAVEATS_SOURCE))
        caveats_href = CAVEATS_PAGE

    manifest_path = out / "manifest.json"
    previous = _load_previous(manifest_path, out)
    current_ids = {r.id for r in results}
    all_results = results + [r for rid, r in previous.items() if rid not in current_ids]

    manifest = {
        "manifest_version": MANIFEST_VERSION,
        "generated_at": _utc_now(),
        "data_version": data_version,
        "processed_dir": _param_path(pdir, root),
        "keep_code": keep_code,
        "workers": n_workers,
        "run_report_ids": [r.id for r in results],
        "reports": [asdict(r) for r in all_results],
    }
    atomic_write_text(manifest_path, json.dumps(manifest, indent=2, sort_keys=False) + "\n")
    html_index = html_dir / "index.html"
    from lib.banner import mark_index  # issue 12: SYNTHETIC DATA banner when the data are synthetic
    atomic_write_text(html_index, mark_index(render_index(all_results, prefix="", dq_href=dq_href,
                                                          caveats_href=caveats_href), pdir))
    index = out / "index.html"
    atomic_write_text(
        index, mark_index(render_index(all_results, prefix="html/", dq_href=f"html/{dq_href}" if dq_href else None,
                                       caveats_href=f"html/{caveats_href}" if caveats_href else None), pdir)
    )
    return BatchResult(
        output_dir=out,
        results=results,
        data_version=data_version,
        manifest_path=manifest_path,
        index_path=index,
        html_index_path=html_index,
        wall_s=round(time.perf_counter() - t_start, 3),
    )


def format_summary(result: BatchResult) -> str:
    rows = [(r.id, r.status, f"{r.duration_s:.1f}") for r in result.results]
    w_id = max([len("report")] + [len(r[0]) for r in rows])
    w_st = max(len("status"), 6)
    lines = [f"{'report':<{w_id}}  {'status':<{w_st}}  {'seconds':>7}"]
    lines.append(f"{'-' * w_id}  {'-' * w_st}  {'-' * 7}")
    lines += [f"{i:<{w_id}}  {s:<{w_st}}  {t:>7}" for i, s, t in rows]
    n_fail = len(result.failed)
    lines.append(
        f"{len(rows)} reports, {len(rows) - n_fail} ok, {n_fail} failed in {result.wall_s:.1f} s; "
        f"index: {result.index_path}"
    )
    for r in result.failed:
        lines.append(f"failed: {r.id}: {r.error}")
    return "\n".join(lines)


def _parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="python -m lib.batch",
        description=(
            "Execute the programme report and one report per local authority with papermill, "
            "render each to a self-contained offline HTML page, and write an index and a manifest."
        ),
    )
    p.add_argument(
        "--authorities",
        metavar="ID[,ID...]",
        help="comma-separated authority ids (default: all in <processed-dir>/authorities.csv)",
    )
    p.add_argument("--no-programme", action="store_true", help="skip the programme report")
    p.add_argument(
        "--workers", type=int, metavar="N", help="worker processes (default: CPUs, at most the number of reports)"
    )
    p.add_argument("--output-dir", default="outputs", metavar="DIR", help="default: %(default)s")
    p.add_argument("--processed-dir", default="data/processed", metavar="DIR", help="default: %(default)s")
    p.add_argument("--keep-code", action="store_true", help="show code cells in the HTML (default: hidden)")
    p.add_argument(
        "--timeout", type=int, default=600, metavar="S", help="per-cell execution timeout (default: %(default)s)"
    )
    p.add_argument("--quiet", "-q", action="store_true", help="no progress bar on stderr")
    p.add_argument("--programme-notebook", default=str(PROGRAMME_NOTEBOOK), help=argparse.SUPPRESS)
    p.add_argument("--authority-notebook", default=str(AUTHORITY_NOTEBOOK), help=argparse.SUPPRESS)
    return p.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse_args(argv)
    cwd = Path.cwd()
    authorities = None if args.authorities is None else [a for a in args.authorities.split(",")]
    try:
        result = run_batch(
            authorities,
            include_programme=not args.no_programme,
            workers=args.workers,
            output_dir=_abs(args.output_dir, cwd),
            processed_dir=_abs(args.processed_dir, cwd),
            keep_code=args.keep_code,
            progress=not args.quiet,
            programme_notebook=_abs(args.programme_notebook, cwd),
            authority_notebook=_abs(args.authority_notebook, cwd),
            timeout=args.timeout or None,
        )
    except BatchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted; outputs already in place are complete", file=sys.stderr)
        return 130
    except Exception:
        traceback.print_exc()
        return 3
    print(format_summary(result))
    return result.exit_code


if __name__ == "__main__":
    raise SystemExit(main())
