"""Every format becomes stored text whose headings the chunker finds."""

from __future__ import annotations

import importlib

import pytest

from index.config import DETECT_LONG_CHARS, ChunkerConfig
from index.documents.chunk import chunk_document, find_sections
from index.documents.corpus import Document
from index.documents.extract import (
    detect_format,
    detect_language,
    extract,
    guess_regions,
    markdown_to_text,
)
from index.errors import ExtractionError, UnsupportedFormatError
from tests.ingest_samples import HTML, MARKDOWN, MARKDOWN_TEXT, empty_pdf, make_pdf

# the module, not the function `index.documents.extract` that its package exports
extract_module = importlib.import_module("index.documents.extract")


@pytest.mark.parametrize(
    ("name", "media", "expected"),
    [
        ("a.txt", None, "txt"),
        ("A.MD", None, "md"),
        ("page.htm", None, "html"),
        ("paper.pdf", "text/plain", "pdf"),
        ("upload", "application/pdf", "pdf"),
        ("upload", "text/html; charset=utf-8", "html"),
        ("notes", "text/markdown", "md"),
    ],
)
def test_format_from_suffix_then_media_type(name: str, media: str | None, expected: str) -> None:
    assert detect_format(name, media) == expected


def test_unsupported_format_says_what_is_supported() -> None:
    with pytest.raises(UnsupportedFormatError, match=r"'slides\.pptx'.*\.pdf"):
        detect_format("slides.pptx", "application/vnd.ms-powerpoint")


def test_markdown_headings_become_bare_heading_blocks() -> None:
    assert markdown_to_text(MARKDOWN) == MARKDOWN_TEXT
    sections = find_sections(MARKDOWN_TEXT)
    assert [s.heading for s in sections] == ["Wasserstoff-Cluster Sachsen", "Förderung", "Partner"]


def test_markdown_setext_headings_and_code_fences() -> None:
    text = markdown_to_text("Title\n=====\n\nBody.\n\n```\n# not a heading\n```\n")
    assert text == "Title\n\nBody.\n\n```\n# not a heading\n```\n"


def test_html_keeps_main_content_without_navigation_or_footer() -> None:
    result = extract(HTML.encode(), "html")
    assert result.title == "Optence: the photonics network of Hessen"
    assert "Home" not in result.text and "Contact us" not in result.text
    assert "Imprint" not in result.text and "Cookie" not in result.text
    sections = find_sections(result.text)
    assert [s.heading for s in sections] == [
        "Optence: the photonics network of Hessen",
        "Membership fees",
    ]
    assert result.text[sections[1].start :].lstrip().startswith("Small companies pay a reduced")


def test_pdf_text_per_page_with_page_starts_and_headings() -> None:
    result = extract(make_pdf(), "pdf")
    assert result.format == "pdf"
    assert result.title == "Innovation strategy Thuringia"
    assert len(result.pages) == 2 and result.pages[0] == 0
    page2 = result.text[result.pages[1] :]
    assert page2.startswith("Budget and governance\n\nThe strategy is funded")
    assert result.text[: result.pages[1]].rstrip().endswith("best known of them.")
    sections = find_sections(result.text)
    assert [s.heading for s in sections] == [
        "Innovation strategy Thuringia",
        "Budget and governance",
    ]
    doc = Document("p", "t", "en", "s", result.text, pages=result.pages)
    chunks = chunk_document(doc, ChunkerConfig())
    assert [doc.page_at(c.start) for c in chunks] == [1, 2]
    assert all(doc.text[c.start : c.end] == c.text for c in chunks)


def test_unparsable_and_empty_pdfs_are_refused_with_the_reason() -> None:
    with pytest.raises(ExtractionError, match="not a PDF"):
        extract(b"hello", "pdf")
    with pytest.raises(ExtractionError, match="cannot be parsed"):
        extract(b"%PDF-1.4\n" + b"\x00garbage" * 50, "pdf")
    with pytest.raises(ExtractionError, match=r"no extractable text.*OCR"):
        extract(empty_pdf(), "pdf")


def test_text_without_letters_is_refused() -> None:
    with pytest.raises(ExtractionError, match="no extractable text"):
        extract(b"  \n\n --- \n", "txt")


def test_text_decoding_and_line_ends() -> None:
    assert extract("Grüße\r\naus Jena\x00".encode(), "txt").text == "Grüße\naus Jena"
    assert extract("Grüße".encode("cp1252"), "txt").text == "Grüße"


def test_language_detection() -> None:
    assert detect_language("Die Clusterpolitik der Länder fördert Netzwerke.") == "de"
    assert detect_language("The cluster policy of the Länder funds networks.") == "en"


def test_long_texts_go_to_the_low_accuracy_detector(monkeypatch: pytest.MonkeyPatch) -> None:
    asked: list[bool] = []
    detector = extract_module._detector

    def recording(low_accuracy: bool) -> object:
        asked.append(low_accuracy)
        return detector(low_accuracy)

    monkeypatch.setattr(extract_module, "_detector", recording)
    german = "Die Clusterpolitik der Länder fördert Netzwerke und Forschung. " * 7
    assert len(german) == DETECT_LONG_CHARS + 41
    assert detect_language(german) == "de"
    assert detect_language(german[: DETECT_LONG_CHARS - 1]) == "de"
    assert detect_language("The cluster policy of the Länder funds networks. " * 9) == "en"
    assert asked == [True, False, True]


def test_regions_from_title_and_repeated_mentions() -> None:
    text = "Sachsen fördert. In Sachsen gibt es viel. Einmal Bayern."
    assert guess_regions("Clusterpolitik", text) == ("Sachsen",)
    assert guess_regions("Cluster in Thüringen", text) == ("Sachsen", "Thüringen")


DOCBOOK = """<?xml version="1.0" encoding="UTF-8"?>
<html><head><title>Chapter 2. Packages</title></head><body>
<div class="navheader"><a href="ch01.html">Prev</a> <a href="ch03.html">Next</a></div>
<div class="chapter"><div class="titlepage"><h1 class="title">Chapter 2. Packages</h1></div>
<div class="toc"><dl><dt><a href="#a">2.1. Package sources and the archive</a></dt>
<dt><a href="#b">2.2. Installing packages with the tool</a></dt></dl></div>
<div class="section"><div class="titlepage"><div><h2 class="title">2.1. Package sources and
the archive</h2></div></div>
<p>The archive holds tens of thousands of packages which are signed by the archive key and
mirrored around the world, so that every system can verify what it installs from it.</p>
<div class="note"><table><tr><th>Note</th></tr><tr><td><p>Mirrors are updated four times a
day from the main archive server and its staging areas.</p></td></tr></table></div>
<pre class="screen">$ apt-cache policy
 500 https://deb.debian.org/debian bookworm/main</pre>
</div>
<div class="section"><div class="titlepage"><h2 class="title">2.2. Installing packages with
the tool</h2></div>
<p>The package tool resolves dependencies, downloads the archives and unpacks them in the
right order, asking before it removes anything that is installed already.</p>
<table><tr><th>command</th><th>action</th></tr>
<tr><td>install foo</td><td>installs the package foo with everything it depends on</td></tr>
</table></div></div>
<div class="navfooter"><a href="index.html">Home</a></div>
</body></html>
"""


def test_html_structure_comes_from_the_page_and_content_from_trafilatura() -> None:
    result = extract(DOCBOOK.encode(), "html")
    text = result.text
    assert result.title == "Chapter 2. Packages"
    assert "Prev" not in text and "Home" not in text and "Note\n" not in text
    assert text.count("2.1. Package sources and the archive") == 1  # the TOC entry is gone
    sections = find_sections(text)
    assert [s.heading for s in sections] == [
        "2.1. Package sources and the archive",
        "2.2. Installing packages with the tool",
    ]
    assert "    $ apt-cache policy\n     500 https://deb.debian.org/debian bookworm/main" in text
    assert "install foo | installs the package foo with everything it depends on" in text


FAQ = """<html><head><title>Chapter 1. Definitions and overview</title></head><body>
<div class="navheader"><a href="index.html">Prev</a> <a href="ch02.html">Next</a></div>
<div class="chapter"><h1 class="title">Chapter 1. Definitions and overview</h1>
<div class="toc"><dl><dt><a href="#a">1.1. What is this FAQ?</a></dt></dl></div>
<div class="section"><h2 class="title">1.1. What is this FAQ?</h2>
<p>This document gives frequently asked questions with their answers about the Debian
distribution and about the Debian project, with pointers to other documentation.</p>
<p>Add a user to a group as root with the following command on any Debian system:</p>
<pre class="screen">adduser user group</pre>
<p>The list of mirrors that carry the archive is kept on the Debian web site and is
updated whenever a mirror is added or removed by its administrators.</p></div>
<div class="section"><h2 class="title">1.2. What is Debian GNU/Linux?</h2>
<p>Debian GNU/Linux is a particular distribution of the Linux operating system, and
numerous packages that run on it, put together by volunteers from all over the world.</p>
<ul><li><p>full featured</p></li><li><p>free to use and redistribute</p></li></ul>
<pre class="screen">Debian GNU/Linux 11 foo tty1

foo login: penguin</pre>
<table><tr><td>deb http://ftp.us.debian.org/debian/ unstable main contrib</td></tr></table>
<p>Most Linux users run a specific distribution of Linux, like Debian GNU/Linux, rather
than compiling the kernel and every program themselves from their sources.</p></div>
<div class="section"><h2 class="title">1.5. What is the difference between Debian GNU/Linux
and other Linux distributions? Why should I choose Debian over some other distribution?</h2>
<div class="note"><table><tr><th><h3>Note</h3></th></tr><tr><td><p>These key features
distinguish Debian from other Linux distributions that are developed by companies.</p>
</td></tr></table></div>
<p>The Debian package maintenance system lets every package be upgraded in place, without
reformatting the disk or reinstalling the system, whatever the packages depend on.</p></div>
</div><div class="navfooter"><a href="index.html">Home</a></div></body></html>
"""


def test_html_question_headings_are_sections_and_code_lists_and_cells_never_are() -> None:
    text = extract(FAQ.encode(), "html").text
    long_question = (
        "1.5. What is the difference between Debian GNU/Linux and other Linux distributions? "
        "Why should I choose Debian over some other distribution?"
    )
    sections = find_sections(text)
    assert [s.heading for s in sections] == [
        "1.1. What is this FAQ?",
        "1.2. What is Debian GNU/Linux?",
        long_question,
    ]
    assert "\n\n    adduser user group\n\n" in text
    assert "\n\n    full featured\n\n    free to use and redistribute\n\n" in text
    assert "\n\n    Debian GNU/Linux 11 foo tty1\n\n    foo login: penguin\n\n" in text
    assert "\n\n    deb http://ftp.us.debian.org/debian/ unstable main contrib\n\n" in text
    second = text[sections[1].start : sections[1].end]
    assert second.strip().startswith("Debian GNU/Linux is a particular distribution")
    assert second.strip().endswith("every program themselves from their sources.")
    third = text[sections[2].start : sections[2].end].strip()
    # The note's "Note" (a heading inside a table) is not a section.
    assert third.startswith("These key features distinguish Debian")
    chunks = chunk_document(Document("faq", "FAQ", "en", "s", text), ChunkerConfig())
    assert [c.section for c in chunks] == [s.heading for s in sections]


def test_a_heading_too_long_to_read_as_one_is_shortened_at_a_word() -> None:
    page = FAQ.replace(
        "1.2. What is Debian GNU/Linux?",
        "How the federal states of Germany support clusters of companies, research institutes "
        "and universities in their regions",
    )
    sections = find_sections(extract(page.encode(), "html").text)
    assert sections[1].heading == (
        "How the federal states of Germany support clusters of companies, research institutes"
    )


def test_markdown_list_items_and_code_never_read_as_headings() -> None:
    source = (
        "# Förderung\n\nDas Land fördert Cluster.\n\n- Netzwerke\n\n- Projekte\n\n"
        "```\nfoo login:\n\nadduser user group\n\nexit\n```\n\n## Partner:\n\nFirmen.\n"
    )
    text = markdown_to_text(source)
    assert text == (
        "Förderung\n\nDas Land fördert Cluster.\n\n    - Netzwerke\n\n    - Projekte\n\n"
        "```\nfoo login:\n\n    adduser user group\n\nexit\n```\n\nPartner\n\nFirmen.\n"
    )
    assert [s.heading for s in find_sections(text)] == ["Förderung", "Partner"]


def _wrapped_headings_pdf() -> bytes:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    for heading, body in (
        ("3.1.12 I am currently tracking testing (bookworm). What will happen when a release "
         "is made?", "Your machine follows testing until the release, then stable. " * 3),
        ("Chapter 4 Compatibility issues", ""),
        ("4.1 On what hardware architectures does Debian run?",
         "Debian runs on many architectures, from small boards to mainframes. " * 3),
    ):  # fmt: skip
        pdf.set_font("helvetica", size=18)
        pdf.multi_cell(w=90, text=heading, new_x="LMARGIN", new_y="NEXT")  # wraps
        pdf.set_font("helvetica", size=11)
        if body:
            pdf.multi_cell(w=0, text=body, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def test_pdf_heading_wrapped_over_lines_is_one_heading() -> None:
    result = extract(_wrapped_headings_pdf(), "pdf")
    assert [s.heading for s in find_sections(result.text)] == [
        "3.1.12 I am currently tracking testing (bookworm). What will happen when a release is "
        "made?",
        "4.1 On what hardware architectures does Debian run?",
    ]
    assert "\n\nChapter 4 Compatibility issues\n\n" in result.text  # a numbered line starts anew


def test_the_known_languages_are_the_detectable_ones() -> None:
    from index import LANGUAGES

    assert LANGUAGES == ("de", "en", "fr", "nl", "it", "es", "pl", "da", "cs")
