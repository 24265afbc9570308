"""Stage 5: answer a query with ranked, cited passages from an `IndexSnapshot`."""

from __future__ import annotations

import re
from dataclasses import dataclass

import faiss
import numpy as np

from index.chunk import Chunk
from index.embed import Embedder
from index.errors import DocumentNotFoundError, InvalidQueryError
from index.load import Document
from index.store import IndexSnapshot

__all__ = ["MAX_K", "MAX_QUERY_CHARS", "Hit", "Searcher"]

MAX_K = 50
MAX_QUERY_CHARS = 1000
_LANG = re.compile(r"[a-z]{2}")


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage; `document.text[chunk.start:chunk.end] == chunk.text`."""

    rank: int
    score: float
    chunk: Chunk
    document: Document


class Searcher:
    """Dense retrieval over one immutable snapshot with one embedder."""

    def __init__(
        self,
        snapshot: IndexSnapshot,
        embedder: Embedder,
        *,
        max_k: int = MAX_K,
        max_query_chars: int = MAX_QUERY_CHARS,
    ) -> None:
        self.snapshot = snapshot
        self._embedder = embedder
        self._max_k = max_k
        self._max_query_chars = max_query_chars

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        lang: str | None = None,
        document_id: str | None = None,
    ) -> list[Hit]:
        """The `k` passages closest to `query`, optionally within one language or document."""
        text = self.validate(query, k, lang=lang, document_id=document_id)
        allowed = self._allowed_ids(lang, document_id)
        if allowed is not None and allowed.size == 0:
            return []
        vector = self._embedder.encode_queries([text])
        index = self.snapshot.faiss_index
        params = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(allowed)
            params = faiss.SearchParameters(sel=selector)  # type: ignore[call-arg]
        scores, ids = index.search(vector, min(k, index.ntotal), params=params)
        hits: list[Hit] = []
        for score, chunk_id in zip(scores[0], ids[0], strict=True):
            if chunk_id < 0:
                continue
            chunk = self.snapshot.chunks[int(chunk_id)]
            hits.append(
                Hit(len(hits) + 1, float(score), chunk, self.snapshot.documents[chunk.document_id])
            )
        return hits

    def validate(
        self, query: str, k: int, *, lang: str | None = None, document_id: str | None = None
    ) -> str:
        """The stripped query; raises `InvalidQueryError` or `DocumentNotFoundError` otherwise."""
        text = query.strip()
        if not text:
            raise InvalidQueryError("The query is empty: ask a question or give some keywords.")
        if len(text) > self._max_query_chars:
            raise InvalidQueryError(
                f"The query has {len(text)} characters; shorten it to at most "
                f"{self._max_query_chars}."
            )
        if not 1 <= k <= self._max_k:
            raise InvalidQueryError(f"k must be between 1 and {self._max_k}, got {k}.")
        if lang is not None and not _LANG.fullmatch(lang):
            raise InvalidQueryError(
                f"lang must be a two-letter ISO 639-1 code such as 'de' or 'en', got {lang!r}."
            )
        if document_id is not None and document_id not in self.snapshot.documents:
            raise DocumentNotFoundError(
                f"No document {document_id!r} in the index. GET /documents lists the ids."
            )
        return text

    def _allowed_ids(self, lang: str | None, document_id: str | None) -> np.ndarray | None:
        if lang is None and document_id is None:
            return None
        docs = self.snapshot.documents
        ids = [
            c.id
            for c in self.snapshot.chunks.values()
            if (document_id is None or c.document_id == document_id)
            and (lang is None or docs[c.document_id].language == lang)
        ]
        return np.asarray(ids, dtype=np.int64)
