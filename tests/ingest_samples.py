"""Small documents of every ingestible format, made in the tests."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from index.documents.corpus import Document
from index.embedding.base import Embedder, Vectors

T = TypeVar("T")

MARKDOWN = """# Wasserstoff-Cluster Sachsen

Der Wasserstoff-Cluster **HZwo** vernetzt Unternehmen und Hochschulen in Sachsen.
Mehr dazu auf [der Website](https://example.org/hzwo).

## Förderung

Der Freistaat Sachsen fördert das Clustermanagement mit 1,2 Millionen Euro pro Jahr.

## Partner:

Zu den Partnern gehören die TU Chemnitz und die Fraunhofer-Institute in Dresden.
"""

MARKDOWN_TEXT = """Wasserstoff-Cluster Sachsen

Der Wasserstoff-Cluster HZwo vernetzt Unternehmen und Hochschulen in Sachsen.
Mehr dazu auf der Website.

Förderung

Der Freistaat Sachsen fördert das Clustermanagement mit 1,2 Millionen Euro pro Jahr.

Partner

Zu den Partnern gehören die TU Chemnitz und die Fraunhofer-Institute in Dresden.
"""

HTML = """<!DOCTYPE html>
<html lang="en"><head><title>Photonics cluster Optence | Hessen</title></head>
<body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/contact">Contact us today</a></li></ul></nav>
<main><article>
<h1>Optence: the photonics network of Hessen</h1>
<p>Optence connects more than one hundred companies and research institutes working on
optical technologies in Hessen and Rheinland-Pfalz. The network organises working groups,
trade fair stands and cooperation projects for its members.</p>
<h2>Membership fees</h2>
<p>Small companies pay a reduced annual membership fee, and start-ups are free of charge
in their first two years of membership in the photonics network.</p>
</article></main>
<footer><p>Imprint · Privacy policy · Cookie settings</p></footer>
</body></html>
"""

PDF_PAGES = (
    (
        "Innovation strategy Thuringia",
        "The innovation strategy of Thuringia names five fields of specialisation. "
        "Optics and photonics in Jena are the best known of them.",
    ),
    (
        "Budget and governance",
        "The strategy is funded with 40 million euro from the ERDF per year. "
        "A strategy board steers its implementation.",
    ),
)


def markdown_table(doc: Document) -> str:
    """The `[[documents]]` table the library appends for `MARKDOWN` uploaded as hzwo.md."""
    return (
        "\n[[documents]]\n"
        f'id = "{doc.id}"\n'
        f'file = "{doc.id}.{doc.sha256[:12]}.txt"\n'
        'title = "Wasserstoff-Cluster Sachsen"\n'
        'language = "de"\n'
        'source = "hzwo.md"\n'
        'regions = ["Sachsen"]\n'
    )


def make_pdf(pages: tuple[tuple[str, str], ...] = PDF_PAGES) -> bytes:
    """A PDF with one page per (heading, body): the heading at 18 pt, the body at 11 pt."""
    from fpdf import FPDF

    pdf = FPDF()
    for heading, body in pages:
        pdf.add_page()
        pdf.set_font("helvetica", size=18)
        pdf.cell(text=heading)
        pdf.ln(14)
        pdf.set_font("helvetica", size=11)
        pdf.multi_cell(w=0, text=body)
    return bytes(pdf.output())


def empty_pdf() -> bytes:
    """A PDF with one blank page: nothing to extract."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.add_page()
    return bytes(pdf.output())


def copy_tree(src: Path, dst: Path) -> Path:
    """Copy a corpus or index directory (symlinks kept as links)."""
    shutil.copytree(src, dst, symlinks=True)
    return dst


def tree_state(*roots: Path) -> dict[str, bytes]:
    """Every file under `roots` (symlinks as their targets): to compare before and after."""
    state: dict[str, bytes] = {}
    for root in roots:
        for path in sorted(root.rglob("*")):
            key = str(path.relative_to(root.parent))
            if path.is_symlink():
                state[key] = b"-> " + str(path.readlink()).encode()
            elif path.is_file() and path.name not in (".update.lock",):
                state[key] = path.read_bytes()
    return state


class CountingEmbedder:
    """Wraps a model and counts the passages it embeds (`embedded`)."""

    def __init__(self, inner: Embedder) -> None:
        self.inner, self.model_id, self.dim = inner, inner.model_id, inner.dim
        self.embedded = 0

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.embedded += len(texts)
        return self.inner.encode_passages(texts)


class GatedEmbedder:
    """Wraps a model; the first passage batch containing `marker` waits at the gate until
    the test opens it (`embedding` is set once it waits). Records the passages embedded."""

    def __init__(self, inner: Embedder, marker: str) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.marker = marker
        self.embedding = threading.Event()
        self.gate = threading.Event()
        self.passages: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages.extend(texts)
        if not self.embedding.is_set() and any(self.marker in t for t in texts):
            self.embedding.set()
            assert self.gate.wait(120), "the test never opened the gate"
        return self.inner.encode_passages(texts)


def run_bounded(work: Callable[[], T], seconds: float = 120) -> T:
    """`work()` on a thread; fails the test if it has not returned within `seconds` (it
    waits on a lock it should not wait on)."""
    results: list[T] = []
    thread = threading.Thread(target=lambda: results.append(work()), daemon=True)
    thread.start()
    thread.join(seconds)
    assert not thread.is_alive(), f"still waiting after {seconds} s"
    assert results, "it raised (see the thread's traceback above)"
    return results[0]
