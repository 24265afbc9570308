"""JSON-lines records read one line at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest

from index.errors import IndexNotFoundError
from index.storage.rows import CACHED, StoredMapping, StoredRows, offsets_path, write_rows

ROWS = [{"n": 1, "s": "a\nb"}, {"n": 2, "s": "Grüße \u2028 ok"}, {"n": 3, "s": ""}]


def _ident(row: dict[str, Any]) -> dict[str, Any]:
    return row


def test_written_rows_read_back_by_index_slice_and_iteration(tmp_path: Path) -> None:
    written = write_rows(tmp_path / "r.jsonl", iter(ROWS))
    assert written == [tmp_path / "r.jsonl", tmp_path / "r.jsonl.offsets.npy"]
    rows = StoredRows(tmp_path / "r.jsonl", _ident)
    assert len(rows) == 3
    assert rows[1] == ROWS[1] and rows[-1] == ROWS[2]
    assert rows[0:2] == ROWS[:2] and rows[::2] == [ROWS[0], ROWS[2]]
    assert list(rows) == ROWS
    assert rows[1] is rows[1]  # parsed once, then cached
    with pytest.raises(IndexError):
        rows[3]


def test_rows_without_offsets_are_found_by_newlines(tmp_path: Path) -> None:
    write_rows(tmp_path / "r.jsonl", iter(ROWS))
    offsets_path(tmp_path / "r.jsonl").unlink()
    rows = StoredRows(tmp_path / "r.jsonl", _ident)
    assert list(rows) == ROWS


def test_empty_file_has_no_rows(tmp_path: Path) -> None:
    write_rows(tmp_path / "r.jsonl", iter([]))
    assert len(StoredRows(tmp_path / "r.jsonl", _ident)) == 0
    offsets_path(tmp_path / "r.jsonl").unlink()
    assert list(StoredRows(tmp_path / "r.jsonl", _ident)) == []


def test_a_file_that_does_not_match_its_offsets_is_refused(tmp_path: Path) -> None:
    write_rows(tmp_path / "r.jsonl", iter(ROWS))
    (tmp_path / "r.jsonl").write_text("{")
    with pytest.raises(ValueError, match="has 1 bytes, its offsets end at"):
        StoredRows(tmp_path / "r.jsonl", _ident)


def test_a_broken_record_says_rebuild(tmp_path: Path) -> None:
    (tmp_path / "r.jsonl").write_text('{"n": 1}\n{"n": \n')
    rows = StoredRows(tmp_path / "r.jsonl", _ident)
    assert rows[0] == {"n": 1}
    with pytest.raises(IndexNotFoundError, match=r"Record 1 of .* build --force"):
        rows[1]


def test_cache_keeps_the_most_recent_records(tmp_path: Path) -> None:
    write_rows(tmp_path / "r.jsonl", ({"n": i} for i in range(CACHED + 2)))
    rows = StoredRows(tmp_path / "r.jsonl", _ident)
    first = rows[0]
    for i in range(1, CACHED + 1):
        rows[i]
    assert rows[0] is not first  # evicted, parsed again
    assert rows[0] == first
    recent = rows[CACHED]
    assert rows[CACHED] is recent


def test_mapping_by_key(tmp_path: Path) -> None:
    write_rows(tmp_path / "r.jsonl", iter(ROWS))
    by_key = StoredMapping(StoredRows(tmp_path / "r.jsonl", _ident), ["x", "y", "z"])
    assert list(by_key) == ["x", "y", "z"] and len(by_key) == 3
    assert by_key["z"] == ROWS[2] and "y" in by_key and "w" not in by_key
    assert by_key.get("w") is None
    with pytest.raises(ValueError, match="2 keys for 3 records"):
        StoredMapping(StoredRows(tmp_path / "r.jsonl", _ident), ["x", "y"])
    assert np.load(offsets_path(tmp_path / "r.jsonl")).tolist()[0] == 0
