"""GET /health: is an index loaded, which model, how big, is the corpus newer."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.deps import EngineDep
from service.schemas import Health

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "No usable index; `detail` says why."}},
)
def health(engine: EngineDep) -> Health | JSONResponse:
    searcher = engine.searcher
    if searcher is None:
        body = Health(
            status="unavailable",
            model=engine.embedder.model_id,
            documents=0,
            chunks=0,
            detail=engine.unavailable_reason,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    manifest = searcher.snapshot.manifest
    return Health(
        status="ok",
        model=manifest.model_id,
        documents=manifest.document_count,
        chunks=manifest.chunk_count,
        index_built=manifest.build_time,
        corpus_changed=engine.corpus_changed,
    )
