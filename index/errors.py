"""Domain errors. Each message says what went wrong and how to fix it."""

from __future__ import annotations

__all__ = [
    "ChunkingError",
    "ClusterSearchError",
    "CorpusError",
    "DocumentNotFoundError",
    "DocumentTooLargeError",
    "EmbedderError",
    "ExtractionError",
    "IndexMismatchError",
    "IndexNotFoundError",
    "InvalidDocumentError",
    "InvalidQueryError",
    "UnsupportedFormatError",
]


class ClusterSearchError(Exception):
    """Base class of every error ClusterSearch raises on purpose."""


class CorpusError(ClusterSearchError):
    """The corpus directory or its manifest is inconsistent or malformed."""


class ChunkingError(ClusterSearchError):
    """A document could not be cut into passages that are exact spans of it."""


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


# Refused documents (service/errors.py maps them to 415, 413 and 422).


class UnsupportedFormatError(ClusterSearchError):
    """The uploaded file is of a type that cannot be indexed."""


class DocumentTooLargeError(ClusterSearchError):
    """The uploaded document is larger than the configured limit."""


class ExtractionError(ClusterSearchError):
    """No text could be extracted (unparsable PDF, empty page, wrong encoding)."""


class InvalidDocumentError(ClusterSearchError):
    """Metadata of a document to add is invalid (id, language, region, title)."""
