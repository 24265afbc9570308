from __future__ import annotations

import pytest

from index.config import FusionConfig
from index.retrieval.fuse import fuse, minmax, normalise, rrf


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
    [
        ({"dense_weight": 1.5}, "dense_weight must be within"),
        ({"rrf_k": 0}, "rrf_k must be"),
        ({"coverage_power": -1.0}, "coverage_power must be at least 0, got -1.0"),
    ],
)
def test_config_validation(kwargs: dict[str, float], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        FusionConfig(**kwargs)  # type: ignore[arg-type]


def test_normalise() -> None:
    assert normalise({1: 2.0, 2: 4.0, 3: 3.0}) == {1: 0.0, 2: 1.0, 3: 0.5}
    assert normalise({1: 7.0}) == {1: 1.0}
    assert normalise({}) == {}


def test_coverage_scales_each_bm25_candidate_without_renormalising() -> None:
    dense, bm25 = {1: 0.2, 2: 0.4}, {1: 9.0, 3: 1.0, 4: 5.0}
    coverage = {1: 0.5, 3: 1.0, 4: 0.25}
    config = FusionConfig("minmax", 0.5, coverage_power=1.0)
    # BM25 normalised: 1 → 1.0, 4 → 0.5, 3 → 0.0; times coverage: 0.5, 0.125, 0.0
    assert fuse(dense, bm25, config, coverage) == pytest.approx(
        {1: 0.5 * 0.0 + 0.5 * 0.5, 2: 0.5 * 1.0, 3: 0.0, 4: 0.5 * 0.125}
    )
    squared = fuse(dense, bm25, FusionConfig("minmax", 0.5, coverage_power=2.0), coverage)
    assert squared[1] == pytest.approx(0.5 * 0.25)
    # power 0, or no coverage given: plain min-max
    plain = fuse(dense, bm25, FusionConfig("minmax", 0.5, coverage_power=0.0))
    assert fuse(dense, bm25, FusionConfig("minmax", 0.5, coverage_power=0.0), coverage) == plain
    assert fuse(dense, bm25, config) == plain


def test_coverage_reorders_the_bm25_ranks_under_rrf() -> None:
    bm25, coverage = {1: 9.0, 2: 5.0}, {1: 0.25, 2: 1.0}
    fused = fuse({}, bm25, FusionConfig("rrf", 0.0, 1, coverage_power=1.0), coverage)
    # 9 * 0.25 < 5 * 1.0: chunk 2 ranks first
    assert fused == pytest.approx({2: 1 / 2, 1: 1 / 3})


def test_each_passage_model_has_its_fusion() -> None:
    from index.config import FUSION_BY_MODEL, default_fusion

    assert default_fusion("use-multilingual-v3") == FusionConfig("minmax", 0.5, 60, 1.0)
    e5 = default_fusion("multilingual-e5-small")
    assert e5 is FUSION_BY_MODEL["multilingual-e5-small"]
    assert (e5.dense_weight, e5.coverage_power) == (0.6, 2.0)
