"""Turn an uploaded file (text, Markdown, HTML, PDF) into the text a document stores.

The stored text is what citations index into, so every format is reduced to plain text
whose headings stand on their own line between blank lines; the chunker
(`index.documents.chunk.find_sections`) then makes them chunk sections:

* `.txt`: decoded (UTF-8, else Windows-1252), line ends normalised; layout as written.
* `.md`: ATX (`## Heading`) and setext headings become bare heading blocks; links and
  images keep their text, emphasis markers are dropped.
* `.html` (`index.documents.html`): the main content only (trafilatura: no navigation,
  menus, footers), its `h1`–`h6` as heading blocks; code (`pre`) is indented.
* `.pdf` (`index.documents.pdf`): text per page (pypdf); pages are joined by a blank line
  and `pages` records where each starts, so a citation can name its page. A line set in a
  larger font than the body is taken as a heading.

In Markdown and HTML the source says what is a heading, so nothing else may read as one
(`index.documents.blocks`): a body block the chunker would take for a heading (a short
list item, a one-row table, a command) is indented by four spaces, and an indented block
is never a heading. A heading too long to read as one is shortened at a word boundary.

`detect_language` guesses the language offline (lingua, among a few European languages);
`guess_regions` finds the Länder a document concerns (`index.regions`).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from index.config import DETECT_LONG_CHARS, MAX_TITLE_CHARS
from index.documents.blocks import BLANK_RUN, body_block, clean, heading_text, source_heading
from index.documents.html import html_to_text
from index.documents.pdf import pdf_to_text
from index.errors import ExtractionError, UnsupportedFormatError
from index.text.regions import REGIONS, find_regions, regions_in

__all__ = [
    "FORMATS",
    "Extracted",
    "detect_format",
    "detect_language",
    "extract",
    "guess_regions",
    "markdown_to_text",
]

# Format name -> file suffixes and media types that select it.
FORMATS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "txt": ((".txt", ".text"), ("text/plain",)),
    "md": ((".md", ".markdown"), ("text/markdown", "text/x-markdown")),
    "html": ((".html", ".htm", ".xhtml"), ("text/html", "application/xhtml+xml")),
    "pdf": ((".pdf",), ("application/pdf",)),
}

_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_DETECTABLE = ("de", "en", "fr", "nl", "it", "es", "pl", "da", "cs")


@dataclass(frozen=True, slots=True)
class Extracted:
    """The text a document stores, a title found in the source, and PDF page starts."""

    format: str
    text: str
    title: str | None = None
    pages: tuple[int, ...] = ()


def detect_format(filename: str | None, media_type: str | None = None) -> str:
    """The format of a file from its suffix, else its media type; `UnsupportedFormatError`."""
    suffix = PurePath(filename or "").suffix.lower()
    media = (media_type or "").split(";")[0].strip().lower()
    for name, (suffixes, _) in FORMATS.items():
        if suffix in suffixes:
            return name
    for name, (_, media_types) in FORMATS.items():
        if media in media_types:
            return name
    accepted = ", ".join(s for suffixes, _ in FORMATS.values() for s in suffixes)
    raise UnsupportedFormatError(
        f"Cannot index {filename or 'this upload'!r} ({media or 'no media type'}): supported "
        f"are plain text, Markdown, HTML and PDF ({accepted})."
    )


def extract(data: bytes, fmt: str) -> Extracted:
    """The stored text of a file of format `fmt`; `ExtractionError` when there is none."""
    if fmt == "pdf":
        text, title, pages = pdf_to_text(data)
        result = Extracted("pdf", text, title, pages)
    elif fmt == "html":
        result = Extracted("html", *html_to_text(_decode(data)))
    elif fmt == "md":
        text = markdown_to_text(_decode(data))
        result = Extracted("md", text, _firstheading_text(_decode(data)))
    elif fmt == "txt":
        result = Extracted("txt", clean(_decode(data)))
    else:
        raise UnsupportedFormatError(f"Unknown format {fmt!r}; use one of {', '.join(FORMATS)}.")
    if not any(ch.isalnum() for ch in result.text):
        raise ExtractionError(
            f"The {fmt} document has no extractable text"
            + (" (a scanned PDF needs OCR first)." if fmt == "pdf" else ".")
        )
    return result


def markdown_to_text(source: str) -> str:
    """Markdown as plain text: headings become bare blocks, link/image text kept."""
    lines = clean(source).split("\n")
    out: list[str] = []
    headings: set[int] = set()
    in_fence = False
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if line.lstrip().startswith(("```", "~~~")):
            in_fence = not in_fence
            out.append(line)
            continue
        if in_fence:
            out.append(line)
            continue
        atx = _ATX.match(line)
        after_blank = not out or not out[-1].strip()
        if atx and atx.group(2).strip():
            headings.add(len(out) + 1)
            out.extend(["", source_heading(_inline(atx.group(2))), ""])
        elif line.strip() and after_blank and i < len(lines) and _SETEXT.match(lines[i]):
            headings.add(len(out) + 1)
            out.extend(["", source_heading(_inline(line.strip())), ""])
            i += 1  # the underline
        else:
            out.append(_inline(line))
    for j, line in enumerate(out):
        alone = (j == 0 or not out[j - 1].strip()) and (j + 1 == len(out) or not out[j + 1].strip())
        if alone and j not in headings:
            out[j] = body_block(line)
    return BLANK_RUN.sub("\n\n", "\n".join(out)).strip("\n") + "\n"


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of `text`'s language among a few European ones, or None. Texts
    of `DETECT_LONG_CHARS` or more go to lingua's low-accuracy detector (trigrams only),
    shorter ones to the full one, each loaded on its first use."""
    detector = _detector(len(text) >= DETECT_LONG_CHARS)
    found = detector.detect_language_of(text[:20_000])
    if found is None:
        return None
    code: str = found.iso_code_639_1.name.lower()
    return code


def guess_regions(title: str, text: str) -> tuple[str, ...]:
    """The Länder a document concerns: those its title names, and those its text names twice
    or more; canonical names in the gazetteer's order."""
    counts = Counter(m.canonical for m in find_regions(text))
    found = set(regions_in(title)) | {land for land, n in counts.items() if n >= 2}
    return tuple(land for land in REGIONS if land in found)


@cache
def _detector(low_accuracy: bool) -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(_iso(code)) for code in _DETECTABLE]
    builder = LanguageDetectorBuilder.from_languages(*languages)
    return (builder.with_low_accuracy_mode() if low_accuracy else builder).build()


def _iso(code: str) -> Any:
    from lingua import IsoCode639_1

    return getattr(IsoCode639_1, code.upper())


def _decode(data: bytes) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ExtractionError("The document is neither UTF-8 nor Windows-1252 text; convert it.")


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub(r"\2", line)


def _firstheading_text(source: str) -> str | None:
    for line in clean(source).split("\n"):
        atx = _ATX.match(line)
        if atx and atx.group(2).strip():
            return heading_text(_inline(atx.group(2)))[:MAX_TITLE_CHARS]
    return None
