"""Fusion of the dense and the BM25 ranking into one score per chunk.

Both methods take, per component, the scores of its candidates (chunk id → score; a chunk
missing from a component was not retrieved by it) and return chunk id → fused score for
the union of candidates, higher is better.

* `rrf`: reciprocal rank fusion, Σ w_c / (k + rank_c); only ranks matter.
* `minmax`: Σ w_c · (s - min_c) / (max_c - min_c); a chunk missing from a component gets 0
  there. Keeps how far apart the scores are, which RRF throws away.

`coverage` (chunk id → share of the query's words the chunk matches lexically, 0–1)
scales each chunk's BM25 part by coverage ** `FusionConfig.coverage_power`: a passage that
matches one word of a five-word query does not get BM25's full say, however rare the
word. This is what keeps noisy cross-language BM25 matches from outvoting the dense
ranking on text nobody tuned for, while a passage matching most of the question keeps
BM25's weight.
"""

from __future__ import annotations

from collections.abc import Mapping

from index.config import FusionConfig

__all__ = [
    "fuse",
    "minmax",
    "normalise",
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


def normalise(scores: Mapping[int, float]) -> dict[int, float]:
    """(s - min) / (max - min) over the candidates (1.0 for all when they are equal)."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {cid: (v - low) / span if span > 0 else 1.0 for cid, v in scores.items()}


def fuse(
    dense: Mapping[int, float],
    bm25: Mapping[int, float],
    config: FusionConfig,
    coverage: Mapping[int, float] | None = None,
) -> dict[int, float]:
    """Fuse the dense and BM25 candidates' scores as `config` says.

    With `coverage` and a positive `config.coverage_power`, each chunk's normalised BM25
    score is multiplied by coverage ** power (not normalised again, so a query whose best
    lexical match covers half of it gives BM25 half its say); under `rrf` the BM25
    candidates are ranked by those products.
    """
    weights = {"dense": config.dense_weight, "bm25": 1.0 - config.dense_weight}
    power = config.coverage_power if coverage is not None else 0.0
    if config.method == "rrf":
        if power > 0 and coverage is not None:
            bm25 = {cid: s * coverage.get(cid, 0.0) ** power for cid, s in bm25.items()}
        return rrf({"dense": dense, "bm25": bm25}, weights, config.rrf_k)
    if power == 0 or coverage is None:
        return minmax({"dense": dense, "bm25": bm25}, weights)
    lexical = {cid: v * coverage.get(cid, 0.0) ** power for cid, v in normalise(bm25).items()}
    fused = {cid: weights["dense"] * v for cid, v in normalise(dense).items()}
    for cid, v in lexical.items():
        fused[cid] = fused.get(cid, 0.0) + weights["bm25"] * v
    return fused
