"""A segment's summary: rows by language and Land, words per language; written and read."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.storage.summary import (
    passage_words,
    read_summary,
    summarise,
    word_stems,
    write_summary,
)

DOCS = {
    "de": Document(id="de", title="t", language="de", source="s", text="x"),
    "en": Document(id="en", title="t", language="en", source="s", text="x"),
}
CHUNKS = [
    Chunk(11, "de", 0, 0, 1, "Die Cluster fördern Cluster und Netzwerke", None, ("Sachsen",)),
    Chunk(22, "en", 0, 0, 1, "Clusters support networks in 2024", None, ()),
    Chunk(33, "de", 1, 0, 1, "Netzwerke der Region", None, ("Bayern", "Sachsen")),
]


def test_summarise_lists_rows_and_counts_words_once_per_passage() -> None:
    summary = summarise(CHUNKS, DOCS)
    assert {k: v.tolist() for k, v in summary.languages.items()} == {"de": [0, 2], "en": [1]}
    assert {k: v.tolist() for k, v in summary.regions.items()} == {
        "Bayern": [2],
        "Sachsen": [0, 2],
    }
    assert dict(summary.words["de"].counts) == {
        "cluster": 1, "fördern": 1, "netzwerke": 2, "region": 1,
    }  # fmt: skip
    assert dict(summary.words["en"].counts) == {"clusters": 1, "support": 1, "networks": 1}
    german = ["cluster", "fördern", "netzwerke", "region"]
    assert summary.words["de"].stems == frozenset(word_stems(german, "de"))
    assert passage_words(CHUNKS, DOCS)["de"] == summary.words["de"].counts


@pytest.mark.parametrize("mmap", [True, False])
def test_written_summary_reads_back_equal(tmp_path: Path, mmap: bool) -> None:
    summary = summarise(CHUNKS, DOCS)
    written = write_summary(summary, tmp_path)
    assert [p.name for p in written] == ["rows.npy", "summary.json"]
    read = read_summary(tmp_path, mmap=mmap)
    assert read is not None
    assert {k: v.tolist() for k, v in read.languages.items()} == {"de": [0, 2], "en": [1]}
    assert {k: v.tolist() for k, v in read.regions.items()} == {"Bayern": [2], "Sachsen": [0, 2]}
    assert {k: dict(v.counts) for k, v in read.words.items()} == {
        k: dict(v.counts) for k, v in summary.words.items()
    }
    assert read.words["en"].stems == summary.words["en"].stems


def test_empty_segment_summary_round_trips(tmp_path: Path) -> None:
    write_summary(summarise([], {}), tmp_path)
    read = read_summary(tmp_path)
    assert read is not None
    assert dict(read.languages) == {} and dict(read.regions) == {} and dict(read.words) == {}


def test_no_summary_or_another_word_length_reads_as_none(tmp_path: Path) -> None:
    assert read_summary(tmp_path) is None
    write_summary(summarise(CHUNKS, DOCS), tmp_path)
    meta_path = tmp_path / "summary" / "summary.json"
    meta = json.loads(meta_path.read_text())
    meta_path.write_text(json.dumps({**meta, "min_chars": 3}))
    assert read_summary(tmp_path) is None
