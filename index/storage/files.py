"""File primitives of every writer: an exclusive lock, whole-or-nothing writes, durable renames.

A write that must survive a crash goes to a hidden temporary beside its target
(`.NAME.PID.tmp`), is flushed to disk, renamed over the target (atomic on POSIX), and then
the folder is flushed so the rename itself is durable. A crash leaves either the old file
or the new one, and at worst a temporary that `is_temporary` recognises.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from pathlib import Path

__all__ = ["exclusive_lock", "fsync_dir", "fsync_file", "is_temporary", "write_atomic"]


@contextlib.contextmanager
def exclusive_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive `flock` on `path` (created if missing) while the block runs.

    Other processes, and other threads that open the file themselves, wait until it is
    released; the kernel releases it when a holder dies, so a killed writer never leaves
    a stale lock. `flock` belongs to the open file, not the process: taking the lock of
    the same path again inside the block (a second `open`) waits for ever. Code that must
    hold two locks at once uses two files, always taken in the same order.
    """
    with open(path, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def write_atomic(path: Path, data: bytes) -> None:
    """Write `path` whole or not at all: a hidden temporary, fsync, rename, fsync the folder."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    fsync_dir(path.parent)


def is_temporary(name: str) -> bool:
    """Whether a file name is of the kind `write_atomic` writes first (hidden, `.tmp`)."""
    return name.startswith(".") and name.endswith(".tmp")


def fsync_file(path: Path) -> None:
    """Flush a file that is already written (and closed) to disk."""
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def fsync_dir(path: Path) -> None:
    """Flush a folder's entries to disk, so files created or renamed in it stay after a crash."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
