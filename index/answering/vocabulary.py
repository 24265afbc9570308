"""The words the answerer reads questions with, kept as data in `index/data/`.

* `question_pairs.tsv`: German ↔ English words that questions about facts use ("Mitarbeiter"
  / "employees", "gegründet" / "founded") whose translation the search term map
  (`terms.tsv`) does not carry. Same format as the term map, read by its loader
  (`index.text.terms.load_term_pairs`): `German<TAB>English<TAB>origin` a line.
* `question_words.txt`: the question words of both languages ("how", "wie", "welches",
  "seit"), one a line, which are never counted as what a question is about.

Each file is read once, when first needed; a malformed line is refused with its file and
line number.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from index.config import DATA_DIR
from index.text.analysis import fold
from index.text.terms import TermPair, load_term_pairs

__all__ = [
    "QUESTION_PAIRS_FILE",
    "QUESTION_WORDS_FILE",
    "load_word_list",
    "question_pairs",
    "question_words",
]

QUESTION_PAIRS_FILE = DATA_DIR / "question_pairs.tsv"
QUESTION_WORDS_FILE = DATA_DIR / "question_words.txt"


def load_word_list(path: Path) -> tuple[str, ...]:
    """The words of a word file, in order: one word of letters a line, `#` comments.

    Raises `ValueError` naming the file and line of an entry that is not one word.
    """
    words: list[str] = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        word = line.strip()
        if word and not word.startswith("#"):
            if not word.isalpha():
                raise ValueError(
                    f"{path}:{number}: expected one word of letters, got {line!r}. "
                    "Put each word on a line of its own; comments start with '#'."
                )
            words.append(word)
    return tuple(words)


@cache
def question_pairs() -> tuple[TermPair, ...]:
    """The pairs of `QUESTION_PAIRS_FILE`, read once."""
    return load_term_pairs(QUESTION_PAIRS_FILE)


@cache
def question_words() -> frozenset[str]:
    """The words of `QUESTION_WORDS_FILE`, folded (`index.text.analysis.fold`), read once."""
    return frozenset(fold(word) for word in load_word_list(QUESTION_WORDS_FILE))
