from __future__ import annotations

import pytest

from index.config import FusionConfig
from index.retrieval.fuse import fuse, minmax, rrf


def test_rrf_sums_weighted_reciprocal_ranks() -> None:
    fused = rrf({"a": {1: 0.9, 2: 0.5}, "b": {2: 7.0, 3: 1.0}}, {"a": 1.0, "b": 1.0}, k=1)
    assert fused == {1: 1 / 2, 2: 1 / 3 + 1 / 2, 3: 1 / 3}


def test_minmax_normalises_each_component() -> None:
    fused = minmax({"a": {1: 0.9, 2: 0.5}, "b": {2: 8.0, 3: 4.0}}, {"a": 0.25, "b": 0.75})
    assert fused == pytest.approx({1: 0.25, 2: 0.75, 3: 0.0})


def test_minmax_single_value_component_counts_fully() -> None:
    assert minmax({"a": {1: 3.0}, "b": {}}, {"a": 0.5, "b": 0.5}) == {1: 0.5}


def test_fuse_dispatches_on_method() -> None:
    dense, bm25 = {1: 0.2, 2: 0.4}, {1: 5.0}
    assert fuse(dense, bm25, FusionConfig("minmax", 0.5)) == {1: 0.5, 2: 0.5}
    # dense ranks 2 before 1; BM25 only has 1.
    rrf_fused = fuse(dense, bm25, FusionConfig("rrf", 0.5, 1))
    assert rrf_fused == pytest.approx({1: 0.5 / 3 + 0.5 / 2, 2: 0.5 / 2})


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"dense_weight": 1.5}, "dense_weight must be within"), ({"rrf_k": 0}, "rrf_k must be")],
)
def test_config_validation(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FusionConfig(**kwargs)  # type: ignore[arg-type]
