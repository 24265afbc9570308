from __future__ import annotations

from pathlib import Path

import pytest

from index.answering.answerer import Answerer
from index.config import ChunkerConfig
from index.documents.corpus import Document
from index.embedding.base import Embedder
from index.evaluation.answers import Best, Graded
from index.evaluation.faq import (
    FaqQuestion,
    FaqRun,
    FaqSection,
    faq_answers,
    faq_builders,
    faq_questions,
    faq_sections,
    faq_tables,
    held_out,
    is_question,
    load_faq,
    without_sections,
)
from index.evaluation.retrieval import EvalContext
from index.retrieval.searcher import Searcher

EN = """<html><head><title>Chapter 1. Basics</title></head><body>
<h1>Chapter 1. Basics</h1>
<h2>1.1. What is a package?</h2>
<p>A package bundles a program with its files and the metadata the installer needs.</p>
<h2>1.2. How do I install a package?</h2><p>Run apt install with the package name as root.</p>
<h2>1.3. Who maintains the mirrors?</h2><p>Volunteers around the world run the mirror servers.</p>
<h2>1.4. Feedback</h2><p>Send your comments by mail.</p>
</body></html>"""
DE = """<html><head><title>Kapitel 1. Grundlagen</title></head><body>
<h1>Kapitel 1. Grundlagen</h1>
<h2>1.1. Was ist ein Paket?</h2>
<p>Ein Paket bündelt ein Programm mit seinen Dateien und den Metadaten für den Installer.</p>
<h2>1.2. Wie installiere ich ein Paket?</h2>
<p>Rufen Sie als root apt install mit dem Paketnamen auf.</p>
<h2>1.3. Wer betreibt die Spiegelserver?</h2>
<p>Freiwillige in aller Welt betreiben die Spiegelserver.</p>
<h2>1.4. Rückmeldungen</h2><p>Schicken Sie Ihre Kommentare per Mail.</p>
</body></html>"""
# A table of contents (no numbered heading lines of its own) and a part in English only.
INDEX = "<html><body><h1>The FAQ</h1><p>Permission is granted to copy.</p></body></html>"
ONLY_EN = "<html><body><h2>2.1. Is this translated?</h2><p>No, it is not.</p></body></html>"

EN_TEXT = (
    "1.1. What is a package?\n\n"
    "A package bundles a program with its files and the metadata the installer needs.\n\n"
    "1.2. How do I install a package?\n\n"
    "Run apt install with the package name as root.\n\n"
    "1.3. Who maintains the mirrors?\n\n"
    "Volunteers around the world run the mirror servers.\n\n"
    "1.4. Feedback\n\n"
    "Send your comments by mail.\n"
)


@pytest.fixture
def faq_dir(tmp_path: Path) -> Path:
    (tmp_path / "de").mkdir()
    (tmp_path / "basics.en.html").write_text(EN, encoding="utf-8")
    (tmp_path / "de" / "basics.de.html").write_text(DE, encoding="utf-8")
    (tmp_path / "index.en.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "de" / "index.de.html").write_text(INDEX, encoding="utf-8")
    (tmp_path / "extra.en.html").write_text(ONLY_EN, encoding="utf-8")
    return tmp_path


def _doc(text: str, lang: str = "en") -> Document:
    return Document(id=f"basics.{lang}", title="Basics", language=lang, source="x", text=text)


def test_load_faq_keeps_parts_with_numbered_headings_in_every_language(faq_dir: Path) -> None:
    corpus = load_faq(faq_dir)
    assert list(corpus) == ["basics"]
    assert sorted(corpus["basics"]) == ["de", "en"]
    en = corpus["basics"]["en"]
    assert (en.id, en.language, en.source) == ("basics.en", "en", str(faq_dir / "basics.en.html"))
    assert en.text == EN_TEXT
    assert load_faq(faq_dir / "missing") == {}


def test_faq_sections_split_heading_line_and_body() -> None:
    assert faq_sections(EN_TEXT) == [
        FaqSection("1.1", "What is a package?", 0, 24, 107),
        FaqSection("1.2", "How do I install a package?", 107, 140, 189),
        FaqSection("1.3", "Who maintains the mirrors?", 189, 221, 275),
        FaqSection("1.4", "Feedback", 275, 289, 318),
    ]
    assert EN_TEXT[140:189] == "\nRun apt install with the package name as root.\n\n"
    last = faq_sections("Intro\n1.1. No body at the end")
    assert last == [FaqSection("1.1", "No body at the end", 6, 29, 29)]


def test_is_question() -> None:
    assert is_question("What is a package? ")
    assert not is_question("Feedback")


def test_held_out_counts_questions_in_every_language_over_the_parts() -> None:
    two_languages = {
        "a": {"en": _doc(EN_TEXT), "de": _doc("1.1. Was?\n\nx\n\n1.3. Wer?\n\ny\n", "de")},
        "b": {"en": _doc("3.1. Why?\n\nz\n"), "de": _doc("3.1. Warum?\n\nz\n", "de")},
    }
    # questions in both languages: a 1.1, a 1.3, b 3.1 (a 1.2 is not asked in German)
    assert held_out(two_languages, every=2) == frozenset({("a", "1.3")})
    assert held_out(two_languages, every=1) == frozenset({("a", "1.1"), ("a", "1.3"), ("b", "3.1")})
    assert held_out(two_languages) == frozenset({("b", "3.1")})
    with pytest.raises(ValueError, match="every must be at least 1"):
        held_out(two_languages, every=0)


def test_without_sections_cuts_heading_and_body() -> None:
    cut = without_sections(_doc(EN_TEXT), frozenset({"1.1", "1.3"}))
    assert cut.text == (
        "1.2. How do I install a package?\n\n"
        "Run apt install with the package name as root.\n\n"
        "1.4. Feedback\n\n"
        "Send your comments by mail.\n"
    )
    assert cut.id == "basics.en"
    same = _doc(EN_TEXT)
    assert without_sections(same, frozenset({"9.9"})) is same


def test_faq_questions_answerable_in_their_section_else_held_out(faq_dir: Path) -> None:
    corpus = load_faq(faq_dir)
    held = held_out(corpus)
    assert held == frozenset({("basics", "1.3")})
    indexed, questions = faq_questions(corpus, held, (("en", "de"), ("de", "de")))
    assert "Spiegelserver" not in indexed["basics"]["de"].text
    assert "mirror" not in indexed["basics"]["en"].text
    assert [(q.id, q.question, q.answerable) for q in questions] == [
        ("en->de:basics:1.1", "What is a package?", True),
        ("en->de:basics:1.2", "How do I install a package?", True),
        ("en->de:basics:1.3", "Who maintains the mirrors?", False),
        ("de->de:basics:1.1", "Was ist ein Paket?", True),
        ("de->de:basics:1.2", "Wie installiere ich ein Paket?", True),
        ("de->de:basics:1.3", "Wer betreibt die Spiegelserver?", False),
    ]
    first = questions[0]
    assert (first.pair, first.document_id, first.target_lang) == ("en->de", "basics.de", "de")
    assert first.gold is not None
    text = indexed["basics"]["de"].text
    assert text[first.gold[0] : first.gold[1]] == (
        "\nEin Paket bündelt ein Programm mit seinen Dateien und den Metadaten "
        "für den Installer.\n\n"
    )
    assert (questions[2].document_id, questions[2].gold) == (None, None)


def test_a_section_without_body_is_not_asked() -> None:
    corpus = {"a": {"en": _doc("1.1. Why?\n\n1.1.1. Because?\n\nIt is so.\n")}}
    _, questions = faq_questions(corpus, frozenset(), (("en", "en"),))
    assert [q.question for q in questions] == ["Because?"]


Q = FaqQuestion("en->en:a:1.1", "What?", "en", "en", "a.en", (10, 50))
HELD = FaqQuestion("en->en:a:1.2", "Who?", "en", "en", None, None)


def test_holds_only_within_the_gold_body_of_its_document() -> None:
    assert Q.holds(Best("x", "a.en", 10, 50))
    assert not Q.holds(Best("x", "a.en", 9, 20))  # starts on the heading line
    assert not Q.holds(Best("x", "a.en", 40, 51))
    assert not Q.holds(Best("x", "a.de", 10, 20))
    assert not HELD.holds(Best("x", "a.en", 10, 20))


def test_faq_run_graded() -> None:
    inside, outside = Best("x", "a.en", 12, 30), Best("y", "a.en", 60, 70)
    assert FaqRun(Q, "x", 0.7, inside, False).graded() == Graded(True, True, True, 0.7, True)
    assert FaqRun(Q, "y", 0.7, outside, False).graded() == Graded(True, True, False, 0.7, False)
    assert FaqRun(Q, None, 0.4, inside, False).graded() == Graded(True, False, False, 0.4, True)
    assert FaqRun(Q, None, 0.9, inside, True).graded() == Graded(True, False, False, None, True)
    assert FaqRun(HELD, "y", 0.8, outside, False).graded() == Graded(False, True, False, 0.8, False)
    assert FaqRun(HELD, None, 0.0, None, False).graded() == Graded(False, False, False, None, False)


def test_faq_tables_per_pair_then_all() -> None:
    inside = Best("x", "a.en", 12, 30)
    de = FaqQuestion("de->en:a:1.1", "Was?", "de", "en", "a.en", (10, 50))
    runs = [
        FaqRun(Q, "x", 0.7, inside, False),
        FaqRun(HELD, "y", 0.65, Best("y", "a.en", 60, 70), False),
        FaqRun(de, None, 0.5, inside, False),
    ]
    table, view = faq_tables(runs, "note", 0.6)
    assert table.title == "Out of domain: FAQ question headings answered (note)"
    assert table.columns == ("pair", "n", "right", "answered", "precision", "null")
    assert table.rows == (
        ("en->en", 2, 1.0, 1.0, 0.5, 0.0),
        ("de->en", 1, 0.0, 0.0, "–", "–"),
        ("all", 3, 0.5, 0.5, 0.5, 0.0),
    )
    assert view.title == "FAQ answers at other thresholds (the answerer's: 0.6)"
    by_threshold = {row[0]: row[1:] for row in view.rows}
    assert by_threshold[0.45] == (0.667, 1.0, 0.0, 1.0)
    assert by_threshold[0.7] == (1.0, 0.5, 1.0, 0.5)
    assert by_threshold[0.8] == ("–", 0.0, 1.0, 0.0)


def test_faq_builders_without_answerer_hold_the_note(searcher: Searcher) -> None:
    builders = faq_builders((), None, "skipped: no FAQ")
    section = builders["faq answers"](EvalContext(searcher, [], []))
    assert list(builders) == ["faq answers"]
    assert (section.columns, section.rows) == (("note",), (("skipped: no FAQ",),))


def test_faq_answers_skip_cleanly_without_a_faq(
    tmp_path: Path, searcher: Searcher, embedder: Embedder
) -> None:
    like = Answerer(searcher, embedder)
    builders = faq_answers(tmp_path, embedder, tmp_path / "c.sqlite", ChunkerConfig(), like)
    (note,) = builders["faq answers"](EvalContext(searcher, [], [])).rows[0]
    assert note == (
        f"skipped: no PART.en.html with PART.de.html under {tmp_path} (apt-get install "
        "debian-faq debian-faq-de, or pass --faq DIR)"
    )
    assert not (tmp_path / "c.sqlite").exists()


def test_faq_answers_on_a_small_faq(
    faq_dir: Path, tmp_path: Path, searcher: Searcher, embedder: Embedder
) -> None:
    like = Answerer(searcher, embedder)
    cache = tmp_path / "c.sqlite"
    builders = faq_answers(faq_dir, embedder, cache, ChunkerConfig(), like)
    ctx = EvalContext(searcher, [], [])
    table, view = builders["faq answers"](ctx), builders["faq coverage"](ctx)
    assert table.title == (
        f"Out of domain: FAQ question headings answered ({faq_dir}: 1 parts, 6 passages, "
        "12 questions of which 4 held out)"
    )
    # the held-out questions name words the index has no trace of ("mirrors",
    # "Spiegelserver"): null at any threshold; of the two answerable questions asked of
    # the German FAQ, one is answered from another section
    assert table.rows == (
        ("en->en", 3, 1.0, 1.0, 1.0, 1.0),
        ("de->de", 3, 0.5, 1.0, 0.5, 1.0),
        ("en->de", 3, 0.5, 1.0, 0.5, 1.0),
        ("de->en", 3, 1.0, 1.0, 1.0, 1.0),
        ("all", 12, 0.75, 1.0, 0.75, 1.0),
    )
    assert view.rows[0] == (0.4, 0.75, 1.0, 1.0, 0.75)
    assert cache.exists()
