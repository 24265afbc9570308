"""The BM25 index of the chunks (bm25s, Lucene variant): analysed terms in, scores out.

The index stores and scores terms; it does not analyse text. Passages are analysed on the
write path (`index.ingest`: each passage once, its terms cached), queries on the read path
(`index.retrieval.searcher`: typos corrected against `vocabulary`, the word bridge), and
their terms are looked up by their ids in the bm25s vocabulary.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.config import BM25_B, BM25_K1
from index.text.analysis import LEXICAL_VERSION, QueryTerm

__all__ = ["LexicalIndex", "lexical_from_terms"]

_META = "lexical.json"


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over chunks, addressed by chunk id."""

    def __init__(self, retriever: object, chunk_ids: Sequence[int]) -> None:
        self._retriever = retriever
        self.chunk_ids: tuple[int, ...] = tuple(chunk_ids)
        self._row = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self._vocabulary: tuple[str, ...] | None = None

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The indexed terms (stems), sorted."""
        if self._vocabulary is None:
            vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
            self._vocabulary = tuple(sorted(t for t in vocab if t))
        return self._vocabulary

    @property
    def known(self) -> Collection[str]:
        """The indexed terms, for fast membership tests (unsorted; see `vocabulary`)."""
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        return vocab.keys()

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term`: ln(1 + (N - df + 0.5) / (df + 0.5)),
        with df the number of chunks holding it (0 for a term not indexed)."""
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        scores: Mapping[str, Any] = self._retriever.scores  # type: ignore[attr-defined]
        indptr = scores["indptr"]
        row = vocab.get(term) if term else None
        df = 0 if row is None or row + 1 >= len(indptr) else int(indptr[row + 1] - indptr[row])
        n = len(self.chunk_ids)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def scores(self, analysed: Sequence[QueryTerm]) -> dict[int, float]:
        """BM25 score of every chunk for a query's analysed words (0.0 where no term matches)."""
        terms = [t for q in analysed for t in sorted(q.terms)]
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        ids = [vocab[t] for t in terms if t in vocab]
        if not ids or not self.chunk_ids:
            return dict.fromkeys(self.chunk_ids, 0.0)
        raw = np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float64)  # type: ignore[attr-defined]
        return {cid: float(raw[i]) for i, cid in enumerate(self.chunk_ids)}

    def save(self, directory: Path) -> list[Path]:
        """Write the index into `directory` (created); returns the files written."""
        directory.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(directory), show_progress=False)  # type: ignore[attr-defined]
        meta = {"version": LEXICAL_VERSION, "chunk_ids": list(self.chunk_ids)}
        (directory / _META).write_text(json.dumps(meta), encoding="utf-8")
        return sorted(p for p in directory.iterdir() if p.is_file())

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The index saved in `directory`, or None if absent or of another analysis version."""
        import bm25s

        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("version") != LEXICAL_VERSION:
            return None
        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, [int(c) for c in meta["chunk_ids"]])


def lexical_from_terms(chunk_ids: Sequence[int], corpus: Sequence[list[str]]) -> LexicalIndex:
    """The BM25 index of chunks given their terms (`corpus[i]` are those of `chunk_ids[i]`:
    `passage_terms` of its `lexical_text`, see `index.ingest.lexical`)."""
    import bm25s

    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    if corpus:
        retriever.index(list(corpus), show_progress=False)
    return LexicalIndex(retriever, chunk_ids)
