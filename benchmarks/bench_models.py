"""What each passage model costs: passages embedded per second and one query's time.

The passages are the first of Debian's reference manual (English and German documents
alternating, `apt-get install debian-reference-en debian-reference-de`), framed as the
index embeds them (`passage_text`); the queries are short questions, one per call as a
search makes them. Nothing is cached. Prints one line per model and the machine's load.

Usage: .venv/bin/python benchmarks/bench_models.py [--passages 96] [--queries 30]
       [MODEL ...]   (default: USE, e5, and the two combined)
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

from index.config import ChunkerConfig
from index.documents.chunk import chunk_document
from index.documents.passage import passage_text
from index.embedding.backends import load_embedder
from index.evaluation.manual import DEFAULT_MANUALS, load_manual

MODELS = (
    "use-multilingual-v3",
    "multilingual-e5-small",
    "multilingual-e5-small+use-multilingual-v3",
)


def _passages(folder: Path, count: int) -> list[str]:
    corpus = load_manual(folder)
    documents = [d for part in corpus.values() for d in part.values()]
    texts: list[str] = []
    for document in documents:
        texts += [passage_text(c, document) for c in chunk_document(document, ChunkerConfig())]
        if len(texts) >= count:
            break
    return texts[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("models", nargs="*", default=list(MODELS))
    parser.add_argument("--manuals", type=Path, default=DEFAULT_MANUALS)
    parser.add_argument("--passages", type=int, default=96)
    parser.add_argument("--queries", type=int, default=30)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    texts = _passages(args.manuals, args.passages)
    chars = sum(map(len, texts)) / max(len(texts), 1)
    print(f"{len(texts)} passages of {args.manuals}, {chars:.0f} characters on average")
    print(f"load before: {os.getloadavg()[0]:.2f}, {args.threads} threads")
    for name in args.models:
        embedder = load_embedder(name, threads=args.threads)
        embedder.encode_passages(texts[:4])  # first calls load what loads lazily
        embedder.encode_queries(["warm"])
        started = time.perf_counter()
        embedder.encode_passages(texts)
        rate = len(texts) / (time.perf_counter() - started)
        times = []
        for i in range(args.queries):
            started = time.perf_counter()
            embedder.encode_queries([f"Wie richte ich Paket {i} ein?"])
            times.append(time.perf_counter() - started)
        times.sort()
        print(
            f"{embedder.model_id}: {rate:.1f} passages/s; one query p50 "
            f"{times[len(times) // 2] * 1000:.1f} ms, max {times[-1] * 1000:.1f} ms",
            flush=True,
        )
    print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
