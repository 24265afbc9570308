"""HTML to stored text: the main content (trafilatura) in the page's own structure (lxml).

Sections are the page's h1–h6 (a heading inside a table, an admonition's "Note", is
not one); table rows of one table stay one block, cells joined by " | "; `pre` is code,
indented line by line; any other block that would read as a heading is indented.
"""

from __future__ import annotations

import re
from typing import Any

from index.documents.blocks import (
    BLANK_RUN,
    body_block,
    clean,
    code_block,
    heading_text,
    source_heading,
)
from index.errors import ExtractionError

__all__ = ["html_to_text"]

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


def html_to_text(source: str) -> tuple[str, str | None]:
    """The stored text and title of an HTML page: its main content as trafilatura finds
    it (no navigation, menus, footers), with the structure of the page: the page's blocks
    in order, kept when trafilatura kept their text, and each heading kept when a block
    after it is."""
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
            out.append((True, source_heading(pending)))
            last_group = None
        pending = None
        if group is not None and group is last_group:
            out[-1] = (False, out[-1][1] + "\n" + text)  # rows of one table stay one block
        else:
            out.append((False, text))
        last_group = group
    parts = (part if heading else body_block(part) for heading, part in out)
    text = "\n\n".join(parts) if out else clean(main)
    text = BLANK_RUN.sub("\n\n", text).strip("\n") + "\n"
    first = next((t for heading, t, _ in blocks if heading), None)
    return text, title or (heading_text(first) if first else None)


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
            text = code_block(raw.strip("\n")) if tag == "pre" else " ".join(raw.split())
            if text.strip():
                table = next((a for a in element.iterancestors() if a.tag == "table"), None)
                blocks.append((False, clean(text), table if tag == "tr" else None))
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
