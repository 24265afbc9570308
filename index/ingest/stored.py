"""The corpus's stored texts: each document's text in `documents/` under a name made of its
id and its text's hash, `ID.SHA12.txt`, so a name tells which text it holds."""

from __future__ import annotations

import re

from index.documents.corpus import Document
from index.ingest.manifest import CorpusRecord

__all__ = ["is_stored_name", "stored_already", "stored_name"]

_STORED = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,99}\.[0-9a-f]{12}\.txt")


def stored_name(doc: Document) -> str:
    """The file name `doc`'s text is stored under."""
    return f"{doc.id}.{doc.sha256[:12]}.txt"


def is_stored_name(name: str) -> bool:
    """Whether `name` is one `stored_name` makes (files named by hand are not)."""
    return _STORED.fullmatch(name) is not None


def stored_already(record: CorpusRecord, doc: Document) -> bool:
    """Whether `record` stores `doc`'s text already: a stored name says its text's hash, so
    only a file named by hand has to be read (from the record, the one scan)."""
    stored = record.files.get(doc.id)
    if stored is None or stored == stored_name(doc):
        return stored is not None
    if is_stored_name(stored) and stored.startswith(f"{doc.id}."):
        return False  # another text's name
    return any(d.id == doc.id and d.text == doc.text for d in record.documents)
