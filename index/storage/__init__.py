"""The index on disk: immutable segments (vectors, chunks, documents, BM25 postings) named by
one commit and read as one snapshot, their merging, the passage cache, and the file
primitives (lock, atomic write) every writer uses."""

from index.storage.cache import CACHE_NAME, PassageCache, content_key
from index.storage.files import exclusive_lock, fsync_dir, write_atomic
from index.storage.lexical import LexicalIndex, LexicalPart, lexical_from_terms
from index.storage.merge import MergePolicy, merge_segments, plan_merge
from index.storage.snapshot import (
    FORMAT_VERSION,
    IndexManifest,
    IndexSnapshot,
    LiveSegment,
    TermsOf,
    check_compatible,
    create_snapshot,
    current_build,
    load_index,
    read_manifest,
    save_index,
)

__all__ = [
    "CACHE_NAME",
    "FORMAT_VERSION",
    "IndexManifest",
    "IndexSnapshot",
    "LexicalIndex",
    "LexicalPart",
    "LiveSegment",
    "MergePolicy",
    "PassageCache",
    "TermsOf",
    "check_compatible",
    "content_key",
    "create_snapshot",
    "current_build",
    "exclusive_lock",
    "fsync_dir",
    "lexical_from_terms",
    "load_index",
    "merge_segments",
    "plan_merge",
    "read_manifest",
    "save_index",
    "write_atomic",
]
