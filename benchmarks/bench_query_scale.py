"""Benchmark (not a test): Searcher latency on synthetic snapshots of ~10k and ~100k chunks.

Usage: .venv/bin/python benchmarks/bench_query_scale.py [--sizes 10000 100000]
           [--queries 100] [--cache DIR] [--json]

The passages are real text: the paragraphs of the Debian reference manual
(/usr/share/debian-reference/*.{en,de}.html, `apt-get install debian-reference-en
debian-reference-de`), recombined at random, one to three paragraphs of one language per
chunk, 40 chunks per document. Each distinct paragraph is analysed once (`passage_terms`)
and a chunk's BM25 terms are its paragraphs' terms; the BM25 index (bm25s) and the FAISS
index are the ones the code under test builds (`lexical_from_terms`, `create_snapshot`).

The vectors come from a HASHING STAND-IN EMBEDDER, not a model: each word is the sum of
signed hashed character trigrams, a text the normalised sum of its words (dimension 512,
the default model's). Its rankings mean nothing; what it costs does not depend on the
corpus, so the latencies are the searcher's own work (analysis, FAISS, BM25, bridge,
fusion), not a model's.

Timed (wall clock, and the process's CPU time, which a busy shared machine inflates
less): `Searcher.search(query, k=10)` for each query (keyword queries cut from random
paragraphs), after `warm()` (filters and word bridge built, not timed). Four settings:
with and without the language filter `lang="de"` (about half the corpus), with and
without the word bridge. Run it on two checkouts to compare code, e.g. main's:
PYTHONPATH=/path/to/main .venv/bin/python benchmarks/bench_query_scale.py
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import random
import re
import statistics
import time
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

import index
from index.config import RankingConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.documents.extract import extract
from index.retrieval.searcher import Searcher
from index.storage.lexical import lexical_from_terms
from index.storage.snapshot import IndexSnapshot, create_snapshot
from index.text.analysis import passage_terms

MANUALS = Path("/usr/share/debian-reference")
DIM = 512
PER_DOCUMENT = 40
_WORD = re.compile(r"[^\W\d_]+")


class HashingEmbedder:
    """A stand-in embedder: signed hashed character trigrams, no model (see module doc)."""

    model_id = "hashing-stand-in"
    dim = DIM

    def __init__(self) -> None:
        self._words: dict[str, np.ndarray] = {}

    def _word(self, word: str) -> np.ndarray:
        vec = self._words.get(word)
        if vec is None:
            vec = np.zeros(DIM, dtype=np.float32)
            padded = f"#{word}#"
            for i in range(max(1, len(padded) - 2)):
                h = zlib.crc32(padded[i : i + 3].encode())
                vec[h % DIM] += 1.0 if (h >> 16) & 1 else -1.0
            self._words[word] = vec
        return vec

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), DIM), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                out[row] += self._word(word)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms > 0, norms, 1.0)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


def paragraphs() -> dict[str, list[str]]:
    """The manual's paragraphs (80+ characters) by language."""
    found: dict[str, list[str]] = {"en": [], "de": []}
    for lang, paras in found.items():
        for path in sorted(MANUALS.glob(f"*.{lang}.html")):
            text = extract(path.read_bytes(), "html").text
            paras.extend(p.strip() for p in re.split(r"\n\s*\n", text) if len(p.strip()) >= 80)
    if not all(found.values()):
        raise SystemExit(f"No paragraphs under {MANUALS}: apt-get install debian-reference-en/de")
    return found


def corpus(size: int, paras: dict[str, list[str]], cache: Path | None) -> dict[str, Any]:
    """Chunks (text, terms, vectors) and documents of a synthetic snapshot of `size` chunks."""
    path = cache / f"scale-{size}.pickle" if cache else None
    if path is not None and path.exists():
        with open(path, "rb") as fh:
            data: dict[str, Any] = pickle.load(fh)  # our own file
            return data
    rng = random.Random(size)
    terms = {lang: [passage_terms(p, lang) for p in ps] for lang, ps in paras.items()}
    embedder = HashingEmbedder()
    para_vectors = {lang: embedder.encode_passages(ps) for lang, ps in paras.items()}
    rows: list[tuple[str, list[int]]] = []
    for i in range(size):
        lang = "de" if i % 2 else "en"
        rows.append((lang, rng.sample(range(len(paras[lang])), rng.randint(1, 3))))
    data = {"rows": rows, "terms": terms, "paras": paras, "vectors": para_vectors}
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "wb") as fh:
            pickle.dump(data, fh)
    return data


def snapshot(data: dict[str, Any]) -> IndexSnapshot:
    """The snapshot of `corpus`'s chunks, 40 chunks of one language per document."""
    paras, terms, para_vectors = data["paras"], data["terms"], data["vectors"]
    by_lang: dict[str, list[list[int]]] = {"en": [], "de": []}
    for lang, picks in data["rows"]:
        by_lang[lang].append(picks)
    chunks: list[Chunk] = []
    documents: list[Document] = []
    corpus_terms: list[list[str]] = []
    vectors: list[np.ndarray] = []
    for lang, picks_list in by_lang.items():
        for start in range(0, len(picks_list), PER_DOCUMENT):
            doc_id = f"{lang}-{start // PER_DOCUMENT:05d}"
            texts, offset, spans = [], 0, []
            for picks in picks_list[start : start + PER_DOCUMENT]:
                text = "\n\n".join(paras[lang][p] for p in picks)
                spans.append((offset, offset + len(text), text, picks))
                texts.append(text)
                offset += len(text) + 2
            documents.append(Document(doc_id, doc_id, lang, "synthetic", "\n\n".join(texts)))
            for ordinal, (a, b, text, picks) in enumerate(spans):
                cid = int.from_bytes(hashlib.blake2b(f"{doc_id}/{a}".encode(), digest_size=8)
                                     .digest()) >> 1  # fmt: skip
                chunks.append(Chunk(cid, doc_id, ordinal, a, b, text, None))
                corpus_terms.append([t for p in picks for t in terms[lang][p]])
                vec = para_vectors[lang][picks].sum(axis=0)
                vectors.append(vec / max(float(np.linalg.norm(vec)), 1e-9))
    return create_snapshot(
        chunks,
        np.vstack(vectors).astype(np.float32),
        documents,
        model_id=HashingEmbedder.model_id,
        chunker={},
        corpus_hash="synthetic",
        lexical=lexical_from_terms([c.id for c in chunks], corpus_terms),
    )


def queries(paras: dict[str, list[str]], count: int) -> list[str]:
    """Keyword queries: two to five consecutive words of 4+ letters of random paragraphs."""
    rng = random.Random(0)
    out: list[str] = []
    while len(out) < count:
        lang = rng.choice(("en", "de"))
        words = [w for w in _WORD.findall(rng.choice(paras[lang])) if len(w) >= 4]
        if len(words) >= 2:
            n = rng.randint(2, min(5, len(words)))
            at = rng.randrange(len(words) - n + 1)
            out.append(" ".join(words[at : at + n]))
    return out


def percentile(values: Sequence[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def measure(snap: IndexSnapshot, qs: Sequence[str]) -> dict[str, Any]:
    """p50/p99 of `search` in the four settings, plus the warm-up times."""
    embedder = HashingEmbedder()
    results: dict[str, Any] = {}
    for bridge in (True, False):
        ranking = RankingConfig() if bridge else RankingConfig(bridge=None)
        searcher = Searcher(snap, embedder, ranking=ranking)  # type: ignore[arg-type]
        t0 = time.perf_counter()
        searcher.warm()
        results[f"warm bridge={'on' if bridge else 'off'}"] = time.perf_counter() - t0
        for lang in (None, "de"):
            searcher.search(qs[0], 10, lang=lang)  # the first search of a filter builds it
            times, cpu = [], []
            for q in qs:
                t0, c0 = time.perf_counter(), time.process_time()
                searcher.search(q, 10, lang=lang)
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
            key = f"bridge={'on' if bridge else 'off'} lang={lang or 'any'}"
            results[key] = {
                "p50_ms": round(percentile(times, 50), 2),
                "p99_ms": round(percentile(times, 99), 2),
                "mean_ms": round(statistics.fmean(times), 2),
                "cpu_p50_ms": round(percentile(cpu, 50), 2),
                "cpu_p99_ms": round(percentile(cpu, 99), 2),
            }
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--cache", type=Path, default=None, help="keep the corpora here")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    code = str(Path(index.__file__).resolve().parent.parent)
    print(f"code under test: {code}")
    print("embedder: HASHING STAND-IN (signed char-trigram hashing, dim 512), not a model")
    paras = paragraphs()
    print(f"paragraphs: {len(paras['en'])} en, {len(paras['de'])} de (Debian reference)")
    qs = queries(paras, args.queries)
    report: dict[str, Any] = {"code": code, "embedder": "hashing stand-in", "sizes": {}}
    for size in args.sizes:
        t0 = time.perf_counter()
        snap = snapshot(corpus(size, paras, args.cache))
        built = time.perf_counter() - t0
        figures = measure(snap, qs)
        figures["snapshot_s"] = round(built, 1)
        report["sizes"][size] = figures
        print(f"\n{len(snap.chunks)} chunks, {len(snap.documents)} documents "
              f"(snapshot made in {built:.1f} s; {len(qs)} queries, k=10):")  # fmt: skip
        for key, value in figures.items():
            if isinstance(value, dict):
                wall = f"wall p50 {value['p50_ms']:8.2f} ms  p99 {value['p99_ms']:8.2f} ms"
                cpu = f"cpu p50 {value['cpu_p50_ms']:8.2f} ms  p99 {value['cpu_p99_ms']:8.2f} ms"
                print(f"  {key:<22} {wall}   {cpu}")
            elif key.startswith("warm"):
                print(f"  {key:<22} {value:.1f} s (filters and word bridge, once)")
    if args.json:
        print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
