"""FastAPI dependencies, as `Annotated` aliases the routers use."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Header, HTTPException, Request

from index import Answerer, Searcher
from service.access import API_KEY_HEADER, CLIENT_SCOPE_KEY, ApiKeys
from service.engine import Engine
from service.metrics import Metrics

__all__ = [
    "AnswererDep",
    "EngineDep",
    "MetricsDep",
    "SearcherDep",
    "WriteKeyDep",
    "compute",
]

T = TypeVar("T")


async def get_engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


async def compute(request: Request, work: Callable[[], T]) -> T:
    """`work()` (a search, an answer) on a worker thread, at most
    `Settings.request_concurrency` at once (`app.state.compute`); the other requests wait
    for a turn on the event loop, holding no thread, so the threads that compute never
    outnumber the cores."""
    limiter: anyio.CapacityLimiter = request.app.state.compute
    return await anyio.to_thread.run_sync(work, limiter=limiter)


def get_searcher(engine: Annotated[Engine, Depends(get_engine)]) -> Searcher:
    return engine.require_searcher()


EngineDep = Annotated[Engine, Depends(get_engine)]
SearcherDep = Annotated[Searcher, Depends(get_searcher)]


async def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


MetricsDep = Annotated[Metrics, Depends(get_metrics)]


# The write endpoints (POST/PUT/DELETE /documents) need a key from
# CLUSTERSEARCH_API_KEYS in X-API-Key, compared in constant time (service.access.ApiKeys);
# its id names the caller in the request log.
def require_write_key(
    request: Request,
    engine: EngineDep,
    x_api_key: Annotated[str | None, Header(description="A key from CLUSTERSEARCH_API_KEYS.")] = (
        None
    ),
) -> None:
    keys = engine.settings.api_key_list
    if not keys:
        raise HTTPException(
            status_code=403,
            detail="Writes are disabled: no API key is configured. Set CLUSTERSEARCH_API_KEYS "
            "to one or more comma-separated keys (≥ 16 characters; generate one with python -c "
            "'import secrets; print(secrets.token_urlsafe(24))'), restart the service, and send "
            f"a key in the {API_KEY_HEADER} header.",
        )
    if x_api_key is None:
        raise HTTPException(
            status_code=401,
            detail=f"This endpoint changes the corpus: send an API key in the {API_KEY_HEADER} "
            "header.",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    identity = ApiKeys.from_keys(keys).identify(x_api_key.encode("utf-8", "replace"))
    if identity is None:
        raise HTTPException(
            status_code=401,
            detail=f"The {API_KEY_HEADER} sent is not a valid write key; ask the operator.",
            headers={"WWW-Authenticate": API_KEY_HEADER},
        )
    request.scope[CLIENT_SCOPE_KEY] = identity


WriteKeyDep = Annotated[None, Depends(require_write_key)]


# The extractive answerer over the same index
def get_answerer(engine: Annotated[Engine, Depends(get_engine)]) -> Answerer:
    return engine.require_answerer()


AnswererDep = Annotated[Answerer, Depends(get_answerer)]
