from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from index.config import ChunkerConfig, VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import normalise
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.snapshot import (
    IndexSnapshot,
    check_compatible,
    create_snapshot,
    load_index,
    read_manifest,
    save_index,
)
from index.text.analysis import query_analysis

DOC = Document(id="d", title="T", language="de", source="s.txt", text="alpha beta gamma",
               regions=("Sachsen",))  # fmt: skip
CHUNKS = [
    Chunk(id=11, document_id="d", ordinal=0, start=0, end=5, text="alpha", section=None),
    Chunk(id=22, document_id="d", ordinal=1, start=6, end=10, text="beta", section="S"),
    Chunk(id=33, document_id="d", ordinal=2, start=11, end=16, text="gamma", section="S"),
]
VECTORS = normalise(np.eye(3, 4, dtype=np.float32))
# The chunks' terms as the write path analyses them (storage takes terms, not text).
TERMS = [["alpha"], ["beta"], ["gamma"]]


def snapshot(**overrides: object) -> IndexSnapshot:
    args: dict[str, object] = {
        "model_id": "m", "chunker": ChunkerConfig().as_dict(), "corpus_hash": "h",
        "terms": TERMS,
    }  # fmt: skip
    args.update(overrides)
    return create_snapshot(CHUNKS, VECTORS, [DOC], **args)  # type: ignore[arg-type]


def test_round_trip(tmp_path: Path) -> None:
    save_index(snapshot(), tmp_path)
    loaded = load_index(tmp_path)
    assert loaded.manifest.model_id == "m"
    assert loaded.manifest.dim == 4
    assert loaded.manifest.chunk_count == 3
    assert loaded.manifest.document_count == 1
    assert loaded.manifest.corpus_hash == "h"
    assert "faiss" in loaded.manifest.versions
    assert dict(loaded.chunks) == {c.id: c for c in CHUNKS}
    assert loaded.documents["d"] == DOC
    scores, ids = loaded.faiss_index.search(VECTORS[1:2], 1)
    assert ids.tolist() == [[22]]
    assert scores[0, 0] == pytest.approx(1.0)


def test_save_swaps_current_and_prunes_old_commits_and_segments(tmp_path: Path) -> None:
    first = save_index(snapshot(corpus_hash="one"), tmp_path)
    old_segments = {p.name for p in (tmp_path / "segments").iterdir()}
    second_snap = snapshot(corpus_hash="two")
    second = save_index(second_snap, tmp_path)
    assert os.readlink(tmp_path / "current") == f"builds/{second.name}"
    assert not first.exists()
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [second.name]
    assert [p.name for p in (tmp_path / "segments").iterdir()] == [
        second_snap.segments[0].segment.name
    ]
    assert old_segments.isdisjoint({second_snap.segments[0].segment.name})
    assert read_manifest(tmp_path).corpus_hash == "two"


def test_a_saved_segment_is_not_written_again(tmp_path: Path) -> None:
    snap = snapshot()
    save_index(snap, tmp_path)
    segment_dir = tmp_path / "segments" / snap.segments[0].segment.name
    written = segment_dir.joinpath("chunks.jsonl").stat().st_mtime_ns
    second = save_index(IndexSnapshot(snap.manifest, snap.segments), tmp_path)
    assert segment_dir.joinpath("chunks.jsonl").stat().st_mtime_ns == written
    assert json.loads((second / "manifest.json").read_text())["segments"] == [
        {"name": segment_dir.name, "chunks": 3, "deleted": []}
    ]


def test_failed_save_keeps_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_index(snapshot(corpus_hash="good"), tmp_path)

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("index.storage.vectors.faiss.write_index", crash)
    with pytest.raises(OSError, match="disk full"):
        save_index(snapshot(corpus_hash="bad"), tmp_path)
    assert read_manifest(tmp_path).corpus_hash == "good"
    assert load_index(tmp_path).manifest.chunk_count == 3
    assert len(list((tmp_path / "builds").iterdir())) == 1
    assert len(list((tmp_path / "segments").iterdir())) == 1  # the half-written one is gone


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="Build one from the corpus: clustersearch build"):
        load_index(tmp_path / "nothing")


def test_corrupt_manifest_says_rebuild(tmp_path: Path) -> None:
    build = save_index(snapshot(), tmp_path)
    (build / "manifest.json").write_text("{not json")
    with pytest.raises(IndexNotFoundError, match=r"unreadable.*clustersearch build --force"):
        load_index(tmp_path)


def test_unreadable_segment_says_rebuild(tmp_path: Path) -> None:
    snap = snapshot()
    save_index(snap, tmp_path)
    (tmp_path / "segments" / snap.segments[0].segment.name / "chunks.jsonl").write_text("{")
    with pytest.raises(IndexNotFoundError, match=r"segment .* is unreadable.*build --force"):
        load_index(tmp_path)


def test_a_loaded_segment_reads_chunks_when_asked_and_its_stored_summary(
    tmp_path: Path,
) -> None:
    snap = snapshot()
    save_index(snap, tmp_path)
    segment = load_index(tmp_path).segments[0].segment
    assert type(segment.chunks).__name__ == "StoredRows"
    assert segment.stored_summary is not None
    assert segment.ids.tolist() == [11, 22, 33]
    assert segment.by_id[22] == CHUNKS[1] and 44 not in segment.by_id
    assert list(segment.by_id) == [11, 22, 33]
    assert segment.summary.languages["de"].tolist() == [0, 1, 2]


def test_a_segment_written_without_ids_offsets_or_summary_still_loads(tmp_path: Path) -> None:
    snap = snapshot()
    save_index(snap, tmp_path)
    directory = tmp_path / "segments" / snap.segments[0].segment.name
    for name in ("ids.npy", "chunks.jsonl.offsets.npy", "documents.jsonl.offsets.npy"):
        (directory / name).unlink()
    for path in (directory / "summary").iterdir():
        path.unlink()
    (directory / "summary").rmdir()
    loaded = load_index(tmp_path)
    segment = loaded.segments[0].segment
    assert segment.stored_summary is None
    assert segment.ids.tolist() == [11, 22, 33]
    assert dict(loaded.chunks) == {c.id: c for c in CHUNKS}
    assert loaded.documents["d"] == DOC
    assert segment.summary.languages["de"].tolist() == [0, 1, 2]
    assert dict(segment.summary.words["de"].counts) == {"alpha": 1, "beta": 1, "gamma": 1}


def test_a_truncated_chunk_id_file_says_rebuild(tmp_path: Path) -> None:
    snap = snapshot()
    save_index(snap, tmp_path)
    (tmp_path / "segments" / snap.segments[0].segment.name / "ids.npy").write_bytes(b"\x93NUMPY")
    with pytest.raises(IndexNotFoundError, match=r"chunk ids .* unreadable.*build --force"):
        load_index(tmp_path)


def test_inconsistent_commit_is_detected(tmp_path: Path) -> None:
    build = save_index(snapshot(), tmp_path)
    data = json.loads((build / "manifest.json").read_text())
    (build / "manifest.json").write_text(json.dumps({**data, "chunk_count": 4}))
    with pytest.raises(IndexNotFoundError, match="inconsistent"):
        load_index(tmp_path)


def test_mismatched_model_or_chunker_says_rebuild(tmp_path: Path) -> None:
    manifest = snapshot().manifest
    check_compatible(manifest, model_id="m", chunker=ChunkerConfig().as_dict(), index_dir=tmp_path)
    with pytest.raises(IndexMismatchError, match=r"model 'm' \(settings say 'other'\).*--force"):
        check_compatible(
            manifest, model_id="other", chunker=ChunkerConfig().as_dict(), index_dir=tmp_path
        )
    with pytest.raises(IndexMismatchError, match="chunker"):
        check_compatible(
            manifest,
            model_id="m",
            chunker=ChunkerConfig(chunk_size=300).as_dict(),
            index_dir=tmp_path,
        )


def test_vectors_and_terms_must_match_chunks() -> None:
    with pytest.raises(ValueError, match="3 chunks but vectors of shape"):
        create_snapshot(
            CHUNKS, VECTORS[:2], [DOC], model_id="m", chunker={}, corpus_hash="h", terms=TERMS
        )
    with pytest.raises(ValueError, match="3 chunks, 2 term lists"):
        create_snapshot(
            CHUNKS, VECTORS, [DOC], model_id="m", chunker={}, corpus_hash="h", terms=TERMS[:2]
        )


def test_snapshot_carries_bm25_and_regions_round_trip(tmp_path: Path) -> None:
    tagged = [
        Chunk(
            id=11,
            document_id="d",
            ordinal=0,
            start=0,
            end=5,
            text="alpha",
            section=None,
            regions=("Sachsen",),
        ),
        *CHUNKS[1:],
    ]
    snap = create_snapshot(tagged, VECTORS, [DOC], model_id="m",
                           chunker=ChunkerConfig().as_dict(), corpus_hash="h",
                           terms=TERMS)  # fmt: skip
    assert snap.lexical.chunk_ids == (11, 22, 33)
    save_index(snap, tmp_path)
    loaded = load_index(tmp_path)
    assert loaded.chunks[11].regions == ("Sachsen",)
    gamma = query_analysis("gamma")
    assert loaded.lexical.scores(gamma) == snap.lexical.scores(gamma)
    assert loaded.lexical.scores(gamma)[33] > 0.0


def test_old_format_is_refused_with_rebuild_message(tmp_path: Path) -> None:
    save_index(snapshot(), tmp_path)
    manifest = tmp_path / "current" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 4', '"format_version": 3'))
    with pytest.raises(
        IndexMismatchError, match=r"format 3; this version reads formats 4.*--force"
    ):
        load_index(tmp_path)
    with pytest.raises(IndexMismatchError, match=r"format 3 \(this version reads 4\)"):
        check_compatible(read_manifest(tmp_path), model_id="m",
                         chunker=ChunkerConfig().as_dict(), index_dir=tmp_path)  # fmt: skip


MANY_DOC = Document(id="many", title="M", language="en", source="m.txt",
                    text=" ".join(f"w{i:03d}" for i in range(300)))  # fmt: skip
MANY = [
    Chunk(
        id=100 + i,
        document_id="many",
        ordinal=i,
        start=5 * i,
        end=5 * i + 4,
        text=f"w{i:03d}",
        section=None,
    )
    for i in range(300)
]
MANY_VECTORS = normalise(np.random.default_rng(3).standard_normal((300, 8)).astype(np.float32))
SMALL = VectorConfig(exact_max=100, nprobe=2)


@pytest.mark.parametrize("mmap", [True, False])
def test_approximate_index_round_trips_with_its_manifest(tmp_path: Path, mmap: bool) -> None:
    snap = create_snapshot(
        MANY, MANY_VECTORS, [MANY_DOC], model_id="m", chunker={}, corpus_hash="h",
        terms=[[c.text] for c in MANY],
        vector_config=SMALL,
    )  # fmt: skip
    assert snap.manifest.vectors == {"factory": "IVF4,SQ8", "nprobe": 2, "train_size": 256,
                                     "seed": 1234}  # fmt: skip
    save_index(snap, tmp_path)
    on_disk = json.loads((tmp_path / "current" / "manifest.json").read_text())
    assert on_disk["vectors"] == snap.manifest.vectors and on_disk["format_version"] == 4
    loaded = load_index(tmp_path, mmap=mmap)
    assert loaded.manifest == snap.manifest
    vectors = loaded.segments[0].segment.vectors
    assert vectors.mapped is mmap
    assert vectors.faiss_index.nprobe == 2
    _, ids = loaded.faiss_index.search(MANY_VECTORS[:20], 1)
    assert ids[:, 0].tolist() == [c.id for c in MANY[:20]]
