"""What an index of 10,000 to 1,000,000 passages costs on this machine.

The text is real: the paragraphs of Debian's reference manual in English and German
(apt-get install debian-reference-en debian-reference-de), recombined by a seeded random
draw into documents of about 2,500 characters (each of one language, so a language filter
admits about half, and filed under one Land, round robin, so a Land filter admits 1/16).
The vectors are NOT a model's: a hashing stand-in (signed feature hashing of the words
into 512 dimensions, the default model's width) makes them, so the figures are the index's
costs (FAISS, BM25, chunk store, corpus manifest), not the model's embedding time and not
retrieval quality.

For each size, in a fresh process (so peak RSS is that size's), through the public API:
write the corpus (documents/ and manifest.toml), `build_index` it; in two more fresh
processes load it (start-up: seconds and RSS growth of `load_index`, then after 20
queries), once with the vectors memory-mapped (the default) and once read into memory;
warm a `Searcher` as the service does before it says ready; hybrid queries (fragments of
the manual's paragraphs) without a filter, with a language filter and with a Land filter,
p50/p99; `Library.add`, `replace` and `remove` of one document; disk bytes of the build
and of faiss.index per vector; peak RSS of the building process. Searches run as the
service runs them with its default settings on this machine: one BLAS/OpenMP thread per
search (`limit_threads`; wider pools spin against each other on a busy machine).

Usage: .venv/bin/python benchmarks/bench_scale.py [--sizes 10000,100000] [--queries 200]
       [--keep DIR]  (build in DIR/<size> and keep it, instead of a temporary directory;
                      run again, it measures that build again, with its earlier writes)
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import lxml.html
import numpy as np

from index import (
    ChunkerConfig,
    Document,
    Library,
    Searcher,
    Upload,
    build_index,
    chunk_corpus,
    current_build,
    load_index,
)
from index.embedding.backends import limit_threads
from index.embedding.base import Vectors
from index.storage.snapshot import load_index as load_stored
from index.text.regions import REGIONS

_WORD = re.compile(r"\w+")
DOC_CHARS = 2500


class HashingEmbedder:
    """STAND-IN, not a model: signed feature hashing of lower-cased words into 512 floats."""

    model_id = "hashing-stand-in-512"
    dim = 512

    def __init__(self) -> None:
        self._slots: dict[str, tuple[int, float]] = {}

    def _slot(self, word: str) -> tuple[int, float]:
        slot = self._slots.get(word)
        if slot is None:
            h = zlib.crc32(word.encode())
            slot = self._slots[word] = (h % self.dim, 1.0 if h & 1 << 31 else -1.0)
        return slot

    def _encode(self, texts: Sequence[str]) -> Vectors:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                col, sign = self._slot(word)
                out[row, col] += sign
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        norms[norms == 0] = 1.0
        return out / norms

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


def paragraphs(manual: Path) -> dict[str, list[list[str]]]:
    """Language → chapters → their distinct paragraphs of at least 40 characters."""
    out: dict[str, list[list[str]]] = {"en": [], "de": []}
    for lang in out:
        for path in sorted(manual.glob(f"*.{lang}.html")):
            root = lxml.html.parse(str(path)).getroot()
            texts = (" ".join(el.text_content().split()) for el in root.iter("p", "li", "dd"))
            out[lang].append(list(dict.fromkeys(t for t in texts if len(t) >= 40)))
    return out


def documents(manual: Path, passages: int, seed: int = 3) -> list[tuple[str, str, str]]:
    """(id, language, text) of documents that cut into about `passages` passages (the
    passages per document measured on 200 of them)."""
    chapters = paragraphs(manual)
    pilot = _draw(chapters, 200, seed)
    cut = chunk_corpus(
        [Document(id=i, title=i, language=lang, source="pilot", text=text)
         for i, lang, text in pilot],
        ChunkerConfig(),
    )  # fmt: skip
    return _draw(chapters, round(passages * len(pilot) / len(cut)), seed)


def _draw(
    chapters: dict[str, list[list[str]]], count: int, seed: int
) -> list[tuple[str, str, str]]:
    rng = random.Random(seed)
    out = []
    for i in range(count):
        lang = "en" if i % 2 else "de"
        chapter = rng.choice([c for c in chapters[lang] if c])
        parts: list[str] = []
        while sum(map(len, parts)) < DOC_CHARS:
            parts.append(rng.choice(chapter))
        out.append((f"doc{i:07d}", lang, "\n\n".join(parts)))
    return out


def write_corpus(corpus_dir: Path, docs: Sequence[tuple[str, str, str]]) -> None:
    """The documents as files and the corpus manifest listing them."""
    (corpus_dir / "documents").mkdir(parents=True)
    lines = []
    for doc_id, lang, text in docs:
        (corpus_dir / "documents" / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        lines += [
            "[[documents]]",
            f'id = "{doc_id}"',
            f'file = "{doc_id}.txt"',
            f'title = "Debian reference, recombined {doc_id}"',
            f'language = "{lang}"',
            f'source = "debian-reference-{lang}"',
            f'regions = ["{land_of(doc_id)}"]',
            "",
        ]
    (corpus_dir / "manifest.toml").write_text("\n".join(lines), encoding="utf-8")


def land_of(doc_id: str) -> str:
    """The one Land a document is filed under, round robin: a portal's corpus, where each
    document comes from one Land's ministry or cluster, so a Land filter admits 1/16."""
    return REGIONS[int(doc_id.removeprefix("doc")) % len(REGIONS)]


def rss_mb(pid: int | str = "self") -> float:
    """Resident memory of process `pid` (default: this one) now, in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def percentiles(seconds: Sequence[float]) -> tuple[float, float]:
    ms = np.asarray(seconds) * 1000
    return float(np.percentile(ms, 50)), float(np.percentile(ms, 99))


def queries(docs: Sequence[tuple[str, str, str]], count: int, seed: int = 5) -> list[str]:
    """Six to ten consecutive words of random documents: keyword-like queries."""
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words = rng.choice(docs)[2].split()
        start = rng.randrange(max(1, len(words) - 10))
        out.append(" ".join(words[start : start + rng.randint(6, 10)]))
    return out


def run_size(manual: Path, passages: int, query_count: int, work: Path) -> dict[str, Any]:
    """Every figure of one size; runs in its own process."""
    embedder = HashingEmbedder()
    docs = documents(manual, passages)
    built = work / "build.json"
    if built.exists():  # --keep: measure the kept build again (it holds the earlier writes)
        figures: dict[str, Any] = json.loads(built.read_text())
    else:
        write_corpus(work / "corpus", docs)
        started = time.perf_counter()
        build_index(work / "corpus", work / "index", embedder, ChunkerConfig())
        figures = {"documents": len(docs), "build_s": time.perf_counter() - started}
        figures["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        built.write_text(json.dumps(figures))
    limit_threads(1)
    for mmap in (1, 0):
        command = [sys.executable, __file__, "--load", str(work / "index"), "--mmap", str(mmap),
                   "--manual", str(manual)]  # fmt: skip
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        figures[f"start_mmap{mmap}"] = json.loads(done.stdout.strip().splitlines()[-1])
    snapshot = load_index(work / "index")
    words = WordCache(embedder)
    started = time.perf_counter()
    searcher = ready(Searcher(snapshot, embedder, word_encoder=words))
    figures["warm_s"] = time.perf_counter() - started
    figures["passages"] = len(snapshot.chunks)
    figures["vectors"] = dict(snapshot.manifest.vectors)
    for label, lang, land in (
        ("query", None, None),
        ("query_de", "de", None),
        ("query_land", None, REGIONS[0]),
    ):
        times = []
        for text in queries(docs, query_count):
            started = time.perf_counter()
            searcher.search(text, 10, lang=lang, region=land)
            times.append(time.perf_counter() - started)
        figures[label] = percentiles(times)
    figures["rss_after_queries_mb"] = rss_mb()
    figures.update(library_writes(work, snapshot, embedder, words))
    files = [p for p in (work / "index").rglob("*") if p.is_file() and p.name != "cache.sqlite"]
    figures["disk_bytes"] = sum(p.stat().st_size for p in files)
    vector_bytes = sum(p.stat().st_size for p in files if p.name == "vectors.faiss")
    figures["bytes_per_vector"] = vector_bytes / max(1, figures["passages"])
    return figures


def ready(searcher: Searcher) -> Searcher:
    """`searcher` warmed as the service warms it before it says ready (`Engine.warm_up`):
    what it builds lazily, and the BM25 weights of the commonest terms."""
    searcher.warm()
    searcher.snapshot.lexical.warm()
    return searcher


def start_up(index_dir: Path, mmap: bool) -> dict[str, float]:
    """Seconds and RSS growth (MB) of loading the index in this fresh process, and RSS
    growth after 20 queries (vectors memory-mapped or read into memory)."""
    embedder = HashingEmbedder()
    limit_threads(1)
    before = rss_mb()
    started = time.perf_counter()
    snapshot = load_stored(index_dir, mmap=mmap)
    out = {"load_s": time.perf_counter() - started, "load_rss_mb": rss_mb() - before}
    started = time.perf_counter()
    searcher = ready(Searcher(snapshot, embedder))
    out["ready_s"] = out["load_s"] + time.perf_counter() - started
    chunks = snapshot.segments[0].segment.chunks
    texts = [chunks[row].text[:80] for row in range(0, len(chunks), max(1, len(chunks) // 20))]
    for text in texts[:20]:
        searcher.search(text, 10)
    out["queried_rss_mb"] = rss_mb() - before
    return out


class WordCache:
    """The service's cache of the word bridge's vectors (`PassageCache`), in memory."""

    def __init__(self, embedder: HashingEmbedder) -> None:
        self._embedder = embedder
        self._vectors: dict[str, Vectors] = {}

    def __call__(self, words: Sequence[str]) -> Vectors:
        missing = [w for w in words if w not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self._embedder.encode_passages(missing), strict=True))
        if not words:
            return np.zeros((0, self._embedder.dim), dtype=np.float32)
        return np.vstack([self._vectors[w] for w in words])


def library_writes(
    work: Path, snapshot: Any, embedder: HashingEmbedder, words: WordCache
) -> dict[str, float]:
    """Seconds to add (the first write of a fresh `Library`, which reads the corpus once,
    then another), replace and remove one document of four passages, each until a warmed
    searcher serves the result (as the service installs it), and to merge the segments the
    writes made (`Library.compact`, the service does it in the background). Each upload
    names its language: the language detector's first call loads its models (0.15-0.6 s,
    once a process), which would count in whichever write detected first."""
    searchable: list[float] = []

    def install(new: Any, build: str) -> None:
        started = time.perf_counter()
        Searcher(new, embedder, word_encoder=words).warm()
        searchable.append(time.perf_counter() - started)

    library = Library(work / "corpus", work / "index", embedder, ChunkerConfig(), on_commit=install)
    build = current_build(work / "index")
    assert build is not None
    library.use_snapshot(build, snapshot)
    text = "\n\n".join(
        f"Abschnitt {i}. Der Paketmanager apt holt im Jahr {2020 + i} die Pakete aus {i + 2} "
        "Quellen; aptitude und dpkg zeigen, welche Version installiert ist und warum." * 3
        for i in range(4)
    )
    out = {}
    started = time.perf_counter()
    first = library.add([Upload(text.encode(), "neu.txt", language="de", regions=())])
    out["first_add_s"] = time.perf_counter() - started  # reads the corpus once
    started = time.perf_counter()
    second = text.replace("Paketmanager", "Paketverwalter")
    added = library.add([Upload(second.encode(), "neu2.txt", language="de", regions=())])
    out["add_s"] = time.perf_counter() - started
    doc_id = added.changes[0].id
    started = time.perf_counter()
    replacement = second.replace("Quellen", "Spiegeln").encode()
    library.replace(doc_id, Upload(replacement, "neu2.txt", language="de"))
    out["replace_s"] = time.perf_counter() - started
    started = time.perf_counter()
    library.remove(doc_id)
    out["remove_s"] = time.perf_counter() - started
    library.remove(first.changes[0].id)
    out["install_s"] = max(searchable)
    started = time.perf_counter()
    out["merged"] = library.compact()
    out["compact_s"] = time.perf_counter() - started
    return out


def print_table(rows: Sequence[dict[str, Any]]) -> None:
    print(
        "| passages | docs | index | build s | first add, add/replace/remove s | +searchable s | "
        "query p50/p99 ms | query lang=de p50/p99 ms | query Land p50/p99 ms | "
        "load_index s mmap/read | "
        "ready s mmap | RSS after load MB mmap/read | RSS after 20 queries MB mmap/read | "
        "warm s | peak RSS MB | disk MB | faiss B/vector |"
    )
    print("|" + "---|" * 17)
    for r in rows:
        v, m, n = r["vectors"], r["start_mmap1"], r["start_mmap0"]
        kind = v["factory"] + (f" nprobe {v['nprobe']}" if v["nprobe"] else "")
        print(
            f"| {r['passages']} | {r['documents']} | {kind} | {r['build_s']:.1f} | "
            f"{r.get('first_add_s', float('nan')):.2f}, "
            f"{r['add_s']:.2f}/{r['replace_s']:.2f}/{r['remove_s']:.2f} | "
            f"{r['install_s']:.2f} | "
            f"{r['query'][0]:.1f}/{r['query'][1]:.1f} | "
            f"{r['query_de'][0]:.1f}/{r['query_de'][1]:.1f} | "
            f"{_pair(r.get('query_land'))} | "
            f"{m['load_s']:.2f}/{n['load_s']:.2f} | {m['ready_s']:.1f} | "
            f"{m['load_rss_mb']:.0f}/{n['load_rss_mb']:.0f} | "
            f"{m['queried_rss_mb']:.0f}/{n['queried_rss_mb']:.0f} | "
            f"{r['warm_s']:.1f} | {r['peak_rss_mb']:.0f} | "
            f"{r['disk_bytes'] / 1e6:.0f} | {r['bytes_per_vector']:.0f} |"
        )


def _pair(figures: Sequence[float] | None) -> str:
    return "–" if figures is None else f"{figures[0]:.1f}/{figures[1]:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manual", type=Path, default=Path("/usr/share/debian-reference"))
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--keep", type=Path, help="build in DIR/<size> and keep it")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--load", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--mmap", type=int, default=1, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not list(args.manual.glob("*.de.html")):
        print("apt-get install debian-reference-en debian-reference-de", file=sys.stderr)
        return 2
    if args.load:
        print(json.dumps(start_up(args.load, bool(args.mmap))))
        return 0
    if args.one:
        if args.keep:
            work = args.keep / str(args.one)
            print(json.dumps(run_size(args.manual, args.one, args.queries, work)))
            return 0
        with tempfile.TemporaryDirectory() as tmp:
            print(json.dumps(run_size(args.manual, args.one, args.queries, Path(tmp))))
        return 0
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Hashing STAND-IN embedder (not a model), {os.cpu_count()} cores, load {load}")
    rows = []
    for size in (int(s) for s in args.sizes.split(",")):
        command = [sys.executable, __file__, "--one", str(size), "--queries", str(args.queries),
                   "--manual", str(args.manual)]  # fmt: skip
        command += ["--keep", str(args.keep)] if args.keep else []
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(f"{size}: failed ({done.returncode}): {done.stderr[-2000:]}", flush=True)
            continue
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(json.dumps(rows[-1]), flush=True)
    print_table(rows)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
