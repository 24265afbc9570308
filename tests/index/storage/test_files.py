"""The writers' file primitives: the exclusive lock and whole-or-nothing writes."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from index.storage import files
from index.storage.files import exclusive_lock, fsync_dir, fsync_file, is_temporary, write_atomic

_HOLD = """
import sys, time
from pathlib import Path
from index.storage.files import exclusive_lock
with exclusive_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(float(sys.argv[2]))
    Path(sys.argv[3]).write_text("done")
"""


def _hold(lock: Path, seconds: float, marker: Path) -> subprocess.Popen[str]:
    """Another process that holds `lock` for `seconds`, then writes `marker` and lets go."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(lock), str(seconds), str(marker)],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_process_waits_for_the_lock(tmp_path: Path) -> None:
    lock, marker = tmp_path / ".lock", tmp_path / "done"
    holder = _hold(lock, 1.5, marker)
    with exclusive_lock(lock):
        assert marker.read_text() == "done"  # we got the lock only once the holder let go
    holder.wait(timeout=30)


def test_a_killed_holder_releases_the_lock(tmp_path: Path) -> None:
    lock, marker = tmp_path / ".lock", tmp_path / "done"
    holder = _hold(lock, 3600, marker)
    holder.kill()
    holder.wait(timeout=30)
    with exclusive_lock(lock):
        assert not marker.exists()


def test_threads_take_turns(tmp_path: Path) -> None:
    inside: list[int] = []
    overlaps: list[int] = []

    def work() -> None:
        with exclusive_lock(tmp_path / ".lock"):
            inside.append(1)
            overlaps.append(len(inside))
            time.sleep(0.02)
            inside.pop()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert overlaps == [1, 1, 1, 1]


def test_write_atomic_replaces_the_file_whole(tmp_path: Path) -> None:
    target = tmp_path / "manifest.toml"
    write_atomic(target, b"first\n")
    write_atomic(target, b"second\n")
    assert target.read_bytes() == b"second\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.toml"]


def test_a_failed_write_keeps_the_old_file_and_leaves_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "manifest.toml"
    write_atomic(target, b"old\n")

    def crash(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(files.os, "replace", crash)
    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, b"new\n")
    assert target.read_bytes() == b"old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["manifest.toml"]


def test_temporaries_are_recognised_by_name(tmp_path: Path) -> None:
    name = f".manifest.toml.{os.getpid()}.tmp"
    assert is_temporary(name)
    assert not is_temporary("manifest.toml")
    assert not is_temporary(".update.lock")
    assert not is_temporary("x.tmp")


def test_fsync_of_files_and_folders(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x")
    fsync_file(tmp_path / "a")
    fsync_dir(tmp_path)
    with pytest.raises(FileNotFoundError):
        fsync_dir(tmp_path / "missing")
