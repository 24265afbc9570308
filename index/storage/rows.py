"""Records kept one JSON object per line, read one line at a time when asked for.

A segment's chunks and documents are such files. Parsing every line when a segment is
opened cost most of a restart at a million passages (and their memory); a search reads a
few dozen of them. So the file is memory-mapped, `offsets` says where each line starts,
and a record is parsed when it is first looked up (and kept in a small cache, since the
same passages and documents are asked for again and again).

`offsets` is written beside the file (`write_rows`); for a file written without it, the
lines are found by one scan for newline bytes (JSON escapes a newline inside a string, so
every raw newline ends a record).
"""

from __future__ import annotations

import json
import mmap
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar, overload

import numpy as np
import numpy.typing as npt

from index.errors import IndexNotFoundError

__all__ = ["StoredMapping", "StoredRows", "offsets_path", "write_rows"]

T = TypeVar("T")
Offsets = npt.NDArray[np.int64]
CACHED = 4096  # records kept parsed per file; a query reads at most a few hundred


def offsets_path(path: Path) -> Path:
    """Where the line offsets of the records file `path` are kept."""
    return path.with_name(path.name + ".offsets.npy")


def write_rows(path: Path, rows: Iterable[dict[str, Any]]) -> list[Path]:
    """Write `rows` as JSON lines to `path` and their start offsets (one more: the end) to
    `offsets_path(path)`; returns both paths."""
    starts = [0]
    with open(path, "wb") as fh:
        for row in rows:
            line = (json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8")
            fh.write(line)
            starts.append(starts[-1] + len(line))
    np.save(offsets_path(path), np.asarray(starts, dtype=np.int64))
    return [path, offsets_path(path)]


class StoredRows(Sequence[T]):
    """The records of a JSON-lines file as a sequence: item `i` is line `i`, made by
    `parse` from its JSON object on first access."""

    def __init__(self, path: Path, parse: Callable[[dict[str, Any]], T]) -> None:
        self._parse = parse
        with open(path, "rb") as fh:
            size = fh.seek(0, 2)
            self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._offsets = _offsets(path, self._map)
        if self._offsets[-1] != size:
            raise ValueError(f"{path} has {size} bytes, its offsets end at {self._offsets[-1]}")
        self._path = path
        self._cache: OrderedDict[int, T] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(f"row {index} of {len(self)}")
        return self._row(index)

    def __iter__(self) -> Iterator[T]:
        """Every record in order (parsed afresh, not cached: a full pass would flush it)."""
        for i in range(len(self)):
            yield self._parse(self._load(i))

    def _row(self, i: int) -> T:
        with self._lock:
            found = self._cache.get(i)
            if found is not None:
                self._cache.move_to_end(i)
                return found
        made = self._parse(self._load(i))
        with self._lock:
            self._cache[i] = made
            if len(self._cache) > CACHED:
                self._cache.popitem(last=False)
        return made

    def _load(self, i: int) -> dict[str, Any]:
        assert self._map is not None  # a non-empty file when there are rows
        start, stop = int(self._offsets[i]), int(self._offsets[i + 1])
        try:
            row: dict[str, Any] = json.loads(self._map[start:stop])
        except ValueError as exc:
            raise IndexNotFoundError(
                f"Record {i} of {self._path} is unreadable ({exc}). "
                "Rebuild the index: clustersearch build --force"
            ) from exc
        return row


class StoredMapping(Mapping[str, T]):
    """Records of a JSON-lines file by key: `keys[i]` names line `i`."""

    def __init__(self, rows: StoredRows[T], keys: Sequence[str]) -> None:
        if len(rows) != len(keys):
            raise ValueError(f"{len(keys)} keys for {len(rows)} records")
        self._rows = rows
        self._place = {k: i for i, k in enumerate(keys)}

    def __getitem__(self, key: str) -> T:
        return self._rows[self._place[key]]

    def __contains__(self, key: object) -> bool:
        return key in self._place

    def __iter__(self) -> Iterator[str]:
        return iter(self._place)

    def __len__(self) -> int:
        return len(self._place)


def _offsets(path: Path, mapped: mmap.mmap | None) -> Offsets:
    stored = offsets_path(path)
    if stored.exists():
        return np.asarray(np.load(stored), dtype=np.int64)
    if mapped is None:
        return np.zeros(1, dtype=np.int64)
    ends = np.flatnonzero(np.frombuffer(mapped, dtype=np.uint8) == 10) + 1
    if len(ends) == 0 or ends[-1] != len(mapped):
        ends = np.append(ends, len(mapped))
    return np.concatenate([[0], ends]).astype(np.int64)
