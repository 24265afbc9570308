"""Turn domain errors into HTTP responses whose message tells the client what to do.

A 405 lists in `Allow` every method the path takes (Starlette names only those of the first
route it matched, and GET and POST /search are two routes)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from index import (
    ClusterSearchError,
    DocumentNotFoundError,
    DocumentTooLargeError,
    ExtractionError,
    IndexMismatchError,
    InvalidDocumentError,
    InvalidQueryError,
    UnsupportedFormatError,
)
from service.engine import IndexUnavailableError

__all__ = ["install_error_handlers"]

log = logging.getLogger("clustersearch")
_METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")

_STATUS: dict[type[Exception], int] = {
    InvalidQueryError: 422,
    DocumentNotFoundError: 404,
    IndexUnavailableError: 503,
}
# Refused documents, and an index that must be rebuilt before it can be updated
_STATUS.update(
    {
        UnsupportedFormatError: 415,
        DocumentTooLargeError: 413,
        ExtractionError: 422,
        InvalidDocumentError: 422,
        IndexMismatchError: 409,
    }
)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ClusterSearchError, _domain_error)
    app.add_exception_handler(IndexUnavailableError, _domain_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _unexpected_error)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    status = next((code for cls, code in _STATUS.items() if isinstance(exc, cls)), 500)
    if status == 500:
        log.error("unhandled domain error on %s: %s", request.url.path, exc)
    return JSONResponse({"detail": str(exc)}, status_code=status)


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for err in exc.errors():
        where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "body", "path"))
        problems.append(f"{where or 'request'}: {err.get('msg', 'invalid')}")
    return JSONResponse({"detail": "Invalid request. " + "; ".join(problems)}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    headers = dict(exc.headers or {})
    detail = exc.detail
    if exc.status_code == 405:
        methods = _allowed_methods(request)
        headers["Allow"] = ", ".join(methods)
        detail = f"{request.method} is not allowed here; use {' or '.join(methods)}."
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=headers)


def _allowed_methods(request: Request) -> list[str]:
    """Every method of every route whose path matches the request's (service.main's
    `app.state.routes`)."""
    methods: set[str] = set()
    for route in request.app.state.routes:
        match, _ = route.matches(request.scope)
        if match is not Match.NONE:
            methods.update(getattr(route, "methods", None) or ())
    return sorted(methods, key=lambda m: (m not in _METHOD_ORDER, (*_METHOD_ORDER, m).index(m)))


async def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception(
        "unexpected error on %s",
        request.url.path,
        exc_info=exc,
        extra={"fields": {"request_id": request.scope.get("clustersearch.request_id")}},
    )
    return JSONResponse(
        {"detail": "Internal error. It has been logged; please retry or report it."},
        status_code=500,
    )
