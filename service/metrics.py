"""Prometheus metrics of one app, in a registry of its own (prometheus-client).

| series | what |
|---|---|
| `clustersearch_http_requests_total{route,method,status}` | requests answered |
| `clustersearch_http_request_duration_seconds{route,method,status}` | their latency |
| `clustersearch_search_stage_duration_seconds{stage}` | analysis, dense, lexical, fusion, answer |
| `clustersearch_index_documents`, `_index_passages` | what the served index holds |
| `clustersearch_index_build_timestamp_seconds`, `_index_age_seconds` | when it was built |
| `clustersearch_index_corpus_changed`, `clustersearch_ready` | 1 when behind / warm |
| `clustersearch_index_catch_ups_total` | index brought up to a corpus changed outside it |
| `clustersearch_ingest_documents_total{operation,status}` | documents written via the API |
| `clustersearch_ingest_bytes_total` | their bytes |
| `clustersearch_ingest_failures_total{operation,reason}` | writes refused or failed |
| `clustersearch_rate_limited_total{route}` | requests refused with 429 |
| `clustersearch_build_info{version,model}` | always 1 |

`route` is the route's template (`/documents/{document_id}`), never the raw path, so the
number of series stays bounded; requests no route matches count as `unmatched`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime
from importlib.metadata import PackageNotFoundError, version
from typing import TYPE_CHECKING

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    GCCollector,
    Histogram,
    Info,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from service.settings import Settings

if TYPE_CHECKING:
    from service.engine import Engine

__all__ = ["CONTENT_TYPE", "Metrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST
# Seconds: a request is a few ms (a page, /health) to a few s (an upload); a stage 0.1–500 ms.
_REQUEST_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_STAGE_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# The search stages of the request being answered, so /ask can tell its own share.
_STAGE_TIMES: ContextVar[list[float] | None] = ContextVar("clustersearch_stages", default=None)


class Metrics:
    """Every series the service exposes; `engine` gives the engine at scrape time."""

    def __init__(self, settings: Settings, engine: Callable[[], Engine | None]) -> None:
        # No `_created` series: the counters' start times only double the exposition.
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = registry = CollectorRegistry()
        labels = ("route", "method", "status")
        self.requests = Counter(
            "clustersearch_http_requests",
            "HTTP requests answered, by route template, method and status.",
            labels,
            registry=registry,
        )
        self.latency = Histogram(
            "clustersearch_http_request_duration_seconds",
            "Time from request to the end of the response, by route, method and status.",
            labels,
            buckets=_REQUEST_BUCKETS,
            registry=registry,
        )
        self.stages = Histogram(
            "clustersearch_search_stage_duration_seconds",
            "Time per search stage: analysis, dense, lexical, fusion; answer (of /ask, "
            "after its search).",
            ("stage",),
            buckets=_STAGE_BUCKETS,
            registry=registry,
        )
        self.rate_limited = Counter(
            "clustersearch_rate_limited",
            "Requests refused by the rate limit (429), by route.",
            ("route",),
            registry=registry,
        )
        self._ingest_series(registry)
        Info("clustersearch_build", "The service's version and model.", registry=registry).info(
            {"version": _version(), "model": settings.model}
        )
        registry.register(_IndexCollector(engine))
        ProcessCollector(registry=registry)
        PlatformCollector(registry=registry)
        GCCollector(registry=registry)

    def _ingest_series(self, registry: CollectorRegistry) -> None:
        """The counters of the write path: documents, bytes, failures, catch-ups."""
        self.ingest_documents = Counter(
            "clustersearch_ingest_documents",
            "Documents written through the API, by operation and outcome.",
            ("operation", "status"),
            registry=registry,
        )
        self.ingest_bytes = Counter(
            "clustersearch_ingest_bytes",
            "Bytes of the documents the write endpoints received.",
            registry=registry,
        )
        self.ingest_failures = Counter(
            "clustersearch_ingest_failures",
            "Writes refused or failed, by operation and reason (the error's name).",
            ("operation", "reason"),
            registry=registry,
        )
        self.catch_ups = Counter(
            "clustersearch_index_catch_ups",
            "Times the service brought its index up to a corpus changed outside it.",
            registry=registry,
        )

    def request(self, route: str, method: str, status: int, seconds: float) -> None:
        code = str(status)
        self.requests.labels(route, method, code).inc()
        self.latency.labels(route, method, code).observe(seconds)

    def stage(self, name: str, seconds: float) -> None:
        """A search stage's duration (the searcher's `on_stage` hook)."""
        self.stages.labels(name).observe(seconds)
        times = _STAGE_TIMES.get()
        if times is not None:
            times.append(seconds)

    @contextmanager
    def answering(self) -> Iterator[None]:
        """Times an answer; what its search stages did not take is the `answer` stage."""
        times: list[float] = []
        token = _STAGE_TIMES.set(times)
        started = time.perf_counter()
        try:
            yield
        finally:
            _STAGE_TIMES.reset(token)
        self.stages.labels("answer").observe(time.perf_counter() - started - sum(times))

    def exposition(self) -> bytes:
        """The text format Prometheus scrapes."""
        return generate_latest(self.registry)


class _IndexCollector(Collector):
    """The served index's size, age and state, read when scraped."""

    def __init__(self, engine: Callable[[], Engine | None]) -> None:
        self._engine = engine

    def collect(self) -> Iterable[Metric]:
        engine = self._engine()
        serving = engine.serving if engine is not None else None
        searcher = serving.searcher if serving is not None else None
        gauges = {
            "documents": GaugeMetricFamily(
                "clustersearch_index_documents", "Documents in the index served."
            ),
            "passages": GaugeMetricFamily(
                "clustersearch_index_passages", "Passages (chunks) in the index served."
            ),
            "built": GaugeMetricFamily(
                "clustersearch_index_build_timestamp_seconds",
                "When the index served was built (Unix time).",
            ),
            "age": GaugeMetricFamily(
                "clustersearch_index_age_seconds", "Seconds since the index served was built."
            ),
            "changed": GaugeMetricFamily(
                "clustersearch_index_corpus_changed",
                "1 while the corpus on disk is ahead of the index served (it catches up).",
            ),
            "ready": GaugeMetricFamily(
                "clustersearch_ready", "1 when an index is loaded and warm (/health/ready)."
            ),
        }
        if engine is not None and serving is not None and searcher is not None:
            manifest = searcher.snapshot.manifest
            gauges["documents"].add_metric([], manifest.document_count)
            gauges["passages"].add_metric([], manifest.chunk_count)
            built = _timestamp(manifest.build_time)
            if built is not None:
                gauges["built"].add_metric([], built)
                gauges["age"].add_metric([], max(0.0, time.time() - built))
            behind = serving.corpus_changed is True or engine.pending()
            gauges["changed"].add_metric([], float(behind))
        gauges["ready"].add_metric([], float(engine is not None and engine.ready))
        return [g for g in gauges.values() if g.samples]


def _timestamp(iso: str) -> float | None:
    try:
        return datetime.fromisoformat(iso).timestamp()
    except ValueError:
        return None


def _version() -> str:
    try:
        return version("clustersearch")
    except PackageNotFoundError:
        return "unknown"
