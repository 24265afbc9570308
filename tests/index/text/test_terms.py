from __future__ import annotations

import json
from pathlib import Path

import pytest

from index.text.terms import TERMS_FILE, TermPair, load_term_pairs, term_pairs
from tests.conftest import REPO


def test_the_shipped_map_loads() -> None:
    pairs = term_pairs()
    assert TermPair("Förderung", "funding", "domain") in pairs
    assert TermPair("Vertrauen", "trust", "dev:q060") in pairs
    assert all(p.german and p.english for p in pairs)


def test_pairs_are_added_for_dev_questions_only() -> None:
    """The test split is only reported: no pair of the map may come from a test question."""
    rows = [json.loads(line) for line in (REPO / "eval" / "questions.jsonl").open(encoding="utf-8")]
    split = {r["id"]: r["split"] for r in rows}
    tuned = {p.origin.removeprefix("dev:") for p in term_pairs() if p.origin != "domain"}
    assert tuned  # the map records what it was tuned on
    assert {q: split.get(q) for q in tuned} == dict.fromkeys(tuned, "dev")


def test_comments_and_blank_lines_are_skipped(tmp_path: Path) -> None:
    path = tmp_path / "t.tsv"
    path.write_text("# note\n\nHaus\thouse\tdomain\n", encoding="utf-8")
    assert load_term_pairs(path) == (TermPair("Haus", "house", "domain"),)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("Haus house domain", r"t.tsv:2: expected 'German<TAB>English<TAB>origin'"),
        ("Haus\t\tdomain", "three non-empty fields"),
        ("Haus\thouse\ttest:q002", "origin must be 'domain' or 'dev:<question id>'"),
    ],
)
def test_malformed_lines_are_refused_with_their_place(
    tmp_path: Path, line: str, message: str
) -> None:
    path = tmp_path / "t.tsv"
    path.write_text(f"Haus\thouse\tdomain\n{line}\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_term_pairs(path)


def test_terms_file_is_package_data() -> None:
    assert TERMS_FILE == REPO / "index" / "data" / "terms.tsv"
