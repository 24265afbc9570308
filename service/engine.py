"""What the service holds in memory: the embedder and the searcher over the current index."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from index.answer import AnswerConfig, Answerer, QueryMemo
from index.embed import Embedder, load_embedder
from index.errors import CorpusError, IndexMismatchError, IndexNotFoundError
from index.load import load_corpus
from index.search import Searcher
from index.store import IndexSnapshot, check_compatible, load_index
from service.settings import Settings

__all__ = ["Engine", "IndexUnavailableError"]


class IndexUnavailableError(Exception):
    """The service has no usable index; the message says how to build one."""


@dataclass(frozen=True)
class Engine:
    """The loaded model and, if one could be loaded, the searcher over the current index."""

    settings: Settings
    embedder: Embedder
    searcher: Searcher | None
    unavailable_reason: str | None = None
    corpus_changed: bool | None = None

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        embedder = load_embedder(
            settings.model,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            threads=settings.threads,
        )
        try:
            snapshot = load_index(settings.index_dir)
            check_compatible(
                snapshot.manifest,
                model_id=embedder.model_id,
                chunker=settings.chunker.as_dict(),
                index_dir=settings.index_dir,
            )
        except (IndexNotFoundError, IndexMismatchError) as exc:
            return cls(settings, embedder, None, str(exc))
        searcher = Searcher(
            snapshot, embedder, max_k=settings.max_k, max_query_chars=settings.max_query_chars
        )
        return cls(settings, embedder, searcher, corpus_changed=_corpus_changed(settings, snapshot))

    def require_searcher(self) -> Searcher:
        if self.searcher is None:
            raise IndexUnavailableError(self.unavailable_reason or "No index is loaded.")
        return self.searcher

    # issue 4: one answerer per engine; its sentence and embedding caches live as long.
    # It searches through its own searcher over the same snapshot, whose embedder it shares,
    # so the question is embedded once for the search and the answer.
    @cached_property
    def _answerer(self) -> Answerer | None:
        if self.searcher is None:
            return None
        memo = QueryMemo(self.embedder)
        searcher = Searcher(
            self.searcher.snapshot,
            memo,
            max_k=self.settings.max_k,
            max_query_chars=self.settings.max_query_chars,
            ranking=self.searcher.ranking,
        )
        config = AnswerConfig(threshold=self.settings.answer_threshold)
        return Answerer(searcher, memo, config)

    def require_answerer(self) -> Answerer:
        answerer = self._answerer
        if answerer is None:
            raise IndexUnavailableError(self.unavailable_reason or "No index is loaded.")
        return answerer


def _corpus_changed(settings: Settings, snapshot: IndexSnapshot) -> bool | None:
    """Whether the corpus on disk differs from what the index was built from (None: unreadable)."""
    try:
        corpus = load_corpus(settings.corpus_dir)
    except CorpusError:
        return None
    return corpus.content_hash != snapshot.manifest.corpus_hash
