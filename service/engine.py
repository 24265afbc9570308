"""What the service holds in memory: the embedder and the searcher over the current index.

The index can change while the service runs. An update (the API's, through
`Engine.update`, or another process's, such as `clustersearch add`) makes a new build
current; `install` swaps in a new searcher over the new immutable snapshot in one
attribute store. A request reads `engine.searcher` once and keeps that searcher, so it sees
the old or the new state, never a mix.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

from index import (
    CACHE_NAME,
    AnswerConfig,
    Answerer,
    CorpusError,
    Embedder,
    IndexMismatchError,
    IndexNotFoundError,
    IndexSnapshot,
    Library,
    PassageCache,
    QueryMemo,
    Searcher,
    check_compatible,
    current_build,
    load_corpus,
    load_embedder,
    load_index,
)
from service.settings import Settings

__all__ = ["Engine", "IndexUnavailableError"]

T = TypeVar("T")


class IndexUnavailableError(Exception):
    """The service has no usable index; the message says how to build one."""


class _Live:
    """The mutable part of an engine: the update lock, the library that writes, and the
    cache the word bridge's vectors come from."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.library: Library | None = None
        self._cache: PassageCache | None = None
        self.answer_lock = threading.Lock()
        self.answerer: tuple[Searcher, Answerer] | None = None

    def cache(self, settings: Settings) -> PassageCache:
        """The index's embedding cache, one connection for the searchers and the library."""
        if self._cache is None:
            self._cache = PassageCache(settings.index_dir / CACHE_NAME)
        return self._cache


@dataclass(frozen=True)
class Engine:
    """The loaded model and, if one could be loaded, the searcher over the current index."""

    settings: Settings
    embedder: Embedder
    searcher: Searcher | None
    unavailable_reason: str | None = None
    corpus_changed: bool | None = None
    # The build the searcher serves (None: unknown, so never refreshed from disk).
    build: str | None = None
    _live: _Live = field(default_factory=_Live, repr=False, compare=False)

    @classmethod
    def load(cls, settings: Settings) -> Engine:
        # /ask embeds the question its search has just embedded; the memo makes
        # that one model call
        embedder = QueryMemo(
            load_embedder(
                settings.model,
                query_prompt=settings.query_prompt,
                passage_prompt=settings.passage_prompt,
                threads=settings.threads,
            )
        )
        # An update killed half-way is finished or undone before the index loads.
        Library(settings.corpus_dir, settings.index_dir, embedder, settings.chunker).recover()
        try:
            build = _current_build(settings)
            snapshot = load_index(settings.index_dir)
            check_compatible(
                snapshot.manifest,
                model_id=embedder.model_id,
                chunker=settings.chunker.as_dict(),
                index_dir=settings.index_dir,
            )
        except (IndexNotFoundError, IndexMismatchError) as exc:
            return cls(settings, embedder, None, str(exc))
        live = _Live()
        return cls(
            settings,
            embedder,
            _searcher(settings, embedder, snapshot, live),
            corpus_changed=_corpus_changed(settings, snapshot),
            build=build,
            _live=live,
        )

    def require_searcher(self) -> Searcher:
        self.refresh()
        if self.searcher is None:
            raise IndexUnavailableError(self.unavailable_reason or "No index is loaded.")
        return self.searcher

    # The answerer over the searcher being served; a new snapshot gets a new one
    # (its sentence and vector caches are per snapshot, so a replaced document is never
    # answered from).

    def require_answerer(self) -> Answerer:
        searcher = self.require_searcher()
        with self._live.answer_lock:
            cached = self._live.answerer
            if cached is None or cached[0] is not searcher:
                config = AnswerConfig(
                    scorer=self.settings.answer_scorer,
                    threshold=self.settings.answer_threshold,
                )
                cached = (searcher, Answerer(searcher, self.embedder, config))
                self._live.answerer = cached
            return cached[1]

    # Live updates ---------------------------------------------------------------

    def install(self, snapshot: IndexSnapshot, build: str) -> None:
        """Serve `snapshot` (the build `build`) from now on; its searcher is warmed first,
        so no request waits for it."""
        searcher = _searcher(self.settings, self.embedder, snapshot, self._live)
        object.__setattr__(self, "build", build)
        object.__setattr__(self, "unavailable_reason", None)
        object.__setattr__(self, "corpus_changed", False)
        object.__setattr__(self, "searcher", searcher)

    def refresh(self) -> None:
        """Load the current build if another process made a new one current; one thread
        loads it while the others keep answering from the snapshot they have."""
        if self.build is None and self.searcher is not None:
            return
        build = _current_build(self.settings)
        if build is None or build == self.build:
            return
        if not self._live.lock.acquire(blocking=False):
            return
        try:
            snapshot = load_index(self.settings.index_dir)
            check_compatible(
                snapshot.manifest,
                model_id=self.embedder.model_id,
                chunker=self.settings.chunker.as_dict(),
                index_dir=self.settings.index_dir,
            )
            self.install(snapshot, build)
        except (IndexNotFoundError, IndexMismatchError):
            pass
        finally:
            self._live.lock.release()

    def update(self, write: Callable[[Library], T]) -> T:
        """Run `write` with the engine's library, serialised with the other writes of this
        process (other processes wait on the library's file lock)."""
        with self._live.lock:
            library = self._live.library
            if library is None:
                settings = self.settings
                library = Library(
                    settings.corpus_dir,
                    settings.index_dir,
                    self.embedder,
                    settings.chunker,
                    max_bytes=settings.max_document_bytes,
                    pause_at=settings.pause_at,
                    on_commit=self.install,
                    cache=self._live.cache(settings),
                )
                self._live.library = library
            if self.build is not None and self.searcher is not None:
                library.use_snapshot(self.build, self.searcher.snapshot)
            return write(library)


def _searcher(
    settings: Settings, embedder: Embedder, snapshot: IndexSnapshot, live: _Live
) -> Searcher:
    """A warmed searcher over `snapshot`. The word bridge embeds every distinct passage word;
    through the index's embedding cache only words no earlier snapshot had are embedded, so
    an update or a restart does not pay for the whole vocabulary again."""
    cache = live.cache(settings)
    searcher = Searcher(
        snapshot,
        embedder,
        max_k=settings.max_k,
        max_query_chars=settings.max_query_chars,
        word_encoder=lambda words: cache.encode(embedder, words)[0],
    )
    return searcher.warm()


def _current_build(settings: Settings) -> str | None:
    return current_build(settings.index_dir)


def _corpus_changed(settings: Settings, snapshot: IndexSnapshot) -> bool | None:
    """Whether the corpus on disk differs from what the index was built from (None: unreadable)."""
    try:
        corpus = load_corpus(settings.corpus_dir)
    except CorpusError:
        return None
    return corpus.content_hash != snapshot.manifest.corpus_hash
