"""Benchmark (not a test): where a search's time goes, stage by stage, on a built index.

Usage: .venv/bin/python benchmarks/bench_stages.py INDEX_DIR [--queries 100] [--lang de]

INDEX_DIR is an index that `bench_scale.py --keep DIR` built (DIR/<size>/index): its
vectors come from bench_scale's HASHING STAND-IN EMBEDDER, which this script uses for the
queries too, so the times are the index's and the searcher's own work, not a model's.
Queries are six to ten consecutive words of the index's own documents (bench_scale's
`queries`). Searches run as the service runs them (one BLAS/OpenMP thread each), after a
warm-up of five; prints p50/p99 of the whole search and of each stage the searcher reports
(analysis, dense, lexical, fusion) and the machine's load average.
"""

from __future__ import annotations

import argparse
import os
import time
from collections import defaultdict
from pathlib import Path

from bench_scale import HashingEmbedder, percentiles, queries

from index import Searcher, load_index
from index.embedding.backends import limit_threads


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index", type=Path)
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--lang", default=None)
    args = parser.parse_args()
    limit_threads(1)
    snapshot = load_index(args.index)
    stages: dict[str, list[float]] = defaultdict(list)
    searcher = Searcher(
        snapshot, HashingEmbedder(), on_stage=lambda name, s: stages[name].append(s)
    ).warm()
    docs = [
        (d, snapshot.documents[d].language, snapshot.documents[d].text)
        for d in list(snapshot.documents)[:3000]
    ]
    texts = queries(docs, args.queries)
    for text in texts[:5]:
        searcher.search(text, 10, lang=args.lang)
    stages.clear()
    times = []
    for text in texts:
        started = time.perf_counter()
        searcher.search(text, 10, lang=args.lang)
        times.append(time.perf_counter() - started)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"{len(snapshot.chunks)} passages, lang={args.lang}, load {load}")
    print("| stage | p50 ms | p99 ms |\n|---|---|---|")
    for name, seconds in [("search", times), *stages.items()]:
        p50, p99 = percentiles(seconds)
        print(f"| {name} | {p50:.1f} | {p99:.1f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
