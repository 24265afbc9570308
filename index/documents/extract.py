"""Turn an uploaded file (text, Markdown, HTML, PDF) into the text a document stores.

The stored text is what citations index into, so every format is reduced to plain text
whose headings stand on their own line between blank lines; the chunker
(`index.chunk.find_sections`) then makes them chunk sections:

* `.txt`: decoded (UTF-8, else Windows-1252), line ends normalised; layout as written.
* `.md`: ATX (`## Heading`) and setext headings become bare heading blocks; links and
  images keep their text, emphasis markers are dropped.
* `.html`: the main content only (trafilatura: no navigation, menus, footers), its
  `h1`–`h6` as heading blocks; code (`pre`) is indented by four spaces.
* `.pdf`: text per page (pypdf); pages are joined by a blank line and `pages` records where
  each starts, so a citation can name its page. A line set in a larger font than the body
  is taken as a heading.

In Markdown and HTML the source says what is a heading, so nothing else may read as one:
a body block that the chunker would take for a heading (`index.documents.chunk.is_heading`:
a short list item, a one-row table, a command) is indented by four spaces, and an
indented block is never a heading. A heading too long to read as one is shortened at a
word boundary.

`detect_language` guesses the language offline (lingua, among a few European languages);
`guess_regions` finds the Länder a document concerns (`index.regions`).
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from functools import cache
from pathlib import PurePath
from typing import Any

from index.config import MAX_TITLE_CHARS
from index.documents.chunk import is_heading
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

_HEADING_MAX_CHARS = 90
_HEADING_MAX_WORDS = 12
_HEADING_TRAILER = ":;,.…"
_INDENT = "    "
_NUMBER_START = re.compile(r"(?:\d+\.)*\d+\.?\s|[A-Z]\.\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_ATX = re.compile(r"^ {0,3}(#{1,6})[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$")
_SETEXT = re.compile(r"^ {0,3}(=+|-+)[ \t]*$")
_IMAGE = re.compile(r"!\[([^\]]*)\]\([^)]*\)")
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_BLANK_RUN = re.compile(r"\n{3,}")
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
        result = _pdf(data)
    elif fmt == "html":
        result = _html(_decode(data))
    elif fmt == "md":
        text = markdown_to_text(_decode(data))
        result = Extracted("md", text, _first_heading(_decode(data)))
    elif fmt == "txt":
        result = Extracted("txt", _clean(_decode(data)))
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
    lines = _clean(source).split("\n")
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
            out.extend(["", _source_heading(_inline(atx.group(2))), ""])
        elif line.strip() and after_blank and i < len(lines) and _SETEXT.match(lines[i]):
            headings.add(len(out) + 1)
            out.extend(["", _source_heading(_inline(line.strip())), ""])
            i += 1  # the underline
        else:
            out.append(_inline(line))
    for j, line in enumerate(out):
        alone = (j == 0 or not out[j - 1].strip()) and (j + 1 == len(out) or not out[j + 1].strip())
        if alone and j not in headings:
            out[j] = _body_block(line)
    return _BLANK_RUN.sub("\n\n", "\n".join(out)).strip("\n") + "\n"


def detect_language(text: str) -> str | None:
    """The ISO 639-1 code of `text`'s language among a few European ones, or None."""
    detector = _detector()
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
def _detector() -> Any:
    from lingua import Language, LanguageDetectorBuilder

    languages = [Language.from_iso_code_639_1(_iso(code)) for code in _DETECTABLE]
    return LanguageDetectorBuilder.from_languages(*languages).build()


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


def _clean(text: str) -> str:
    """Unix line ends, NFC, no control characters (tabs and newlines stay)."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return _CONTROL.sub("", text.replace("\f", "\n\n"))


def _inline(line: str) -> str:
    line = _IMAGE.sub(r"\1", line)
    line = _LINK.sub(r"\1", line)
    return _EMPHASIS.sub(r"\2", line)


def _heading(text: str) -> str:
    """A heading as the chunker recognises it: one line, no trailing colon or full stop."""
    return " ".join(text.split()).rstrip(_HEADING_TRAILER).strip()


def _source_heading(text: str) -> str:
    """A heading the source marks as one (Markdown, HTML): shortened at a word boundary
    when it is too long to read as a heading, so that it still starts a section."""
    heading = _heading(text)
    if is_heading(heading):
        return heading
    words = heading[: _HEADING_MAX_CHARS + 1].split()[:_HEADING_MAX_WORDS]
    while words and not is_heading(_heading(" ".join(words))):
        words.pop()
    return _heading(" ".join(words)) if words else heading[:_HEADING_MAX_CHARS]


def _body_block(block: str) -> str:
    """A block of body text, indented if it would otherwise read as a heading."""
    if block == block.lstrip() and is_heading(block):
        return _INDENT + block
    return block


def _code_block(block: str) -> str:
    """Preformatted text indented line by line: code never reads as a heading."""
    return "\n".join(_INDENT + line if line.strip() else line for line in block.split("\n"))


def _first_heading(source: str) -> str | None:
    for line in _clean(source).split("\n"):
        atx = _ATX.match(line)
        if atx and atx.group(2).strip():
            return _heading(_inline(atx.group(2)))[:MAX_TITLE_CHARS]
    return None


def _html(source: str) -> Extracted:
    """Main content as trafilatura finds it (no navigation, menus, footers), with the
    structure of the page: the page's blocks in order, kept when trafilatura kept their
    text, and each heading kept when the block after it is."""
    import trafilatura

    main = trafilatura.extract(
        source,
        output_format="txt",
        include_formatting=False,
        include_links=False,
        include_images=False,
        include_comments=False,
        include_tables=True,
    )
    if not main:
        raise ExtractionError(
            "No main text found in the HTML page (only navigation or boilerplate?)."
        )
    metadata = trafilatura.extract_metadata(source)
    title = metadata.title if metadata is not None and metadata.title else None
    kept_text = _squash(main)
    blocks = _html_blocks(source)
    out: list[tuple[bool, str]] = []
    pending: str | None = None
    cursor = 0
    last_group: Any = None
    for heading, text, group in blocks:
        if heading:
            pending = text
            continue
        found = _locate(kept_text, _squash(text), cursor)
        if found is None:
            continue  # boilerplate, or a block trafilatura left out (a heading stays pending)
        cursor = found
        if pending is not None:
            out.append((True, _source_heading(pending)))
            last_group = None
        pending = None
        if group is not None and group is last_group:
            out[-1] = (False, out[-1][1] + "\n" + text)  # rows of one table stay one block
        else:
            out.append((False, text))
        last_group = group
    parts = (part if heading else _body_block(part) for heading, part in out)
    text = "\n\n".join(parts) if out else _clean(main)
    text = _BLANK_RUN.sub("\n\n", text).strip("\n") + "\n"
    first = next((t for heading, t, _ in blocks if heading), None)
    return Extracted("html", text, title or (_heading(first) if first else None))


_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_BLOCKS = frozenset(
    {
        "p",
        "li",
        "dt",
        "dd",
        "pre",
        "blockquote",
        "tr",
        "caption",
        "figcaption",
        "div",
        "section",
        "table",
        "ul",
        "ol",
        "dl",
        "article",
        "main",
        "address",
    }
)
_UNIQUE_CHARS = 80
_NEARBY_CHARS = 300
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


def _html_blocks(source: str) -> list[tuple[bool, str, Any]]:
    """(is_heading, text, table) of every heading and innermost block of the page, in
    order; `table` tells table rows of the same table (None for other blocks)."""
    from lxml import html as lxml_html

    try:
        root = lxml_html.document_fromstring(_XML_DECLARATION.sub("", source, count=1))
    except (ValueError, TypeError, lxml_html.etree.ParserError):
        return []
    for bad in root.xpath("//script|//style|//noscript|//template|//head|//nav|//svg|//form"):
        bad.drop_tree()
    blocks: list[tuple[bool, str, Any]] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        if tag in _HEADINGS:
            # A heading inside a table (an admonition's "Note") is not the page's structure.
            text = " ".join(element.text_content().split())
            if text and not any(a.tag == "table" for a in element.iterancestors()):
                blocks.append((True, text, None))
        elif tag in _BLOCKS and not any(
            isinstance(d.tag, str) and (d.tag in _BLOCKS or d.tag in _HEADINGS)
            for d in element.iterdescendants()
        ):
            if any(a.tag in _HEADINGS for a in element.iterancestors()):
                continue
            if tag == "tr":
                cells = [(c.tag, " ".join(c.text_content().split())) for c in element]
                cells = [(t, c) for t, c in cells if c]
                if len(cells) == 1 and cells[0][0] == "th":
                    continue  # an admonition's label ("Note") or a lone header cell
                raw = " | ".join(c for _, c in cells)
            else:
                raw = element.text_content()
            text = _code_block(raw.strip("\n")) if tag == "pre" else " ".join(raw.split())
            if text.strip():
                table = next((a for a in element.iterancestors() if a.tag == "table"), None)
                blocks.append((False, _clean(text), table if tag == "tr" else None))
    return blocks


def _locate(haystack: str, needle: str, cursor: int) -> int | None:
    """Where `needle` ends in `haystack`, searching on from `cursor`: a short needle must be
    found close by (it could be anywhere), a long one may be found further on."""
    if not needle:
        return None
    at = haystack.find(needle, cursor)
    if at < 0:
        return None
    if len(needle) < _UNIQUE_CHARS and at - cursor > _NEARBY_CHARS:
        return None
    return at + len(needle)


def _squash(text: str) -> str:
    """Letters and digits only, lower-case: to compare texts whatever the spacing."""
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def _pdf(data: bytes) -> Extracted:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    if not data.lstrip()[:5] == b"%PDF-":
        raise ExtractionError("The file is not a PDF (it does not start with %PDF-).")
    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ExtractionError("The PDF is encrypted with a password; upload it decrypted.")
        read = [_pdf_page(page) for page in reader.pages]
        title = reader.metadata.title if reader.metadata is not None else None
    except ExtractionError:
        raise
    except (PyPdfError, ValueError, KeyError, TypeError, OSError, RecursionError) as exc:
        raise ExtractionError(f"The PDF cannot be parsed: {exc}") from exc
    texts = [text for text, _ in read]
    headings = [h for _, page_headings in read for h in page_headings]
    if not (title and title.strip()) and headings:
        title = headings[0]
    pages: list[int] = []
    parts: list[str] = []
    offset = 0
    for text in texts:
        pages.append(offset)
        parts.append(text)
        offset += len(text) + 2
    return Extracted("pdf", "\n\n".join(parts), title.strip() if title else None, tuple(pages))


def _pdf_page(page: Any) -> tuple[str, list[str]]:
    """One page's text; lines set larger than the page's body font become heading blocks."""
    sizes: dict[str, float] = {}
    weights: Counter[float] = Counter()

    def visit(text: str, cm: Any, tm: Any, font: Any, size: float) -> None:
        scale = abs(float(tm[3]) * float(cm[3])) or 1.0
        effective = round(float(size) * scale, 1)
        for piece in text.split("\n"):
            piece = " ".join(piece.split())
            if piece:
                sizes[piece] = max(sizes.get(piece, 0.0), effective)
                weights[effective] += len(piece)

    text = _clean(page.extract_text(visitor_text=visit) or "")
    body = weights.most_common(1)[0][0] if weights else 0.0
    lines: list[str] = []
    headings: list[str] = []
    wrapped: tuple[str, float] | None = None  # the heading so far and its size, if open
    for line in text.split("\n"):
        bare = " ".join(line.split())
        size = sizes.get(bare, 0.0)
        big = body and size >= body * 1.15 and len(bare) <= _HEADING_MAX_CHARS
        # A heading wrapped over lines of one size goes on, unless the line is numbered.
        if big and wrapped and wrapped[1] == size and not _NUMBER_START.match(bare):
            joined = wrapped[0] + ("" if wrapped[0].endswith("-") else " ") + bare
            if is_heading(_heading(joined)):
                headings[-1] = lines[-2] = _heading(joined)
                wrapped = (joined, size)
                continue
        if big and any(c.isalpha() for c in bare):
            headings.append(_heading(bare))
            lines.extend(["", headings[-1], ""])
            wrapped = (bare, size)
        else:
            lines.append(line.rstrip())
            wrapped = None
    return _BLANK_RUN.sub("\n\n", "\n".join(lines)).strip("\n"), headings
