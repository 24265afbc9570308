from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest

from index.config import ChunkerConfig, VectorConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import normalise
from index.errors import IndexMismatchError, IndexNotFoundError
from index.storage.lexical import LexicalIndex, lexical_from_terms
from index.storage.snapshot import (
    IndexSnapshot,
    check_compatible,
    create_snapshot,
    load_index,
    read_manifest,
    save_index,
)
from index.storage.vectors import VectorSpec
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
LEXICAL = lexical_from_terms([11, 22, 33], [["alpha"], ["beta"], ["gamma"]])


def snapshot(**overrides: object) -> IndexSnapshot:
    args: dict[str, object] = {
        "model_id": "m", "chunker": ChunkerConfig().as_dict(), "corpus_hash": "h",
        "lexical": LEXICAL,
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


def test_save_swaps_current_and_prunes_old_builds(tmp_path: Path) -> None:
    first = save_index(snapshot(corpus_hash="one"), tmp_path)
    second = save_index(snapshot(corpus_hash="two"), tmp_path)
    assert os.readlink(tmp_path / "current") == f"builds/{second.name}"
    assert not first.exists()
    assert [p.name for p in (tmp_path / "builds").iterdir()] == [second.name]
    assert read_manifest(tmp_path).corpus_hash == "two"


def test_failed_save_keeps_previous_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    save_index(snapshot(corpus_hash="good"), tmp_path)

    def crash(*args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("index.storage.snapshot.faiss.write_index", crash)
    with pytest.raises(OSError, match="disk full"):
        save_index(snapshot(corpus_hash="bad"), tmp_path)
    assert read_manifest(tmp_path).corpus_hash == "good"
    assert load_index(tmp_path).manifest.chunk_count == 3
    assert len(list((tmp_path / "builds").iterdir())) == 1


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    with pytest.raises(IndexNotFoundError, match="Build one from the corpus: clustersearch build"):
        load_index(tmp_path / "nothing")


def test_corrupt_manifest_says_rebuild(tmp_path: Path) -> None:
    build = save_index(snapshot(), tmp_path)
    (build / "manifest.json").write_text("{not json")
    with pytest.raises(IndexNotFoundError, match=r"unreadable.*clustersearch build --force"):
        load_index(tmp_path)


def test_inconsistent_chunk_store_is_detected(tmp_path: Path) -> None:
    build = save_index(snapshot(), tmp_path)
    lines = (build / "chunks.jsonl").read_text().splitlines()
    (build / "chunks.jsonl").write_text("\n".join(lines[:2]) + "\n")
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


def test_vectors_must_match_chunks() -> None:
    with pytest.raises(ValueError, match="3 chunks but vectors of shape"):
        create_snapshot(
            CHUNKS, VECTORS[:2], [DOC], model_id="m", chunker={}, corpus_hash="h", lexical=LEXICAL
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
                           lexical=LEXICAL)  # fmt: skip
    assert snap.lexical.chunk_ids == (11, 22, 33)
    save_index(snap, tmp_path)
    assert (tmp_path / "current" / "bm25" / "lexical.json").is_file()
    loaded = load_index(tmp_path)
    assert loaded.chunks[11].regions == ("Sachsen",)
    gamma = query_analysis("gamma")
    assert loaded.lexical.scores(gamma) == snap.lexical.scores(gamma)
    assert loaded.lexical.scores(gamma)[33] > 0.0


def test_a_snapshot_needs_the_bm25_index_of_its_own_chunks() -> None:
    snap = snapshot()
    other = lexical_from_terms([11, 22], [["alpha"], ["beta"]])
    with pytest.raises(ValueError, match="covers 2 chunks, not the snapshot's 3"):
        IndexSnapshot(snap.manifest, snap.faiss_index, snap.chunks, snap.documents, other)


@pytest.mark.parametrize("damage", ["missing", "another analysis version", "other chunks"])
def test_a_build_without_a_usable_bm25_index_needs_a_rebuild(tmp_path: Path, damage: str) -> None:
    build = save_index(snapshot(), tmp_path)
    meta_path = build / "bm25" / "lexical.json"
    meta = json.loads(meta_path.read_text())
    if damage == "missing":
        meta_path.unlink()
    elif damage == "another analysis version":
        meta_path.write_text(json.dumps({**meta, "version": f"{meta['version']}-old"}))
    else:
        meta_path.write_text(json.dumps({**meta, "chunk_ids": [11, 22, 44]}))
    with pytest.raises(
        IndexMismatchError, match=r"no BM25 index of this analysis version.*--force"
    ):
        load_index(tmp_path)
    asked: list[tuple[list[int], list[str]]] = []

    def rebuild(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> LexicalIndex:
        asked.append(([c.id for c in chunks], sorted(documents)))
        return LEXICAL

    loaded = load_index(tmp_path, rebuild_lexical=rebuild)
    assert asked == [([11, 22, 33], ["d"])]
    assert loaded.lexical is LEXICAL


def test_old_format_is_refused_with_rebuild_message(tmp_path: Path) -> None:
    save_index(snapshot(), tmp_path)
    manifest = tmp_path / "current" / "manifest.json"
    manifest.write_text(manifest.read_text().replace('"format_version": 3', '"format_version": 1'))
    with pytest.raises(
        IndexMismatchError, match=r"format 1; this version reads formats 2 and 3.*--force"
    ):
        load_index(tmp_path)
    with pytest.raises(IndexMismatchError, match=r"format 1 \(this version reads 2 and 3\)"):
        check_compatible(read_manifest(tmp_path), model_id="m",
                         chunker=ChunkerConfig().as_dict(), index_dir=tmp_path)  # fmt: skip


def test_format_2_build_reads_as_exact(tmp_path: Path) -> None:
    """A build of format 2 has no `vectors` in its manifest and an exact IDMap2 index."""
    build = save_index(snapshot(), tmp_path)
    data = json.loads((build / "manifest.json").read_text())
    del data["vectors"]
    (build / "manifest.json").write_text(json.dumps({**data, "format_version": 2}))
    loaded = load_index(tmp_path)
    assert loaded.manifest.format_version == 2
    assert loaded.faiss_index.spec == VectorSpec()
    check_compatible(loaded.manifest, model_id="m", chunker=ChunkerConfig().as_dict(),
                     index_dir=tmp_path)  # fmt: skip
    assert loaded.faiss_index.search(VECTORS[2:3], 1)[1].tolist() == [[33]]


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
        lexical=lexical_from_terms([c.id for c in MANY], [[c.text] for c in MANY]),
        vector_config=SMALL,
    )  # fmt: skip
    assert snap.manifest.vectors == {"factory": "IVF4,SQ8", "nprobe": 2, "train_size": 256,
                                     "seed": 1234}  # fmt: skip
    save_index(snap, tmp_path)
    on_disk = json.loads((tmp_path / "current" / "manifest.json").read_text())
    assert on_disk["vectors"] == snap.manifest.vectors and on_disk["format_version"] == 3
    loaded = load_index(tmp_path, mmap=mmap)
    assert loaded.manifest == snap.manifest
    assert loaded.faiss_index.mapped is mmap
    assert loaded.faiss_index.faiss_index.nprobe == 2
    _, ids = loaded.faiss_index.search(MANY_VECTORS[:20], 1)
    assert ids[:, 0].tolist() == [c.id for c in MANY[:20]]
