"""Fusion of the dense and the BM25 ranking into one score per chunk.

Both methods take, per component, the scores of its candidates (chunk id → score; a chunk
missing from a component was not retrieved by it) and return chunk id → fused score for
the union of candidates, higher is better.

* `rrf`: reciprocal rank fusion, Σ w_c / (k + rank_c); only ranks matter.
* `minmax`: Σ w_c · (s - min_c) / (max_c - min_c); a chunk missing from a component gets 0
  there. Keeps how far apart the scores are, which RRF throws away.
"""

from __future__ import annotations

from collections.abc import Mapping

from index.config import FusionConfig

__all__ = [
    "fuse",
    "minmax",
    "rrf",
]


def rrf(
    components: Mapping[str, Mapping[int, float]], weights: Mapping[str, float], k: int = 60
) -> dict[int, float]:
    """Reciprocal rank fusion of the components' rankings (rank 1 = highest score)."""
    fused: dict[int, float] = {}
    for name, scores in components.items():
        ranked = sorted(scores, key=lambda cid: (-scores[cid], cid))
        for rank, cid in enumerate(ranked, start=1):
            fused[cid] = fused.get(cid, 0.0) + weights[name] / (k + rank)
    return fused


def minmax(
    components: Mapping[str, Mapping[int, float]], weights: Mapping[str, float]
) -> dict[int, float]:
    """Weighted sum of min-max normalised scores (a component with one value gives 1.0)."""
    ids = {cid for scores in components.values() for cid in scores}
    fused = dict.fromkeys(ids, 0.0)
    for name, scores in components.items():
        if not scores:
            continue
        low, high = min(scores.values()), max(scores.values())
        span = high - low
        for cid, value in scores.items():
            fused[cid] += weights[name] * ((value - low) / span if span > 0 else 1.0)
    return fused


def fuse(
    dense: Mapping[int, float], bm25: Mapping[int, float], config: FusionConfig
) -> dict[int, float]:
    """Fuse the dense and BM25 candidates' scores as `config` says."""
    components = {"dense": dense, "bm25": bm25}
    weights = {"dense": config.dense_weight, "bm25": 1.0 - config.dense_weight}
    if config.method == "rrf":
        return rrf(components, weights, config.rrf_k)
    return minmax(components, weights)
