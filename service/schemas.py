"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index.load import Document
from index.search import Hit

__all__ = [
    "Citation",
    "DocumentDetail",
    "DocumentSummary",
    "ErrorResponse",
    "Health",
    "SearchRequest",
    "SearchResponse",
    "SearchResult",
]


class SearchRequest(BaseModel):
    """Body of POST /search (GET /search takes the same fields as query parameters)."""

    model_config = ConfigDict(extra="forbid")

    q: str = Field(description="The question or keywords, in German or English.")
    k: int | None = Field(None, description="How many passages to return (1–50; default 5).")
    lang: str | None = Field(None, description="Only passages in this language (ISO 639-1).")
    document_id: str | None = Field(None, description="Only passages of this document.")


class Citation(BaseModel):
    """Where a passage comes from: `GET /documents/{document_id}` → `text[start:end]`."""

    document_id: str
    title: str
    source: str
    language: str
    section: str | None
    start: int
    end: int


class SearchResult(BaseModel):
    rank: int
    score: float
    text: str
    citation: Citation

    @classmethod
    def from_hit(cls, hit: Hit) -> SearchResult:
        doc = hit.document
        return cls(
            rank=hit.rank,
            score=round(hit.score, 6),
            text=hit.chunk.text,
            citation=Citation(
                document_id=doc.id,
                title=doc.title,
                source=doc.source,
                language=doc.language,
                section=hit.chunk.section,
                start=hit.chunk.start,
                end=hit.chunk.end,
            ),
        )


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]
    took_ms: float


class DocumentSummary(BaseModel):
    id: str
    title: str
    language: str
    source: str
    regions: list[str]
    organisation: str | None
    chars: int

    @classmethod
    def from_document(cls, doc: Document) -> DocumentSummary:
        return cls(
            id=doc.id,
            title=doc.title,
            language=doc.language,
            source=doc.source,
            regions=list(doc.regions),
            organisation=doc.organisation,
            chars=len(doc.text),
        )


class DocumentDetail(DocumentSummary):
    text: str

    @classmethod
    def from_document(cls, doc: Document) -> DocumentDetail:
        return cls(**DocumentSummary.from_document(doc).model_dump(), text=doc.text)


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    model: str
    documents: int
    chunks: int
    index_built: str | None = Field(None, description="Build time of the loaded index (UTC).")
    corpus_changed: bool | None = Field(
        None, description="True when the corpus differs from the indexed one: run a build."
    )
    detail: str | None = Field(None, description="Why the service is unavailable, and the fix.")


class ErrorResponse(BaseModel):
    detail: str
