"""Whether an index reflects its committed corpus, as a process that serves it can tell.

A write (`Library`) holds the update lock and leaves the pending mark until its index build is
current; a writer killed half-way leaves the mark behind with nobody holding the lock. A
manifest changed by other means (by hand, by a checkout) has a new stamp. A serving process
checks these cheaply (a stat, an `exists`, a non-blocking lock probe) and, when its index is
behind, calls `request_catch_up` and then `Library.recover()`, which brings the index up to
the manifest, re-using the cached embeddings.
"""

from __future__ import annotations

import fcntl
from pathlib import Path

from index.documents.corpus import MANIFEST_NAME
from index.ingest.library import PENDING, UPDATE_LOCK
from index.storage.files import write_atomic

__all__ = [
    "ManifestStamp",
    "manifest_stamp",
    "request_catch_up",
    "update_pending",
    "writer_active",
]

# (modification time in ns, size, inode): a manifest replaced by a write gets a new inode.
ManifestStamp = tuple[int, int, int]


def manifest_stamp(corpus_dir: Path) -> ManifestStamp | None:
    """The manifest's stamp (None when there is none); it changes whenever the file does."""
    try:
        stat = (corpus_dir / MANIFEST_NAME).stat()
    except FileNotFoundError:
        return None
    return stat.st_mtime_ns, stat.st_size, stat.st_ino


def update_pending(index_dir: Path) -> bool:
    """Whether an update is pending: running now, or interrupted (see `writer_active`)."""
    return (index_dir / PENDING).exists()


def writer_active(index_dir: Path) -> bool:
    """Whether a writer (of any process, this one included) holds the update lock now."""
    path = index_dir / UPDATE_LOCK
    if not path.exists():
        return False
    with open(path, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def request_catch_up(index_dir: Path) -> None:
    """Mark the index as behind its manifest: the next `Library.recover()` (or write) brings it
    up to the manifest. For a manifest that changed without a write of the `Library`."""
    index_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(index_dir / PENDING, b"catch-up\n")
