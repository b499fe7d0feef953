"""The Dask executor (lib.run.dask_executor) against a LocalCluster this test starts.

Skipped when Dask (the optional ``dask`` extra) is not installed; ``make
test-dask`` installs it into the venv and runs this module.
"""

from __future__ import annotations

import json
import re

import pytest
from test_batch import AUTHORITY_NB, FIXTURES, make_processed

from lib.run import batch, cli

distributed = pytest.importorskip("distributed")

ROWS = [("leeds", "Leeds", "0"), ("broken", "Broken Borough", "1"), ("xss", "<script>alert(1)</script>", "0")]


def _masked(data: bytes) -> bytes:
    return re.sub(rb'"built_at": "[^"]*"', b'"built_at": "#"', data)


@pytest.mark.notebook
def test_dask_executor_same_outputs_as_local_pool(tmp_path):
    processed = make_processed(tmp_path / "processed", rows=ROWS)
    kw = dict(
        processed_dir=processed,
        programme_notebook=FIXTURES / "widgets.ipynb",
        authority_notebook=AUTHORITY_NB,
        timeout=120,
    )
    local = batch.run_batch(output_dir=tmp_path / "local", workers=2, **kw)
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=False,
        host="127.0.0.1",
        protocol="tcp://",
        dashboard_address=None,
    ) as cluster:
        remote = batch.run_batch(output_dir=tmp_path / "dask", dask_scheduler=cluster.scheduler_address, **kw)
        # unchanged inputs: nothing is sent to the cluster again
        again = batch.run_batch(output_dir=tmp_path / "dask", dask_scheduler=cluster.scheduler_address, **kw)
    assert [(r.id, r.status) for r in remote.results] == [(r.id, r.status) for r in local.results]
    assert {r.id for r in remote.failed} == {"broken"}
    assert all(r.cached for r in again.results if r.ok)
    for rid in ("programme", "leeds", "broken", "xss"):
        html_local = (tmp_path / "local" / "html" / f"{rid}.html").read_bytes()
        assert (tmp_path / "dask" / "html" / f"{rid}.html").read_bytes() == html_local, rid
        nb = [(tmp_path / d / "notebooks" / f"{rid}.ipynb").read_bytes() for d in ("local", "dask")]
        assert _masked(nb[0]) == _masked(nb[1]), rid
    m = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert m["run"]["executor"].startswith("dask tcp://127.0.0.1:")
    entries = {r["id"]: r for r in m["reports"]}
    assert entries["leeds"]["outputs"] == {"notebook": "notebooks/leeds.ipynb", "html": "html/leeds.html"}
    assert entries["broken"]["error"].startswith("ValueError: fixture failure for broken")
    assert not [p for p in (tmp_path / "dask").rglob(".*") if p.is_file()]  # no temp file left


@pytest.mark.slow  # waits out the client's connect timeout (20 s)
def test_unreachable_scheduler_is_one_line_before_anything_runs(tmp_path, capsys, monkeypatch):
    from lib.run.dask_executor import DaskExecutor

    connect = DaskExecutor.connect.__func__
    # the same connection attempt with a 2 s timeout instead of the default 20 s: the answer is the same line
    monkeypatch.setattr(
        DaskExecutor, "connect", classmethod(lambda cls, address: connect(cls, address, timeout=2))
    )
    processed = make_processed(tmp_path / "processed", rows=ROWS[:1])
    rc = cli.main(
        [
            "--processed-dir",
            str(processed),
            "--output-dir",
            str(tmp_path / "out"),
            "--quiet",
            "--dask-scheduler",
            "tcp://127.0.0.1:9",
        ]
    )
    err = capsys.readouterr().err
    assert rc == 2
    assert err.startswith("error: --dask-scheduler tcp://127.0.0.1:9: cannot connect to the scheduler (")
    assert len(err.splitlines()) == 1
    assert not (tmp_path / "out").exists()
