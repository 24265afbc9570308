"""Measured retrieval quality on the gold question set (`eval/questions.jsonl`).

A retrieved passage is *relevant* to a question when it belongs to the gold document and
contains the gold string. Retrieval metrics use the answerable questions only:

* hit@1     the first passage is relevant;
* MRR@10    1 / rank of the first relevant passage within the top 10 (0 if none);
* recall@5  share of the relevant passages that are in the top 5;
* nDCG@10   binary-relevance nDCG of the top 10.

`evaluate(searcher, questions)` runs every ranking method of `METHODS` (the configured
hybrid ranking and the dense-only and BM25-only baselines) in one pass and returns a
`Report` of `Section`s. Further sections (e.g. answer metrics) register a builder in
`SECTIONS`; `clustersearch eval` prints every registered section.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from index.config import RankingConfig
from index.retrieval.searcher import Searcher

__all__ = [
    "METHODS",
    "METRICS",
    "PAIRS",
    "SECTIONS",
    "SPLITS",
    "EvalContext",
    "Question",
    "QuestionRun",
    "Report",
    "Section",
    "evaluate",
    "hit_at_k",
    "load_questions",
    "ndcg_at_k",
    "recall_at_k",
    "reciprocal_rank",
    "relevant_chunks",
    "retrieval_runs",
]

PAIRS = ("en->en", "de->de", "en->de", "de->en")
SPLITS = ("dev", "test", "all")
DEPTH = 10


@dataclass(frozen=True, slots=True)
class Question:
    """One gold question (see eval/README.md for the fields)."""

    id: str
    question: str
    lang: str
    answerable: bool
    document_id: str | None
    pair: str
    gold: str | None
    split: str
    regions: tuple[str, ...] = ()
    typo: bool = False


def load_questions(path: Path, split: str = "all") -> list[Question]:
    """The questions of `path` in `split` ('dev', 'test' or 'all')."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {', '.join(SPLITS)}, got {split!r}")
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if not line.strip():
                continue
            row = json.loads(line)
            q = Question(
                id=row["id"],
                question=row["question"],
                lang=row["lang"],
                answerable=bool(row["answerable"]),
                document_id=row.get("document_id"),
                pair=row["pair"],
                gold=row.get("gold"),
                split=row["split"],
                regions=tuple(row.get("regions", ())),
                typo=bool(row.get("typo", False)),
            )
            if split == "all" or q.split == split:
                out.append(q)
    return out


# --- metrics: `ranked` is the retrieved chunk ids in order, `relevant` the relevant ones ---


def hit_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int = 1) -> float:
    """1.0 if a relevant passage is among the first `k`, else 0.0."""
    rel = set(relevant)
    return 1.0 if any(cid in rel for cid in ranked[:k]) else 0.0


def reciprocal_rank(ranked: Sequence[int], relevant: Iterable[int], k: int = 10) -> float:
    """1 / rank of the first relevant passage within the first `k` (0.0 if none)."""
    rel = set(relevant)
    return next((1.0 / i for i, cid in enumerate(ranked[:k], start=1) if cid in rel), 0.0)


def recall_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int = 5) -> float:
    """Share of the relevant passages among the first `k` (0.0 when nothing is relevant)."""
    rel = set(relevant)
    if not rel:
        return 0.0
    return len(rel.intersection(ranked[:k])) / len(rel)


def ndcg_at_k(ranked: Sequence[int], relevant: Iterable[int], k: int = 10) -> float:
    """Binary-relevance nDCG of the first `k` passages."""
    rel = set(relevant)
    if not rel:
        return 0.0
    dcg = sum(1.0 / math.log2(i + 1) for i, cid in enumerate(ranked[:k], start=1) if cid in rel)
    ideal = sum(1.0 / math.log2(i + 1) for i in range(1, min(len(rel), k) + 1))
    return dcg / ideal


METRICS: Mapping[str, Callable[[Sequence[int], Iterable[int]], float]] = {
    "hit@1": lambda r, rel: hit_at_k(r, rel, 1),
    "MRR@10": lambda r, rel: reciprocal_rank(r, rel, 10),
    "recall@5": lambda r, rel: recall_at_k(r, rel, 5),
    "nDCG@10": lambda r, rel: ndcg_at_k(r, rel, 10),
}

METHODS: Mapping[str, RankingConfig] = {
    "hybrid": RankingConfig(),
    "dense": RankingConfig(method="dense"),
    # BM25 alone: the word bridge is the dense model's doing, so the baseline goes without
    # it; "bm25+bridge" shows what the bridge adds and the fusion with dense on top of it
    "bm25": RankingConfig(method="bm25", bridge=None),
    "bm25+bridge": RankingConfig(method="bm25"),
}


def relevant_chunks(searcher: Searcher, question: Question) -> frozenset[int]:
    """Ids of the chunks of the gold document that contain the gold string."""
    if not question.answerable or question.gold is None:
        return frozenset()
    return frozenset(
        c.id
        for c in searcher.snapshot.chunks.values()
        if c.document_id == question.document_id and question.gold in c.text
    )


@dataclass(frozen=True, slots=True)
class QuestionRun:
    """One question under one method: the top passages, their scores, which are relevant."""

    question: Question
    method: str
    ranked: tuple[int, ...]
    scores: tuple[float, ...]
    relevant: frozenset[int]

    @property
    def first_relevant_rank(self) -> int | None:
        return next((i for i, c in enumerate(self.ranked, start=1) if c in self.relevant), None)

    def metric(self, name: str) -> float:
        return METRICS[name](self.ranked, self.relevant)


def retrieval_runs(
    searcher: Searcher,
    questions: Sequence[Question],
    methods: Mapping[str, RankingConfig] = METHODS,
    depth: int = DEPTH,
) -> list[QuestionRun]:
    """Every answerable question under every method, top `depth` passages each."""
    runs = []
    for name, ranking in methods.items():
        ranked_searcher = searcher.with_ranking(ranking)
        for q in questions:
            if not q.answerable:
                continue
            hits = ranked_searcher.search(q.question, depth)
            runs.append(
                QuestionRun(
                    question=q,
                    method=name,
                    ranked=tuple(h.chunk.id for h in hits),
                    scores=tuple(h.score for h in hits),
                    relevant=relevant_chunks(searcher, q),
                )
            )
    return runs


@dataclass(frozen=True)
class Section:
    """One table of the report: a title, column names, and rows of cells."""

    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str | int | float, ...], ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "rows": [dict(zip(self.columns, row, strict=True)) for row in self.rows],
        }


@dataclass(frozen=True)
class Report:
    """Everything `clustersearch eval` prints; `runs` keeps the per-question details."""

    split: str
    questions: int
    sections: tuple[Section, ...]
    runs: tuple[QuestionRun, ...] = field(repr=False, default=())

    def to_json(self) -> dict[str, Any]:
        return {
            "split": self.split,
            "questions": self.questions,
            "sections": [s.to_json() for s in self.sections],
        }


@dataclass(frozen=True)
class EvalContext:
    """What a section builder gets: the searcher, the questions, and the retrieval runs."""

    searcher: Searcher
    questions: Sequence[Question]
    runs: Sequence[QuestionRun]


def retrieval_section(ctx: EvalContext) -> Section:
    """Retrieval metrics per method, overall and per language pair."""
    rows: list[tuple[str | int | float, ...]] = []
    methods = list(dict.fromkeys(r.method for r in ctx.runs))
    for method in methods:
        mine = [r for r in ctx.runs if r.method == method]
        for pair in ("all", *PAIRS):
            group = [r for r in mine if pair == "all" or r.question.pair == pair]
            if not group:
                continue
            values = [round(sum(r.metric(m) for r in group) / len(group), 3) for m in METRICS]
            rows.append((method, pair, len(group), *values))
    return Section("Retrieval", ("method", "pair", "n", *METRICS), tuple(rows))


# Section builders, printed in this order. Other metric families (answers) register here.
SECTIONS: dict[str, Callable[[EvalContext], Section]] = {"retrieval": retrieval_section}


def evaluate(
    searcher: Searcher,
    questions: Sequence[Question],
    *,
    split: str = "all",
    methods: Mapping[str, RankingConfig] = METHODS,
    sections: Mapping[str, Callable[[EvalContext], Section]] | None = None,
) -> Report:
    """Run `questions` under every method and build every registered section."""
    runs = retrieval_runs(searcher, questions, methods)
    ctx = EvalContext(searcher, questions, runs)
    builders = SECTIONS if sections is None else sections
    return Report(
        split=split,
        questions=len(questions),
        sections=tuple(build(ctx) for build in builders.values()),
        runs=tuple(runs),
    )
