"""A write reuses the corpus it last read or wrote while the manifest's text is unchanged,
and reads it again when another process or a person changed the manifest."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest
import tomlkit

import index.ingest.manifest as manifest_module
from index.config import ChunkerConfig
from index.documents.corpus import Corpus, load_corpus
from index.embedding.base import Embedder
from index.ingest.library import Library
from index.ingest.manifest import read_corpus
from index.ingest.uploads import Upload
from index.storage.snapshot import load_index
from tests.conftest import SEED_CORPUS
from tests.index.documents.test_chunk import NBSP_DOCUMENT
from tests.ingest_samples import HTML, MARKDOWN, copy_tree, markdown_table

SEED_IDS = ["000_845843b92d703299", "001_2d85a1c0382ad4fa", "002_ef865dbee6ab942a"]


@pytest.fixture
def dirs(tmp_path: Path, seed_index_dir: Path) -> tuple[Path, Path]:
    """A copy of the seed corpus and its built index."""
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    return corpus, copy_tree(seed_index_dir, tmp_path / "index")


@pytest.fixture
def loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The corpus directories read in full (manifest parsed, every document file read)."""
    calls: list[Path] = []
    real = manifest_module.load_corpus

    def counting(corpus_dir: Path, source: str | None = None, **parsed: Any) -> Corpus:
        calls.append(corpus_dir)
        return real(corpus_dir, source, **parsed)

    monkeypatch.setattr(manifest_module, "load_corpus", counting)
    return calls


def _library(dirs: tuple[Path, Path], embedder: Embedder) -> Library:
    return Library(dirs[0], dirs[1], embedder, ChunkerConfig())


def _ids(corpus_dir: Path) -> list[str]:
    return [d.id for d in load_corpus(corpus_dir).documents]


def test_successive_writes_read_the_corpus_once(
    dirs: tuple[Path, Path], embedder: Embedder, loads: list[Path]
) -> None:
    library = _library(dirs, embedder)
    md = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].id
    html = library.add([Upload(HTML.encode(), "optence.html")]).changes[0].id
    changed = HTML.replace("one hundred", "two hundred").encode()
    assert library.replace(html, Upload(changed, "optence.html")).changes[0].status == "replaced"
    library.remove(md)
    again = library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    assert [(c.status, c.id) for c in again.changes] == [("added", md)]
    assert loads == [dirs[0]]
    assert library.documents() == read_corpus(dirs[0]).documents
    assert [d.id for d in library.documents()] == [*SEED_IDS, html, md]
    assert loads == [dirs[0], dirs[0]]  # the second one is `read_corpus` above


def test_a_write_sees_what_another_library_wrote(
    dirs: tuple[Path, Path], embedder: Embedder, loads: list[Path]
) -> None:
    first, second = _library(dirs, embedder), _library(dirs, embedder)
    md = first.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].id
    html = second.add([Upload(HTML.encode(), "optence.html")]).changes[0].id
    assert len(loads) == 2
    again = first.add([Upload(HTML.encode(), "copy.html")])
    assert [(c.status, c.duplicate_of) for c in again.changes] == [("duplicate", html)]
    assert len(loads) == 3  # `first` read the corpus `second` wrote, once
    first.remove(html)
    assert _ids(dirs[0]) == [*SEED_IDS, md]
    assert set(load_index(dirs[1]).documents) == {*SEED_IDS, md}
    assert [d.id for d in second.documents()] == [*SEED_IDS, md]
    assert len(loads) == 4


def test_a_hand_edit_between_two_writes_is_kept(
    dirs: tuple[Path, Path], embedder: Embedder
) -> None:
    library = _library(dirs, embedder)
    library.add([Upload(MARKDOWN.encode(), "hzwo.md")])
    path = dirs[0] / "manifest.toml"
    old_title = 'title = "Cluster Policy in Baden-Württemberg: the Cluster Dialogue"'
    edited = path.read_text(encoding="utf-8").replace(
        old_title, '# checked by hand\ntitle = "Cluster Dialogue (edited)"'
    )
    path.write_text(edited, encoding="utf-8")
    html = library.add([Upload(HTML.encode(), "optence.html")]).changes[0].id
    text = path.read_text(encoding="utf-8")
    assert '# checked by hand\ntitle = "Cluster Dialogue (edited)"\n' in text
    assert old_title not in text
    title = load_index(dirs[1]).documents[SEED_IDS[1]].title
    assert title == "Cluster Dialogue (edited)"
    assert _ids(dirs[0])[-1] == html


def test_a_document_a_person_removed_between_two_writes_stays_removed(
    dirs: tuple[Path, Path], embedder: Embedder
) -> None:
    library = _library(dirs, embedder)
    md = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].id
    path = dirs[0] / "manifest.toml"
    source = path.read_text(encoding="utf-8")
    table = source.index("[[documents]]", source.index(f'id = "{md}"') - 40)
    name = read_corpus(dirs[0]).files[md]
    path.write_text(source[:table].rstrip("\n") + "\n", encoding="utf-8")
    (dirs[0] / "documents" / name).unlink()
    html = library.add([Upload(HTML.encode(), "optence.html")]).changes[0].id
    assert _ids(dirs[0]) == [*SEED_IDS, html]
    assert set(load_index(dirs[1]).documents) == {*SEED_IDS, html}
    assert [d.id for d in library.documents()] == [*SEED_IDS, html]


def test_the_record_kept_after_a_write_is_the_one_on_disk(
    dirs: tuple[Path, Path], embedder: Embedder, loads: list[Path]
) -> None:
    library = _library(dirs, embedder)
    added = library.add(
        [Upload(MARKDOWN.encode(), "hzwo.md"), Upload(NBSP_DOCUMENT.encode(), "a.txt")]
    )
    library.remove(added.changes[0].id)
    kept = library._corpus()
    assert len(loads) == 1
    assert kept == read_corpus(dirs[0])
    assert kept.cut is not None and kept.cut == read_corpus(dirs[0]).cut
    assert kept.files == {
        **{i: f"{i}.txt" for i in SEED_IDS},
        added.changes[1].id: f"{added.changes[1].id}.{added.changes[1].document.sha256[:12]}.txt",
    }


def test_a_write_parses_only_the_table_it_adds(
    dirs: tuple[Path, Path], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    library = _library(dirs, embedder)
    library.documents()  # the corpus read (and its manifest parsed) once
    parsed: list[str] = []
    real = tomllib.loads

    def counting(text: str) -> dict[str, Any]:
        parsed.append(text)
        return real(text)

    monkeypatch.setattr(tomllib, "loads", counting)
    monkeypatch.setattr(tomlkit, "parse", lambda text: pytest.fail("a table was edited"))
    doc = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].document
    assert parsed == [markdown_table(doc)]
    assert (dirs[0] / "manifest.toml").read_text(encoding="utf-8").endswith(markdown_table(doc))


def test_a_write_after_its_own_compares_only_what_it_touches(
    dirs: tuple[Path, Path], embedder: Embedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """After its own commit a library knows its build indexes exactly its corpus, so the
    next write compares only the documents it touches; after another process's write, or
    on its first, it compares them all."""
    import index.ingest.library as library_module

    asked: list[object] = []
    real = library_module.update_snapshot

    def recording(*args: Any, **kwargs: Any) -> Any:
        asked.append(kwargs.get("touched"))
        return real(*args, **kwargs)

    monkeypatch.setattr(library_module, "update_snapshot", recording)
    library = _library(dirs, embedder)
    first = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].id
    library.remove(first)
    other = _library(dirs, embedder)
    added = other.add([Upload(HTML.encode(), "page.html")]).changes[0].id
    library.compact(full=True)
    library.remove(added)
    library.remove(SEED_IDS[0])
    assert asked == [None, {first}, None, None, {SEED_IDS[0]}]
    assert sorted(load_index(dirs[1]).documents) == SEED_IDS[1:]
