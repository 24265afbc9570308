from __future__ import annotations

import itertools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from index.config import ChunkerConfig
from index.documents.chunk import (
    chunk_corpus,
    chunk_document,
    chunk_id,
    chunk_regions,
    find_sections,
)
from index.documents.corpus import Corpus, Document

LAENDER_HEADINGS = [
    "Baden-Württemberg", "Freistaat Bayern", "Berlin", "Brandenburg", "Freie Hansestadt Bremen",
    "Freie und Hansestadt Hamburg", "Hessen", "Mecklenburg-Vorpommern", "Niedersachsen",
    "Nordrhein-Westfalen", "Rheinland-Pfalz", "Saarland", "Freistaat Sachsen", "Sachsen-Anhalt",
    "Schleswig-Holstein", "Freistaat Thüringen",
]  # fmt: skip


def doc(text: str, id: str = "d") -> Document:
    return Document(id=id, title="T", language="de", source="s", text=text)


def test_every_seed_chunk_resolves_to_its_span(seed_corpus: Corpus) -> None:
    chunks = chunk_corpus(seed_corpus.documents, ChunkerConfig())
    texts = {d.id: d.text for d in seed_corpus.documents}
    assert len(chunks) == 37
    for c in chunks:
        assert texts[c.document_id][c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text


def test_laender_page_has_one_section_per_land(seed_corpus: Corpus) -> None:
    laender = seed_corpus.documents[2]
    chunks = chunk_document(laender, ChunkerConfig())
    sections = [c.section for c in chunks]
    assert sections[:3] == ["Länder", "Länder", "Länder"]
    assert sections[3:] == LAENDER_HEADINGS
    sachsen = chunks[3 + LAENDER_HEADINGS.index("Freistaat Sachsen")]
    assert sachsen.text.startswith("Europas führendes Cluster der Mikroelektronik Silicon Saxony")
    assert sachsen.text.endswith("Mehr: …")


def test_no_chunk_mixes_two_laender(seed_corpus: Corpus) -> None:
    laender = seed_corpus.documents[2]
    for chunk in chunk_document(laender, ChunkerConfig(chunk_size=2000, chunk_overlap=0)):
        headings_inside = [h for h in LAENDER_HEADINGS if f"\n{h}\n" in chunk.text]
        assert headings_inside == []


def test_english_headings_become_sections(seed_corpus: Corpus) -> None:
    chunks = chunk_document(seed_corpus.documents[0], ChunkerConfig())
    money = next(c for c in chunks if "1,2 mio. euros" in c.text)
    assert money.section == "Resources needed"
    assert money.text == (
        "Every year 1,2 mio. euros are available to fulfill the tasks. "
        "16 employees work in two offices in Rostock and Greifswald."
    )


def test_find_sections_spans() -> None:
    text = "Intro line.\n\nHeading One\n\nBody one.\nMore.\n\nHeading Two\n\nBody two."
    sections = find_sections(text)
    assert [(s.heading, text[s.start : s.end].strip()) for s in sections] == [
        (None, "Intro line."),
        ("Heading One", "Body one.\nMore."),
        ("Heading Two", "Body two."),
    ]


def test_trailing_heading_like_line_is_body() -> None:
    sections = find_sections("Body text here.\n\nLast words")
    assert [s.heading for s in sections] == [None]


def test_long_section_splits_with_overlap_and_exact_spans() -> None:
    sentence = "Die Landesregierung fördert Cluster und Netzwerke im ganzen Land. "
    text = "Förderung\n\n" + sentence * 30
    chunks = chunk_document(doc(text), ChunkerConfig(chunk_size=200, chunk_overlap=70))
    # 3 sentences (197 chars) per chunk, advancing by 2: one sentence of overlap.
    assert len(chunks) == 15
    assert [(c.start, c.end) for c in chunks[:3]] == [(11, 208), (77, 274), (143, 340)]
    assert all(len(c.text) <= 200 for c in chunks)
    assert all(c.section == "Förderung" for c in chunks)
    assert all(text[c.start : c.end] == c.text for c in chunks)
    assert all(b.start < a.end for a, b in itertools.pairwise(chunks))  # overlap
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))


def test_chunk_ids_are_stable_and_distinct() -> None:
    assert chunk_id("d", 0, 10) == chunk_id("d", 0, 10)
    assert chunk_id("d", 0, 10) != chunk_id("d", 0, 11)
    assert chunk_id("d", 0, 10) != chunk_id("e", 0, 10)
    assert 0 <= chunk_id("d", 0, 10) < 2**63


@pytest.mark.parametrize(
    ("size", "overlap", "message"),
    [(10, 0, "at least 50"), (100, 100, "between 0 and chunk_size - 1"), (100, -1, "between")],
)
def test_config_validation(size: int, overlap: int, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ChunkerConfig(chunk_size=size, chunk_overlap=overlap)


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.text(alphabet=st.sampled_from("ab äß.,\n\t \r"), min_size=0, max_size=120),
        min_size=1,
        max_size=12,
    ),
    st.integers(min_value=50, max_value=160),
)
def test_spans_always_resolve(parts: list[str], size: int) -> None:
    text = "\n\n\n".join(parts)
    if not text.strip():
        return
    d = doc(text)
    for c in chunk_document(d, ChunkerConfig(chunk_size=size, chunk_overlap=size // 4)):
        assert d.text[c.start : c.end] == c.text
        assert c.text.strip()


def test_laender_chunks_are_tagged_by_their_section(seed_corpus: Corpus) -> None:
    laender = seed_corpus.documents[2]
    chunks = chunk_document(laender, ChunkerConfig())
    by_section = {c.section: c.regions for c in chunks if c.section != "Länder"}
    assert by_section["Freistaat Sachsen"] == ("Sachsen",)
    assert by_section["Sachsen-Anhalt"] == ("Sachsen-Anhalt",)
    assert by_section["Niedersachsen"] == ("Niedersachsen",)
    # The Berlin section is about the joint strategy "der Länder Berlin und Brandenburg".
    assert by_section["Berlin"] == ("Berlin", "Brandenburg")
    # The intro lists all 16 Länder: it is an overview, not about each of them.
    assert {c.regions for c in chunks if c.section == "Länder"} == {()}


def test_single_land_document_tags_every_chunk(seed_corpus: Corpus) -> None:
    biocon = seed_corpus.documents[0]
    chunks = chunk_document(biocon, ChunkerConfig())
    assert {c.regions for c in chunks} == {("Mecklenburg-Vorpommern",)}
    assert len(chunk_corpus(seed_corpus.documents, ChunkerConfig())) == 37


def test_chunk_regions_rules() -> None:
    many = Document(id="m", title="t", language="de", source="s", text="x",
                    regions=("Bayern", "Hessen"))  # fmt: skip
    one = Document(id="o", title="t", language="de", source="s", text="x", regions=("Bayern",))
    assert chunk_regions(many, "Freistaat Sachsen", "Hier in Thüringen.") == (
        "Sachsen",
        "Thüringen",
    )
    assert chunk_regions(many, None, "Bayern, Hessen, Berlin und Bremen") == ()
    assert chunk_regions(many, None, "Bayern, Hessen und Berlin") == ("Bayern", "Berlin", "Hessen")
    assert chunk_regions(one, None, "nichts") == ("Bayern",)
