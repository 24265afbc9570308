"""POST /ask: an answer extracted from the corpus, with verified citations."""

from __future__ import annotations

import time

from fastapi import APIRouter

from service.deps import AnswererDep, EngineDep, MetricsDep
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
def ask(
    engine: EngineDep, answerer: AnswererDep, metrics: MetricsDep, body: AskRequest
) -> AskResponse:
    """The sentence of the corpus that answers the question, or `answer: null` and why."""
    started = time.perf_counter()
    with metrics.answering():
        answer = answerer.ask(
            body.question,
            body.k if body.k is not None else engine.settings.default_k,
            lang=body.lang,
            region=body.region,
        )
    return AskResponse.from_answer(answer, round((time.perf_counter() - started) * 1000, 3))
