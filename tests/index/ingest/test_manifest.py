"""corpus/manifest.toml is read, and edited in place: what a person wrote stays."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from index.config import ChunkerConfig
from index.documents.corpus import Document, load_corpus
from index.embedding.base import Embedder
from index.errors import CorpusError
from index.ingest.library import Library
from index.ingest.manifest import (
    DEFAULT_HEADER,
    corpus_documents,
    edit_manifest,
    listed_files,
    read_corpus,
)
from index.ingest.uploads import Upload
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import MARKDOWN, copy_tree, markdown_table

# The seed corpus's manifest as a person might keep it: comments between and inside the
# tables, aligned keys, a literal string, hand-wrapped arrays, two blank lines.
HAND_WRITTEN = """\
# Our corpus. Keep one [[documents]] table per file in documents/.
#   regions: canonical German names of the Länder

[[documents]]
id       = "000_845843b92d703299"
file     = "000_845843b92d703299.txt"
title    = "BioCon Valley: cluster organisation for the health economy in Mecklenburg-Vorpommern"
language = "en"  # checked by hand
source   = '000_845843b92d703299.txt'
regions  = ["Mecklenburg-Vorpommern"]
organisation = "BioCon Valley GmbH"


[[documents]]
# The Land's own page; replaced every spring.
id = "001_2d85a1c0382ad4fa"
file = "001_2d85a1c0382ad4fa.txt"
title = "Cluster Policy in Baden-Württemberg: the Cluster Dialogue"
language = "en"
source = "001_2d85a1c0382ad4fa.txt"
regions = [
    "Baden-Württemberg",  # the only one
]
organisation = "Ministry of Economic Affairs, Labour and Housing Baden-Württemberg"

[[documents]]
id = "002_ef865dbee6ab942a"
file = "002_ef865dbee6ab942a.txt"
title = "Länder: Clusterpolitik der 16 Bundesländer"
language = "de"
source = "002_ef865dbee6ab942a.txt"
regions = [
  "Baden-Württemberg", "Bayern", "Berlin", "Brandenburg", "Bremen", "Hamburg",
  "Hessen", "Mecklenburg-Vorpommern", "Niedersachsen", "Nordrhein-Westfalen",
  "Rheinland-Pfalz", "Saarland", "Sachsen", "Sachsen-Anhalt", "Schleswig-Holstein",
  "Thüringen",
]
"""
FIRST_TABLE_END = HAND_WRITTEN.index("\n[[documents]]\n# The Land's")
THIRD_TABLE = HAND_WRITTEN.index('[[documents]]\nid = "002')


@pytest.fixture
def make_library(tmp_path: Path, seed_index_dir: Path, embedder: Embedder) -> Callable[[], Library]:
    corpus = copy_tree(SEED_CORPUS, tmp_path / "corpus")
    (corpus / "manifest.toml").write_text(HAND_WRITTEN, encoding="utf-8")
    assert load_corpus(corpus) == load_corpus(SEED_CORPUS)
    index = copy_tree(seed_index_dir, tmp_path / "index")
    return lambda: Library(corpus, index, embedder, ChunkerConfig())


def test_a_hand_written_manifest_survives_an_add_and_a_remove(
    make_library: Callable[[], Library],
) -> None:
    library = make_library()
    manifest = library.corpus_dir / "manifest.toml"
    doc = library.add([Upload(MARKDOWN.encode(), "hzwo.md")]).changes[0].document
    assert manifest.read_text(encoding="utf-8") == HAND_WRITTEN + markdown_table(doc)
    library.remove(doc.id)
    assert manifest.read_text(encoding="utf-8") == HAND_WRITTEN


def test_removing_a_document_takes_out_its_table_only(
    make_library: Callable[[], Library],
) -> None:
    library = make_library()
    library.remove("001_2d85a1c0382ad4fa")
    text = (library.corpus_dir / "manifest.toml").read_text(encoding="utf-8")
    assert text == HAND_WRITTEN[: FIRST_TABLE_END + 1] + HAND_WRITTEN[THIRD_TABLE:]


def test_replacing_a_document_sets_only_what_changed(
    make_library: Callable[[], Library],
) -> None:
    library = make_library()
    text = b"BioCon Valley verbindet Greifswald und Rostock."
    upload = Upload(
        text, "b.txt", title="BioCon Valley", language="de", regions=("Mecklenburg-Vorpommern",)
    )
    doc = library.replace("000_845843b92d703299", upload).changes[0].document
    old_title = next(line for line in HAND_WRITTEN.splitlines() if line.startswith("title    "))
    expected = (
        HAND_WRITTEN.replace('"000_845843b92d703299.txt"', f'"{doc.id}.{doc.sha256[:12]}.txt"')
        .replace(old_title, 'title    = "BioCon Valley"')
        .replace('language = "en"  # checked by hand', 'language = "de"  # checked by hand')
    )
    assert (library.corpus_dir / "manifest.toml").read_text(encoding="utf-8") == expected
    # The source and the organisation are kept, the regions the same: their lines stay.
    assert (doc.source, doc.organisation) == ("000_845843b92d703299.txt", "BioCon Valley GmbH")
    assert doc.regions == ("Mecklenburg-Vorpommern",)


# A comment with three quotes makes the manifest look as if it had a multi-line string:
# it is then parsed whole, not cut into tables; the edits are the same.
WHOLE = HAND_WRITTEN + "# ''' is how a literal multi-line string starts\n"


@pytest.mark.parametrize("source", [HAND_WRITTEN, WHOLE])
def test_both_ways_of_editing_keep_the_hand_written_text(source: str) -> None:
    seed = load_corpus(SEED_CORPUS).documents
    files = {d.id: f"{d.id}.txt" for d in seed}
    new = Document(id="n", title="Neu", language="de", source="n.md", text="N.")
    added = edit_manifest(source, [*seed, new], {**files, "n": "n.0123.txt"})
    assert added == source + (
        '\n[[documents]]\nid = "n"\nfile = "n.0123.txt"\ntitle = "Neu"\nlanguage = "de"\n'
        'source = "n.md"\nregions = []\n'
    )
    assert edit_manifest(added, seed, files) == source
    middle = edit_manifest(source, [seed[0], seed[2]], files)
    assert middle == source[: FIRST_TABLE_END + 1] + source[THIRD_TABLE:]
    renamed = [seed[0], replace(seed[1], title="Dialog"), seed[2]]
    assert edit_manifest(source, renamed, files) == source.replace(
        'title = "Cluster Policy in Baden-Württemberg: the Cluster Dialogue"', 'title = "Dialog"'
    )
    with pytest.raises(ValueError, match="keep the manifest's order"):
        edit_manifest(source, seed[::-1], files)


DOC = Document(id="a", title='Say "hi" \\ \x01', language="de", source="a.md", text="A.")


def test_a_new_manifest_starts_with_the_default_header() -> None:
    text = edit_manifest("", [DOC], {"a": "a.0123.txt"})
    assert text == DEFAULT_HEADER + (
        "\n[[documents]]\n"
        'id = "a"\n'
        'file = "a.0123.txt"\n'
        'title = "Say \\"hi\\" \\\\ \\u0001"\n'
        'language = "de"\n'
        'source = "a.md"\n'
        "regions = []\n"
    )


def test_optional_keys_are_left_out_set_and_removed() -> None:
    full = Document(id="a", title="T", language="de", source="a.md", text="A. B.",
                    regions=("Bayern",), organisation="Org", pages=(0, 3))  # fmt: skip
    text = edit_manifest("# mine\n", [full], {"a": "a.txt"})
    assert text.endswith('regions = ["Bayern"]\norganisation = "Org"\npages = [0, 3]\n')
    bare = edit_manifest(text, [DOC], {"a": "a.txt"})
    assert bare.startswith("# mine\n\n[[documents]]\n") and bare.endswith("regions = []\n")
    empty = 'organisation = ""\npages = []\n'
    assert edit_manifest(bare + empty, [DOC], {"a": "a.txt"}) == bare + empty  # same meaning


def test_an_inline_documents_array_and_a_missing_final_newline() -> None:
    text = edit_manifest("# x\ndocuments = []", [DOC], {"a": "a.txt"})
    assert text.startswith('# x\n\n[[documents]]\nid = "a"\n')


def test_documents_must_keep_the_manifest_order() -> None:
    other = Document(id="b", title="B", language="de", source="b.md", text="B.")
    text = edit_manifest("", [DOC, other], {"a": "a.txt", "b": "b.txt"})
    with pytest.raises(ValueError, match=r"keep the manifest's order.*\['a', 'b'\]"):
        edit_manifest(text, [other, DOC], {"a": "a.txt", "b": "b.txt"})


def test_reading_a_missing_or_broken_manifest(tmp_path: Path) -> None:
    record = read_corpus(tmp_path)
    assert (record.documents, dict(record.files), record.source) == ((), {}, "")
    assert corpus_documents(tmp_path) == () and listed_files(tmp_path) == set()
    (tmp_path / "manifest.toml").write_text("# nothing yet\n")
    assert read_corpus(tmp_path).source == "# nothing yet\n"
    (tmp_path / "manifest.toml").write_text("[[documents]\n")
    with pytest.raises(CorpusError, match="is not valid TOML"):
        read_corpus(tmp_path)
    with pytest.raises(CorpusError, match="is not valid TOML"):
        listed_files(tmp_path)


def test_the_seed_manifest_lists_its_files() -> None:
    record = read_corpus(SEED_CORPUS)
    assert [d.id for d in record.documents] == list(record.files)
    assert listed_files(SEED_CORPUS) == set(record.files.values())
    assert record.source == (SEED_CORPUS / "manifest.toml").read_text(encoding="utf-8")
