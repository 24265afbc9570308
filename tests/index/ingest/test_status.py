from __future__ import annotations

import fcntl
import os
from pathlib import Path

from index.documents.corpus import MANIFEST_NAME
from index.ingest.library import PENDING, UPDATE_LOCK
from index.ingest.status import manifest_stamp, request_catch_up, update_pending, writer_active


def test_manifest_stamp_changes_with_the_file(tmp_path: Path) -> None:
    assert manifest_stamp(tmp_path) is None
    manifest = tmp_path / MANIFEST_NAME
    manifest.write_text("# one\n", encoding="utf-8")
    first = manifest_stamp(tmp_path)
    assert first is not None and first[1] == 6
    os.utime(manifest, ns=(first[0] + 10**9, first[0] + 10**9))
    assert manifest_stamp(tmp_path) != first
    replacement = tmp_path / "new.toml"
    replacement.write_text("# one\n", encoding="utf-8")
    os.utime(replacement, ns=(first[0], first[0]))
    os.replace(replacement, manifest)  # same size and time, new inode
    stamp = manifest_stamp(tmp_path)
    assert stamp is not None and stamp[:2] == first[:2] and stamp != first


def test_pending_mark_and_catch_up_request(tmp_path: Path) -> None:
    index = tmp_path / "index"
    assert update_pending(index) is False
    request_catch_up(index)
    assert update_pending(index) is True
    assert (index / PENDING).read_bytes() == b"catch-up\n"


def test_writer_active_sees_a_held_lock(tmp_path: Path) -> None:
    assert writer_active(tmp_path / "none") is False
    assert writer_active(tmp_path) is False  # no lock file: nobody ever wrote
    (tmp_path / UPDATE_LOCK).touch()
    assert writer_active(tmp_path) is False
    with open(tmp_path / UPDATE_LOCK, "a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert writer_active(tmp_path) is True
        fcntl.flock(held, fcntl.LOCK_UN)
    assert writer_active(tmp_path) is False
