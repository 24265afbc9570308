from __future__ import annotations

import tomllib
from fnmatch import fnmatch
from pathlib import Path

import pytest

from index.answering.vocabulary import (
    QUESTION_PAIRS_FILE,
    QUESTION_WORDS_FILE,
    load_word_list,
    question_pairs,
    question_words,
)
from index.text.terms import TermPair, load_term_pairs
from tests.conftest import REPO


def test_the_shipped_question_pairs_load() -> None:
    pairs = question_pairs()
    assert len(pairs) == 25
    assert pairs[0] == TermPair("Mitarbeiter", "employees", "domain")
    assert TermPair("Geschäftsführer", "managing director", "domain") in pairs
    assert {p.origin for p in pairs} == {"domain"}  # none added for a single question


def test_the_shipped_question_words_load_folded() -> None:
    words = question_words()
    assert len(words) == 55  # "was" is an English and a German question word
    assert {"how", "welches", "heisst", "worueber", "wofuer", "hoch"} <= words
    assert "heißt" not in words
    assert load_word_list(QUESTION_WORDS_FILE)[:3] == ("how", "many", "much")


def test_comments_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "words.txt"
    path.write_text("# note\n\n  wie \nwann\n# English\nhow\n", encoding="utf-8")
    assert load_word_list(path) == ("wie", "wann", "how")


@pytest.mark.parametrize("line", ["wie viele", "wie-viel", "w2", "how?", "wie\tviel", "\u200bhow"])
def test_a_line_that_is_not_one_word_is_refused_with_its_place(tmp_path: Path, line: str) -> None:
    path = tmp_path / "words.txt"
    path.write_text(f"# question words\nwie\n{line}\nwann\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"words\.txt:3: expected one word of letters, got "):
        load_word_list(path)


def test_the_question_pairs_use_the_term_maps_format_and_its_errors(tmp_path: Path) -> None:
    path = tmp_path / "question_pairs.tsv"
    shipped = QUESTION_PAIRS_FILE.read_text(encoding="utf-8")
    path.write_text(shipped + "Einwohner inhabitants domain\n", encoding="utf-8")
    bad_line = len(shipped.splitlines()) + 1
    with pytest.raises(ValueError, match=rf"question_pairs\.tsv:{bad_line}: expected 'German"):
        load_term_pairs(path)


def test_the_word_files_are_package_data() -> None:
    assert QUESTION_PAIRS_FILE == REPO / "index" / "data" / "question_pairs.tsv"
    assert QUESTION_WORDS_FILE == REPO / "index" / "data" / "question_words.txt"
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    shipped = pyproject["tool"]["setuptools"]["package-data"]["index"]
    for path in (QUESTION_PAIRS_FILE, QUESTION_WORDS_FILE):
        name = path.relative_to(REPO / "index").as_posix()
        assert any(fnmatch(name, pattern) for pattern in shipped), name
