"""Choose the word bridge (index.bridge) on the DEV split only.

The dev-driven term pairs were fitted to the dev questions, so with them the dev split
cannot show what the bridge adds. This script measures each setting twice: with the
shipped term map, and with only its "domain" pairs (the bridge then has to find those
words itself — the situation of an unseen question). Prints hybrid hit@1 / MRR@10 /
recall@5 overall and hit@1/recall@5 for de->en.

Run: .venv/bin/python benchmarks/tune_bridge.py   (needs a built index: make index)
"""

from __future__ import annotations

from pathlib import Path

import index.text.analysis as lexical
from index import BridgeConfig, RankingConfig, Searcher, UseEmbedder, load_index
from index.evaluation.retrieval import load_questions, retrieval_runs
from index.text.terms import term_pairs

REPO = Path(__file__).resolve().parents[1]


def main() -> None:
    searcher = Searcher(load_index(REPO / ".clustersearch/index"), UseEmbedder(threads=2))
    dev = load_questions(REPO / "eval/questions.jsonl", "dev")
    settings: dict[str, RankingConfig] = {"no bridge": RankingConfig(bridge=None)}
    for threshold in (0.5, 0.6, 0.7, 0.8):
        for neighbours in (1, 2):
            settings[f"bridge t={threshold} n={neighbours}"] = RankingConfig(
                bridge=BridgeConfig(threshold, neighbours)
            )
    shipped = term_pairs()
    domain = tuple(p for p in shipped if p.origin == "domain")
    for label, pairs in (("shipped map", shipped), ("domain pairs only", domain)):
        lexical.term_pairs = lambda pairs=pairs: pairs  # type: ignore[misc]
        lexical._term_map.cache_clear()
        runs = retrieval_runs(searcher, dev, settings)
        print(f"-- {label}")
        for name in settings:
            mine = [r for r in runs if r.method == name]
            de_en = [r for r in mine if r.question.pair == "de->en"]

            def mean(group: list, metric: str) -> float:  # type: ignore[type-arg]
                return sum(r.metric(metric) for r in group) / len(group)

            print(
                f"{name:22s} hit@1 {mean(mine, 'hit@1'):.3f} MRR {mean(mine, 'MRR@10'):.3f} "
                f"R@5 {mean(mine, 'recall@5'):.3f} | de->en {mean(de_en, 'hit@1'):.2f}/"
                f"{mean(de_en, 'recall@5'):.2f}"
            )


if __name__ == "__main__":
    main()
