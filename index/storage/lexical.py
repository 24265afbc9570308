"""The BM25 index of the chunks (bm25s, Lucene variant): analysed terms in, scores out.

The index stores and scores terms; it does not analyse text. Passages are analysed on the
write path (`index.ingest`: each passage once, its terms cached), queries on the read path
(`index.retrieval.searcher`: typos corrected against `vocabulary`, the word bridge), and
their terms are looked up by their ids in the bm25s vocabulary.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from index.config import BM25_B, BM25_K1
from index.text.analysis import LEXICAL_VERSION, QueryTerm

__all__ = ["LexicalIndex", "RowFilter", "Rows", "lexical_from_terms"]

_META = "lexical.json"

# Row numbers of the index (`chunk_ids[row]` is the chunk), as int64.
Rows = npt.NDArray[np.int64]
# Which of the given rows a search may return (a boolean per row); see `LexicalIndex.top`.
RowFilter = Callable[[Rows], npt.NDArray[np.bool_]]


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over chunks, addressed by chunk id."""

    def __init__(self, retriever: object, chunk_ids: Sequence[int]) -> None:
        self._retriever = retriever
        self.chunk_ids: tuple[int, ...] = tuple(chunk_ids)
        self._row = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self._ids = np.asarray(self.chunk_ids, dtype=np.int64)
        self._vocabulary: tuple[str, ...] | None = None
        self._sorted: tuple[Any, Any, Any] | None = None

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
        """BM25 score of each chunk holding a term of a query's analysed words (a chunk
        holding none scores 0.0 and is left out)."""
        rows, values = self._match(analysed)
        return {int(cid): float(v) for cid, v in zip(self._ids[rows], values, strict=True)}

    def top(
        self, analysed: Sequence[QueryTerm], k: int, keep: RowFilter | None = None
    ) -> dict[int, float]:
        """The `k` best-scoring chunks (score > 0, best first; ties by chunk id) among
        those `keep` lets through (all by default).

        Only the postings of the query's terms are read: the work grows with how many
        chunks hold them, not with the size of the index.
        """
        rows, values = self._match(analysed)
        if keep is not None and len(rows):
            kept = keep(rows)
            rows, values = rows[kept], values[kept]
        positive = values > 0
        ids, values = self._ids[rows[positive]], values[positive]
        if len(values) > k > 0:
            # everything scoring at least the k-th best value: the ties at the cut included
            cut = np.partition(values, len(values) - k)[len(values) - k]
            near = values >= cut
            ids, values = ids[near], values[near]
        order = np.lexsort((ids, -values))[: max(k, 0)]
        return {int(ids[i]): float(values[i]) for i in order}

    def holding(self, terms: Collection[str], chunk_ids: Sequence[int]) -> set[int]:
        """Those of `chunk_ids` that hold at least one of `terms` (unknown ids hold none).

        One binary search per chunk and term in the term's postings: the work grows with
        `len(chunk_ids)`, not with the size of the index.
        """
        known = [(c, self._row[c]) for c in chunk_ids if c in self._row]
        if not known:
            return set()
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        rows = np.fromiter((r for _, r in known), dtype=np.int64, count=len(known))
        found = np.zeros(len(rows), dtype=bool)
        _, indices, indptr = self._postings()
        for term in terms:
            tid = vocab.get(term)
            if tid is None or not term:
                continue
            postings = indices[indptr[tid] : indptr[tid + 1]]
            if len(postings) == 0:
                continue
            at = np.searchsorted(postings, rows)
            found |= postings[np.minimum(at, len(postings) - 1)] == rows
        return {c for (c, _), hit in zip(known, found, strict=True) if hit}

    def _match(self, analysed: Sequence[QueryTerm]) -> tuple[Rows, Any]:
        """The rows holding a term of `analysed` (ascending) and their BM25 scores.

        Each term counts once per query word that has it, and a row's score is summed in
        the order of the words and of their sorted terms, in the index's float type: the
        sums bm25s's `get_scores_from_ids` gives, bit for bit.
        """
        dtype = np.dtype(self._retriever.dtype)  # type: ignore[attr-defined]
        if not self.chunk_ids:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=dtype)
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        data, indices, indptr = self._postings()
        spans = [
            (int(indptr[vocab[t]]), int(indptr[vocab[t] + 1]))
            for q in analysed
            for t in sorted(q.terms)
            if t in vocab
        ]
        spans = [(a, b) for a, b in spans if b > a]
        if not spans:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=dtype)
        rows = np.concatenate([indices[a:b] for a, b in spans])
        values = np.concatenate([data[a:b] for a, b in spans])
        unique, inverse = np.unique(rows, return_inverse=True)
        sums = np.zeros(len(unique), dtype=dtype)
        np.add.at(sums, inverse, values)  # in order, like bm25s: float32 sums are exact
        return unique.astype(np.int64), sums

    def _postings(self) -> tuple[Any, Any, Any]:
        """bm25s's score matrix by term (`data`, `indices`, `indptr`), each term's rows
        ascending (bm25s writes them so; checked once, sorted if not)."""
        if self._sorted is None:
            scores: Mapping[str, Any] = self._retriever.scores  # type: ignore[attr-defined]
            data = np.asarray(scores["data"])
            indices = np.asarray(scores["indices"])
            indptr = np.asarray(scores["indptr"])
            starts = np.zeros(len(indices), dtype=bool)
            starts[indptr[:-1][indptr[:-1] < len(indices)]] = True
            if not np.all((np.diff(indices) > 0) | starts[1:]):
                term = np.repeat(np.arange(len(indptr) - 1), np.diff(indptr))
                order = np.lexsort((indices, term))
                data, indices = data[order], indices[order]
            self._sorted = (data, indices, indptr)
        return self._sorted

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
