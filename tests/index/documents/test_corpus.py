from __future__ import annotations

import dataclasses
import hashlib
import pickle
from pathlib import Path
from typing import Any

import pytest

import index.documents.corpus as corpus_module
from index.documents.corpus import Corpus, Document, load_corpus
from index.errors import CorpusError

ENTRY = """
[[documents]]
id = "{id}"
file = "{file}"
title = "T {id}"
language = "de"
source = "{file}"
"""


def make_corpus(root: Path, files: dict[str, str], entries: list[tuple[str, str]]) -> Path:
    (root / "documents").mkdir(parents=True)
    for name, text in files.items():
        (root / "documents" / name).write_text(text, encoding="utf-8")
    manifest = "".join(ENTRY.format(id=i, file=f) for i, f in entries)
    (root / "manifest.toml").write_text(manifest, encoding="utf-8")
    return root


def test_seed_corpus_loads_with_manifest_metadata(seed_corpus: Corpus) -> None:
    ids = [d.id for d in seed_corpus.documents]
    assert ids == ["000_845843b92d703299", "001_2d85a1c0382ad4fa", "002_ef865dbee6ab942a"]
    assert [d.language for d in seed_corpus.documents] == ["en", "en", "de"]
    biocon = seed_corpus.documents[0]
    assert biocon.regions == ("Mecklenburg-Vorpommern",)
    assert biocon.organisation == "BioCon Valley GmbH"
    assert biocon.source == "000_845843b92d703299.txt"
    assert len(seed_corpus.documents[2].regions) == 16
    assert seed_corpus.documents[2].organisation is None


def test_document_text_is_the_file_text(seed_corpus: Corpus) -> None:
    path = Path(__file__).resolve().parents[3] / "corpus/documents/002_ef865dbee6ab942a.txt"
    assert seed_corpus.documents[2].text == path.read_text(encoding="utf-8")


def test_content_hash_changes_with_text(tmp_path: Path) -> None:
    a = load_corpus(make_corpus(tmp_path / "a", {"x.txt": "eins"}, [("x", "x.txt")]))
    b = load_corpus(make_corpus(tmp_path / "b", {"x.txt": "zwei"}, [("x", "x.txt")]))
    again = load_corpus(tmp_path / "a")
    assert a.content_hash == again.content_hash
    assert a.content_hash != b.content_hash


def test_unlisted_file_is_named(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a", "stray.txt": "b"}, [("x", "x.txt")])
    with pytest.raises(CorpusError, match=r"does not list: stray\.txt"):
        load_corpus(root)


def test_entry_without_file_names_both(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a"}, [("x", "x.txt"), ("gone", "gone.txt")])
    with pytest.raises(CorpusError, match=r"entry gone names gone\.txt, but .*gone\.txt does not"):
        load_corpus(root)


def test_missing_manifest(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match="No corpus manifest"):
        load_corpus(tmp_path)


def test_invalid_toml(tmp_path: Path) -> None:
    (tmp_path / "documents").mkdir()
    (tmp_path / "manifest.toml").write_text("[[documents]\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="not valid TOML"):
        load_corpus(tmp_path)


def test_missing_required_key(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a"}, [("x", "x.txt")])
    text = (root / "manifest.toml").read_text().replace('title = "T x"\n', "")
    (root / "manifest.toml").write_text(text)
    with pytest.raises(CorpusError, match=r"entry 1 \(x\) lacks title"):
        load_corpus(root)


def test_duplicate_ids(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a", "y.txt": "b"}, [("x", "x.txt"), ("x", "y.txt")])
    with pytest.raises(CorpusError, match="id listed more than once: x"):
        load_corpus(root)


def test_path_in_file_name_is_refused(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a"}, [("x", "../x.txt")])
    with pytest.raises(CorpusError, match="give a bare file name"):
        load_corpus(root)


def test_bad_language_code(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "a"}, [("x", "x.txt")])
    text = (root / "manifest.toml").read_text().replace('language = "de"', 'language = "German"')
    (root / "manifest.toml").write_text(text)
    with pytest.raises(CorpusError, match="ISO 639-1"):
        load_corpus(root)


def test_empty_document(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "  \n"}, [("x", "x.txt")])
    with pytest.raises(CorpusError, match="is empty"):
        load_corpus(root)


def test_sha256_is_hashed_once_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    hashed: list[bytes] = []
    real = hashlib.sha256

    def counting(data: bytes = b"") -> Any:
        if b"\x00" not in data:  # `content_hash` hashes the fingerprints (NUL-ended parts)
            hashed.append(data)
        return real(data)

    monkeypatch.setattr(corpus_module.hashlib, "sha256", counting)
    doc = Document(id="x", title="T", language="de", source="x.txt", text="Grüße")
    assert hashed == []
    assert doc.sha256 == real("Grüße".encode()).hexdigest()
    assert doc.sha256 == real("Grüße".encode()).hexdigest()
    assert Corpus((doc, doc)).content_hash == Corpus((doc, doc)).content_hash
    assert hashed == ["Grüße".encode()]
    other = dataclasses.replace(doc, text="anders")
    assert other.sha256 == real(b"anders").hexdigest()
    assert hashed == ["Grüße".encode(), b"anders"]


def test_the_kept_hash_is_no_field() -> None:
    doc = Document(id="x", title="T", language="de", source="x.txt", text="eins")
    fresh = Document(id="x", title="T", language="de", source="x.txt", text="eins")
    assert doc.sha256 == fresh.sha256  # one hashed before it is compared, one not
    hashed_fresh = Document(id="x", title="T", language="de", source="x.txt", text="eins")
    assert doc == hashed_fresh and hash(doc) == hash(hashed_fresh)
    assert repr(doc) == repr(hashed_fresh) and "sha256" not in repr(doc)
    assert [f.name for f in dataclasses.fields(doc)] == [
        "id", "title", "language", "source", "text", "regions", "organisation", "pages"
    ]  # fmt: skip
    assert dataclasses.replace(doc, title="U") != doc
    assert pickle.loads(pickle.dumps(doc)) == doc


def test_a_given_manifest_text_is_the_one_read(tmp_path: Path) -> None:
    root = make_corpus(tmp_path, {"x.txt": "eins", "y.txt": "zwei"}, [("x", "x.txt")])
    listed_both = ENTRY.format(id="x", file="x.txt") + ENTRY.format(id="y", file="y.txt")
    corpus = load_corpus(root, listed_both)
    assert [(d.id, d.text) for d in corpus.documents] == [("x", "eins"), ("y", "zwei")]
    with pytest.raises(CorpusError, match=r"does not list: y\.txt"):
        load_corpus(root)


def test_content_hash_is_stable_and_covers_every_field() -> None:
    """The hash is written into every index (`corpus_hash`): its value must not drift."""
    full = Document("a", "T", "de", "s", "Text ä.", ("Bayern", "Berlin"), "Org", (0, 3))
    docs = (full, Document("b", "U", "en", "t", "Other."))
    expected = "b37a14a3940aa89d21bf987812e0aaf12a48d737656d83808252d3034191e0ec"
    assert Corpus(docs).content_hash == expected
    assert full.fingerprint == "\x00".join(
        ["a", "T", "de", "s", "Bayern|Berlin", "Org", full.sha256, "0,3", ""]
    ).encode("utf-8")
    for change in ({"title": "X"}, {"regions": ()}, {"organisation": None}, {"pages": ()}):
        assert Corpus((dataclasses.replace(full, **change), docs[1])).content_hash != expected
