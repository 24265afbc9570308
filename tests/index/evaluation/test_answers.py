from __future__ import annotations

from pathlib import Path

from index.answering.answerer import Answerer
from index.embedding.base import Embedder
from index.evaluation.answers import AnswerRun, answer_runs, answers_section, summarise
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
    assert runs[5].contains_gold is False  # unanswerable questions never "contain gold"
    empty = summarise([])
    assert (empty.contains_gold, empty.answered, empty.null) == (None, None, None)


def test_answers_section_on_two_gold_questions(searcher: Searcher, embedder: Embedder) -> None:
    questions = [x for x in load_questions(GOLD, "all") if x.id in ("q038", "q073")]
    answerer = Answerer(searcher, embedder)
    runs = answer_runs(answerer, questions)
    assert [r.answer is None for r in runs] == [False, True]
    assert runs[0].answer == "Every year 1,2 mio. euros are available to fulfill the tasks."
    section = answers_section(answerer)(EvalContext(searcher, questions, []))
    assert section.title == "Answers"
    assert section.columns == ("group", "n", "contains gold", "answered", "cites gold doc", "null")
    assert section.rows == (
        ("all", 2, 1.0, 1.0, 1.0, 1.0),
        ("en->en", 1, 1.0, 1.0, 1.0, "–"),
        ("no answer", 1, "–", "–", "–", 1.0),
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
        "group": "all", "n": 1, "contains gold": 1.0, "answered": 1.0, "cites gold doc": 1.0,
        "null": "–",
    }  # fmt: skip
