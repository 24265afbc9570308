"""POST /ask: an answer extracted from the corpus, with verified citations."""

from __future__ import annotations

import time

from fastapi import APIRouter, Request

from service.deps import EngineDep, MetricsDep, compute
from service.engine import Engine
from service.metrics import Metrics
from service.schemas import AskRequest, AskResponse, ErrorResponse

router = APIRouter(tags=["ask"])

_ERRORS: dict[int | str, dict[str, object]] = {
    422: {
        "model": ErrorResponse,
        "description": "Empty or too long question, k out of range, unknown region or language.",
    },
    503: {"model": ErrorResponse, "description": "No index is loaded; the message says how."},
}


@router.post("/ask", response_model=AskResponse, responses=_ERRORS)
async def ask(
    request: Request, engine: EngineDep, metrics: MetricsDep, body: AskRequest
) -> AskResponse:
    """The sentence of the corpus that answers the question, or `answer: null` and why."""
    return await compute(request, lambda: _ask(engine, metrics, body))


def _ask(engine: Engine, metrics: Metrics, body: AskRequest) -> AskResponse:
    """The answer itself, on a worker thread (`compute`)."""
    answerer = engine.require_answerer()
    started = time.perf_counter()
    with metrics.answering():
        answer = answerer.ask(
            body.question,
            body.k if body.k is not None else engine.settings.default_k,
            lang=body.lang,
            region=body.region,
        )
    return AskResponse.from_answer(answer, round((time.perf_counter() - started) * 1000, 3))
