"""The OpenAPI document, completed where FastAPI's generator leaves gaps.

* `DocumentIn`: the write routes read their body themselves (multipart or JSON), so FastAPI
  does not know the model their `requestBody` refers to; it is added to the components.
* Errors: every error is `{"detail": "…"}` (service.errors), so FastAPI's own 422 schema
  (`HTTPValidationError`, a list) is replaced by `ErrorResponse`.
* Statuses the middleware sends (service.security) are documented on every operation they
  can reach: 400 (Content-Length not a number) and 413 (body over the limit) everywhere, 401
  (read keys) and 429 (rate limit, with `Retry-After`) on /search and /ask.
* The limits of `q`, `question` and `k` are the configured ones (`max_query_chars`, `max_k`).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from service.schemas import DocumentIn
from service.security import GUARDED_PATHS
from service.settings import Settings

__all__ = ["complete_openapi", "install_openapi"]

_ERROR = {"$ref": "#/components/schemas/ErrorResponse"}
_FASTAPI_422 = "#/components/schemas/HTTPValidationError"
_COMMON: dict[str, str] = {
    "400": "Malformed request: a body that cannot be parsed, or a Content-Length that is "
    "not a number of bytes.",
    "413": "The request body is over the limit (CLUSTERSEARCH_MAX_BODY_BYTES, or "
    "CLUSTERSEARCH_MAX_DOCUMENT_BODY_BYTES under /documents).",
}
_GUARDED: dict[str, str] = {
    "401": "Read keys are configured and X-API-Key is missing or wrong.",
    "429": "Too many requests from this client; `Retry-After` says when to retry.",
}
_RETRY_AFTER = {
    "Retry-After": {"description": "Seconds until a retry can pass.", "schema": {"type": "integer"}}
}


def install_openapi(app: FastAPI, settings: Settings) -> None:
    """Serve the completed document at /openapi.json (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                summary=app.summary,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = complete_openapi(spec, settings)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete_openapi(spec: dict[str, Any], settings: Settings) -> dict[str, Any]:
    """`spec` with the gaps of the module doc filled in (changed in place and returned)."""
    schemas: dict[str, Any] = spec.setdefault("components", {}).setdefault("schemas", {})
    schemas["DocumentIn"] = DocumentIn.model_json_schema(
        ref_template="#/components/schemas/{model}"
    )
    for path, operations in spec.get("paths", {}).items():
        for operation in operations.values():
            _complete_responses(path, operation["responses"])
            _limit_parameters(operation.get("parameters", ()), settings)
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for name in ("SearchRequest", "AskRequest"):
        properties = schemas.get(name, {}).get("properties", {})
        for field in ("q", "question"):
            if field in properties:
                properties[field]["maxLength"] = settings.max_query_chars
        if "k" in properties:
            _limit_k(properties["k"], settings)
    return spec


def _complete_responses(path: str, responses: dict[str, Any]) -> None:
    for response in responses.values():
        for media in response.get("content", {}).values():
            if media.get("schema", {}).get("$ref") == _FASTAPI_422:
                media["schema"] = dict(_ERROR)
    extra = {**_COMMON, **(_GUARDED if path in GUARDED_PATHS else {})}
    for status, description in extra.items():
        if status not in responses:
            responses[status] = {
                "description": description,
                "content": {"application/json": {"schema": dict(_ERROR)}},
            }
    if "429" in responses:
        responses["429"]["headers"] = _RETRY_AFTER


def _limit_parameters(parameters: Any, settings: Settings) -> None:
    for parameter in parameters:
        if parameter.get("name") == "q":
            parameter["schema"]["maxLength"] = settings.max_query_chars
        elif parameter.get("name") == "k":
            _limit_k(parameter["schema"], settings)


def _limit_k(schema: dict[str, Any], settings: Settings) -> None:
    for option in schema.get("anyOf", [schema]):
        if option.get("type") == "integer":
            option["maximum"] = settings.max_k
