"""Planning and preflight of a batch run (cheap: no papermill/nbconvert imports).

:func:`plan_reports` lists the reports of a run (one programme report, one
report per authority in ``<processed>/authorities.csv``); :func:`preflight`
checks every parameter and setting before any kernel starts and raises one
:class:`BatchError` listing every problem; a failed preflight changes nothing.
"""

from __future__ import annotations

import csv
import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from lib.config import PROJECT_ROOT
from lib.files import sha256_file
from lib.run.outputs import PROGRAMME_ID, param_path

PROGRAMME_NOTEBOOK = Path("notebooks/programme_report.ipynb")
AUTHORITY_NOTEBOOK = Path("notebooks/authority_report.ipynb")
AUTHORITIES_CSV = "authorities.csv"

# Report ids become file names: keep them to lower-case slugs.
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


class BatchError(Exception):
    """Invalid parameters or inputs, found before any kernel starts.

    ``problems``: one line per problem (printed as ``error: <line>``)."""

    def __init__(self, *problems: str):
        super().__init__("; ".join(problems))
        self.problems = list(problems)


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


def absolute_path(path: str | os.PathLike, base: Path) -> Path:
    """``path``, taken relative to ``base`` unless it is absolute."""
    p = Path(path)
    return p if p.is_absolute() else (base / p)


def _select_authorities(
    authorities: Sequence[str] | None, names: dict[str, str], *, include_programme: bool
) -> list[str]:
    """The authority ids asked for (``None``: every one in ``names``), each once, in the order given."""
    valid = sorted(names)
    if authorities is None:
        return valid
    selected = list(dict.fromkeys(a.strip() for a in authorities if a.strip()))
    if authorities and not selected:  # e.g. --authorities '' (an empty list: programme only)
        raise BatchError(
            "--authorities is empty; give authority ids separated by commas, "
            "or leave the option out for every authority"
        )
    unknown = [a for a in selected if a not in names]
    if unknown:
        which = ", ".join(repr(a) for a in unknown)
        noun = "authority" if len(unknown) == 1 else "authorities"
        raise BatchError(f"unknown {noun} {which}; valid ids: {', '.join(valid)}")
    if not selected and not include_programme:
        raise BatchError("no reports selected")
    return selected


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
    pdir = absolute_path(processed_dir, root)
    if not pdir.is_dir():
        raise BatchError(f"processed data directory {pdir} not found; build it first (make data)")
    names = read_authorities(pdir)
    selected = _select_authorities(authorities, names, include_programme=include_programme)
    bad = [a for a in selected if not _SLUG.match(a)]
    if bad:
        raise BatchError(
            f"invalid authority id {bad[0]!r} in {pdir / AUTHORITIES_CSV}: "
            "ids must be lower-case slugs (a-z, 0-9, '-')"
        )
    if not selected and not include_programme:
        raise BatchError("no reports selected")
    pnb = absolute_path(programme_notebook, root)
    anb = absolute_path(authority_notebook, root)
    needed = ([pnb] if include_programme else []) + ([anb] if selected else [])
    for nb in needed:
        if not nb.is_file():
            raise BatchError(f"notebook {nb} not found")
    pparam = param_path(pdir, root)
    specs: list[ReportSpec] = []
    if include_programme:
        specs.append(
            ReportSpec(
                PROGRAMME_ID, "programme", "Programme report", pnb.resolve(), {"processed_dir": pparam}
            )
        )
    for aid in selected:
        specs.append(
            ReportSpec(
                aid, "authority", names[aid], anb.resolve(), {"processed_dir": pparam, "authority_id": aid}
            )
        )
    return specs, names


# ---------------------------------------------------------------------------
# Settings and preflight (before any kernel starts; changes nothing)
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    """Every setting of a run, parsed and checked once by :func:`preflight`.

    ``report_settings`` are the ones that change a report's content: they
    are recorded per report in the manifest and enter its input hash.
    """

    disclosure_threshold: int
    keep_code: bool
    timeout: int | None
    workers: int

    @property
    def report_settings(self) -> dict[str, Any]:
        return {"disclosure_threshold": self.disclosure_threshold, "keep_code": self.keep_code}


def _check_output_dir(out: Path) -> list[str]:
    """Problems with writing into ``out`` (created later if missing)."""
    if out.exists() and not out.is_dir():
        return [f"--output-dir {out} is a file, not a directory"]
    probe = out
    while not probe.exists():
        probe = probe.parent
    if not probe.is_dir():
        return [f"--output-dir {out} cannot be created: {probe} is a file, not a directory"]
    dirs = [d for d in (out, out / "notebooks", out / "html", out / "logs") if d.is_dir()] or [probe]
    problems = []
    for d in dirs:
        try:
            fd, tmp = tempfile.mkstemp(prefix=".write-probe.", suffix=".tmp", dir=d)
            os.close(fd)
            os.unlink(tmp)
        except OSError as exc:
            what = "cannot be created in" if d == probe and d != out else "is not writable:"
            problems.append(f"--output-dir {out} {what} {d} ({exc.strerror or exc})")
    return problems


def preflight(
    authorities: Sequence[str] | None,
    *,
    include_programme: bool,
    workers: int | None,
    output_dir: Path,
    processed_dir: Path,
    root: Path,
    programme_notebook: Path,
    authority_notebook: Path,
    keep_code: bool,
    timeout: int | None,
    disclosure_threshold: int | None,
    node_modules: Path | None,
    check_assets: bool,
) -> tuple[list[ReportSpec], Settings]:
    """Check every parameter and setting; raise one BatchError listing every problem."""
    problems: list[str] = []
    if timeout is not None and (isinstance(timeout, bool) or not isinstance(timeout, int) or timeout <= 0):
        problems.append(f"--timeout must be a whole number of seconds greater than 0, got {timeout!r}")
    if workers is not None and workers < 1:
        problems.append(f"--workers must be at least 1, got {workers}")
    threshold = 0
    try:
        from lib.analysis.disclosure import disclosure_threshold as _threshold

        threshold = _threshold(disclosure_threshold)
    except ValueError as exc:
        problems.append(str(exc))
    specs: list[ReportSpec] = []
    try:
        specs, _ = plan_reports(
            authorities, include_programme=include_programme, processed_dir=processed_dir,
            project_root=root, programme_notebook=programme_notebook, authority_notebook=authority_notebook,
        )  # fmt: skip
    except BatchError as exc:
        problems.extend(exc.problems)
    problems.extend(_check_output_dir(output_dir))
    if check_assets and not problems:  # an install step: reported once the arguments are right
        from lib.run import render

        try:
            render.check_assets(node_modules)
        except render.AssetsMissingError as exc:
            problems.append(str(exc))
    if problems:
        raise BatchError(*problems)
    n_workers = min(workers or _default_workers(len(specs)), len(specs))
    return specs, Settings(
        disclosure_threshold=threshold, keep_code=keep_code, timeout=timeout, workers=n_workers
    )


def _default_workers(n_reports: int) -> int:
    return max(1, min(os.cpu_count() or 1, n_reports))
