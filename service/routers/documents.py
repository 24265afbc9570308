"""GET /documents and /documents/{id}: the indexed documents, so citations can be resolved."""

from __future__ import annotations

from fastapi import APIRouter

from index.errors import DocumentNotFoundError
from service.deps import SearcherDep
from service.schemas import DocumentDetail, DocumentSummary, ErrorResponse

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
