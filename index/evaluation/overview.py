"""Seed dev, seed test and out of domain side by side: what `clustersearch eval` prints.

A ranking choice is adopted only when it holds on the seed dev split *and* out of domain;
this report puts the three next to each other per method. The seed questions are run
once for both splits; the sections of `SECTIONS` (retrieval, answers) are built for the
split asked for; the out-of-domain set (`index.evaluation.ood`, built from a parallel
manual by `out_of_domain`) adds its own table, or a note saying why it is missing.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from index.config import ChunkerConfig, RankingConfig
from index.embedding.base import Embedder
from index.evaluation.manual import load_manual, manual_searcher, manual_snapshot
from index.evaluation.ood import OodQuestion, OodRun, ood_questions, ood_runs, ood_section
from index.evaluation.retrieval import (
    METHODS,
    SECTIONS,
    EvalContext,
    Question,
    QuestionRun,
    Report,
    Section,
    retrieval_runs,
)
from index.retrieval.searcher import Searcher
from index.storage.cache import PassageCache

__all__ = [
    "OOD_DIRECTIONS",
    "OOD_METHODS",
    "OutOfDomain",
    "compare",
    "out_of_domain",
    "side_by_side",
]

OOD_DIRECTIONS = (("en", "de"), ("de", "en"))
# The out-of-domain set is large (about 850 questions): the three rankings compared.
OOD_METHODS = {name: METHODS[name] for name in ("hybrid", "dense", "bm25")}


@dataclass(frozen=True)
class OutOfDomain:
    """The out-of-domain questions and a searcher over their corpus; or, when `searcher`
    is None, why there are none (`note`)."""

    searcher: Searcher | None
    questions: tuple[OodQuestion, ...]
    note: str


def out_of_domain(
    folder: Path,
    embedder: Embedder,
    cache: Path,
    chunker: ChunkerConfig,
    *,
    bridge_embedder: Embedder | None = None,
) -> OutOfDomain:
    """The title questions of the parallel manual in `folder`, both directions; passages
    and the word bridge's words (by `bridge_embedder`, default `embedder`) are embedded
    through the cache file `cache`."""
    corpus = load_manual(folder)
    if not corpus:
        return OutOfDomain(
            None,
            (),
            f"skipped: no PART.en.html with PART.de.html under {folder} (apt-get install "
            "debian-reference-en debian-reference-de, or pass --manuals DIR)",
        )
    store = PassageCache(cache)
    manual = manual_snapshot(corpus, embedder, store, chunker)
    questions = tuple(ood_questions(corpus, manual.chunks, OOD_DIRECTIONS))
    skipped = f"; not chunked: {', '.join(manual.skipped)}" if manual.skipped else ""
    note = f"{folder}: {len(corpus)} parts, {len(manual.chunks)} passages{skipped}"
    searcher = manual_searcher(manual, embedder, store, bridge_embedder=bridge_embedder)
    return OutOfDomain(searcher, questions, note)


def _mean(values: Sequence[float]) -> float | str:
    return round(sum(values) / len(values), 3) if values else "–"


def side_by_side(seed: Sequence[QuestionRun], ood: Sequence[OodRun]) -> Section:
    """Per method: seed dev and test (hit@1, MRR@10 / recall@5) and out of domain per
    direction (hit@1, hit@5); a dash where a set has no question."""
    pairs = [f"{a}->{b}" for a, b in OOD_DIRECTIONS]
    columns = ["method", "dev hit@1", "dev MRR@10", "test hit@1", "test recall@5"]
    columns += [f"{p} {m}" for p in pairs for m in ("hit@1", "hit@5")]
    rows: list[tuple[str | int | float, ...]] = []
    for method in dict.fromkeys([*(r.method for r in seed), *(r.method for r in ood)]):
        dev = [r for r in seed if r.method == method and r.question.split == "dev"]
        test = [r for r in seed if r.method == method and r.question.split == "test"]
        row: list[str | int | float] = [method]
        row += [_mean([r.metric("hit@1") for r in dev]), _mean([r.metric("MRR@10") for r in dev])]
        row += [_mean([r.metric("hit@1") for r in test])]
        row += [_mean([r.metric("recall@5") for r in test])]
        for pair in pairs:
            mine = [r for r in ood if r.method == method and r.question.pair == pair]
            row += [_mean([r.metric("hit@1") for r in mine])]
            row += [_mean([r.metric("hit@5") for r in mine])]
        rows.append(tuple(row))
    return Section(
        "Side by side: seed dev | seed test | out of domain", tuple(columns), tuple(rows)
    )


def compare(
    searcher: Searcher,
    questions: Sequence[Question],
    split: str,
    ood: OutOfDomain | None,
    *,
    sections: Mapping[str, Callable[[EvalContext], Section]] | None = None,
    methods: Mapping[str, RankingConfig] = METHODS,
) -> Report:
    """The `SECTIONS` (or `sections`) of `split`, then the side-by-side table, then the
    out-of-domain table (or its note; `ood` None: not asked for)."""
    runs = retrieval_runs(searcher, questions, methods)
    chosen = [q for q in questions if split == "all" or q.split == split]
    ids = {q.id for q in chosen}
    ctx = EvalContext(searcher, chosen, [r for r in runs if r.question.id in ids])
    built = [build(ctx) for build in (SECTIONS if sections is None else sections).values()]
    extra: list[OodRun] = []
    if ood is not None and ood.searcher is not None:
        extra = ood_runs(ood.searcher, ood.questions, OOD_METHODS)
    built.append(side_by_side(runs, extra))
    if ood is not None:
        title = "Out of domain: numbered section titles, asked across languages"
        if extra:
            built.append(ood_section(extra, f"{title} ({ood.note})"))
        else:
            built.append(Section(title, ("note",), ((ood.note,),)))
    return Report(split=split, questions=len(chosen), sections=tuple(built), runs=tuple(runs))
