"""What a search needs to know about a whole segment, made when the segment is written and
read with it: its rows by document language and by Land (the filters), and per language the
passage words and how many passages hold each (the word bridge).

Both would otherwise be found by reading every chunk of every segment when a snapshot is
first searched: at a million passages that took most of a restart. A segment never
changes, so its summary is made once, in the writing process, and is a few files beside
the segment's others::

    summary/rows.npy        the rows of each language and Land, one after the other
    summary/summary.json    which slice of rows.npy is which key, and the words per language

A segment written without a summary (by an earlier version) gets one made from its chunks
on first use (`Segment.summary`), as before.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
import numpy.typing as npt

from index.config import BridgeConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.text.analysis import fold, stem, stopwords

__all__ = [
    "SegmentSummary",
    "WordCounts",
    "passage_words",
    "read_summary",
    "summarise",
    "word_stems",
    "write_summary",
]

SUMMARY_DIR = "summary"
_ROWS = "rows.npy"
_META = "summary.json"
_WORD = re.compile(r"[^\W\d_]+")
MIN_WORD_CHARS = BridgeConfig().min_chars  # shorter passage words are not bridged

Rows = npt.NDArray[np.int64]


@dataclass(frozen=True)
class WordCounts:
    """A language's passage words (lower-cased), how many passages hold each, and the
    set of their stems in that language."""

    counts: Mapping[str, int]
    stems: frozenset[str]


@dataclass(frozen=True)
class SegmentSummary:
    """A segment's rows (ascending) by document language and by Land, and its words."""

    languages: Mapping[str, Rows]
    regions: Mapping[str, Rows]
    words: Mapping[str, WordCounts]


def passage_words(
    chunks: Iterable[Chunk], documents: Mapping[str, Document], min_chars: int = MIN_WORD_CHARS
) -> dict[str, Counter[str]]:
    """Per document language, how many of `chunks` hold each word (lower-cased, at least
    `min_chars` letters, no stop word)."""
    stops = stopwords()
    found: dict[str, Counter[str]] = {}
    for chunk in chunks:
        lang = documents[chunk.document_id].language
        held = {
            word.lower()
            for word in _WORD.findall(chunk.text)
            if len(word) >= min_chars and fold(word) not in stops
        }
        found.setdefault(lang, Counter()).update(held)
    return found


def word_stems(words: Iterable[str], lang: str) -> set[str]:
    """The stems of `words` in language `lang`."""
    return {stem(fold(w), lang) for w in words}


def summarise(chunks: Iterable[Chunk], documents: Mapping[str, Document]) -> SegmentSummary:
    """The summary of a segment whose rows are `chunks`, in order."""
    langs: dict[str, list[int]] = {}
    regions: dict[str, list[int]] = {}
    listed: list[Chunk] = []
    for row, chunk in enumerate(chunks):
        langs.setdefault(documents[chunk.document_id].language, []).append(row)
        for region in chunk.regions:
            regions.setdefault(region, []).append(row)
        listed.append(chunk)
    words = {
        lang: WordCounts(MappingProxyType(dict(df)), frozenset(word_stems(df, lang)))
        for lang, df in sorted(passage_words(listed, documents).items())
    }
    return SegmentSummary(_arrays(langs), _arrays(regions), MappingProxyType(words))


def write_summary(summary: SegmentSummary, segment_dir: Path) -> list[Path]:
    """Write `summary` into `segment_dir`/summary (created); returns the files written."""
    directory = segment_dir / SUMMARY_DIR
    directory.mkdir()
    keyed = [("languages", k, v) for k, v in summary.languages.items()]
    keyed += [("regions", k, v) for k, v in summary.regions.items()]
    slices: dict[str, dict[str, list[int]]] = {"languages": {}, "regions": {}}
    start = 0
    for kind, key, rows in keyed:
        slices[kind][key] = [start, start + len(rows)]
        start += len(rows)
    parts = [rows for _, _, rows in keyed]
    np.save(directory / _ROWS, np.concatenate(parts) if parts else np.zeros(0, np.int64))
    words = {
        lang: {"words": list(w.counts), "counts": list(w.counts.values()),
               "stems": sorted(w.stems)}
        for lang, w in summary.words.items()
    }  # fmt: skip
    meta = {**slices, "min_chars": MIN_WORD_CHARS, "words": words}
    (directory / _META).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    return [directory / _ROWS, directory / _META]


def read_summary(segment_dir: Path, *, mmap: bool = True) -> SegmentSummary | None:
    """The summary written with the segment in `segment_dir`; None when it has none or
    counted words of another least length than `MIN_WORD_CHARS` (then it is made anew).

    Raises OSError or ValueError when the files are there but unreadable."""
    directory = segment_dir / SUMMARY_DIR
    if not (directory / _META).exists():
        return None
    meta: dict[str, Any] = json.loads((directory / _META).read_text(encoding="utf-8"))
    if meta.get("min_chars") != MIN_WORD_CHARS:
        return None
    rows = np.load(directory / _ROWS, mmap_mode="r" if mmap else None)

    def sliced(kind: str) -> Mapping[str, Rows]:
        return MappingProxyType({k: rows[a:b] for k, (a, b) in meta[kind].items()})

    words = {
        lang: WordCounts(
            MappingProxyType(dict(zip(w["words"], w["counts"], strict=True))),
            frozenset(w["stems"]),
        )
        for lang, w in meta["words"].items()
    }
    return SegmentSummary(sliced("languages"), sliced("regions"), MappingProxyType(words))


def _arrays(lists: Mapping[str, list[int]]) -> Mapping[str, Rows]:
    return MappingProxyType(
        {key: np.asarray(rows, dtype=np.int64) for key, rows in sorted(lists.items())}
    )
