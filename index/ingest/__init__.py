"""The write path: build an index from a corpus, update it in place, manage the corpus folder."""

from index.ingest.build import BuildReport, build_index, build_snapshot
from index.ingest.library import (
    CHECKPOINTS,
    DEFAULT_MAX_BYTES,
    Change,
    Library,
    UpdateReport,
    Upload,
    corpus_documents,
    document_id_for,
    validate_document_id,
)
from index.ingest.status import (
    ManifestStamp,
    manifest_stamp,
    request_catch_up,
    update_pending,
    writer_active,
)
from index.ingest.update import UpdateStats, update_snapshot

__all__ = [
    "CHECKPOINTS",
    "DEFAULT_MAX_BYTES",
    "BuildReport",
    "Change",
    "Library",
    "ManifestStamp",
    "UpdateReport",
    "UpdateStats",
    "Upload",
    "build_index",
    "build_snapshot",
    "corpus_documents",
    "document_id_for",
    "manifest_stamp",
    "request_catch_up",
    "update_pending",
    "update_snapshot",
    "validate_document_id",
    "writer_active",
]
