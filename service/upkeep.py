"""The service's background thread: warm the engine once, then keep its index up to the
committed corpus and its segments merged (`Engine.compact`).

Every `Settings.watch_interval` seconds it asks the engine whether the index still reflects
the corpus (`Engine.check`: a new build made by another process, an update interrupted by a
killed writer, a manifest changed by hand) and, if not, has it catch up (`Engine.catch_up`).
Until then /health says the corpus is ahead of the index.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from service.engine import Engine

__all__ = ["Upkeep"]

log = logging.getLogger("clustersearch.upkeep")


class Upkeep:
    """Runs `tick` in a daemon thread until `stop`; `on_catch_up` is told of each catch-up."""

    def __init__(
        self,
        engine: Engine,
        *,
        interval: float,
        on_catch_up: Callable[[], None] | None = None,
    ) -> None:
        self.engine = engine
        self.interval = interval
        self.on_catch_up = on_catch_up
        self._decided = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="clustersearch-upkeep", daemon=True)

    def start(self) -> Upkeep:
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        self._thread.join(timeout)

    def tick(self) -> None:
        """One round: warm the engine if it is not yet, then decide whether the index is
        behind the corpus (once, when checks are off) and catch up; merge what is due."""
        engine = self.engine
        if not engine.ready:
            engine.warm_up()
        if self.interval <= 0:
            if engine.ready and not self._decided:
                engine.check()  # what /health reports; after ready, so no search waits for it
                self._decided = True
            return
        if engine.check() and engine.catch_up():
            log.info("the index caught up with the corpus", extra={"fields": _state(engine)})
            if self.on_catch_up is not None:
                self.on_catch_up()
        if merged := engine.compact():
            log.info(f"merged {merged} segments", extra={"fields": _state(engine)})

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("upkeep failed; trying again in %s s", self.interval)
            if self.interval <= 0 and self.engine.ready:
                return
            self._stop.wait(self.interval if self.interval > 0 else 1.0)


def _state(engine: Engine) -> dict[str, object]:
    searcher = engine.serving.searcher
    if searcher is None:
        return {}
    manifest = searcher.snapshot.manifest
    return {
        "build": engine.serving.build,
        "documents": manifest.document_count,
        "passages": manifest.chunk_count,
    }
