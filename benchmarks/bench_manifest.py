"""The corpus side of one write at N documents: `edit_manifest` and `Library.add`.

Builds (once, under WORK) a corpus of N short documents in the manifest layout of
`bench_scale.write_corpus` and its index with `bench_scale.HashingEmbedder`, then times,
each REPEAT times (median printed): reading the corpus record, editing the manifest for
one added document, and one `Library.add` of a short document (the library warmed by a
first add, as a service's is). Usage: python benchmarks/bench_manifest.py [N] [WORK]
"""

from __future__ import annotations

import cProfile
import os
import pstats
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from bench_scale import HashingEmbedder, write_corpus

from index import ChunkerConfig, Document, Library, Upload, build_index
from index.ingest import manifest

REPEAT = 3


def _median(run: Callable[[], object]) -> float:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    work = Path(sys.argv[2] if len(sys.argv) > 2 else f"/tmp/bench-manifest-{count}")
    base = work / "base"
    if not (base / "index").exists():
        shutil.rmtree(base, ignore_errors=True)
        docs = [
            (f"doc{i:07d}", "en" if i % 2 else "de",
             f"Document {i} says apt fetches {i % 97} packages from mirror {i % 13}. " * 4)
            for i in range(count)
        ]  # fmt: skip
        write_corpus(base / "corpus", docs)
        build_index(base / "corpus", base / "index", HashingEmbedder(), ChunkerConfig())
    run = work / "run"
    shutil.rmtree(run, ignore_errors=True)
    shutil.copytree(base, run, symlinks=True)
    print("load:", os.getloadavg())
    record = manifest.read_corpus(run / "corpus")
    print(f"read_corpus: {_median(lambda: manifest.read_corpus(run / 'corpus')):.3f} s")
    new = Document("new", "New", "en", "bench", "A new document about dpkg.")
    docs, files = [*record.documents, new], {**record.files, "new": "new.txt"}
    edit = _median(lambda: manifest.edit_manifest(record.source, docs, files))
    print(f"edit_manifest (text): {edit:.4f} s")
    if hasattr(manifest, "edited_record"):
        carried = _median(lambda: manifest.edited_record(record, docs, files))
        print(f"edited_record (carried cut): {carried:.4f} s")
    library = Library(run / "corpus", run / "index", HashingEmbedder(), ChunkerConfig())
    texts = iter(f"Upload {i}: aptitude shows why package {i} is installed." for i in range(99))

    def add() -> None:
        library.add([Upload(next(texts).encode(), "up.txt", language="en", regions=())])

    add()  # the library reads the corpus and loads the index once
    print(f"Library.add: {_median(add):.3f} s")
    profile = cProfile.Profile()
    profile.runcall(add)
    pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
    print("load:", os.getloadavg())


if __name__ == "__main__":
    main()
