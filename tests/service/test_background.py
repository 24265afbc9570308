"""Background work that yields to requests: the GIL handed over often, no collections."""

from __future__ import annotations

import gc
import sys

import pytest

from service.background import yielding_to_requests


def test_the_body_runs_with_a_short_switch_interval_and_no_collections() -> None:
    interval, frozen = sys.getswitchinterval(), gc.get_freeze_count()
    assert gc.isenabled()
    with yielding_to_requests(0.0001):
        assert sys.getswitchinterval() == pytest.approx(0.0001)
        assert not gc.isenabled()
        made = [[i] for i in range(1000)]  # containers the collector tracks
    assert sys.getswitchinterval() == interval and gc.isenabled()
    assert gc.get_freeze_count() >= frozen + len(made)  # what it built is frozen
    gc.unfreeze()


def test_settings_come_back_when_the_body_raises() -> None:
    interval = sys.getswitchinterval()
    with pytest.raises(RuntimeError, match="boom"), yielding_to_requests(0.001):
        raise RuntimeError("boom")
    assert sys.getswitchinterval() == interval and gc.isenabled()
    gc.unfreeze()


def test_collections_stay_off_if_they_were_off() -> None:
    gc.disable()
    try:
        with yielding_to_requests(0.001):
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()
        gc.unfreeze()
