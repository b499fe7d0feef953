"""Incremental runs: what each report depends on, and when it can be reused.

A report is re-executed only when something it depends on changed. Its
*input key* (``ReportResult.input_hash``) is the sha256 of:

* ``notebook``: the source notebook's bytes;
* ``code``: every file under ``lib/`` (Python modules, templates), the
  programme's definition, plan and notes (``notes/caveats.md`` ...) and ``package.json`` (the pinned
  offline assets inlined into each page);
* ``environment``: ``requirements/lock.txt`` (every installed package, pinned
  by hash), the Python version and the kernel name;
* ``parameters``, the page title and the report-changing settings recorded in
  the manifest (disclosure threshold, keep_code);
* ``changes``: the page's note of what changed since the previous build, worked
  out from the previous build's recorded results (:mod:`lib.run.changes`);
* ``data``: the processed tables the report reads, fingerprinted as finely as
  the dependency tracking can show (below).

**Data fingerprints.** The programme report reads every table: its data key
is the hash of the whole processed folder (the run's ``data_version``). An
authority report reads most tables across authorities (the authority list,
the evidence matrix for the programme average, the programme-wide tables), so
those enter its key whole; only the tables in :data:`OWN_ROWS_TABLES` are read
through the rows of its own authority, and for those the key holds the hash of
the table's header, the rows carrying its ``authority_id`` and the rows that
carry no known authority id (read by every authority). A change to one
authority's rows of such a table therefore re-runs that authority's report and
the programme report only; a change anywhere else re-runs every report that
reads it (correctness first). ``tests/run/test_cache.py`` checks the declaration
against the report code: changing another authority's rows of each declared
table leaves an authority's report content unchanged.

**Reuse.** A report is reused ("cached") only when the last manifest records
it as built successfully (not stale, not failed) with the same input key, and
its notebook and page on disk still have the sha256 recorded when they were
committed (``output_sha256``). A missing or edited output re-runs the report.
``--force`` rebuilds everything.
"""

from __future__ import annotations

import csv
import hashlib
import json
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lib.config import PROJECT_ROOT
from lib.files import sha256_file
from lib.programme.folder import definition_path, note_files, plan_path, programme_dir

#: Tables an authority report reads only through its own authority's rows
#: (filtered on ``authority_id``). Every other table enters its key whole.
OWN_ROWS_TABLES: dict[str, frozenset[str]] = {
    "authority": frozenset(
        {
            "profiles",
            "proposals",
            "challenges",
            "membership",
            "case_study_facts",
            "case_study_sections",
            "case_study_impacts",
        }
    ),
}
AUTHORITY_COLUMN = "authority_id"
LOCK_FILE = Path("requirements") / "lock.txt"
ASSET_PINS = Path("package.json")
_CODE_SUFFIXES = {".py", ".j2", ".html", ".css", ".js", ".json", ".yaml", ".yml", ".txt", ".md"}


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _combine(parts: dict[str, str]) -> str:
    return sha256_bytes(json.dumps(parts, sort_keys=True).encode())


def code_version(root: Path = PROJECT_ROOT) -> dict[str, str]:
    """sha256 of the code a report runs: lib/, the programme definition and its
    evaluation plan, the programme's notes (its caveats page's source) and the pinned offline assets."""
    lib = root / "lib"
    files = sorted(
        p
        for p in lib.rglob("*")
        if p.is_file() and p.suffix in _CODE_SUFFIXES and "__pycache__" not in p.parts
    )
    h = hashlib.sha256()
    for p in files:
        h.update(f"{p.relative_to(root).as_posix()}\0{sha256_file(p)}\n".encode())
    out = {"lib": h.hexdigest()}
    for name, path in (
        ("definition", definition_path()),
        ("plan", plan_path()),
        ("assets", root / ASSET_PINS),
    ):
        out[name] = sha256_file(path) if path.is_file() else "absent"
    # the programme's reader-facing notes (its caveats page and any other note)
    notes = hashlib.sha256()
    for path in note_files():
        notes.update(f"{path.relative_to(programme_dir()).as_posix()}\0{sha256_file(path)}\n".encode())
    out["notes"] = notes.hexdigest()
    return out


def environment_version(root: Path = PROJECT_ROOT, kernel_name: str = "python3") -> dict[str, str]:
    lock = root / LOCK_FILE
    return {
        "lock": sha256_file(lock) if lock.is_file() else "absent",
        "python": sys.version.split()[0],
        "kernel": kernel_name,
    }


@dataclass
class DataFingerprints:
    """Hashes of a processed folder: whole files, and per-authority rows of
    the tables that have an ``authority_id`` column."""

    files: dict[str, str]  # relpath -> sha256
    data_version: str
    #: table stem -> {authority id -> sha256 of header + its rows + unowned rows}
    rows: dict[str, dict[str, str]] = field(default_factory=dict)

    def for_authority(self, authority_id: str, own_rows: Iterable[str]) -> dict[str, str]:
        own = set(own_rows)
        out = {}
        for rel, digest in self.files.items():
            stem = rel[:-4] if rel.endswith(".csv") and "/" not in rel else None
            if stem in own and stem in self.rows:
                out[rel] = "rows:" + self.rows[stem].get(authority_id, self.rows[stem][""])
            else:
                out[rel] = digest
        return out


def fingerprint_data(
    processed_dir: Path, authority_ids: Iterable[str], own_rows: Iterable[str] = ()
) -> DataFingerprints:
    """Hash every file under ``processed_dir`` (hidden files skipped) and,
    for the top-level CSVs named in ``own_rows`` with an ``authority_id``
    column, the rows of each authority. Key ``""`` holds the hash for an
    authority with no rows."""
    from lib.run.planning import hash_data_dir

    files, data_version = hash_data_dir(processed_dir)
    ids = set(authority_ids)
    rows: dict[str, dict[str, str]] = {}
    for stem in sorted(set(own_rows)):
        path = processed_dir / f"{stem}.csv"
        if not path.is_file():
            continue
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.reader(fh)
            header = next(reader, [])
            if AUTHORITY_COLUMN not in header:
                continue
            col = header.index(AUTHORITY_COLUMN)
            shared = hashlib.sha256(json.dumps(header).encode())
            per: dict[str, Any] = {}
            for row in reader:
                aid = row[col] if col < len(row) else ""
                line = (json.dumps(row) + "\n").encode()
                if aid in ids:
                    per.setdefault(aid, hashlib.sha256()).update(line)
                else:  # rows no authority owns: every authority reads them
                    shared.update(line)
        base = shared.hexdigest()
        rows[stem] = {aid: _combine({"shared": base, "own": h.hexdigest()}) for aid, h in per.items()}
        rows[stem][""] = _combine({"shared": base, "own": ""})
    return DataFingerprints(files=files, data_version=data_version, rows=rows)


def input_key(
    *,
    notebook_sha256: str,
    code: dict[str, str],
    environment: dict[str, str],
    data: dict[str, str],
    parameters: dict[str, Any],
    settings: dict[str, Any],
    title: str,
    changes: list[str] | tuple[str, ...] = (),
) -> str:
    """The report's input hash: equal keys, equal outputs (apart from the build time).
    ``changes``: the page's note of what changed since the previous build (lib.run.changes)."""
    parts = {
        "notebook": notebook_sha256,
        "code": code,
        "environment": environment,
        "data": data,
        "parameters": parameters,
        "settings": settings,
        "title": title,
    }
    if changes:
        parts["changes"] = list(changes)
    return _combine(parts)


def outputs_intact(out: Path, entry: Any) -> bool:
    """The entry's notebook and page (and any other page it recorded, such as the
    explorer's) exist and have the recorded sha256."""
    recorded = getattr(entry, "output_sha256", None) or {}
    outputs = getattr(entry, "outputs", None) or {}
    for kind in dict.fromkeys(["notebook", "html", *recorded]):
        rel, digest = outputs.get(kind), recorded.get(kind)
        if not rel or not digest:
            return False
        path = out / rel
        if not path.is_file() or sha256_file(path) != digest:
            return False
    return True


def reusable(out: Path, entry: Any, key: str) -> bool:
    """Can the last build of this report be served for input key ``key``?"""
    return (
        entry is not None
        and entry.status == "ok"
        and not entry.stale
        and entry.input_hash == key
        and outputs_intact(out, entry)
    )
