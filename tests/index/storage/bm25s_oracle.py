"""bm25s as the oracle of the BM25 scores: one bm25s index built over exactly the given
chunks, asked with the query's terms in the order `LexicalIndex` adds them."""

from __future__ import annotations

from collections.abc import Sequence

import bm25s

from index.config import BM25_B, BM25_K1
from index.text.analysis import QueryTerm

__all__ = ["bm25s_scores", "repeats_a_term"]


def _columns(query: Sequence[QueryTerm]) -> list[str]:
    return [t for q in query for t in sorted(q.terms) if t]


def bm25s_scores(
    ids: Sequence[int], corpus: Sequence[Sequence[str]], query: Sequence[QueryTerm]
) -> dict[int, float]:
    """bm25s's scores of the chunks `ids` of terms `corpus` for `query` (each term as often
    as its words hold it), chunks scoring 0 left out."""
    if not any(any(terms) for terms in corpus):
        return {}
    retriever = bm25s.BM25(method="lucene", k1=BM25_K1, b=BM25_B)
    retriever.index([list(terms) for terms in corpus], show_progress=False)
    vocab = retriever.vocab_dict
    columns = [vocab[t] for t in _columns(query) if t in vocab]
    if not columns:
        return {}
    full = retriever.get_scores_from_ids(columns)
    return {cid: float(full[i]) for i, cid in enumerate(ids) if full[i] > 0}


def repeats_a_term(query: Sequence[QueryTerm]) -> bool:
    """Whether the query lists a term more than once: bm25s adds such a term's weight once
    per occurrence, `LexicalIndex` multiplies it, so the float32 sums may differ in the last
    place; otherwise they are the same bit for bit."""
    terms = _columns(query)
    return len(set(terms)) < len(terms)
