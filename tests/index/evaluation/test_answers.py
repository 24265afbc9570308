from __future__ import annotations

from pathlib import Path

from index.answering.answerer import Answer, Answerer
from index.embedding.base import Embedder
from index.evaluation.answers import (
    COVERAGE_THRESHOLDS,
    AnswerRun,
    Best,
    Graded,
    answer_runs,
    answer_sections,
    answers_section,
    coverage,
    coverage_section,
    figures,
    summarise,
)
from index.evaluation.retrieval import EvalContext, Question, evaluate, load_questions
from index.retrieval.searcher import Searcher

GOLD = Path(__file__).resolve().parents[3] / "eval" / "questions.jsonl"


def q(qid: str, answerable: bool, pair: str, gold: str | None = None) -> Question:
    return Question(qid, "?", "en", answerable, "d1" if answerable else None, pair, gold, "dev")


def test_summarise_counts_exactly() -> None:
    runs = [
        AnswerRun(q("a", True, "en->en", "25 staff"), "It has 25 staff.", 0.8, ("d1",)),
        AnswerRun(q("b", True, "en->de", "im Jahr 2011"), "Seit 2011.", 0.6, ("d2",)),
        AnswerRun(q("c", True, "de->de", "x"), None, 0.2, ()),
        AnswerRun(q("d", True, "de->en", "y"), "a y b", 0.7, ("d2", "d1")),
        AnswerRun(q("e", False, "xx->none"), None, 0.1, ()),
        AnswerRun(q("f", False, "xx->none"), "wrongly answered", 0.9, ("d1",)),
        AnswerRun(q("g", False, "xx->none"), None, 0.3, ()),
    ]
    s = summarise(runs)
    assert (s.answerable, s.unanswerable) == (4, 3)
    assert s.contains_gold == 0.5  # a, d
    assert s.answered == 0.75  # a, b, d
    assert s.cites_gold_document == 0.5  # a, d
    assert s.null == 0.667  # e, g
    assert s.precision == 0.5  # of a, b, d, f: a and d right
    assert runs[5].contains_gold is False  # unanswerable questions never "contain gold"
    empty = summarise([])
    assert (empty.contains_gold, empty.answered, empty.null) == (None, None, None)


def test_answers_section_on_two_gold_questions(searcher: Searcher, embedder: Embedder) -> None:
    questions = [x for x in load_questions(GOLD, "all") if x.id in ("q040", "q073")]
    answerer = Answerer(searcher, embedder)
    runs = answer_runs(answerer, questions)
    assert [r.answer is None for r in runs] == [False, True]
    assert runs[0].answer == "16 employees work in two offices in Rostock and Greifswald."
    section = answers_section(answerer)(EvalContext(searcher, questions, []))
    assert section.title == "Answers"
    assert section.columns == (
        "group", "n", "contains gold", "answered", "precision", "cites gold doc", "null"
    )  # fmt: skip
    assert section.rows == (
        ("all", 2, 1.0, 1.0, 1.0, 1.0, 1.0),
        ("en->en", 1, 1.0, 1.0, 1.0, 1.0, "–"),
        ("no answer", 1, "–", "–", "–", "–", 1.0),
    )


def test_evaluate_keeps_retrieval_first_and_adds_answers(
    searcher: Searcher, embedder: Embedder
) -> None:
    from index.evaluation.retrieval import SECTIONS

    questions = [x for x in load_questions(GOLD, "all") if x.id == "q016"]
    sections = {**SECTIONS, "answers": answers_section(Answerer(searcher, embedder))}
    report = evaluate(searcher, questions, split="all", sections=sections)
    assert [s.title for s in report.sections] == ["Retrieval", "Answers"]
    payload = report.to_json()
    assert payload["sections"][1]["rows"][0] == {
        "group": "all", "n": 1, "contains gold": 1.0, "answered": 1.0, "precision": 1.0,
        "cites gold doc": 1.0, "null": "–",
    }  # fmt: skip


def test_graded_replays_the_best_candidate() -> None:
    best = Best("It has 25 staff.", "d1", 0, 16)
    right = AnswerRun(q("a", True, "en->en", "25 staff"), None, 0.5, (), best)
    assert right.graded() == Graded(True, False, False, 0.5, True)
    wrong = AnswerRun(q("b", True, "en->en", "30 staff"), "It has 25 staff.", 0.7, ("d1",), best)
    assert wrong.graded() == Graded(True, True, False, 0.7, False)
    vetoed = AnswerRun(q("c", False, "xx->none"), None, 0.9, (), best, vetoed=True)
    assert vetoed.graded() == Graded(False, False, False, None, False)
    nothing = AnswerRun(q("d", True, "en->en", "x"), None, 0.0, ())
    assert nothing.graded() == Graded(True, False, False, None, False)


def test_figures_and_coverage_at_other_thresholds() -> None:
    graded = [
        Graded(True, True, True, 0.8, True),
        Graded(True, False, False, 0.5, True),
        Graded(True, True, False, 0.7, False),
        Graded(False, True, False, 0.65, False),
        Graded(False, False, False, None, False),  # vetoed: never answers
    ]
    # contains gold, answered, precision, null
    assert figures(graded) == (0.333, 0.667, 0.333, 0.5)
    assert figures(coverage(graded, 0.5)) == (0.667, 1.0, 0.5, 0.5)
    assert figures(coverage(graded, 0.75)) == (0.333, 0.333, 1.0, 1.0)
    assert figures(coverage(graded, 0.9)) == (0.0, 0.0, None, 1.0)
    assert figures([]) == (None, None, None, None)
    section = coverage_section(graded, "view", (0.5, 0.9))
    assert section.columns == ("threshold", "precision", "answered", "null", "contains gold")
    assert section.rows == ((0.5, 0.5, 1.0, 0.5, 0.667), (0.9, "–", 0.0, 1.0, 0.0))


def test_answer_sections_run_the_questions_once(searcher: Searcher, embedder: Embedder) -> None:
    questions = [x for x in load_questions(GOLD, "all") if x.id in ("q040", "q073")]
    answerer = Answerer(searcher, embedder)
    asked: list[str] = []
    original = answerer.ask

    def counting(question: str, k: int = 5, **kwargs: str | None) -> Answer:
        asked.append(question)
        return original(question, k, **kwargs)

    answerer.ask = counting  # type: ignore[method-assign]
    builders = answer_sections(answerer)
    ctx = EvalContext(searcher, questions, [])
    table, view = builders["answers"](ctx), builders["answer coverage"](ctx)
    assert len(asked) == 2
    assert table.rows[0] == ("all", 2, 1.0, 1.0, 1.0, 1.0, 1.0)
    assert view.title == f"Answers at other thresholds (the answerer's: {answerer.threshold})"
    assert [row[0] for row in view.rows] == list(COVERAGE_THRESHOLDS)
