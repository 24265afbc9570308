"""A word bridge between German and English: query words → the nearest passage words.

The term map (`index.terms`) translates the words someone wrote down; the bridge covers
the rest with the dense model itself. Every distinct word of the indexed passages (per
document language, 4+ letters, no stop words) is embedded once; at query time each query
word is embedded too, and its nearest passage word in each language — when the cosine is
at least `BridgeConfig.threshold` — joins the word's BM25 terms (stemmed in that
language). A word that already occurs among a language's passage words is not bridged
into that language (its neighbours there would be near-synonyms, i.e. noise).
"Mitarbeiter" reaches "employees", "Dachmarke" "brand", "Vertrauen" "trust", without a
dictionary and without looking at any question.

Chosen on the dev split with the dev-driven term pairs left out (so the bridge had to do
their work): threshold 0.6, one neighbour per language (`benchmarks/tune_bridge.py`).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Mapping, Sequence

import numpy as np

from index.config import BridgeConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Embedder, Vectors
from index.text.analysis import QueryTerm, fold, stem, stopwords
from index.text.regions import is_region_alias

__all__ = [
    "Encode",
    "LazyBridge",
    "WordBridge",
]

# How passage words become vectors: `embedder.encode_passages`, or the same through a
# cache that keeps them across snapshots and restarts (`PassageCache.encode`).
Encode = Callable[[Sequence[str]], Vectors]

_WORD = re.compile(r"[^\W\d_]+")
_CACHE_WORDS = 10_000  # query-word vectors kept; users ask with the same words again


class WordBridge:
    """The passage words of each language and their vectors, for one snapshot and model."""

    def __init__(
        self,
        words: Mapping[str, Sequence[str]],
        vectors: Mapping[str, Vectors],
        embedder: Embedder,
    ) -> None:
        self.words = {lang: tuple(ws) for lang, ws in words.items()}
        # A word already found among a language's passage words needs no bridge into it.
        self._stems = {lang: {stem(fold(w), lang) for w in ws} for lang, ws in words.items()}
        self._vectors = dict(vectors)
        self._embedder = embedder
        self._cache: dict[str, Vectors] = {}
        self._cache_lock = threading.Lock()  # requests run in threads

    @classmethod
    def build(
        cls,
        chunks: Sequence[Chunk],
        documents: Mapping[str, Document],
        embedder: Embedder,
        min_chars: int = 4,
        *,
        encode: Encode | None = None,
    ) -> WordBridge:
        """Embed every distinct passage word (lower-cased) of each document language, with
        `encode` (default: `embedder.encode_passages`)."""
        stops = stopwords()
        found: dict[str, set[str]] = {}
        for chunk in chunks:
            lang = documents[chunk.document_id].language
            bucket = found.setdefault(lang, set())
            for word in _WORD.findall(chunk.text):
                if len(word) >= min_chars and fold(word) not in stops:
                    bucket.add(word.lower())
        words = {lang: sorted(ws) for lang, ws in sorted(found.items()) if ws}
        encode = encode or embedder.encode_passages
        vectors = {lang: encode(ws) for lang, ws in words.items()}
        return cls(words, vectors, embedder)

    def expand(self, analysed: Sequence[QueryTerm], config: BridgeConfig) -> list[QueryTerm]:
        """`analysed` with each word's nearest passage words (per language) added to its terms."""
        bridged = [
            i
            for i, q in enumerate(analysed)
            if q.stems
            and len(q.source) >= config.min_chars
            and q.source.isalpha()
            and not is_region_alias(q.source)  # the gazetteer knows Länder in both languages
        ]
        if not bridged or not self.words:
            return list(analysed)
        queries = self._encode([analysed[i].source.lower() for i in bridged])
        extra: dict[int, set[str]] = {i: set() for i in bridged}
        for lang, words in self.words.items():
            sims = np.asarray(queries @ self._vectors[lang].T)  # (query words, passage words)
            for row, i in enumerate(bridged):
                if analysed[i].stems & self._stems[lang]:
                    continue
                # stable: equal similarities keep alphabetical order
                order = np.argsort(-sims[row], kind="stable")[: config.neighbours]
                for j in order:
                    if sims[row, j] >= config.threshold:
                        extra[i].add(stem(fold(words[j]), lang))
        return [
            QueryTerm(q.source, q.terms | extra[i], q.stems) if extra.get(i) else q
            for i, q in enumerate(analysed)
        ]

    def _encode(self, words: Sequence[str]) -> Vectors:
        """The words' vectors, from the cache where it has them (one model call for the rest)."""
        with self._cache_lock:
            missing = list(dict.fromkeys(w for w in words if w not in self._cache))
            if missing:
                if len(self._cache) + len(missing) > _CACHE_WORDS:
                    self._cache.clear()
                vectors = self._embedder.encode_queries(missing)
                self._cache.update(zip(missing, vectors, strict=True))
            return np.vstack([self._cache[w] for w in words])


class LazyBridge:
    """Builds the `WordBridge` of a snapshot on first use, once, for every searcher sharing it."""

    def __init__(
        self,
        chunks: Sequence[Chunk],
        documents: Mapping[str, Document],
        embedder: Embedder,
        encode: Encode | None = None,
    ) -> None:
        self._args = (chunks, documents, embedder)
        self._encode = encode
        self._bridge: WordBridge | None = None
        self._lock = threading.Lock()

    def get(self) -> WordBridge:
        with self._lock:
            if self._bridge is None:
                self._bridge = WordBridge.build(*self._args, encode=self._encode)
            return self._bridge
