"""Approximate vector search against exact search, on real model vectors.

Builds 100,000 passages of real text from Debian's reference manual in English and German
(apt-get install debian-reference-en debian-reference-de): every paragraph, every pair of
consecutive paragraphs, then random pairs of paragraphs of one chapter until there are
enough; 1,000 more such texts are the queries. They are embedded once with the default
model (the vectors are kept in --cache, about 200 MB, so later runs skip that step: about
20 minutes on two free cores). Then each FAISS index type is built over the same vectors
and compared with exact inner-product search (IndexFlatIP): recall@10 (the share of the
exact top 10 found), ms per query (one thread), build time and bytes per vector.

Then the approximate index the default `VectorConfig` builds above its exact threshold
(`index.storage.vectors.build_vectors`, searched through `VectorIndex` as the Searcher
does): recall@10 and recall@200 (the Searcher's candidate depth), unfiltered and with a
filter admitting a random half of the passages (as a language filter does), against exact
search over the same admitted passages. --default-only skips the sweep of index types.

Usage: .venv/bin/python benchmarks/bench_ann.py [--passages 100000] [--cache /tmp/ann]
       [--default-only]
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import time
from pathlib import Path
from typing import Any

import faiss
import lxml.html
import numpy as np

from index import UseEmbedder
from index.config import VectorConfig
from index.storage.vectors import VectorIndex, build_vectors

SPECS: tuple[tuple[str, str, tuple[int, ...]], ...] = (
    ("HNSW32,Flat", "efSearch", (32, 64, 128)),
    ("HNSW32,SQ8", "efSearch", (64, 128, 256)),
    ("IVF1024,SQ8", "nprobe", (16, 32, 64)),
    ("IVF1024,Flat", "nprobe", (16, 32)),
    ("OPQ64,IVF1024,PQ64", "nprobe", (32, 64)),
)


def texts(manual: Path, wanted: int, seed: int = 7) -> list[str]:
    """`wanted` distinct texts made of the manual's paragraphs, shuffled."""
    chapters = []
    for path in sorted(manual.glob("*.html")):
        root = lxml.html.parse(str(path)).getroot()
        paragraphs = [
            " ".join(el.text_content().split())
            for el in root.iter("p", "li", "td", "pre", "dt", "dd")
        ]
        chapters.append(list(dict.fromkeys(p for p in paragraphs if len(p) >= 20)))
    out: set[str] = set()
    for ps in chapters:
        out.update(ps)
        out.update(f"{a} {b}" for a, b in itertools.pairwise(ps))
    rng = random.Random(seed)
    while len(out) < wanted:
        ps = rng.choice(chapters)
        if len(ps) >= 3:
            i, j = rng.randrange(len(ps)), rng.randrange(len(ps))
            out.add(f"{ps[i]} {ps[j]}")
    ordered = sorted(out)
    rng.shuffle(ordered)
    return ordered[:wanted]


def vectors(manual: Path, n: int, cache: Path) -> tuple[np.ndarray, np.ndarray]:
    """(passage vectors, query vectors), embedded once and kept in `cache`."""
    p_file, q_file = cache / f"passages-{n}.npy", cache / f"queries-{n}.npy"
    if p_file.exists() and q_file.exists():
        return np.load(p_file), np.load(q_file)
    cache.mkdir(parents=True, exist_ok=True)
    corpus = texts(manual, n + 1000)
    embedder = UseEmbedder(threads=2)
    started = time.perf_counter()
    passages = np.vstack(
        [embedder.encode_passages(corpus[1000 + i : 1000 + i + 256]) for i in range(0, n, 256)]
    )
    queries = embedder.encode_queries(corpus[:1000])
    print(f"embedded {n + 1000} texts in {time.perf_counter() - started:.0f} s")
    np.save(p_file, passages)
    np.save(q_file, queries)
    return passages, queries


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manual", type=Path, default=Path("/usr/share/debian-reference"))
    parser.add_argument("--passages", type=int, default=100_000)
    parser.add_argument("--cache", type=Path, default=Path("/tmp/clustersearch-ann"))
    parser.add_argument("--default-only", action="store_true")
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    passages, queries = vectors(args.manual, args.passages, args.cache)
    n, dim = passages.shape
    exact = faiss.IndexFlatIP(dim)
    exact.add(passages)
    started = time.perf_counter()
    _, truth = exact.search(queries, 10)
    per_query = (time.perf_counter() - started) / len(queries) * 1000
    print(f"{n} passages, {dim}-d, {len(queries)} queries")
    print(f"IndexFlatIP (exact): {per_query:.2f} ms/query, {4 * dim} B/vector")
    default_index(passages, queries)
    if args.default_only:
        return 0
    for spec, knob, values in SPECS:
        index = faiss.index_factory(dim, spec, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        index.train(passages)
        index.add(passages)
        built = time.perf_counter() - started
        size = faiss.serialize_index(index).nbytes / n
        for value in values:
            faiss.ParameterSpace().set_index_parameter(index, knob, value)
            started = time.perf_counter()
            _, found = index.search(queries, 10)
            per_query = (time.perf_counter() - started) / len(queries) * 1000
            recall = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(found, truth, strict=True)])
            print(
                f"{spec} {knob}={value}: recall@10 {recall:.3f}, {per_query:.2f} ms/query, "
                f"build {built:.0f} s, {size:.0f} B/vector",
                flush=True,
            )
    return 0


def default_index(passages: np.ndarray, queries: np.ndarray) -> None:
    """Recall of the default approximate index against exact search, plain and filtered."""
    n = len(passages)
    config = dataclasses.replace(VectorConfig(), exact_max=0)
    ids = np.arange(n, dtype=np.int64)
    started = time.perf_counter()
    index = build_vectors(ids, passages, config)
    built = time.perf_counter() - started
    size = faiss.serialize_index(index.faiss_index).nbytes / n
    half = np.sort(np.random.default_rng(11).choice(n, size=n // 2, replace=False))
    exact_half = faiss.IndexIDMap2(faiss.IndexFlatIP(passages.shape[1]))
    exact_half.add_with_ids(passages[half], half)
    params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(half))  # type: ignore[call-arg]
    print(f"default {index.spec} (VectorConfig above exact_max): build {built:.0f} s, "
          f"{size:.0f} B/vector")  # fmt: skip
    for label, truth_index, search_params in (
        ("unfiltered", _flat(passages), None),
        ("half admitted", exact_half, params),
    ):
        for k in (10, 200):
            _, truth = truth_index.search(queries, k)
            for nprobe in (index.spec.nprobe, 2 * index.spec.nprobe, 4 * index.spec.nprobe):
                probed = VectorIndex(
                    index.faiss_index, dataclasses.replace(index.spec, nprobe=nprobe)
                )
                started = time.perf_counter()
                _, found = probed.search(queries, k, params=search_params)
                per_query = (time.perf_counter() - started) / len(queries) * 1000
                recall = np.mean(
                    [len(set(a) & set(b)) / k for a, b in zip(found, truth, strict=True)]
                )
                print(
                    f"  {label}, nprobe {nprobe}: recall@{k} {recall:.3f}, "
                    f"{per_query:.2f} ms/query",
                    flush=True,
                )


def _flat(passages: np.ndarray) -> Any:
    exact = faiss.IndexFlatIP(passages.shape[1])
    exact.add(passages)
    return exact


if __name__ == "__main__":
    raise SystemExit(main())
