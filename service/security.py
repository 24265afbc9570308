"""What makes the service safe to expose: security headers, a CORS allowlist, request body
limits, per-client rate limits on the read endpoints, optional read keys (service.access),
and the client address from X-Forwarded-For only when the peer is a trusted proxy.

All of it is plain ASGI middleware installed by `install_security`, so routers (including the
ones other modules add, such as /ask) need no changes to be covered.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

import anyio.to_thread
from fastapi import FastAPI
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage, Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from uvicorn.middleware.proxy_headers import ProxyHeadersMiddleware

from service.access import (
    API_KEY_HEADER,
    ApiKeys,
    ReadKeyMiddleware,
    client_identity,
    route_path,
)
from service.settings import Settings

__all__ = [
    "GUARDED_PATHS",
    "BodyLimitMiddleware",
    "RateLimitMiddleware",
    "SecurityHeadersMiddleware",
    "content_security_policy",
    "install_security",
]

# The public read endpoints: rate-limited per client, and behind read keys when those are on.
GUARDED_PATHS = frozenset({"/search", "/ask"})
# Paths whose bodies are documents (uploads), with their own, larger limit.
_DOCUMENT_PREFIX = "/documents"


def content_security_policy(frame_ancestors: str, *, docs: bool = False) -> str:
    """The CSP: only the app's own scripts, styles and API; no inline script, no plugins.

    `docs=True` is the policy of FastAPI's /docs and /redoc pages, which load Swagger UI and
    ReDoc from their CDN with an inline bootstrap script; no page of ours gets it.
    """
    if docs:
        cdn = "https://cdn.jsdelivr.net"
        return (
            f"default-src 'self'; script-src 'self' 'unsafe-inline' {cdn}; "
            f"style-src 'self' 'unsafe-inline' {cdn}; img-src 'self' data: "
            f"https://fastapi.tiangolo.com; worker-src 'self' blob:; connect-src 'self'; "
            f"object-src 'none'; base-uri 'none'; frame-ancestors {frame_ancestors}"
        )
    return (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        f"form-action 'self'; frame-ancestors {frame_ancestors}"
    )


class SecurityHeadersMiddleware:
    """Adds the security headers to every response (a route's own value wins)."""

    def __init__(
        self, app: ASGIApp, *, frame_ancestors: str, docs_paths: frozenset[str] = frozenset()
    ) -> None:
        self.app = app
        self.docs_paths = docs_paths
        common = {
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer",
            "Cross-Origin-Opener-Policy": "same-origin",
            "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
        }
        self.headers = {
            **common,
            "Content-Security-Policy": content_security_policy(frame_ancestors),
        }
        self.docs_headers = {
            **common,
            "Content-Security-Policy": content_security_policy(frame_ancestors, docs=True),
        }

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if route_path(scope) in self.docs_paths else self.headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in extra.items():
                    if name not in headers:
                        headers[name] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


class BodyLimitMiddleware:
    """413 for a request body over the limit: at once from Content-Length, else while reading."""

    def __init__(self, app: ASGIApp, *, max_bytes: int, max_document_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.max_document_bytes = max_document_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = route_path(scope)
        limit = self.max_document_bytes if path.startswith(_DOCUMENT_PREFIX) else self.max_bytes
        detail = (
            f"The request body is larger than {limit} bytes, the limit for {path}; "
            "send less (a shorter query, a smaller document)."
        )
        declared = next((v for k, v in scope["headers"] if k == b"content-length"), None)
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            status = 413 if declared.isdigit() else 400
            message = detail if status == 413 else "Content-Length must be a number of bytes."
            await JSONResponse({"detail": message}, status_code=status)(scope, receive, send)
            return
        received = 0

        async def receive_with_limit() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # An HTTPException passes FastAPI's body parsing unchanged → JSON 413.
                    raise HTTPException(status_code=413, detail=detail)
            return message

        await self.app(scope, receive_with_limit, send)


class RateLimitMiddleware:
    """Moving-window limits per client on `paths`; 429 with Retry-After when one is used up.

    The client is its read key's bucket when read keys are on (set by `ReadKeyMiddleware`),
    else its address: the peer's, or for a trusted proxy the client it names in
    X-Forwarded-For (`install_security`). `on_reject` is told the path of each refusal.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        limits: list[RateLimitItem],
        storage: Storage,
        paths: frozenset[str],
        on_reject: Callable[[str], None] | None = None,
    ) -> None:
        self.app = app
        self.on_reject = on_reject
        self.limits = limits
        self.paths = paths
        self.storage = storage
        # The in-memory store answers in microseconds; others (redis, …) go to a thread.
        self.in_memory = isinstance(self.storage, MemoryStorage)
        self.limiter = MovingWindowRateLimiter(self.storage)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or route_path(scope) not in self.paths
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        client = client_identity(scope)
        if self.in_memory:
            exceeded = self._hit(client)
        else:
            exceeded = await anyio.to_thread.run_sync(self._hit, client)
        if exceeded is None:
            await self.app(scope, receive, send)
            return
        item, retry_after = exceeded
        if self.on_reject is not None:
            self.on_reject(route_path(scope))
        response = JSONResponse(
            {
                "detail": f"Too many requests: the limit is {item} per client. "
                f"Retry in {retry_after} s."
            },
            status_code=429,
            headers={"Retry-After": str(retry_after)},
        )
        await response(scope, receive, send)

    def _hit(self, client: str) -> tuple[RateLimitItem, int] | None:
        """Counts the request; the first exhausted limit and the seconds to wait, or None."""
        for item in self.limits:
            if not self.limiter.hit(item, client):
                reset = self.limiter.get_window_stats(item, client).reset_time
                return item, max(1, math.ceil(reset - time.time()))
        return None


def install_security(
    app: FastAPI, settings: Settings, *, on_rate_limited: Callable[[str], None] | None = None
) -> None:
    """Installs the middleware; each `add_middleware` wraps the ones added before it, so a
    request meets: headers → (Starlette's error handler) → CORS → body limit → trusted
    proxy → read key → rate limit → the routes.

    The server must not rewrite the client address itself (`clustersearch serve` runs uvicorn
    with proxy headers off, service.server): here X-Forwarded-For counts only when the peer
    is one of `trusted_proxies`, and then the client is the right-most address in it that is
    not a trusted proxy (uvicorn's `ProxyHeadersMiddleware`)."""
    if settings.rate_limit.strip():
        # Made here, not on the first request: a bad storage URI stops create_app.
        storage = storage_from_string(settings.rate_limit_storage)
        if not isinstance(storage, Storage):  # settings refuse async+ schemes already
            raise ValueError("rate_limit_storage must name a synchronous limits storage")
        app.add_middleware(
            RateLimitMiddleware,
            limits=parse_many(settings.rate_limit),
            storage=storage,
            paths=GUARDED_PATHS,
            on_reject=on_rate_limited,
        )
    app.add_middleware(
        ReadKeyMiddleware,
        keys=ApiKeys.from_keys(settings.read_api_key_list),
        paths=GUARDED_PATHS,
    )
    if settings.trusted_proxy_list:
        app.add_middleware(
            ProxyHeadersMiddleware,
            trusted_hosts=list(settings.trusted_proxy_list),
        )
    app.add_middleware(
        BodyLimitMiddleware,
        max_bytes=settings.max_body_bytes,
        max_document_bytes=settings.max_document_body_bytes,
    )
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origin_list),
        allow_methods=["GET", "POST"],
        allow_headers=["Content-Type", API_KEY_HEADER],
        expose_headers=["Retry-After", "X-Request-ID"],
        max_age=600,
    )
    docs = {app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url}
    docs_paths = frozenset(p for p in docs if p)
    # Outside Starlette's ServerErrorMiddleware too, so even a 500 carries the headers.
    build = app.build_middleware_stack

    def build_with_headers() -> ASGIApp:
        return SecurityHeadersMiddleware(
            build(), frame_ancestors=settings.frame_ancestors, docs_paths=docs_paths
        )

    app.build_middleware_stack = build_with_headers  # type: ignore[method-assign]
