from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from index.evaluation.retrieval import (
    SECTIONS,
    EvalContext,
    Section,
    evaluate,
    hit_at_k,
    load_questions,
    ndcg_at_k,
    recall_at_k,
    reciprocal_rank,
    relevant_chunks,
)
from index.retrieval.searcher import Searcher
from tests.conftest import REPO

QUESTIONS = REPO / "eval" / "questions.jsonl"


def test_hit_at_k() -> None:
    assert hit_at_k([5, 7, 9], {7}, 1) == 0.0
    assert hit_at_k([5, 7, 9], {7}, 2) == 1.0
    assert hit_at_k([], {7}, 1) == 0.0


def test_reciprocal_rank_within_depth() -> None:
    assert reciprocal_rank([5, 7, 9], {9}) == pytest.approx(1 / 3)
    assert reciprocal_rank([5, 7, 9], {9}, k=2) == 0.0
    assert reciprocal_rank([5, 7, 9], {7, 9}) == 0.5


def test_recall_counts_every_relevant_passage() -> None:
    assert recall_at_k([1, 2, 3, 4, 5, 6], {2, 6}, 5) == 0.5
    assert recall_at_k([1, 2], {1, 2}, 5) == 1.0
    assert recall_at_k([1, 2], set(), 5) == 0.0


def test_ndcg_binary_relevance() -> None:
    # one relevant at rank 2: (1/log2 3) / (1/log2 2)
    assert ndcg_at_k([4, 8, 1], {8}) == pytest.approx(1 / math.log2(3))
    # two relevant at ranks 1 and 3; ideal ranks 1 and 2
    expected = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert ndcg_at_k([8, 4, 1], {8, 1}) == pytest.approx(expected)
    assert ndcg_at_k([8], {8}) == 1.0
    assert ndcg_at_k([8], set()) == 0.0


def test_load_questions_by_split() -> None:
    dev, test, every = (load_questions(QUESTIONS, s) for s in ("dev", "test", "all"))
    assert (len(dev), len(test), len(every)) == (335, 44, 379)
    assert sum(q.answerable for q in test) == 33
    with pytest.raises(ValueError, match="split must be one of dev, test, all"):
        load_questions(QUESTIONS, "train")


def test_every_gold_string_is_in_exactly_one_chunk(searcher: Searcher) -> None:
    for q in load_questions(QUESTIONS):
        if q.answerable:
            assert len(relevant_chunks(searcher, q)) == 1, q.id


def test_evaluate_reports_every_method_and_pair(searcher: Searcher, tmp_path: Path) -> None:
    rows = [json.loads(line) for line in QUESTIONS.read_text(encoding="utf-8").splitlines()]
    picked = [r for r in rows if r["id"] in {"q016", "q035", "q068"}]
    path = tmp_path / "q.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in picked), encoding="utf-8")
    questions = load_questions(path)
    report = evaluate(searcher, questions, split="all")
    assert report.questions == 3
    (section,) = report.sections
    assert section.columns == ("method", "pair", "n", "hit@1", "MRR@10", "recall@5", "nDCG@10")
    assert [(r[0], r[1], r[2]) for r in section.rows] == [
        (m, p, n)
        for m in ("hybrid", "dense", "bm25", "bm25+bridge")
        for p, n in (("all", 2), ("de->de", 1), ("en->de", 1))
    ]
    # "Optik in Jena" / the Jena optics cluster: the Thüringen passage ranks first
    assert section.rows[0][3:] == (1.0, 1.0, 1.0, 1.0)
    assert len(report.runs) == 8  # 2 answerable questions x 4 methods
    assert report.to_json()["sections"][0]["rows"][0]["hit@1"] == 1.0


def test_sections_are_pluggable(searcher: Searcher) -> None:
    def count(ctx: EvalContext) -> Section:
        return Section("Count", ("questions",), ((len(ctx.questions),),))

    q = [q for q in load_questions(QUESTIONS) if q.id == "q016"]
    report = evaluate(searcher, q, sections={**SECTIONS, "count": count})
    assert [s.title for s in report.sections] == ["Retrieval", "Count"]
    assert report.sections[1].rows == ((1,),)
