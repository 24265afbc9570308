"""Choose the fusion on the DEV split only: prints hit@1 / MRR@10 / recall@5 per setting.

Per language pair it prints hit@1/recall@5. The test split is never read here: it is only
reported (`clustersearch eval --split test`).

Run: .venv/bin/python benchmarks/tune_fusion.py   (needs a built index: make index)
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from index import FusionConfig, RankingConfig, Searcher, UseEmbedder, load_index
from index.evaluation.retrieval import load_questions, retrieval_runs

REPO = Path(__file__).resolve().parents[1]


class _Cached:
    """The embedder, with query vectors memoised (every setting asks the same questions)."""

    def __init__(self, inner: UseEmbedder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.memo: dict[str, np.ndarray] = {}

    def encode_queries(self, texts: list[str]) -> np.ndarray:
        key = "\x00".join(texts)
        if key not in self.memo:
            self.memo[key] = self.inner.encode_queries(texts)
        return self.memo[key]

    def encode_passages(self, texts: list[str]) -> np.ndarray:
        return self.inner.encode_passages(texts)


def main() -> None:
    embedder = _Cached(UseEmbedder(threads=2))
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), embedder)  # type: ignore[arg-type]
    dev = load_questions(REPO / "eval/questions.jsonl", "dev")
    methods: dict[str, RankingConfig] = {
        "dense": RankingConfig(method="dense"),
        "bm25": RankingConfig(method="bm25"),
    }
    for boost in (False, True):
        for w in (0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8):
            methods[f"minmax w={w} boost={boost}"] = RankingConfig(
                fusion=FusionConfig("minmax", w), region_boost=boost
            )
        for k in (10, 60):
            methods[f"rrf k={k} boost={boost}"] = RankingConfig(
                fusion=FusionConfig("rrf", 0.5, k), region_boost=boost
            )
    runs = retrieval_runs(searcher, dev, methods)
    for name in methods:
        mine = [r for r in runs if r.method == name]
        cells = []
        for pair in ("all", "en->en", "de->de", "en->de", "de->en"):
            g = [r for r in mine if pair == "all" or r.question.pair == pair]
            hit = sum(r.metric("hit@1") for r in g) / len(g)
            recall = sum(r.metric("recall@5") for r in g) / len(g)
            cells.append(f"{pair} {hit:.2f}/{recall:.2f}")
        mrr = sum(r.metric("MRR@10") for r in mine) / len(mine)
        rec = sum(r.metric("recall@5") for r in mine) / len(mine)
        print(f"{name:28s} MRR {mrr:.3f} R@5 {rec:.3f} hit@1/R@5 " + " | ".join(cells))


if __name__ == "__main__":
    main()
