"""Benchmark (not a test): building `Postings` and `LexicalIndex.top` on ~100k chunks.

Usage: .venv/bin/python benchmarks/bench_postings.py [--rows 100000] [--length 60]
           [--queries 300] [--k 100] [--seed 0]

The corpus is synthetic: each row has about `--length` terms drawn from a Zipf-like
distribution over 50,000 words (a few very common terms, many rare ones), like analysed
passages. Queries have two to four words, each of one term drawn from the same words
outside the 20 most common (stopwords are not indexed terms).

Timed (wall clock, best of 3 for the builds):
- `Postings.build` over all rows, against bm25s's `BM25.index` (what the index used before);
- `top(query, k)` on an index of three parts with 1% of the rows deleted, against the
  bm25s-backed baseline: its precomputed score matrix, read as `LexicalIndex` read it (the
  postings of the query's terms, summed per row with `np.add.at`, best `k`).
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import time
from collections.abc import Callable, Sequence

import bm25s
import numpy as np

from index.config import BM25_B, BM25_K1
from index.storage.lexical import LexicalIndex, LexicalPart
from index.storage.postings import Postings
from index.text.analysis import QueryTerm

WORDS = 50_000


def corpus_of(rows: int, length: int, seed: int) -> list[list[str]]:
    rng = np.random.default_rng(seed)
    weights = 1.0 / np.arange(1, WORDS + 1) ** 1.05
    p = weights / weights.sum()
    sizes = rng.integers(length // 2, length * 3 // 2 + 1, size=rows)
    flat = rng.choice(WORDS, size=int(sizes.sum()), p=p)
    names = [f"t{i}" for i in range(WORDS)]
    out, at = [], 0
    for n in sizes.tolist():
        out.append([names[w] for w in flat[at : at + n].tolist()])
        at += n
    return out


def queries_of(count: int, seed: int) -> list[list[QueryTerm]]:
    rng = np.random.default_rng(seed + 1)
    weights = 1.0 / np.arange(21, WORDS + 1) ** 1.05
    p = weights / weights.sum()
    out = []
    for _ in range(count):
        words = rng.choice(np.arange(20, WORDS), size=int(rng.integers(2, 5)), p=p)
        out.append([QueryTerm(f"t{w}", frozenset({f"t{w}"})) for w in words.tolist()])
    return out


def best_of(runs: int, make: Callable[[], object]) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        start = time.perf_counter()
        result = make()
        times.append(time.perf_counter() - start)
    return min(times), result


def bm25s_top(retriever: bm25s.BM25, ids: np.ndarray, query: Sequence[QueryTerm], k: int) -> None:
    """The baseline: the old `LexicalIndex.top` over bm25s's precomputed scores."""
    vocab, scores = retriever.vocab_dict, retriever.scores
    data, indices, indptr = scores["data"], scores["indices"], scores["indptr"]
    spans = [(indptr[vocab[t]], indptr[vocab[t] + 1]) for q in query for t in sorted(q.terms)
             if t in vocab]  # fmt: skip
    if not spans:
        return
    rows = np.concatenate([indices[a:b] for a, b in spans])
    values = np.concatenate([data[a:b] for a, b in spans])
    unique, inverse = np.unique(rows, return_inverse=True)
    sums = np.zeros(len(unique), dtype=np.float32)
    np.add.at(sums, inverse, values)
    chunk = ids[unique]
    if len(sums) > k:
        cut = np.partition(sums, len(sums) - k)[len(sums) - k]
        near = sums >= cut
        chunk, sums = chunk[near], sums[near]
    order = np.lexsort((chunk, -sums))[:k]
    _ = {int(chunk[i]): float(sums[i]) for i in order}


def latencies(run: Callable[[Sequence[QueryTerm]], object], queries: list) -> list[float]:
    for query in queries[:20]:
        run(query)  # warm caches (lookups, cached statistics)
    out = []
    for query in queries:
        start = time.perf_counter()
        run(query)
        out.append((time.perf_counter() - start) * 1e3)
    return out


def describe(name: str, ms: list[float]) -> str:
    mean, median = statistics.fmean(ms), statistics.median(ms)
    p95 = statistics.quantiles(ms, n=20)[-1]
    return f"{name:<30} mean {mean:6.2f} ms  median {median:6.2f}  p95 {p95:6.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--length", type=int, default=60)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--k", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    corpus = corpus_of(args.rows, args.length, args.seed)
    tokens = sum(len(r) for r in corpus)
    print(f"{args.rows} rows, {tokens} terms ({tokens / args.rows:.1f} a row)")

    seconds, postings = best_of(3, lambda: Postings.build(corpus))
    assert isinstance(postings, Postings)
    print(f"Postings.build: {seconds:.2f} s ({len(postings.terms)} terms, "
          f"{len(postings.rows)} postings)")  # fmt: skip

    def bm25s_index() -> bm25s.BM25:
        retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
        retriever.index(corpus, show_progress=False)
        return retriever

    seconds, retriever = best_of(1, bm25s_index)
    print(f"bm25s BM25.index (before): {seconds:.2f} s")

    ids = np.arange(args.rows, dtype=np.int64) * 7 + 1
    thirds = np.linspace(0, args.rows, 4).astype(int)
    start = time.perf_counter()
    parts = [LexicalPart.build(ids[a:b], corpus[a:b]) for a, b in itertools.pairwise(thirds)]
    print(f"3 parts built: {time.perf_counter() - start:.2f} s")
    rng = np.random.default_rng(args.seed + 2)
    gone = set(rng.choice(ids, size=args.rows // 100, replace=False).tolist())
    start = time.perf_counter()
    index = LexicalIndex(parts).with_changes(deleted=gone)
    print(f"index of 3 parts, {len(gone)} deletions: {(time.perf_counter() - start) * 1e3:.1f} ms")
    single = LexicalIndex([parts[0]]).with_changes(added=parts[1:])  # no deletions

    queries = queries_of(args.queries, args.seed)
    print(f"top(k={args.k}) over {len(queries)} queries of 2-4 terms:")
    print(describe("bm25s precomputed (before)", latencies(
        lambda q: bm25s_top(retriever, ids, q, args.k), queries)))  # fmt: skip
    print(describe("3 parts, no deletions", latencies(lambda q: single.top(q, args.k), queries)))
    print(describe("3 parts, 1% deleted", latencies(lambda q: index.top(q, args.k), queries)))


if __name__ == "__main__":
    main()
