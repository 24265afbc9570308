"""The write path: build an index from a corpus, update it in place, manage the corpus folder."""

from index.ingest.build import BuildReport, build_index, build_snapshot
from index.ingest.lexical import load_index, passage_terms_of
from index.ingest.library import CHECKPOINTS, Change, Library, Refusal, UpdateReport
from index.ingest.manifest import corpus_documents
from index.ingest.status import (
    ManifestStamp,
    manifest_stamp,
    request_catch_up,
    update_pending,
    writer_active,
)
from index.ingest.update import UpdateStats, update_snapshot
from index.ingest.uploads import (
    DEFAULT_MAX_BYTES,
    Upload,
    document_id_for,
    validate_document_id,
)

__all__ = [
    "CHECKPOINTS",
    "DEFAULT_MAX_BYTES",
    "BuildReport",
    "Change",
    "Library",
    "ManifestStamp",
    "Refusal",
    "UpdateReport",
    "UpdateStats",
    "Upload",
    "build_index",
    "build_snapshot",
    "corpus_documents",
    "document_id_for",
    "load_index",
    "manifest_stamp",
    "passage_terms_of",
    "request_catch_up",
    "update_pending",
    "update_snapshot",
    "validate_document_id",
    "writer_active",
]
