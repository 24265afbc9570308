"""What a write of the corpus reports (`Change`, `Refusal`, `UpdateReport`) and the plan it
is carried out from (`index.ingest.library`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from index.documents.corpus import Document
from index.ingest.manifest import CorpusRecord
from index.ingest.update import UpdateStats
from index.storage.snapshot import IndexSnapshot

__all__ = ["Change", "Plan", "Refusal", "Status", "UpdateReport"]

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
