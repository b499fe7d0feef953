"""A distributed executor: the same report jobs, run on an existing Dask cluster.

``python -m lib.run --dask-scheduler tcp://HOST:8786`` sends each report
that has to be rebuilt to the cluster as one task. Workers need the same
environment as the batch process (``requirements/lock.txt``, this package
installed with the ``dask`` extra, the offline assets of ``make assets``;
``WORKBOOK_NODE_MODULES`` points at them if the project folder is elsewhere),
but not the same filesystem:

* the processed tables and the source notebooks are scattered to every
  worker once per run; a worker that sees the batch process's own folder,
  with the same contents, uses it directly;
* a task executes and renders its report in a private temp folder
  (:func:`lib.run.workers.execute_report`, the same code as the local pool)
  and returns the executed notebook and the page as bytes;
* the batch process writes those bytes to temp files next to their targets
  and commits them through the same ledger as a local run, so the manifest,
  the index and ``outputs/`` are laid out exactly as after a local run, and
  the pages are byte-identical to the local pool's.

The local process pool stays the default; Dask is an optional extra
(``pip install -e '.[dask]'``), imported only when this executor is used.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lib.run import site
from lib.run.outputs import temp_path
from lib.run.planning import BatchError

#: Per worker process: data version -> folder the scattered tables were written to.
_MATERIALISED: dict[str, str] = {}


def _read_tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and not any(part.startswith(".") for part in p.relative_to(folder).parts)
    }


def _same_tree(folder: Path, files: dict[str, bytes]) -> bool:
    try:
        return folder.is_dir() and _read_tree(folder) == files
    except OSError:
        return False


def _processed_dir(job: dict[str, Any], bundle: dict[str, Any]) -> str:
    """The processed folder this worker should read: the batch process's own
    (shared filesystem, same contents) or the scattered copy."""
    given = Path(job["parameters"]["processed_dir"])
    here = given if given.is_absolute() else Path(job["cwd"]) / given
    if _same_tree(here, bundle["files"]):
        return job["parameters"]["processed_dir"]
    version = bundle["data_version"]
    if version not in _MATERIALISED or not Path(_MATERIALISED[version]).is_dir():
        folder = Path(tempfile.mkdtemp(prefix=f"workbook-data-{version[:12]}-"))
        for rel, data in bundle["files"].items():
            (folder / rel).parent.mkdir(parents=True, exist_ok=True)
            (folder / rel).write_bytes(data)
        _MATERIALISED[version] = str(folder)
    return _MATERIALISED[version]


def run_remote(job: dict[str, Any], bundle: dict[str, Any]) -> dict[str, Any]:
    """A Dask task: execute and render one report; return its files as bytes."""
    from lib.config import PROJECT_ROOT
    from lib.run.workers import execute_report

    work = Path(tempfile.mkdtemp(prefix=f"workbook-{job['id']}-"))
    try:
        job = dict(job)
        if not Path(job["cwd"]).is_dir():
            job["cwd"] = str(PROJECT_ROOT)
        job["parameters"] = {**job["parameters"], "processed_dir": _processed_dir(job, bundle)}
        source = bundle["notebooks"][job["notebook"]]
        if not (Path(job["notebook"]).is_file() and Path(job["notebook"]).read_bytes() == source):
            (work / "source").mkdir()
            local = work / "source" / Path(job["notebook"]).name
            local.write_bytes(source)
            job["notebook"] = str(local)
        job["notebook_out"] = str(work / "notebooks" / Path(job["notebook_out"]).name)
        job["html_out"] = str(work / "html" / Path(job["html_out"]).name)
        raw = execute_report(job)
        staged = raw.pop("staged") or {}
        raw["payload"] = {k: Path(v).read_bytes() for k, v in staged.items() if v}
        raw["worker"] = os.uname().nodename
        return raw
    finally:
        shutil.rmtree(work, ignore_errors=True)


class DaskExecutor:
    """Runs jobs on a Dask cluster; results are committed by ``record`` in the batch process."""

    def __init__(self, client: Any, address: str):
        self.client, self.address = client, address

    @classmethod
    def connect(cls, address: str, timeout: float = 20) -> DaskExecutor:
        try:
            from distributed import Client
        except ImportError:
            raise BatchError(
                "--dask-scheduler needs Dask, an optional extra: "
                "pip install -e '.[dask]' (README, 'Running on a Dask cluster')"
            ) from None
        try:
            client = Client(address, timeout=timeout, set_as_default=False)
        except Exception as exc:  # OSError, TimeoutError, ValueError (bad address)
            raise BatchError(
                f"--dask-scheduler {address}: cannot connect to the scheduler "
                f"({type(exc).__name__}: {' '.join(str(exc).split())[:200]})"
            ) from None
        return cls(client, address)

    def close(self) -> None:
        self.client.close()

    def run(
        self,
        jobs: list[dict[str, Any]],
        *,
        record: Callable[[dict[str, Any], dict[str, Any]], Any],
        pdir: Path,
        root: Path,
    ) -> None:
        if not jobs:
            return
        from distributed import as_completed

        from lib.run import cache
        from lib.run.pool import unrun
        from lib.run.workers import error_summary

        files = _read_tree(pdir)
        bundle = {
            "data_version": cache.fingerprint_data(pdir, ()).data_version,
            "files": files,
            "notebooks": {j["notebook"]: Path(j["notebook"]).read_bytes() for j in jobs},
        }
        [shared] = self.client.scatter([bundle], broadcast=True, hash=False)
        run_id = uuid.uuid4().hex[:8]
        futures = {
            self.client.submit(run_remote, job, shared, key=f"report-{job['id']}-{run_id}", pure=False): job
            for job in jobs
        }
        try:
            with self.client.as_current():
                done = as_completed(list(futures))
            for fut in done:
                job = futures.pop(fut)
                try:
                    raw = fut.result()
                except Exception as exc:  # the task died with its worker, or could not be sent back
                    raw = unrun("failed", f"dask worker error: {error_summary(exc)}")
                payload = raw.pop("payload", None) or {}
                raw["staged"] = {}
                explorer = Path(job["html_out"]).with_name(site.EXPLORER_PAGE)
                for kind, target in (
                    ("notebook", job["notebook_out"]),
                    ("html", job["html_out"]),
                    ("explorer", explorer),
                ):
                    if kind in payload:
                        tmp = temp_path(Path(target))
                        tmp.write_bytes(payload[kind])
                        os.chmod(tmp, 0o644)
                        raw["staged"][kind] = str(tmp)
                fut.release()
                record(job, raw)
        except KeyboardInterrupt:
            self.client.cancel(list(futures), force=True)
            raise
