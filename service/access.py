"""API keys: the set of configured keys (`ApiKeys`, for read and for write keys alike) and the
optional read-key guard of the public read endpoints (/search, /ask).

Read keys are off by default. When `CLUSTERSEARCH_READ_API_KEYS` lists keys, a request to a
guarded path must send one of them in `X-API-Key`; the key then names the caller's rate-limit
bucket, so every portal with its own key gets its own quota. Keys are compared in constant
time, and all of them are compared, so the response time says nothing about which key came
close.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable
from dataclasses import dataclass

from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

__all__ = [
    "API_KEY_HEADER",
    "CLIENT_SCOPE_KEY",
    "ApiKeys",
    "ReadKeyMiddleware",
    "client_identity",
    "route_path",
]

API_KEY_HEADER = "X-API-Key"
# Where the key checks leave the caller's key id for the rate limiter and the request log
# (an ASGI scope key).
CLIENT_SCOPE_KEY = "clustersearch.client"
_HEADER = API_KEY_HEADER.lower().encode("latin-1")


def route_path(scope: Scope) -> str:
    """The path the routes see: without the root path a proxy mounts the app under (served
    with --root-path /api, a request for /api/search is routed as /search)."""
    path: str = scope["path"]
    root: str = scope.get("root_path", "")
    if root and path.startswith(root) and path[len(root) : len(root) + 1] in ("", "/"):
        return path[len(root) :] or "/"
    return path


def client_identity(scope: Scope) -> str:
    """Who is calling: the id of the key it sent (`key:…`) if a key check set one, else its
    address (`ip:…`; the proxy's client only for trusted proxies, see service.security)."""
    identity = scope.get(CLIENT_SCOPE_KEY)
    if isinstance(identity, str):
        return identity
    client = scope.get("client")
    return f"ip:{client[0]}" if client else "ip:unknown"


@dataclass(frozen=True)
class ApiKeys:
    """A set of configured keys (the read keys, or the write keys); `identify` maps a presented
    key to its id (`key:` and the first 16 hex digits of its SHA-256), never the key itself."""

    digests: tuple[bytes, ...]

    @classmethod
    def from_keys(cls, keys: Iterable[str]) -> ApiKeys:
        return cls(tuple(_digest(k.encode()) for k in keys))

    @property
    def enabled(self) -> bool:
        return bool(self.digests)

    def identify(self, presented: bytes | None) -> str | None:
        """`key:<id>` for a valid key, None otherwise; every key is compared, in constant time.

        Comparing SHA-256 digests keeps each comparison the same length whatever was sent.
        """
        if presented is None:
            return None
        candidate = _digest(presented)
        match: str | None = None
        for digest in self.digests:
            if hmac.compare_digest(candidate, digest):
                match = "key:" + digest.hex()[:16]
        return match


class ReadKeyMiddleware:
    """Requires a valid X-API-Key on `paths` when keys are configured (CORS preflights pass)."""

    def __init__(self, app: ASGIApp, *, keys: ApiKeys, paths: frozenset[str]) -> None:
        self.app = app
        self.keys = keys
        self.paths = paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.keys.enabled
            or scope["type"] != "http"
            or route_path(scope) not in self.paths
            or scope["method"] == "OPTIONS"
        ):
            await self.app(scope, receive, send)
            return
        presented = next((v for k, v in scope["headers"] if k == _HEADER), None)
        client = self.keys.identify(presented)
        if client is None:
            detail = (
                f"This endpoint needs an API key: send it in the {API_KEY_HEADER} header."
                if presented is None
                else f"The {API_KEY_HEADER} sent is not a valid key; ask the operator for one."
            )
            response = JSONResponse(
                {"detail": detail}, status_code=401, headers={"WWW-Authenticate": API_KEY_HEADER}
            )
            await response(scope, receive, send)
            return
        scope[CLIENT_SCOPE_KEY] = client
        await self.app(scope, receive, send)


def _digest(value: bytes) -> bytes:
    return hashlib.sha256(value).digest()
