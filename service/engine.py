"""What the service holds in memory: the embedder and what it serves from the current index.

What is served is one immutable `Serving` value (the searcher over one immutable snapshot,
the build it came from, whether the corpus on disk differs). `Engine` holds the current one
and replaces it whole, in one attribute store under a small lock; a request reads
`engine.serving` once and keeps it, so it sees the old or the new state, never a mix.

The index can change while the service runs: an update through `Engine.update` (the API's),
another process's write or build (`clustersearch add`, `build`; picked up by `refresh`), or
a corpus the index does not reflect yet — a writer killed after committing the manifest, a
manifest changed by hand — which `check` notices and `catch_up` repairs (service.upkeep runs
both every few seconds).
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from index import (
    BACKGROUND_SWITCH_INTERVAL,
    CACHE_NAME,
    WARM_UP_QUESTIONS,
    Answerer,
    ClusterSearchError,
    Corpus,
    CorpusError,
    Embedder,
    IndexMismatchError,
    IndexNotFoundError,
    IndexSnapshot,
    Library,
    ManifestStamp,
    PassageCache,
    Searcher,
    StageHook,
    answer_config,
    check_compatible,
    current_build,
    limit_threads,
    load_index,
    manifest_stamp,
    plan_merge,
    request_catch_up,
    update_pending,
    writer_active,
)
from service.background import yielding_to_requests
from service.models import load_models
from service.settings import Settings

__all__ = ["Engine", "IndexUnavailableError", "Serving"]

T = TypeVar("T")
log = logging.getLogger("clustersearch.engine")


class IndexUnavailableError(Exception):
    """The service has no usable index; the message says how to build one."""


@dataclass(frozen=True)
class Serving:
    """What the service serves at one moment; replaced whole, never changed."""

    searcher: Searcher | None
    # The build the searcher serves (None: unknown, so never refreshed from disk).
    build: str | None = None
    unavailable_reason: str | None = None
    # Whether the corpus on disk differs from the one the index was built from (None:
    # unreadable), as decided when the manifest had the stamp `stamp` (None: not decided).
    corpus_changed: bool | None = None
    stamp: ManifestStamp | None = None


class _Live:
    """The mutable machinery of an engine: the lock that commits and index refreshes take
    turns on, the library that writes, the cache the word bridge's vectors come from, and
    the answerer of the current searcher."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.library: Library | None = None
        self._cache: PassageCache | None = None
        self.answer_lock = threading.Lock()
        self.answerer: tuple[Searcher, Answerer] | None = None
        self.warm = threading.Event()
        self.failed_stamp: ManifestStamp | None = None

    def cache(self, settings: Settings) -> PassageCache:
        """The index's embedding cache, one connection for the searchers and the library."""
        if self._cache is None:
            self._cache = PassageCache(settings.index_dir / CACHE_NAME)
        return self._cache


class Engine:
    """The loaded model and the current `Serving` (a searcher, if an index could be loaded)."""

    def __init__(
        self,
        settings: Settings,
        embedder: Embedder,
        searcher: Searcher | None = None,
        *,
        build: str | None = None,
        unavailable_reason: str | None = None,
        corpus_changed: bool | None = None,
        stamp: ManifestStamp | None = None,
        on_stage: StageHook | None = None,
        bridge_embedder: Embedder | None = None,
        answer_embedder: Embedder | None = None,
    ) -> None:
        """`bridge_embedder` embeds the word bridge's words, `answer_embedder` the
        answerer's questions and spans (both default to `embedder`)."""
        self.settings = settings
        self.embedder = embedder
        self.bridge_embedder = bridge_embedder or embedder
        self.answer_embedder = answer_embedder or embedder
        self.on_stage = on_stage
        self._warming = threading.local()
        self._serving = Serving(searcher, build, unavailable_reason, corpus_changed, stamp)
        self._swap_lock = threading.Lock()
        self._live = _Live()

    @classmethod
    def load(cls, settings: Settings, *, on_stage: StageHook | None = None) -> Engine:
        models = load_models(settings)
        embedder, bridge, answers = models.passages, models.bridge, models.answers
        limit_threads(settings.model_threads)
        # An update killed half-way is finished or undone before the index loads.
        Library(settings.corpus_dir, settings.index_dir, embedder, settings.chunker).recover()
        try:
            build = current_build(settings.index_dir)
            snapshot = load_index(settings.index_dir)
            _check(settings, embedder, snapshot)
        except (IndexNotFoundError, IndexMismatchError) as exc:
            return cls(
                settings,
                embedder,
                None,
                unavailable_reason=str(exc),
                on_stage=on_stage,
                bridge_embedder=bridge,
                answer_embedder=answers,
            )
        engine = cls(
            settings,
            embedder,
            None,
            on_stage=on_stage,
            bridge_embedder=bridge,
            answer_embedder=answers,
        )
        # whether the corpus differs is decided by the first `check`, in the background:
        # at 150,000 documents reading them takes 30 s, which start-up must not wait for
        engine._serving = Serving(engine._searcher(snapshot), build)
        return engine

    @property
    def serving(self) -> Serving:
        """The current state; read it once per request."""
        return self._serving

    @property
    def ready(self) -> bool:
        """Whether an index is loaded and warm (the first query is as fast as the next)."""
        return self._serving.searcher is not None and self._live.warm.is_set()

    def require_searcher(self) -> Searcher:
        self.refresh()
        serving = self._serving
        if serving.searcher is None:
            raise IndexUnavailableError(serving.unavailable_reason or "No index is loaded.")
        return serving.searcher

    # The answerer over the searcher being served; a new snapshot gets a new one
    # (its sentence and vector caches are per snapshot, so a replaced document is never
    # answered from).

    def require_answerer(self) -> Answerer:
        searcher = self.require_searcher()
        with self._live.answer_lock:
            cached = self._live.answerer
            if cached is None or cached[0] is not searcher:
                config = answer_config(
                    self.embedder.model_id,
                    self.settings.answer_scorer,
                    self.settings.answer_threshold,
                )
                cached = (searcher, Answerer(searcher, self.answer_embedder, config))
                self._live.answerer = cached
            return cached[1]

    def warm_up(self) -> bool:
        """Run the query path once end to end, so the first query after ready is as fast as
        the next (True when an index is loaded and it ran): the model's first calls, the
        analysis tables, a search and an answer per warm-up question, the answerer's
        sentence vectors for the passages of a broad search (most questions reach them), and
        the BM25 weights of the commonest terms. Only at start: a write's new index weighs
        its common terms when queries first name them (their postings are in memory by
        then), so the write is not slowed."""
        searcher = self._serving.searcher
        if searcher is None:
            return False
        answerer = self.require_answerer()
        settings = self.settings
        searcher.snapshot.lexical.warm()
        self._warming.on = True  # its stage timings are not the service's
        try:
            for question in WARM_UP_QUESTIONS:
                text = question[: settings.max_query_chars]
                try:
                    searcher.search_page(text, settings.default_k)
                    answerer.ask(text, settings.default_k)
                    answerer.features(text, searcher.search_page(text, settings.max_k).hits)
                except ClusterSearchError as exc:  # a setting the question does not fit
                    log.warning("warm-up question refused: %s", exc)
        finally:
            self._warming.on = False
        self._live.warm.set()
        return True

    # Live updates ---------------------------------------------------------------

    def install(self, snapshot: IndexSnapshot, build: str) -> None:
        """Serve `snapshot` (the build `build`) from now on; its searcher is warmed first,
        so no request waits for it. Whether the corpus differs is decided anew (`check`)."""
        serving = Serving(self._searcher(snapshot), build, corpus_changed=False)
        with self._swap_lock:
            self._serving = serving

    def refresh(self) -> None:
        """Load the current build if another process made a new one current; one thread
        loads it while the others keep answering from the snapshot they have."""
        serving = self._serving
        if serving.build is None and serving.searcher is not None:
            return
        build = current_build(self.settings.index_dir)
        if build is None or build == serving.build:
            return
        if not self._live.lock.acquire(blocking=False):
            return
        try:
            if current_build(self.settings.index_dir) == self._serving.build:
                return  # a write of this process installed it meanwhile
            snapshot = load_index(
                self.settings.index_dir,
                reuse=serving.searcher.snapshot if serving.searcher is not None else None,
            )
            _check(self.settings, self.embedder, snapshot)
            self.install(snapshot, build)
        except (IndexNotFoundError, IndexMismatchError):
            pass
        finally:
            self._live.lock.release()

    def update(self, write: Callable[[Library], T]) -> T:
        """Run `write` with the engine's library. Its chunking and embedding hold no lock, so
        searches and answers go on (and so do other writes' preparations); commits take turns
        with the other writes of every process (the library's file lock) and with index
        refreshes (`_Live.lock`, the library's commit lock)."""
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
                    commit_lock=self._live.lock,
                    merge_policy=settings.merge_policy,
                )
                self._live.library = library
            serving = self._serving
            if serving.build is not None and serving.searcher is not None:
                library.use_snapshot(serving.build, serving.searcher.snapshot)
        return write(library)

    def _corpus_changed(self, snapshot: IndexSnapshot) -> bool | None:
        """Whether the corpus on disk differs from the one `snapshot` was built from (None:
        unreadable), by the library's record of it. The first call reads every document (30 s
        at 150,000), which the first write needs anyway; later ones read them again only when
        the manifest's text has changed (`Library.documents`)."""
        try:
            with yielding_to_requests(BACKGROUND_SWITCH_INTERVAL):
                documents = self.update(lambda library: library.documents())
        except CorpusError:
            return None
        if not documents:  # no manifest, or one that lists nothing: no corpus to compare
            return None
        return Corpus(documents).content_hash != snapshot.manifest.corpus_hash

    def compact(self) -> int:
        """Merge the segments the merge policy says are due; how many were merged (0: none
        was due, and nothing was locked)."""
        searcher = self._serving.searcher
        policy = self.settings.merge_policy
        if searcher is None or not plan_merge(searcher.snapshot.segments, policy):
            return 0
        return self.update(lambda library: library.compact())

    # Catching up with the corpus --------------------------------------------------

    def pending(self) -> bool:
        """Whether the corpus on disk may be ahead of the index: an update is running or was
        interrupted (the library's pending mark is there)."""
        return update_pending(self.settings.index_dir)

    def check(self) -> bool:
        """Pick up a new build; decide again whether the corpus differs if the manifest
        changed. True when the index is behind a committed corpus and no writer is at it,
        i.e. `catch_up` is due."""
        self.refresh()
        serving = self._serving
        if serving.searcher is None or serving.build is None:
            return False
        stamp = manifest_stamp(self.settings.corpus_dir)
        if stamp != serving.stamp:
            changed = self._corpus_changed(serving.searcher.snapshot)
            decided = dataclasses.replace(serving, corpus_changed=changed, stamp=stamp)
            with self._swap_lock:
                if self._serving is serving:
                    self._serving = serving = decided
        behind = self.pending() or serving.corpus_changed is True
        if not behind or stamp == self._live.failed_stamp:
            return False
        return not writer_active(self.settings.index_dir)

    def catch_up(self) -> bool:
        """Bring the index up to the committed corpus (finishing an interrupted update, or
        following a manifest changed by hand); True when a new snapshot is served."""
        index_dir = self.settings.index_dir
        before = self._serving

        def recover(library: Library) -> bool:
            if not update_pending(index_dir):
                request_catch_up(index_dir)
            return library.recover()

        try:
            self.update(recover)
        except (ClusterSearchError, OSError) as exc:
            # Not again until the manifest changes: the next edit may fix it.
            self._live.failed_stamp = manifest_stamp(self.settings.corpus_dir)
            log.error("could not bring the index up to the corpus: %s", exc)
            return False
        return self._serving is not before

    # ------------------------------------------------------------------------------

    def _searcher(self, snapshot: IndexSnapshot) -> Searcher:
        """A warmed searcher over `snapshot`. The word bridge embeds every distinct passage
        word; through the index's embedding cache only words no earlier snapshot had are
        embedded, so an update or a restart does not pay for the whole vocabulary again."""
        settings, bridge = self.settings, self.bridge_embedder
        cache = self._live.cache(settings)
        searcher = Searcher(
            snapshot,
            self.embedder,
            max_k=settings.max_k,
            max_query_chars=settings.max_query_chars,
            bridge_embedder=bridge,
            word_encoder=lambda words: cache.encode(bridge, words)[0],
            on_stage=self._stage if self.on_stage is not None else None,
        )
        return searcher.warm()

    def _stage(self, name: str, seconds: float) -> None:
        """Passes a search stage's time on to `on_stage`, except during the warm-up."""
        if self.on_stage is not None and not getattr(self._warming, "on", False):
            self.on_stage(name, seconds)


def _check(settings: Settings, embedder: Embedder, snapshot: IndexSnapshot) -> None:
    check_compatible(
        snapshot.manifest,
        model_id=embedder.model_id,
        chunker=settings.chunker.as_dict(),
        index_dir=settings.index_dir,
    )
