"""GET /metrics: the Prometheus text format (service.metrics); behind a bearer key when
`CLUSTERSEARCH_METRICS_API_KEYS` is set. Not mounted when metrics are off or on their own
port."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, HTTPException, Request
from fastapi.responses import Response

from service.access import ApiKeys
from service.deps import MetricsDep
from service.metrics import CONTENT_TYPE

router = APIRouter(tags=["operation"], include_in_schema=False)

_BEARER = "bearer "


@router.get("/metrics")
def metrics(
    request: Request,
    metrics: MetricsDep,
    authorization: Annotated[str | None, Header()] = None,
) -> Response:
    keys: ApiKeys = request.app.state.metrics_keys
    if keys.enabled:
        presented = (
            authorization[len(_BEARER) :].strip().encode("utf-8", "replace")
            if authorization is not None and authorization.lower().startswith(_BEARER)
            else None
        )
        if keys.identify(presented) is None:
            raise HTTPException(
                status_code=401,
                detail="/metrics needs a key: send 'Authorization: Bearer KEY' with a key "
                "of CLUSTERSEARCH_METRICS_API_KEYS.",
                headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
            )
    return Response(metrics.exposition(), media_type=CONTENT_TYPE)
