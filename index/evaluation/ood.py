"""An out-of-domain question set made from a parallel corpus: numbered section titles.

A manual translated section by section numbers its sections the same way in each
language ("1.2.3. The shell prompt" / "1.2.3. Der Shell-Prompt"). Each numbered title of
one language becomes a query against the passages of the other language; the relevant
passages are those of the section with the same number there. No one writes or picks
the questions, so nothing here can be tuned to them.

The corpus is a `Parallel` mapping: part (e.g. a chapter) → language → `Document`; numbers
are matched within a part only (a preface may number "3.1." too). A passage belongs to
the numbered section whose heading line is the last one starting at or before it, found
in the document text itself, so the figures do not depend on how the chunker names
sections. Everything here is pure; `index.evaluation.manual` reads the files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from index.config import RankingConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.evaluation.retrieval import Section, hit_at_k, reciprocal_rank
from index.retrieval.searcher import Searcher

__all__ = [
    "OOD_METRICS",
    "Heading",
    "OodQuestion",
    "OodRun",
    "Parallel",
    "numbered_headings",
    "ood_questions",
    "ood_runs",
    "ood_section",
    "section_numbers",
]

# part → language → document
Parallel = Mapping[str, Mapping[str, Document]]

# A heading line of its own: "1.2.3. Title" (two or more numbers; chapter lines are not asked).
_NUMBERED = re.compile(r"^[ \t]*(\d+(?:\.\d+)+)\.[ \t]+(\S[^\n]*?)[ \t]*$", re.MULTILINE)

# What the out-of-domain table reports; a section has several passages, so hit@5 (any
# of them in the top 5) rather than recall@5.
OOD_METRICS = ("hit@1", "hit@5", "MRR@10")


@dataclass(frozen=True, slots=True)
class Heading:
    """A numbered heading line: its number ("1.2.3"), its title, where the line starts."""

    number: str
    title: str
    start: int


@dataclass(frozen=True, slots=True)
class OodQuestion:
    """A section title asked in `lang` against the passages in `target_lang`."""

    id: str
    question: str
    lang: str
    target_lang: str
    relevant: frozenset[int]

    @property
    def pair(self) -> str:
        return f"{self.lang}->{self.target_lang}"


def numbered_headings(text: str) -> list[Heading]:
    """The numbered heading lines of `text`, in order (the first of a repeated number)."""
    seen: set[str] = set()
    out: list[Heading] = []
    for match in _NUMBERED.finditer(text):
        number = match.group(1)
        if number not in seen:
            seen.add(number)
            out.append(Heading(number, match.group(2), match.start()))
    return out


def section_numbers(document: Document, chunks: Iterable[Chunk]) -> dict[int, str]:
    """Chunk id → the number of the section it lies in (chunks before any numbered
    heading are left out); only `document`'s chunks are looked at."""
    starts = [(h.start, h.number) for h in numbered_headings(document.text)]
    out: dict[int, str] = {}
    for chunk in chunks:
        if chunk.document_id != document.id:
            continue
        number = None
        for start, candidate in starts:  # in order of start
            if start > chunk.start:
                break
            number = candidate
        if number is not None:
            out[chunk.id] = number
    return out


def ood_questions(
    corpus: Parallel, chunks: Sequence[Chunk], pairs: Sequence[tuple[str, str]]
) -> list[OodQuestion]:
    """One question per numbered title of language `a`, for each `(a, b)` in `pairs`,
    whose section has passages in language `b` of the same part; ordered by pair, part
    (as given) and section number."""
    titles: dict[tuple[str, str], dict[str, str]] = {}  # (part, lang) → number → title
    passages: dict[tuple[str, str], dict[str, set[int]]] = {}  # → number → chunk ids
    for part, documents in corpus.items():
        for lang, document in documents.items():
            titles[part, lang] = {h.number: h.title for h in numbered_headings(document.text)}
            found: dict[str, set[int]] = {}
            for cid, number in section_numbers(document, chunks).items():
                found.setdefault(number, set()).add(cid)
            passages[part, lang] = found
    out: list[OodQuestion] = []
    for lang, target in pairs:
        for part in corpus:
            asked = titles.get((part, lang), {})
            relevant = passages.get((part, target), {})
            for number in sorted(asked.keys() & relevant.keys(), key=_number_key):
                out.append(
                    OodQuestion(
                        id=f"{lang}->{target}:{part}:{number}",
                        question=asked[number],
                        lang=lang,
                        target_lang=target,
                        relevant=frozenset(relevant[number]),
                    )
                )
    return out


@dataclass(frozen=True, slots=True)
class OodRun:
    """One out-of-domain question under one ranking method: the top passages' ids."""

    question: OodQuestion
    method: str
    ranked: tuple[int, ...]

    def metric(self, name: str) -> float:
        relevant = self.question.relevant
        if name == "MRR@10":
            return reciprocal_rank(self.ranked, relevant, 10)
        if name in ("hit@1", "hit@5"):
            return hit_at_k(self.ranked, relevant, int(name[4:]))
        raise ValueError(f"unknown metric {name!r}; use one of {', '.join(OOD_METRICS)}")


def ood_runs(
    searcher: Searcher,
    questions: Sequence[OodQuestion],
    methods: Mapping[str, RankingConfig],
    depth: int = 10,
) -> list[OodRun]:
    """Every question under every method, searched within its target language."""
    runs = []
    for name, ranking in methods.items():
        ranked_searcher = searcher.with_ranking(ranking)
        for q in questions:
            hits = ranked_searcher.search(q.question, depth, lang=q.target_lang)
            runs.append(OodRun(q, name, tuple(h.chunk.id for h in hits)))
    return runs


def ood_section(runs: Sequence[OodRun], title: str) -> Section:
    """`OOD_METRICS` per method and language pair (pairs in order of first appearance)."""
    rows: list[tuple[str | int | float, ...]] = []
    pairs = list(dict.fromkeys(r.question.pair for r in runs))
    for method in dict.fromkeys(r.method for r in runs):
        for pair in pairs:
            group = [r for r in runs if r.method == method and r.question.pair == pair]
            values = [round(sum(r.metric(m) for r in group) / len(group), 3) for m in OOD_METRICS]
            rows.append((method, pair, len(group), *values))
    return Section(title, ("method", "pair", "n", *OOD_METRICS), tuple(rows))


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(n) for n in number.split("."))
