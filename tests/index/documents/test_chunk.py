from __future__ import annotations

import itertools

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from index.config import ChunkerConfig
from index.documents.chunk import (
    chunk_corpus,
    chunk_document,
    chunk_id,
    chunk_regions,
    find_sections,
    is_heading,
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


@pytest.mark.parametrize(
    ("block", "expected"),
    [
        ("Resources needed", True),
        ("Warum Cluster?", True),
        ("1.2. What is Debian GNU/Linux?", True),
        ("A.1. Backgrounds", True),
        ("3.2.1. I know that Knoppix/Linux Mint Debian Edition/Ubuntu/... is Debian-based. So "
         "after installing it on the hard disk, can I use 'apt' package tools on it?", True),
        ("What is the difference between Debian GNU/Linux and other Linux distributions, and "
         "why should I choose it?", False),  # unnumbered: at most 90 characters
        ("1. " + "Wort " * 60 + "Ende", False),  # numbered: at most 250 characters
        ("Debian GNU/Linux is:", False),
        ("Mehr: …", False),
        ("Das ist ein Satz.", False),
        ("Zwei\nZeilen", False),
        ("2011 – 2023", False),
    ],
)  # fmt: skip
def test_what_reads_as_a_heading(block: str, expected: bool) -> None:
    assert is_heading(block) is expected


def test_an_indented_block_is_never_a_heading() -> None:
    text = "Befehle\n\n    adduser user group\n\nDer Befehl legt an.\n\n\xa0Kein Kopf\n\nText."
    assert [(s.heading, text[s.start : s.end].strip()[:18]) for s in find_sections(text)] == [
        ("Befehle", "adduser user group"),
    ]


def test_long_section_splits_with_overlap_and_exact_spans() -> None:
    sentence = "Die Landesregierung fördert Cluster und Netzwerke im ganzen Land. "
    text = "Förderung\n\n" + sentence * 30
    chunks = chunk_document(doc(text), ChunkerConfig(chunk_size=200, chunk_overlap=70))
    # 3 sentences (197 chars) per chunk, advancing by 2: one sentence of overlap. The
    # text repeats itself, so only the splitter knows which sentences a chunk holds.
    assert len(chunks) == 15
    assert [(c.start, c.end) for c in chunks[:3]] == [(11, 208), (143, 340), (275, 472)]
    assert (chunks[-1].start, chunks[-1].end) == (1859, len(text) - 1)
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


# The two documents that stopped whole builds ("could not be located in its section").
NBSP_DOCUMENT = (
    "perl -ne '@f=split; print $f[2] if ( $f[1]==1957 )' |\n\nIf CD-RW is used instead of "
    "CD-R, do this instead by the\n    following.\n\nOnly pure stable release with security "
    "updates provides the best\n    stability. Running mostly stable release mixed with some "
    "packages\n\xa0\xa0\xa0 from testing or unstable release is riskier than running pure \n"
    "    unstable release for library version mismatch etc. If you really\n    need the latest "
    "version of some programs under stable release,\n    please use packages from "
    "bullseye-updates and http://\n    backports.debian.org (see Section\xa02.7.4, “Updates and "
    "Backports”)\n    services. These services must be used with extra care.\n\nUnique token "
    "zq4139x."
)
LONG_LINE_DOCUMENT = (
    "9.3.7. Aufzeichnen von Editor-Aktivitäten für komplexe Wiederholungen\n\nIn dieser "
    "Lehrstunde ist mit interaktiver Shell immer bash gemeint.\n\nOrigin: Debian Label: Debian "
    "Suite: unstable Codename: sid Date: Sat, 14 May 2011 08:20:50 UTC Valid-Until: Sat, 21 May "
    "2011 08:20:50 UTC Architectures: alpha amd64 armel hppa hurd-i386 i386 ia64 kfreebsd-amd64 "
    "kfreebsd-i386 mips mipsel powerpc s390 sparc Components: main contrib non-free "
    "Description: Debian x.y Unstable - Not Released MD5Sum: bdc8fa4b3f5e4a715dd0d56d176fc789 "
    "18876880 Contents-alpha.gz 9469a03c94b85e010d116aeeab9614c0 19441880 Contents-amd64.gz "
    "3d68e206d7faa3aded660dc0996054fe 19203165 Contents-armel.gz ...\n\nMarker zqm300x.\n"
)


def test_nbsp_document_chunks_with_exact_spans() -> None:
    # langchain's second piece starts where its first did (the window shed only a blank
    # line); the first lies inside it and is not a passage of its own.
    text = NBSP_DOCUMENT
    chunks = chunk_document(doc(text), ChunkerConfig())
    first = (text.index("If CD-RW"), text.index("extra care.") + len("extra care."))
    last = (text.index("Unique"), len(text))
    assert [(c.start, c.end) for c in chunks] == [first, last] == [(55, 652), (654, 675)]
    assert [c.text for c in chunks] == [text[55:652], "Unique token zq4139x."]
    # Plain text has only its layout: an unindented short line reads as a heading.
    assert {c.section for c in chunks} == {"perl -ne '@f=split; print $f[2] if ( $f[1]==1957 )' |"}


def test_long_line_document_chunks_with_exact_spans() -> None:
    text = LONG_LINE_DOCUMENT
    chunks = chunk_document(doc(text), ChunkerConfig())
    first = (text.index("In dieser"), text.index("Contents-armel.gz ...") + 21)
    assert [(c.start, c.end) for c in chunks] == [first, (671, 686)] == [(71, 669), (671, 686)]
    assert chunks[1].text == "Marker zqm300x."
    heading = "9.3.7. Aufzeichnen von Editor-Aktivitäten für komplexe Wiederholungen"
    assert [c.section for c in chunks] == [heading, heading]


# No-break spaces, tabs, CRLF, zero-width and combining characters, RTL text and marks.
SPECIAL = ["\xa0", "\t", "\r\n", "\r\n\r\n", "\n\n", "\u200b", "\u200d", "\ufeff",
           "\u0301", "\u202e", "\u2028", "שלום עולם", "مرحبا بالعالم", "e\u0301", "Ü",
           "\n\xa0\n", "1.2. Was?"]  # fmt: skip
LONG_LINES = st.builds(
    lambda token, n: token * n,
    st.sampled_from(["x", "ab ", "שלום ", "a\u0301", "\u200b", "Wort, "]),
    st.integers(min_value=100, max_value=700),
)
UNICODE_TEXT = st.lists(
    st.one_of(st.text(max_size=40), st.sampled_from(SPECIAL), LONG_LINES), max_size=25
).map("".join)


@settings(max_examples=100, deadline=None, derandomize=True)
@given(UNICODE_TEXT, st.integers(min_value=200, max_value=600))
@example(NBSP_DOCUMENT, 600)
@example(LONG_LINE_DOCUMENT, 600)
def test_any_text_chunks_and_every_span_resolves(text: str, size: int) -> None:
    d = doc(text)
    chunks = chunk_document(d, ChunkerConfig(chunk_size=size, chunk_overlap=size // 4))
    for c in chunks:
        assert d.text[c.start : c.end] == c.text
        assert c.text == c.text.strip() and c.text and len(c.text) <= size
        assert c.section is None or (c.section == c.section.strip() and "\n" not in c.section)
    assert [c.ordinal for c in chunks] == list(range(len(chunks)))
    assert len({c.id for c in chunks}) == len(chunks)
    covered = {i for c in chunks for i in range(c.start, c.end)}
    for i in {i for i, ch in enumerate(text) if not ch.isspace()} - covered:
        line_start, line_end = text.rfind("\n", 0, i) + 1, text.find("\n", i)
        assert is_heading(text[line_start : line_end if line_end >= 0 else len(text)])


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
