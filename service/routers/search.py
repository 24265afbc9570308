"""GET/POST /search: ranked passages with exact citations."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Query, Request

from service.deps import EngineDep, compute
from service.engine import Engine
from service.inputs import K, Language, QueryText, Text
from service.schemas import ErrorResponse, SearchRequest, SearchResponse

router = APIRouter(tags=["search"])

_ERRORS: dict[int | str, dict[str, object]] = {
    404: {"model": ErrorResponse, "description": "The document_id filter names no document."},
    422: {
        "model": ErrorResponse,
        "description": "Empty or too long query, k out of range, unknown region.",
    },
    503: {"model": ErrorResponse, "description": "No index is loaded; the message says how."},
}


@router.get("/search", response_model=SearchResponse, responses=_ERRORS)
async def search_get(
    request: Request,
    engine: EngineDep,
    q: Annotated[QueryText, Query(description="The question or keywords, in German or English.")],
    k: Annotated[K | None, Query(description="How many passages (default 5).")] = None,
    lang: Annotated[Language | None, Query(description="Only passages in this language.")] = None,
    document_id: Annotated[
        Text | None, Query(description="Only passages of this document.")
    ] = None,
    region: Annotated[
        Text | None,
        Query(description="Only passages about this Land: 'Sachsen', 'Saxony', 'SN', ..."),
    ] = None,
) -> SearchResponse:
    body = SearchRequest(q=q, k=k, lang=lang, document_id=document_id, region=region)
    return await compute(request, lambda: _search(engine, body))


@router.post("/search", response_model=SearchResponse, responses=_ERRORS)
async def search_post(request: Request, engine: EngineDep, body: SearchRequest) -> SearchResponse:
    return await compute(request, lambda: _search(engine, body))


def _search(engine: Engine, req: SearchRequest) -> SearchResponse:
    """The search itself, on a worker thread (`compute`)."""
    searcher = engine.require_searcher()
    started = time.perf_counter()
    page = searcher.search_page(
        req.q,
        req.k if req.k is not None else engine.settings.default_k,
        lang=req.lang,
        region=req.region,
        document_id=req.document_id,
    )
    return SearchResponse.from_page(req.q, page, round((time.perf_counter() - started) * 1000, 3))
