"""Every request gets an id, a line in the request log and its place in the metrics.

`RequestLogMiddleware` is the outermost layer, so it sees every response, the 500s and the
ones the guards send (401, 413, 429) included:

* `X-Request-ID`: the client's, when it is well-formed (1–128 letters, digits, `.`, `_`, `:`,
  `-`), else a new one; returned on the response and written to the log;
* one log record per request (logger `clustersearch.request`): time, request id, method,
  route, status, took_ms, client — the caller's key id (`key:…`, never the key) when it sent
  one, else its address;
* the request counters and latency histograms of `service.metrics`.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable, Sequence

from starlette.datastructures import MutableHeaders
from starlette.routing import BaseRoute, Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from service.access import client_identity
from service.metrics import Metrics

__all__ = [
    "REQUEST_ID_HEADER",
    "REQUEST_ID_SCOPE_KEY",
    "RequestLogMiddleware",
    "route_template",
]

REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_SCOPE_KEY = "clustersearch.request_id"
UNMATCHED = "unmatched"
_HEADER = REQUEST_ID_HEADER.lower().encode("latin-1")
_WELL_FORMED = re.compile(rb"[A-Za-z0-9._:\-]{1,128}")

log = logging.getLogger("clustersearch.request")


def route_template(scope: Scope, routes: Sequence[BaseRoute]) -> str:
    """The template of the route a request went to (or would have, had a guard not answered
    first), e.g. `/documents/{document_id}`; `unmatched` when no route matches its path."""
    route = scope.get("route")
    if getattr(route, "path", None) is None:
        route = next((r for r in routes if r.matches(scope)[0] is not Match.NONE), None)
    path = getattr(route, "path", None)
    return path if isinstance(path, str) else UNMATCHED


class RequestLogMiddleware:
    """Request id, request log and request metrics (see the module doc)."""

    def __init__(
        self, app: ASGIApp, *, routes: Callable[[], Sequence[BaseRoute]], metrics: Metrics
    ) -> None:
        self.app = app
        self.routes = routes
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        sent = next((v for k, v in scope["headers"] if k == _HEADER), None)
        request_id = (
            sent.decode("ascii")
            if sent is not None and _WELL_FORMED.fullmatch(sent)
            else uuid.uuid4().hex
        )
        scope[REQUEST_ID_SCOPE_KEY] = request_id
        status = 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                MutableHeaders(scope=message)[REQUEST_ID_HEADER] = request_id
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            seconds = time.perf_counter() - started
            route = route_template(scope, self.routes())
            self.metrics.request(route, scope["method"], status, seconds)
            log.info(
                "request",
                extra={
                    "fields": {
                        "request_id": request_id,
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "took_ms": round(seconds * 1000, 3),
                        "client": client_identity(scope),
                    }
                },
            )
