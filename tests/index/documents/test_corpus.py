from __future__ import annotations

from pathlib import Path

import pytest

from index.documents.corpus import Corpus, load_corpus
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
