"""A small, explicit German ↔ English map of the domain's vocabulary, kept as data.

It serves two purposes: a query in one language also looks for the other language's
words in BM25 (an English question about a German passage), and a passage's words are
highlighted when they translate a query word. The pairs live in `index/data/terms.tsv`
(German, English, origin): generic words of regional innovation policy, plus pairs added
for failures on the *dev* questions of the gold set, each marked with its question id, so
what was tuned on is on record. Land names are not here: the gazetteer (`index.text.regions`)
covers them.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from pathlib import Path

from index.config import DATA_DIR

__all__ = ["TERMS_FILE", "TermPair", "load_term_pairs", "term_pairs"]

TERMS_FILE = DATA_DIR / "terms.tsv"


@dataclass(frozen=True, slots=True)
class TermPair:
    """German and English surface forms of one term, and why the pair is in the map."""

    german: str
    english: str
    origin: str


def load_term_pairs(path: Path) -> tuple[TermPair, ...]:
    """The pairs of a term file: `German<TAB>English<TAB>origin` a line, `#` comments.

    Raises `ValueError` naming the file and line of a malformed entry.
    """
    pairs: list[TermPair] = []
    text = path.read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = [f.strip() for f in line.split("\t")]
        if len(fields) != 3 or not all(fields):
            raise ValueError(
                f"{path}:{number}: expected 'German<TAB>English<TAB>origin' with three "
                f"non-empty fields, got {line!r}. Separate the fields with one tab each."
            )
        origin = fields[2]
        if origin != "domain" and not origin.startswith("dev:"):
            raise ValueError(
                f"{path}:{number}: origin must be 'domain' or 'dev:<question id>', got "
                f"{origin!r}. Pairs are never added for test questions."
            )
        pairs.append(TermPair(fields[0], fields[1], origin))
    return tuple(pairs)


@cache
def term_pairs() -> tuple[TermPair, ...]:
    """The pairs of the shipped term map (`TERMS_FILE`), read once."""
    return load_term_pairs(TERMS_FILE)
