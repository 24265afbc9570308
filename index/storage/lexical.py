"""The BM25 index of the chunks (bm25s, Lucene variant): analysed terms in, scores out.

The index stores and scores terms; it does not analyse text. The terms come from
`index.text.analysis` (the write path analyses each passage once, see `index.ingest`),
and a query's terms are looked up by their ids in the bm25s vocabulary.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.config import BM25_B, BM25_K1
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.documents.passage import lexical_text
from index.text.analysis import (
    LEXICAL_VERSION,
    QueryTerm,
    correct_typos,
    passage_terms,
    query_analysis,
)

__all__ = ["LexicalIndex", "build_lexical", "lexical_from_terms"]

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

    def analyse(self, query: str) -> list[QueryTerm]:
        """The query's words and their terms, typos corrected against this index's vocabulary."""
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        return correct_typos(query_analysis(query), self.vocabulary, vocab.keys())

    def scores(
        self, query: str, *, analysed: Sequence[QueryTerm] | None = None
    ) -> dict[int, float]:
        """BM25 score of every chunk for `query` (0.0 where no term matches).

        `analysed`: the query's terms when the caller has expanded them further (the word
        bridge); by default `self.analyse(query)`.
        """
        if analysed is None:
            analysed = self.analyse(query)
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


def build_lexical(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> LexicalIndex:
    """The BM25 index of `chunks`, each analysed in its document's language."""
    import bm25s

    corpus = [
        passage_terms(lexical_text(c, documents[c.document_id]), documents[c.document_id].language)
        for c in chunks
    ]
    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    if corpus:
        retriever.index(corpus, show_progress=False)
    return LexicalIndex(retriever, [c.id for c in chunks])


def lexical_from_terms(chunk_ids: Sequence[int], corpus: Sequence[list[str]]) -> LexicalIndex:
    """The BM25 index of chunks whose terms (`passage_terms` of `lexical_text`) are known;
    the same index `build_lexical` makes of those chunks, without analysing any text."""
    import bm25s

    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    if corpus:
        retriever.index(list(corpus), show_progress=False)
    return LexicalIndex(retriever, chunk_ids)
