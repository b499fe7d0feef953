"""The local pool's own helpers (lib/run/pool.py): the batch's side files yield the cores to the kernels."""

from __future__ import annotations

import os

import pytest

from lib.run import pool

#: Only a privileged process may raise its priority back: elsewhere these tests would slow the
#: rest of this test process for good.
privileged = pytest.mark.skipif(os.geteuid() != 0, reason="raising a priority back needs privilege")


@privileged
def test_side_work_runs_at_a_lower_priority_and_the_process_gets_its_priority_back():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with pool.lower_priority(5):
        inside = os.getpriority(os.PRIO_PROCESS, 0)
    after = os.getpriority(os.PRIO_PROCESS, 0)
    assert inside == min(before + 5, 19)
    assert after == before


def test_a_priority_that_cannot_be_changed_still_runs_the_work(monkeypatch):
    def refused(*_args):
        raise PermissionError("not allowed")

    monkeypatch.setattr(os, "setpriority", refused)
    ran = []
    with pool.lower_priority():
        ran.append(1)
    assert ran == [1]


@privileged
def test_an_error_in_the_work_still_restores_the_priority():
    before = os.getpriority(os.PRIO_PROCESS, 0)
    with pytest.raises(RuntimeError), pool.lower_priority(3):
        raise RuntimeError("side files failed")
    assert os.getpriority(os.PRIO_PROCESS, 0) == before
