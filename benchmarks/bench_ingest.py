"""Ingestion benchmark on a real corpus no one here wrote: Debian's reference
manual in English and German (apt-get install debian-reference-en debian-reference-de).

Prints:
1. ingestion throughput per language — documents/s and chunks/s end to end (extraction,
   language detection, chunking, embedding, index update, writes) and chunks/s embedded
   (the model alone) — with the default model on this machine's threads;
2. the cross-language check: each numbered English section title ("1.2.3. Foo") as a
   query restricted to German passages; a hit when a German passage of the section with
   the same number ranks first (hit@1) or in the top 5 (hit@5);
3. the time to add, replace and remove one document in an index of ≥ 10,000 chunks. The
   big index is made of copies of the manual's documents, each with one line appended
   ("Copy N."), so the copies are new documents whose passages the embedding cache knows.

Usage: .venv/bin/python benchmarks/bench_ingest.py [--dir /usr/share/debian-reference]
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from index import (
    CACHE_NAME,
    ChunkerConfig,
    IndexSnapshot,
    Library,
    PassageCache,
    Searcher,
    UpdateReport,
    Upload,
    UseEmbedder,
)
from index.embedding.base import Vectors

_NUMBERED = re.compile(r"(\d+(?:\.\d+)+)\.\s+(.+)")


class TimedEmbedder:
    """The default model, counting the time spent embedding passages."""

    def __init__(self, threads: int) -> None:
        self.inner = UseEmbedder(threads=threads)
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self.count = 0

    @property
    def model_id(self) -> str:
        return self.inner.model_id

    @property
    def dim(self) -> int:
        return self.inner.dim

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        started, cpu = time.perf_counter(), time.process_time()
        out = self.inner.encode_passages(texts)
        self.seconds += time.perf_counter() - started
        self.cpu_seconds += time.process_time() - cpu
        self.count += len(texts)
        return out


def _searcher(snapshot: IndexSnapshot, embedder: TimedEmbedder, cache: PassageCache) -> Searcher:
    """A warmed searcher, as the service makes one before it serves a new snapshot (the word
    bridge's vectors through the embedding cache)."""
    inner = embedder.inner
    return Searcher(
        snapshot, inner, word_encoder=lambda words: cache.encode(inner, words)[0]
    ).warm()


def _report_write(
    label: str, report: UpdateReport, seconds: float, embedder: TimedEmbedder, cache: PassageCache
) -> None:
    stats = report.stats
    assert stats is not None and report.snapshot is not None
    started = time.perf_counter()
    _searcher(report.snapshot, embedder, cache)
    warm = time.perf_counter() - started
    print(
        f"{label} one document ({stats.added} chunks added, {stats.removed} removed, "
        f"{stats.embedded} embedded) in an index of {stats.kept + stats.removed} chunks: "
        f"{seconds:.3f} s, + {warm:.3f} s warming the new searcher = {seconds + warm:.3f} s "
        "until the service serves it"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dir", type=Path, default=Path("/usr/share/debian-reference"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--min-chunks", type=int, default=10_000)
    args = parser.parse_args()
    files = {lang: sorted(args.dir.glob(f"*.{lang}.html")) for lang in ("en", "de")}
    if not files["en"] or not files["de"]:
        print(
            f"No chNN.en.html / chNN.de.html under {args.dir}: "
            "apt-get install debian-reference-en debian-reference-de",
            file=sys.stderr,
        )
        return 2
    embedder = TimedEmbedder(args.threads)
    with tempfile.TemporaryDirectory() as tmp:
        library = Library(Path(tmp) / "corpus", Path(tmp) / "index", embedder, ChunkerConfig())
        load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
        print(f"## Ingestion ({args.threads} threads, model {embedder.model_id}, load {load})")
        for lang, paths in files.items():
            uploads = [
                Upload(p.read_bytes(), p.name, source=f"debian-reference-{lang}/{p.name}")
                for p in paths
            ]
            embed_before, count_before = embedder.seconds, embedder.count
            cpu_before = embedder.cpu_seconds
            started = time.perf_counter()
            report = library.add(uploads)
            seconds = time.perf_counter() - started
            assert report.stats is not None
            chunks, embedded = report.stats.added, embedder.count - count_before
            embed_seconds = embedder.seconds - embed_before
            embed_cpu = embedder.cpu_seconds - cpu_before
            detected = sorted({c.document.language for c in report.changes})
            print(
                f"debian-reference-{lang}: {len(uploads)} documents, {chunks} chunks in "
                f"{seconds:.1f} s = {len(uploads) / seconds:.2f} documents/s, "
                f"{chunks / seconds:.1f} chunks/s end to end; embedding alone {embedded} chunks "
                f"in {embed_seconds:.1f} s = {embedded / embed_seconds:.1f} chunks/s "
                f"({embedded / embed_cpu:.1f} per CPU-second); "
                f"detected language(s) {detected}"
            )
        snapshot = report.snapshot
        assert snapshot is not None
        cache = PassageCache(Path(tmp) / "index" / CACHE_NAME)
        started = time.perf_counter()
        searcher = _searcher(snapshot, embedder, cache)
        print(
            f"\nfirst searcher over {len(snapshot.chunks)} chunks (every passage word embedded "
            f"for the word bridge): {time.perf_counter() - started:.1f} s"
        )
        german: dict[str, str] = {}
        english: dict[str, str] = {}
        for chunk in snapshot.chunks.values():
            match = _NUMBERED.fullmatch(chunk.section or "")
            if match:
                lang = snapshot.documents[chunk.document_id].language
                (german if lang == "de" else english)[match.group(1)] = match.group(2)
        pairs = sorted(n for n in english if n in german)
        hit1 = hit5 = 0
        for number in pairs:
            hits = searcher.search(english[number], 5, lang="de")
            ranks = [
                i for i, h in enumerate(hits) if (h.chunk.section or "").startswith(number + ". ")
            ]
            hit1 += bool(ranks and ranks[0] == 0)
            hit5 += bool(ranks)
        print("\n## Cross-language: English section title → its German section")
        print(
            f"{len(pairs)} numbered sections in both languages: hit@1 = {hit1 / len(pairs):.3f} "
            f"({hit1}), hit@5 = {hit5 / len(pairs):.3f} ({hit5})"
        )

        print(f"\n## One document in an index of ≥ {args.min_chunks} chunks")
        originals = list(snapshot.documents.values())
        copy = 0
        while len(snapshot.chunks) < args.min_chunks:
            copy += 1
            uploads = [
                Upload(
                    (d.text.rstrip("\n") + f"\n\nCopy {copy}.").encode("utf-8"),
                    f"{d.id}-copy{copy}.txt",
                    title=d.title,
                    language=d.language,
                    regions=(),
                )
                for d in originals
            ]
            started = time.perf_counter()
            report = library.add(uploads)
            assert report.snapshot is not None and report.stats is not None
            snapshot = report.snapshot
            print(
                f"copy {copy}: +{report.stats.added} chunks ({report.stats.embedded} embedded) "
                f"in {time.perf_counter() - started:.1f} s → {len(snapshot.chunks)} chunks"
            )
        text = "\n\n".join(
            f"Abschnitt {i}\n\nDer Freistaat Sachsen fördert im Jahr {2020 + i} Cluster der "
            f"Mikroelektronik, der Wasserstoffwirtschaft und der Biotechnologie mit {i + 2} "
            "Millionen Euro; die Mittel gehen an Netzwerke und Verbundprojekte."
            for i in range(4)
        )
        started = time.perf_counter()
        added = library.add([Upload(text.encode(), "saxony.txt")])
        _report_write("add", added, time.perf_counter() - started, embedder, cache)
        doc_id = added.changes[0].id
        started = time.perf_counter()
        new_text = text.replace("Millionen", "Mio.").encode()
        replaced = library.replace(doc_id, Upload(new_text, "saxony.txt"))
        _report_write("replace", replaced, time.perf_counter() - started, embedder, cache)
        started = time.perf_counter()
        removed = library.remove(doc_id)
        _report_write("remove", removed, time.perf_counter() - started, embedder, cache)
    return 0


if __name__ == "__main__":
    sys.exit(main())
