"""GET /documents and /documents/{id}: the indexed documents, so citations can be resolved.

POST /documents, PUT and DELETE /documents/{id} add, replace and remove documents
(X-API-Key from CLUSTERSEARCH_API_KEYS required).
"""

from __future__ import annotations

import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter, Request, Response
from pydantic import ValidationError
from pydantic_core import PydanticCustomError
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile as StarletteUploadFile

from index import (
    ClusterSearchError,
    DocumentNotFoundError,
    InvalidDocumentError,
    UnsupportedFormatError,
    UpdateReport,
    Upload,
    validate_document_id,
)
from service.deps import EngineDep, MetricsDep, SearcherDep, WriteKeyDep
from service.inputs import check_text, known_language
from service.metrics import Metrics
from service.schemas import (
    DocumentChange,
    DocumentDetail,
    DocumentIn,
    DocumentSummary,
    ErrorResponse,
    IndexChange,
)

router = APIRouter(prefix="/documents", tags=["documents"])


@router.get(
    "",
    response_model=list[DocumentSummary],
    responses={503: {"model": ErrorResponse, "description": "No index is loaded."}},
)
def list_documents(searcher: SearcherDep) -> list[DocumentSummary]:
    return [DocumentSummary.from_document(d) for d in searcher.snapshot.documents.values()]


@router.get(
    "/{document_id}",
    response_model=DocumentDetail,
    responses={
        404: {"model": ErrorResponse, "description": "No document with this id."},
        503: {"model": ErrorResponse, "description": "No index is loaded."},
    },
)
def get_document(document_id: str, searcher: SearcherDep) -> DocumentDetail:
    doc = searcher.snapshot.documents.get(document_id)
    if doc is None:
        raise DocumentNotFoundError(
            f"No document {document_id!r} in the index. GET /documents lists the ids."
        )
    return DocumentDetail.from_document(doc)


# POST/PUT/DELETE /documents — grow the corpus; the index is updated in place.
_WRITE_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": ErrorResponse, "description": "No or a wrong X-API-Key."},
    403: {"model": ErrorResponse, "description": "Writes are disabled (no key configured)."},
    404: {"model": ErrorResponse, "description": "No document with this id."},
    409: {"model": ErrorResponse, "description": "The index must be rebuilt first."},
    413: {"model": ErrorResponse, "description": "The document is over the size limit."},
    415: {"model": ErrorResponse, "description": "Not text, Markdown, HTML or PDF."},
    422: {"model": ErrorResponse, "description": "No extractable text, or invalid metadata."},
}
_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {
                        "file": {"type": "string", "format": "binary"},
                        "title": {"type": "string"},
                        "source": {"type": "string"},
                        "language": {"type": "string"},
                        "regions": {"type": "string", "description": "comma-separated"},
                    },
                }
            },
            "application/json": {"schema": {"$ref": "#/components/schemas/DocumentIn"}},
        },
    }
}
_DETAIL = {
    "added": "Added and indexed.",
    "replaced": "Replaced; its chunks were re-indexed.",
    "unchanged": "Nothing changed: the corpus has this document as it is.",
    "duplicate": "Nothing changed: the corpus has the same text already, as {other}.",
    "removed": "Removed with its chunks.",
}


@router.post(
    "",
    response_model=DocumentChange,
    status_code=201,
    responses={**_WRITE_ERRORS, 200: {"model": DocumentChange, "description": "Unchanged."}},
    openapi_extra=_BODY,
)
async def add_document(
    request: Request, response: Response, engine: EngineDep, metrics: MetricsDep, _: WriteKeyDep
) -> DocumentChange:
    """Add a document: a multipart file upload (`file`, plus optional `title`, `source`,
    `language`, `regions`) or JSON (`DocumentIn`). The same text twice is not added again."""
    started = time.perf_counter()

    async def write() -> UpdateReport:
        upload = await _upload(request, metrics)
        return await run_in_threadpool(engine.update, lambda library: library.add([upload]))

    report = await _counted("add", metrics, write)
    return _change(report, response, started)


@router.put(
    "/{document_id}",
    response_model=DocumentChange,
    responses=_WRITE_ERRORS,
    openapi_extra=_BODY,
)
async def replace_document(
    document_id: str,
    request: Request,
    response: Response,
    engine: EngineDep,
    metrics: MetricsDep,
    _: WriteKeyDep,
) -> DocumentChange:
    """Replace a document by a new version (same body as POST)."""
    started = time.perf_counter()

    async def write() -> UpdateReport:
        validate_document_id(document_id)
        upload = await _upload(request, metrics)
        return await run_in_threadpool(
            engine.update, lambda library: library.replace(document_id, upload)
        )

    report = await _counted("replace", metrics, write)
    return _change(report, response, started)


@router.delete("/{document_id}", response_model=DocumentChange, responses=_WRITE_ERRORS)
async def remove_document(
    document_id: str, response: Response, engine: EngineDep, metrics: MetricsDep, _: WriteKeyDep
) -> DocumentChange:
    """Remove a document and its chunks."""
    started = time.perf_counter()

    async def write() -> UpdateReport:
        validate_document_id(document_id)
        return await run_in_threadpool(engine.update, lambda library: library.remove(document_id))

    report = await _counted("remove", metrics, write)
    return _change(report, response, started)


async def _counted(
    operation: str, metrics: Metrics, write: Callable[[], Awaitable[UpdateReport]]
) -> UpdateReport:
    """Runs `write`, counting its documents by outcome, or its failure by the error's name."""
    try:
        report = await write()
    except ClusterSearchError as exc:
        metrics.ingest_failures.labels(operation, type(exc).__name__).inc()
        raise
    for change in report.changes:
        metrics.ingest_documents.labels(operation, change.status).inc()
    return report


async def _upload(request: Request, metrics: Metrics) -> Upload:
    upload = await _read_upload(request)
    metrics.ingest_bytes.inc(len(upload.data))
    return upload


def _form_field(name: str, value: str | None) -> str | None:
    """A multipart text field, checked as the JSON fields are (service.inputs)."""
    if not value:
        return None
    try:
        return known_language(value) if name == "language" else check_text(value)
    except PydanticCustomError as exc:
        raise InvalidDocumentError(f"Invalid document metadata. {name}: {exc}") from exc


async def _read_upload(request: Request) -> Upload:
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media == "multipart/form-data":
        form = await request.form(max_files=1, max_fields=10)
        file = form.get("file")
        if not isinstance(file, StarletteUploadFile):
            raise InvalidDocumentError("The multipart upload needs the document in a 'file' part.")
        data = await file.read()
        fields = {k: _form_field(k, v) for k, v in form.items() if isinstance(v, str)}
        regions = fields.get("regions")
        return Upload(
            data=data,
            filename=file.filename or "upload",
            media_type=file.content_type,
            title=fields.get("title"),
            source=fields.get("source"),
            language=fields.get("language"),
            regions=tuple(r.strip() for r in regions.split(",") if r.strip()) if regions else None,
        )
    if media == "application/json":
        raw = await request.body()
        try:
            # Python's parser, as FastAPI's for the other bodies: a lone surrogate escape
            # then reaches the field check, which says where it is.
            body = DocumentIn.model_validate(json.loads(raw))
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise InvalidDocumentError(f"Invalid document JSON. body: {exc}") from exc
        except RecursionError as exc:
            raise InvalidDocumentError(
                "Invalid document JSON. body: nested too deeply; send one object."
            ) from exc
        except ValidationError as exc:
            problems = "; ".join(
                f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
            )
            raise InvalidDocumentError(f"Invalid document JSON. {problems}") from exc
        return Upload(
            data=body.text.encode("utf-8"),
            filename=f"document.{body.format}",
            title=body.title,
            source=body.source or "api",
            language=body.language,
            regions=tuple(body.regions) if body.regions is not None else None,
            document_id=body.id,
        )
    raise UnsupportedFormatError(
        f"Send the document as multipart/form-data (a 'file' part) or as application/json "
        f"({{'text': …, 'title': …}}), not {media or 'a body without Content-Type'}."
    )


def _change(report: UpdateReport, response: Response, started: float) -> DocumentChange:
    change = report.changes[0]
    snapshot = report.snapshot
    chunks = (
        snapshot.chunk_count(change.id)
        if snapshot is not None and change.status != "removed"
        else 0
    )
    if change.status != "added":
        response.status_code = 200
    stats = report.stats
    return DocumentChange(
        id=change.id,
        status=change.status,
        detail=_DETAIL[change.status].format(other=change.duplicate_of),
        duplicate_of=change.duplicate_of,
        chunks=chunks,
        document=DocumentSummary.from_document(change.document),
        index=IndexChange(
            added=stats.added, removed=stats.removed, kept=stats.kept, embedded=stats.embedded
        )
        if stats is not None
        else None,
        took_ms=round((time.perf_counter() - started) * 1000, 3),
    )
