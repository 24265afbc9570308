"""What a user hands in to be indexed, and the document it becomes.

`prepare_document` turns an `Upload` (a file's bytes and the metadata given with it) into
a `Document`: text extracted by format, title, language and Länder taken from what was
given, else from the file, else guessed. Every refusal happens here, before anything is
written, with a `ClusterSearchError` saying what to fix.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from index.config import MAX_TITLE_CHARS
from index.documents.corpus import LANGUAGE_CODE, Document
from index.documents.extract import detect_format, detect_language, extract, guess_regions
from index.errors import (
    DocumentTooLargeError,
    InvalidDocumentError,
    InvalidQueryError,
)
from index.text.regions import canonical_region

__all__ = [
    "DEFAULT_MAX_BYTES",
    "Upload",
    "document_id_for",
    "prepare_document",
    "validate_document_id",
]

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}")


@dataclass(frozen=True, slots=True)
class Upload:
    """A file to index and the metadata given with it (None: found in the file or guessed)."""

    data: bytes
    filename: str
    media_type: str | None = None
    title: str | None = None
    source: str | None = None
    language: str | None = None
    regions: tuple[str, ...] | None = None
    document_id: str | None = None


def validate_document_id(document_id: str) -> str:
    """`document_id` if it is a safe id (letters, digits, `_`, `-`; no dots, no slashes)."""
    if not _ID.fullmatch(document_id):
        raise InvalidDocumentError(
            f"Invalid document id {document_id[:120]!r}: use 1–100 letters, digits, '_' or '-', "
            "starting with a letter or digit (no '/', '\\\\', '.' or spaces)."
        )
    return document_id


def document_id_for(name: str, text: str) -> str:
    """A stable id from a file name and the text: `slug_SHA16` ("strategy-2030_1a2b…")."""
    ascii_name = unicodedata.normalize("NFKD", PurePath(name).stem)
    ascii_name = ascii_name.encode("ascii", "ignore").decode().lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name).strip("-")[:40].strip("-") or "doc"
    return f"{slug}_{hashlib.sha256(text.encode('utf-8')).hexdigest()[:16]}"


def prepare_document(
    upload: Upload, *, max_bytes: int = DEFAULT_MAX_BYTES, previous: Document | None = None
) -> Document:
    """The document `upload` becomes; `previous` is the version it replaces, whose title,
    source, id and organisation it keeps unless the upload gives others."""
    if len(upload.data) > max_bytes:
        raise DocumentTooLargeError(
            f"{upload.filename or 'The document'} has {len(upload.data)} bytes; the limit "
            f"is {max_bytes} bytes (CLUSTERSEARCH_MAX_DOCUMENT_BYTES)."
        )
    if upload.document_id is not None:
        validate_document_id(upload.document_id)
    extracted = extract(upload.data, detect_format(upload.filename, upload.media_type))
    text = extracted.text
    name = PurePath(upload.filename or "document").name
    title = _clean_title(upload.title) or (
        _clean_title(extracted.title)
        or (previous.title if previous else None)
        or _clean_title(PurePath(name).stem)
        or "Untitled document"
    )
    document_id = upload.document_id or (previous.id if previous else document_id_for(name, text))
    return Document(
        id=document_id,
        title=title,
        language=_language(upload.language, text),
        source=(upload.source or (previous.source if previous else name)).strip() or name,
        text=text,
        regions=_regions(upload.regions, title, text),
        organisation=previous.organisation if previous else None,
        pages=extracted.pages,
    )


def _language(given: str | None, text: str) -> str:
    language = given or detect_language(text)
    if language is None:
        raise InvalidDocumentError(
            "Could not tell the document's language; give it (--lang de, or 'language')."
        )
    if not LANGUAGE_CODE.fullmatch(language):
        raise InvalidDocumentError(
            f"language must be a two-letter ISO 639-1 code such as 'de' or 'en', got {language!r}."
        )
    return language


def _regions(given: tuple[str, ...] | None, title: str, text: str) -> tuple[str, ...]:
    if given is None:
        return guess_regions(title, text)
    try:
        return tuple(dict.fromkeys(canonical_region(r) for r in given))
    except InvalidQueryError as exc:
        raise InvalidDocumentError(str(exc)) from exc


def _clean_title(title: str | None) -> str | None:
    if not title:
        return None
    title = " ".join(title.split())[:MAX_TITLE_CHARS]
    return title or None
