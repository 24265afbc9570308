"""Documents and their passages: the corpus, extraction from files, chunking, passage text."""

from index.documents.chunk import (
    MAX_TEXT_REGIONS,
    Chunk,
    Section,
    chunk_corpus,
    chunk_document,
    chunk_regions,
    find_sections,
)
from index.documents.corpus import (
    DOCUMENTS_DIR,
    LANGUAGE_CODE,
    MANIFEST_NAME,
    Corpus,
    Document,
    load_corpus,
)
from index.documents.extract import (
    FORMATS,
    Extracted,
    detect_format,
    detect_language,
    extract,
    guess_regions,
    markdown_to_text,
)
from index.documents.languages import LANGUAGES
from index.documents.passage import lexical_text, passage_text, span_text

__all__ = [
    "DOCUMENTS_DIR",
    "FORMATS",
    "LANGUAGES",
    "LANGUAGE_CODE",
    "MANIFEST_NAME",
    "MAX_TEXT_REGIONS",
    "Chunk",
    "Corpus",
    "Document",
    "Extracted",
    "Section",
    "chunk_corpus",
    "chunk_document",
    "chunk_regions",
    "detect_format",
    "detect_language",
    "extract",
    "find_sections",
    "guess_regions",
    "lexical_text",
    "load_corpus",
    "markdown_to_text",
    "passage_text",
    "span_text",
]
