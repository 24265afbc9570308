"""A word bridge between German and English: query words → the nearest passage words.

The term map (`index.terms`) translates the words someone wrote down; the bridge covers
the rest with the dense model itself. The distinct words of the indexed passages (per
document language, 4+ letters, no stop words; at most `BRIDGE_WORDS` per language, those
most passages hold) are embedded once per snapshot, through an `Encode` that may cache
them across snapshots. At query time each query word is embedded too, and its nearest of
those words in each language — when the cosine is at least `BridgeConfig.threshold` —
joins the word's BM25 terms (stemmed in that language). A word that already occurs among
a language's passage words (any of them, embedded or not) is not bridged into that
language (its neighbours there would be near-synonyms, i.e. noise). A query word costs
one product with at most `BRIDGE_WORDS` vectors per language, whatever the corpus size.
"Mitarbeiter" reaches "employees", "Dachmarke" "brand", "Vertrauen" "trust", without a
dictionary and without looking at any question.

Chosen on the dev split with the dev-driven term pairs left out (so the bridge had to do
their work): threshold 0.6, one neighbour per language (`benchmarks/tune_bridge.py`).
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Collection, Mapping, Sequence

import numpy as np
import numpy.typing as npt

from index.config import BRIDGE_WORDS, BridgeConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Embedder, Vectors
from index.storage.segment import Segment
from index.storage.summary import passage_words, word_stems
from index.text.analysis import QueryTerm, fold, stem
from index.text.regions import is_region_alias

__all__ = [
    "Encode",
    "LazyBridge",
    "WordBridge",
    "passage_words",
    "word_stems",
]

# How passage words become vectors: `embedder.encode_passages`, or the same through a
# cache that keeps them across snapshots and restarts (`PassageCache.encode`).
Encode = Callable[[Sequence[str]], Vectors]

_CACHE_WORDS = 10_000  # query-word vectors kept; users ask with the same words again


class WordBridge:
    """The passage words of each language and their vectors, for one snapshot and model."""

    def __init__(
        self,
        words: Mapping[str, Sequence[str]],
        vectors: Mapping[str, Vectors],
        embedder: Embedder,
        present: Mapping[str, Collection[str]] | None = None,
        *,
        stems: Mapping[str, Collection[str]] | None = None,
    ) -> None:
        """`words[lang]` are the bridge's words and `vectors[lang]` their vectors;
        `present[lang]` are all passage words of `lang` (default: `words[lang]`), or
        `stems[lang]` their stems (`word_stems`), when the caller has them."""
        self.words = {lang: tuple(ws) for lang, ws in words.items()}
        present = words if present is None else present
        # A word already found among a language's passage words needs no bridge into it.
        self._stems: dict[str, Collection[str]] = (
            dict(stems)
            if stems is not None
            else {lang: word_stems(ws, lang) for lang, ws in present.items()}
        )
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
        max_words: int = BRIDGE_WORDS,
    ) -> WordBridge:
        """Embed the `max_words` passage words (lower-cased) of each document language that
        most passages hold (ties: alphabetical), with `encode` (default:
        `embedder.encode_passages`). Every passage word still counts as present (no bridge
        into a language that has the word), embedded or not."""
        found = passage_words(chunks, documents, min_chars)
        return cls.from_counts(found, embedder, encode=encode, max_words=max_words)

    @classmethod
    def from_counts(
        cls,
        found: Mapping[str, Counter[str]],
        embedder: Embedder,
        *,
        encode: Encode | None = None,
        max_words: int = BRIDGE_WORDS,
        stems: Mapping[str, Collection[str]] | None = None,
    ) -> WordBridge:
        """The bridge of passage words counted by `passage_words` (`stems`: their stems per
        language, when the caller has them)."""
        if max_words < 1:
            raise ValueError(f"max_words must be at least 1, got {max_words}")
        present = {lang: df for lang, df in sorted(found.items()) if df}
        words = {lang: _most_held(df, max_words) for lang, df in present.items()}
        encode = encode or embedder.encode_passages
        vectors = {lang: encode(ws) for lang, ws in words.items()}
        return cls(words, vectors, embedder, present, stems=stems)

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
        # A word already found among a language's passage words needs no bridge into it.
        needs = {
            lang: [i for i in bridged if not any(s in self._stems[lang] for s in analysed[i].stems)]
            for lang in self.words
        }
        asked = sorted(set().union(*needs.values()))
        if not asked:
            return list(analysed)
        vectors = self._encode([analysed[i].source.lower() for i in asked])
        queries = dict(zip(asked, vectors, strict=True))
        extra: dict[int, set[str]] = {i: set() for i in asked}
        for lang, words in self.words.items():
            if not needs[lang]:
                continue
            wanted = np.vstack([queries[i] for i in needs[lang]])
            sims = np.asarray(wanted @ self._vectors[lang].T)  # (query words, passage words)
            for row, i in enumerate(needs[lang]):
                for j in _nearest(sims[row], config.neighbours):
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


def _nearest(sims: npt.NDArray[np.float32], n: int) -> npt.NDArray[np.intp]:
    """The indices of the `n` highest of `sims`, highest first; equal values keep their
    order (alphabetical). The first `n` of a stable argsort, without sorting them all."""
    if n < len(sims):
        cut = np.partition(sims, len(sims) - n)[len(sims) - n]
        near = np.flatnonzero(sims >= cut)
        return near[np.argsort(-sims[near], kind="stable")[:n]]
    return np.argsort(-sims, kind="stable")


def _most_held(df: Counter[str], limit: int) -> list[str]:
    """The `limit` words held by most passages (ties: alphabetical), sorted.

    Every word above the `limit`-th highest count, then the alphabetically first of those
    at it: linear in the words (a full sort by count took 1.4 s at 500,000 words)."""
    if len(df) <= limit:
        return sorted(df)
    words = list(df)
    counts = np.fromiter(df.values(), dtype=np.int64, count=len(words))
    cut = np.partition(counts, len(counts) - limit)[len(counts) - limit]
    above = [words[i] for i in np.flatnonzero(counts > cut)]
    tied = sorted(words[i] for i in np.flatnonzero(counts == cut))
    return sorted(above + tied[: limit - len(above)])


class LazyBridge:
    """Builds the `WordBridge` of a snapshot's segments on first use, once, for every searcher
    sharing it. Each segment's words were counted when it was written (its `summary`);
    words only deleted passages hold still count until their segment is merged."""

    def __init__(
        self, segments: Sequence[Segment], embedder: Embedder, encode: Encode | None = None
    ) -> None:
        self._segments = tuple(segments)
        self._embedder = embedder
        self._encode = encode
        self._bridge: WordBridge | None = None
        self._lock = threading.Lock()

    def get(self) -> WordBridge:
        with self._lock:
            if self._bridge is None:
                found: dict[str, Counter[str]] = {}
                stems: dict[str, set[str]] = {}
                for segment in self._segments:
                    for lang, words in segment.summary.words.items():
                        found.setdefault(lang, Counter()).update(words.counts)
                        stems.setdefault(lang, set()).update(words.stems)
                self._bridge = WordBridge.from_counts(
                    found, self._embedder, encode=self._encode, stems=stems
                )
            return self._bridge
