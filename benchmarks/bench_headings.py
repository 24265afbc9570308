"""Do passages of real HTML manuals carry their section heading, and does every page build?

On the Debian reference manual and the Debian FAQ, English and German (apt-get install
debian-reference-en debian-reference-de debian-faq debian-faq-de), every HTML page is
extracted and chunked as an upload would be (`extract` then `chunk_document`). The
heading a passage should carry is read from the page itself, independently of the
extractor: the last h1–h6 (outside tables) before the passage's text in the page. A
passage carries its heading when its `section` is that heading (compared on letters and
digits) and its text lies within that one section of the page.

Prints per manual and language: pages, passages, the share carrying their heading, how
many have no section or a wrong one, passages not found in the page (the grader's limit:
text reordered or rewritten by extraction), pages whose extraction or chunking raised,
and whether `build_snapshot` ran over every page of the manual without skipping one (a
stand-in embedder: chunking and the pipeline around it are under test, not the model).
With --editions, the plain-text and PDF editions are also chunked whole, one document
each (no heading truth there: the share of passages with any section, and the build).

Usage: .venv/bin/python benchmarks/bench_headings.py [--show N] [--editions]
"""

from __future__ import annotations

import argparse
import bisect
import gzip
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from index.config import ChunkerConfig
from index.documents.chunk import Chunk, chunk_document
from index.documents.corpus import Document
from index.documents.extract import extract
from index.embedding.base import Vectors
from index.ingest.build import build_snapshot

MANUALS = {
    ("Debian reference", "en"): ("/usr/share/debian-reference", "*.en.html"),
    ("Debian reference", "de"): ("/usr/share/debian-reference", "*.de.html"),
    ("Debian FAQ", "en"): ("/usr/share/doc/debian/FAQ", "*.en.html"),
    ("Debian FAQ", "de"): ("/usr/share/doc/debian/FAQ/de", "*.de.html"),
}
EDITIONS = [
    ("/usr/share/debian-reference/debian-reference.en.txt.gz", "txt", "en"),
    ("/usr/share/debian-reference/debian-reference.de.txt.gz", "txt", "de"),
    ("/usr/share/doc/debian/FAQ/debian-faq.en.txt.gz", "txt", "en"),
    ("/usr/share/doc/debian/FAQ/debian-faq.de.txt.gz", "txt", "de"),
    ("/usr/share/debian-reference/debian-reference.en.pdf", "pdf", "en"),
    ("/usr/share/debian-reference/debian-reference.de.pdf", "pdf", "de"),
    ("/usr/share/doc/debian/FAQ/debian-faq.en.pdf.gz", "pdf", "en"),
    ("/usr/share/doc/debian/FAQ/debian-faq.de.pdf.gz", "pdf", "de"),
]
LABELS = ("carry", "none", "wrong", "unfound")
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_DROPPED = "//script|//style|//noscript|//template|//head|//nav|//svg|//form"


class StandInEmbedder:
    """Deterministic unit vectors from a hash of the text: fast, no model."""

    model_id = "stand-in"
    dim = 8

    def _encode(self, texts: Sequence[str]) -> Vectors:
        rows = []
        for text in texts:
            seed = int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")
            v = np.random.default_rng(seed).standard_normal(self.dim).astype(np.float32)
            rows.append(v / np.linalg.norm(v))
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)


@dataclass(frozen=True)
class PageSections:
    """The page's text (letters and digits only) and where each section of it starts."""

    text: str
    starts: list[int]
    headings: list[str | None]

    def section_at(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset) - 1


def squash(text: str) -> str:
    return "".join(ch for ch in text.casefold() if ch.isalnum())


def page_sections(source: str) -> PageSections:
    """The page's own sections: text nodes in document order, split at each h1–h6 that
    has text."""
    from lxml import html as lxml_html

    root = lxml_html.document_fromstring(source.encode("utf-8"))
    for bad in root.xpath(_DROPPED):
        bad.drop_tree()
    parts: list[str] = []
    starts = [0]
    headings: list[str | None] = [None]
    length = 0

    def visit(element: Any) -> None:
        nonlocal length
        tag = element.tag if isinstance(element.tag, str) else ""
        in_table = any(a.tag == "table" for a in element.iterancestors())
        heading = " ".join(element.text_content().split()) if tag in _HEADINGS else ""
        if heading and not in_table:
            starts.append(length)
            headings.append(heading)
        else:
            if element.text and isinstance(element.tag, str):
                parts.append(squash(element.text))
                length += len(parts[-1])
            for child in element:
                visit(child)
        if element.tail:
            parts.append(squash(element.tail))
            length += len(parts[-1])

    visit(root)
    return PageSections("".join(parts), starts, headings)


def locate(text: str, page: PageSections, cursor: int) -> tuple[int, int] | None:
    """Where a passage lies in the page text: the whole of it, else each of its blocks in
    order (blocks the extractor put side by side may stand apart in the page)."""
    whole = squash(text)
    at = page.text.find(whole, cursor)
    if at >= 0:
        return at, at + len(whole)
    start = end = -1
    for part in text.split("\n\n"):
        needle = squash(part)
        if not needle:
            continue
        at = page.text.find(needle, cursor)
        if at < 0:
            return None
        start = at if start < 0 else start
        end = cursor = at + len(needle)
    return (start, end) if start >= 0 else None


def grade(chunks: Sequence[Chunk], page: PageSections) -> list[tuple[str, str | None]]:
    """Per passage: "carry", "none" (no section), "wrong" (another section) or "unfound",
    and the heading it should carry."""
    grades: list[tuple[str, str | None]] = []
    cursor = 0
    for chunk in chunks:
        span = locate(chunk.text, page, cursor) or locate(chunk.text, page, 0)
        if span is None:
            grades.append(("unfound", None))
            continue
        cursor = span[0]
        first, last = page.section_at(span[0]), page.section_at(span[1] - 1)
        expected = page.headings[first]
        if first == last and squash(chunk.section or "") == squash(expected or ""):
            grades.append(("carry", expected))
        else:
            grades.append(("none" if chunk.section is None else "wrong", expected))
    return grades


def read(path: Path) -> bytes:
    data = path.read_bytes()
    return gzip.decompress(data) if path.suffix == ".gz" else data


def build(documents: Sequence[Document], config: ChunkerConfig) -> str:
    """Whether `build_snapshot` runs over all `documents`: "ok", or what went wrong."""
    skipped: list[str] = []
    try:
        snapshot = build_snapshot(documents, StandInEmbedder(), config, corpus_hash="bench",
                                  on_skip=lambda i, _: skipped.append(i))  # fmt: skip
    except Exception as exc:
        return f"ABORTED ({type(exc).__name__}: {str(exc)[:80]})"
    if skipped or len(snapshot.documents) != len(documents):
        return f"{len(skipped)} skipped: {', '.join(skipped)}"
    return "ok"


def html_manual(paths: Sequence[Path], lang: str, config: ChunkerConfig, show: int) -> list[Any]:
    """pages, passages, [carry, none, wrong, unfound], pages that failed, build outcome."""
    documents: list[Document] = []
    counts = [0, 0, 0, 0]
    failed = 0
    for path in paths:
        source = read(path).decode("utf-8")
        try:
            extracted = extract(source.encode("utf-8"), "html")
            doc = Document(path.stem.replace(".", "_"), extracted.title or path.stem, lang,
                           str(path), extracted.text)  # fmt: skip
            chunks = chunk_document(doc, config)
        except Exception as exc:
            failed += 1
            print(f"  FAILED {path.name}: {type(exc).__name__}: {str(exc)[:100]}")
            continue
        documents.append(doc)
        for chunk, (label, expected) in zip(chunks, grade(chunks, page_sections(source)),
                                            strict=True):  # fmt: skip
            counts[LABELS.index(label)] += 1
            if label != "carry" and show > 0:
                show -= 1
                print(f"  {label} {path.name}: {chunk.section!r} (page: {expected!r}): "
                      f"{chunk.text[:80]!r}")  # fmt: skip
    return [len(paths), sum(counts), counts, failed, build(documents, config)]


def whole_manual(path: Path, fmt: str, lang: str, config: ChunkerConfig) -> str:
    """One edition (plain text or PDF) as a single document: passages, share with a
    section, and whether it builds."""
    try:
        extracted = extract(read(path), fmt)
        doc = Document(path.name.replace(".", "_"), path.name, lang, str(path), extracted.text)
        chunks = chunk_document(doc, config)
    except Exception as exc:
        return f"FAILED ({type(exc).__name__}: {str(exc)[:80]})"
    with_section = sum(1 for c in chunks if c.section is not None) / max(len(chunks), 1)
    built = build([doc], config)
    return f"{len(chunks):5} passages, {with_section:6.1%} with a section, build {built}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", type=int, default=0, help="print N misses per manual")
    parser.add_argument("--editions", action="store_true",
                        help="also chunk the plain-text and PDF editions whole (slow)")  # fmt: skip
    args = parser.parse_args()
    config = ChunkerConfig()
    total = [0, 0]
    print("HTML pages: passages carrying the page's own heading")
    print(f"{'manual':18} {'lang':4} {'pages':>5} {'passages':>8} {'carry':>7} "
          f"{'none':>5} {'wrong':>5} {'unfound':>7} {'failed':>6}  build")  # fmt: skip
    for (manual, lang), (folder, pattern) in MANUALS.items():
        paths = sorted(p for p in Path(folder).glob(pattern) if not p.is_symlink())
        if not paths:
            print(f"{manual:18} {lang:4} not installed ({folder}/{pattern})")
            continue
        pages, passages, counts, failed, built = html_manual(paths, lang, config, args.show)
        total[0] += counts[0]
        total[1] += passages
        share = counts[0] / passages if passages else 0.0
        print(f"{manual:18} {lang:4} {pages:5} {passages:8} {share:7.1%} {counts[1]:5} "
              f"{counts[2]:5} {counts[3]:7} {failed:6}  {built}")  # fmt: skip
    if total[1]:
        print(f"{'all':23} {'':5} {total[1]:8} {total[0] / total[1]:7.1%}")
    if args.editions:
        print("Whole editions as one document each")
        for path, fmt, lang in EDITIONS:
            if Path(path).exists():
                print(f"  {Path(path).name:32} {whole_manual(Path(path), fmt, lang, config)}")


if __name__ == "__main__":
    main()
