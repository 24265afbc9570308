"""What a write of the corpus reports (`Change`, `Refusal`, `UpdateReport`), the plan it
is carried out from (`index.ingest.library`), and what an add makes of the document list."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from index.documents.corpus import Document
from index.errors import InvalidDocumentError
from index.ingest.manifest import CorpusRecord
from index.ingest.update import UpdateStats
from index.storage.snapshot import IndexSnapshot

__all__ = ["Change", "Plan", "Refusal", "Status", "UpdateReport", "add_documents", "touched_ids"]

Status = Literal["added", "replaced", "unchanged", "duplicate", "removed"]


@dataclass(frozen=True, slots=True)
class Change:
    """What happened to one document; `duplicate_of` names the document with the same text."""

    id: str
    status: Status
    document: Document
    chunks: int
    duplicate_of: str | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    """An upload left out of a batch, and the message of the error that refused it."""

    filename: str
    reason: str


@dataclass(frozen=True)
class UpdateReport:
    """The changes of one write, the index statistics, the snapshot now current, and the
    uploads a batch left out (`Library.add(..., skip_refused=True)`)."""

    changes: tuple[Change, ...]
    snapshot: IndexSnapshot | None
    stats: UpdateStats | None = None
    seconds: float = 0.0
    refused: tuple[Refusal, ...] = ()


@dataclass(frozen=True)
class Plan:
    """A write worked out from the corpus `record` and the build `build`: its changes, the
    documents after it, and the new snapshot (None: nothing changes)."""

    record: CorpusRecord
    build: str | None
    changes: tuple[Change, ...]
    documents: tuple[Document, ...]
    snapshot: IndexSnapshot | None = None
    stats: UpdateStats | None = None


def add_documents(
    docs: list[Document], prepared: Sequence[tuple[str, Document]], *, skip_refused: bool
) -> tuple[list[Change], list[Refusal]]:
    """Append to `docs` each prepared (file name, document) whose text it lacks, and say
    what became of each: added, unchanged (the same id and text are there), a duplicate
    (of the first document with its text), or refused (its id is taken; raised unless
    `skip_refused`).

    The texts are looked up by their hash in a table made once: a corpus of thousands of
    documents is not scanned once per upload."""
    changes: list[Change] = []
    clashes: list[Refusal] = []
    by_hash = {d.sha256: d for d in reversed(docs)}  # the first of equal texts
    ids = {d.id for d in docs}
    for filename, doc in prepared:
        same = by_hash.get(doc.sha256)
        if same is not None:
            status: Status = "unchanged" if same.id == doc.id else "duplicate"
            duplicate_of = same.id if status == "duplicate" else None
            changes.append(Change(same.id, status, same, 0, duplicate_of))
            continue
        if doc.id in ids:
            error = InvalidDocumentError(
                f"A document with id {doc.id!r} exists already; replace it instead "
                f"(clustersearch replace {doc.id} PATH, or PUT /documents/{doc.id})."
            )
            if not skip_refused:
                raise error
            clashes.append(Refusal(filename, str(error)))
            continue
        docs.append(doc)
        by_hash[doc.sha256] = doc
        ids.add(doc.id)
        changes.append(Change(doc.id, "added", doc, 0))
    return changes, clashes


def touched_ids(changes: Sequence[Change]) -> set[str]:
    """The ids of the documents a write adds, replaces or removes."""
    return {c.id for c in changes if c.status in ("added", "replaced", "removed")}
