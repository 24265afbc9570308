"""Request and response models of the HTTP API."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from index import Answer, Document, Hit, SearchPage
from service.inputs import DocumentText, K, Language, QueryText, Text

__all__ = [
    "AskCitation",
    "AskRequest",
    "AskResponse",
    "Citation",
    "DocumentDetail",
    "DocumentSummary",
    "ErrorResponse",
    "Facets",
    "Health",
    "Highlight",
    "Liveness",
    "Readiness",
    "Scores",
    "SearchRequest",
    "SearchResponse",
    "SearchResult",
]


class SearchRequest(BaseModel):
    """Body of POST /search (GET /search takes the same fields as query parameters)."""

    model_config = ConfigDict(extra="forbid")

    q: QueryText = Field(description="The question or keywords, in German or English.")
    k: K | None = Field(None, description="How many passages to return (default 5).")
    lang: Language | None = Field(None, description="Only passages in this language (ISO 639-1).")
    document_id: Text | None = Field(None, description="Only passages of this document.")
    region: Text | None = Field(
        None,
        description="Only passages about this Land: German or English name or code "
        "('Sachsen', 'Saxony', 'SN').",
    )


class Citation(BaseModel):
    """Where a passage comes from: `GET /documents/{document_id}` → `text[start:end]`."""

    document_id: str
    title: str
    source: str
    language: str
    section: str | None
    start: int
    end: int
    regions: list[str] = Field(
        default_factory=list, description="The Länder the passage concerns (canonical names)."
    )
    page: int | None = Field(None, description="PDF page of the passage, if known.")


class Scores(BaseModel):
    """Why the passage ranked where it did."""

    dense: float = Field(description="Cosine similarity of query and passage embeddings.")
    bm25: float = Field(description="BM25 score (0 when no query term occurs).")
    fused: float = Field(description="The ranking score: min-max fusion of the two.")


class Highlight(BaseModel):
    """`text[start:end]` matches the query word `term` (possibly in the other language)."""

    start: int
    end: int
    term: str


class SearchResult(BaseModel):
    rank: int
    score: float
    text: str
    citation: Citation
    scores: Scores
    highlights: list[Highlight]

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
                regions=list(hit.chunk.regions),
                page=doc.page_at(hit.chunk.start),  # PDFs know their pages
            ),
            scores=Scores(
                dense=round(hit.scores.dense, 6),
                bm25=round(hit.scores.bm25, 6),
                fused=round(hit.scores.fused, 6),
            ),
            highlights=[Highlight(start=h.start, end=h.end, term=h.term) for h in hit.highlights],
        )


class Facets(BaseModel):
    """Counts over the matches (the first 20 passages of the ranking, before the cut to k)."""

    region: dict[str, int]
    lang: dict[str, int]


class SearchResponse(BaseModel):
    query: str
    results: list[SearchResult]
    facets: Facets = Field(default_factory=lambda: Facets(region={}, lang={}))
    query_regions: list[str] = Field(
        default_factory=list, description="The Länder the query names; their passages rank first."
    )
    took_ms: float

    @classmethod
    def from_page(cls, query: str, page: SearchPage, took_ms: float) -> SearchResponse:
        return cls(
            query=query,
            results=[SearchResult.from_hit(h) for h in page.hits],
            facets=Facets(region=dict(page.facets.region), lang=dict(page.facets.lang)),
            query_regions=list(page.query_regions),
            took_ms=took_ms,
        )


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
        None,
        description="True when the corpus differs from the indexed one: run a build. Null "
        "until decided (in the background, once the index is warm) or when the corpus "
        "manifest is missing or unreadable.",
    )
    detail: str | None = Field(
        None,
        description="Why the service is unavailable, or that the index is behind the corpus "
        "(and catching up), and the fix.",
    )


class Liveness(BaseModel):
    status: Literal["alive"]


class Readiness(BaseModel):
    ready: bool = Field(description="An index is loaded and warm.")
    detail: str | None = Field(None, description="Why not yet.")


class ErrorResponse(BaseModel):
    detail: str


# Adding, replacing and removing documents
__all__ += ["DocumentChange", "DocumentIn", "IndexChange"]


class DocumentIn(BaseModel):
    """JSON body of POST /documents and PUT /documents/{id} (or upload a file as multipart)."""

    model_config = ConfigDict(extra="forbid")

    text: DocumentText = Field(
        description="The document: plain text, Markdown or HTML (see `format`); control "
        "characters are removed, as from a file."
    )
    format: Literal["txt", "md", "html"] = Field("txt", description="How `text` is written.")
    title: Text | None = Field(None, description="Title (default: its first heading).")
    source: Text | None = Field(None, description="Where it came from, e.g. a URL.")
    language: Language | None = Field(None, description="ISO 639-1 code (default: detected).")
    regions: list[Text] | None = Field(None, description="Länder it concerns (default: found).")
    id: Text | None = Field(None, description="Id for a new document (default: from the text).")


class IndexChange(BaseModel):
    """What the index update did."""

    added: int = Field(description="Chunks added.")
    removed: int = Field(description="Chunks removed.")
    kept: int = Field(description="Chunks left as they were.")
    embedded: int = Field(description="Chunks embedded anew (the others came from the cache).")


class DocumentChange(BaseModel):
    """The outcome of a write: `status` says what happened to the document."""

    id: str
    status: Literal["added", "replaced", "unchanged", "duplicate", "removed"]
    detail: str = Field(description="What happened, in words.")
    duplicate_of: str | None = Field(None, description="The document that has the same text.")
    chunks: int = Field(description="The document's chunks in the index now.")
    document: DocumentSummary
    index: IndexChange | None = Field(None, description="None when nothing had to change.")
    took_ms: float


# POST /ask — an extracted answer with verified citations


class AskRequest(BaseModel):
    """Body of POST /ask."""

    model_config = ConfigDict(extra="forbid")

    question: QueryText = Field(description="A question in German or English.")
    k: K | None = Field(None, description="How many supporting passages (default 5).")
    lang: Language | None = Field(None, description="Only passages in this language (ISO 639-1).")
    region: Text | None = Field(
        None, description="Only passages about this Land ('Sachsen', 'Saxony', 'SN')."
    )


class AskCitation(BaseModel):
    """`GET /documents/{document_id}` → `text[start:end] == text` (checked before sending)."""

    document_id: str
    title: str
    source: str
    section: str | None
    start: int
    end: int
    text: str


class AskResponse(BaseModel):
    question: str
    answer: str | None = Field(
        description="A sentence (or a few consecutive lines) of the corpus; null when the "
        "corpus holds no answer."
    )
    confidence: float = Field(ge=0.0, le=1.0, description="The best candidate's score, 0–1.")
    reason: str | None = Field(description="Why there is no answer (null when there is one).")
    citations: list[AskCitation] = Field(
        description="Where the answer stands; one per document that states it."
    )
    passages: list[SearchResult] = Field(description="The passages searched, as /search.")
    took_ms: float

    @classmethod
    def from_answer(cls, answer: Answer, took_ms: float) -> AskResponse:
        return cls(
            question=answer.question,
            answer=answer.text,
            confidence=round(answer.confidence, 4),
            reason=answer.reason,
            citations=[
                AskCitation(
                    document_id=c.document.id,
                    title=c.document.title,
                    source=c.document.source,
                    section=c.section,
                    start=c.start,
                    end=c.end,
                    text=c.text,
                )
                for c in answer.citations
            ],
            passages=[SearchResult.from_hit(h) for h in answer.page.hits],
            took_ms=took_ms,
        )
