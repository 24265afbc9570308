"""Domain errors. Each message says what went wrong and how to fix it."""

from __future__ import annotations

__all__ = [
    "ChunkingError",
    "ClusterSearchError",
    "CorpusError",
    "DocumentNotFoundError",
    "EmbedderError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "InvalidQueryError",
]


class ClusterSearchError(Exception):
    """Base class of every error ClusterSearch raises on purpose."""


class CorpusError(ClusterSearchError):
    """The corpus directory or its manifest is inconsistent or malformed."""


class ChunkingError(ClusterSearchError):
    """A chunk could not be located exactly in its document."""


class EmbedderError(ClusterSearchError):
    """The embedding model cannot be loaded or used."""


class IndexNotFoundError(ClusterSearchError):
    """No index has been built at the configured location."""


class IndexMismatchError(ClusterSearchError):
    """The index on disk was built with other settings than the current ones."""


class InvalidQueryError(ClusterSearchError):
    """A search request is malformed (empty, too long, k out of range...)."""


class DocumentNotFoundError(ClusterSearchError):
    """No document with the requested id exists in the index."""


# Ingestion and corpus updates (mapped to 415/413/422 at the API edge)
__all__ += [
    "DocumentTooLargeError",
    "ExtractionError",
    "InvalidDocumentError",
    "UnsupportedFormatError",
]


class UnsupportedFormatError(ClusterSearchError):
    """The uploaded file is of a type that cannot be indexed."""


class DocumentTooLargeError(ClusterSearchError):
    """The uploaded document is larger than the configured limit."""


class ExtractionError(ClusterSearchError):
    """No text could be extracted (unparsable PDF, empty page, wrong encoding)."""


class InvalidDocumentError(ClusterSearchError):
    """Metadata of a document to add is invalid (id, language, region, title)."""
