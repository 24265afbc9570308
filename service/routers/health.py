"""Health: GET /health (is an index loaded, which model, how big, is the corpus ahead of it),
/health/live (the process answers) and /health/ready (an index is loaded and warm)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from service.deps import EngineDep
from service.engine import Engine
from service.schemas import Health, Liveness, Readiness

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Health,
    responses={503: {"model": Health, "description": "No usable index; `detail` says why."}},
)
def health(engine: EngineDep) -> Health | JSONResponse:
    serving = engine.serving
    searcher = serving.searcher
    if searcher is None:
        body = Health(
            status="unavailable",
            model=engine.embedder.model_id,
            documents=0,
            chunks=0,
            detail=serving.unavailable_reason,
        )
        return JSONResponse(body.model_dump(), status_code=503)
    manifest = searcher.snapshot.manifest
    pending = engine.pending()
    changed = True if pending else serving.corpus_changed
    return Health(
        status="ok",
        model=manifest.model_id,
        documents=manifest.document_count,
        chunks=manifest.chunk_count,
        index_built=manifest.build_time,
        corpus_changed=changed,
        detail=_behind(engine, pending) if changed else None,
    )


@router.get("/health/live", response_model=Liveness)
def live() -> Liveness:
    """200 as long as the process answers (a liveness probe)."""
    return Liveness(status="alive")


@router.get(
    "/health/ready",
    response_model=Readiness,
    responses={503: {"model": Readiness, "description": "Not ready yet; `detail` says why."}},
)
def ready(engine: EngineDep) -> Readiness | JSONResponse:
    """200 once an index is loaded and warm (a readiness probe); 503 before."""
    if engine.ready:
        return Readiness(ready=True)
    serving = engine.serving
    detail = (
        serving.unavailable_reason or "No index is loaded."
        if serving.searcher is None
        else "The index is loaded and warming up (the first queries build caches)."
    )
    return JSONResponse(Readiness(ready=False, detail=detail).model_dump(), status_code=503)


def _behind(engine: Engine, pending: bool) -> str:
    what = (
        "An update of the corpus is running or was interrupted"
        if pending
        else "The corpus differs from the one the index was built from"
    )
    if engine.settings.watch_interval > 0 and engine.serving.build is not None:
        return f"{what}; the service is bringing its index up to date (within seconds)."
    return f"{what}; rebuild the index: clustersearch build."
