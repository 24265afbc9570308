"""A candidate's features: the numbers and flags it is scored by.

* `semantic`  cosine similarity of question and candidate (embedded after its document
              title and section heading; computed by the answerer, which caches the vectors);
* `overlap`   share of the question's words found in the candidate, its section heading or
              its document title — the words as `Reading` holds them: as the searcher reads
              them (stemmed, compound parts, typos corrected, the term map's and the word
              bridge's words of the other language) plus the question word pairs
              (`index.answering.question.translated`), question words left out;
* `focus`     the same share in the candidate alone;
* `novelty`   share of the candidate's words that are not the question's;
* `evidence`  whether the candidate holds what the question asks for
              (`index.answering.question.evidence`; 1.0 when it asks for nothing special);
* `retrieval` the fused search score of the passage it came from, relative to the first;
* `region_ok` its passage is about the Länder the question names (or the question names none);
* `fragment`  it consists of list-like lines only;
* `padded`    a sentence pair that holds no more question words and no more evidence than
              one of its sentences alone (`mark_padded`);
* `asked`     the question asks for a kind of answer (a date, an amount, a name …).
"""

from __future__ import annotations

from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache

from index.answering.candidates import Candidate, Span, is_fragment
from index.answering.question import Expectation, evidence
from index.retrieval.searcher import Hit
from index.text.analysis import passage_pieces

__all__ = ["Reading", "describe", "mark_padded"]


@dataclass(frozen=True, slots=True)
class Reading:
    """A question as candidates are compared with it.

    `analysed`: the terms of each of its words (question words left out); `weights`: how
    much each word counts in `overlap`/`focus` (None: equally); `expected`: what it asks for;
    `regions`: the Länder it names (canonical names); `asked`: all terms of `analysed`.
    """

    analysed: tuple[frozenset[str], ...]
    weights: tuple[float, ...] | None
    expected: Expectation
    regions: frozenset[str]
    asked: frozenset[str] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "asked", frozenset().union(*self.analysed))


def describe(span: Span, semantic: float, reading: Reading, top: float) -> Candidate:
    """`span` as a candidate with its features (score not yet set); `semantic`: its cosine
    similarity to the question; `top`: the best search score of the passages searched."""
    hit = span.hit
    own = _terms_of(span.text, hit.document.language)
    context = own | _context_terms(hit)
    return Candidate(
        hit=hit,
        start=span.start,
        end=span.end,
        text=span.text,
        semantic=semantic,
        overlap=_share(reading.analysed, context, reading.weights),
        focus=_share(reading.analysed, own, reading.weights),
        novelty=len(own - reading.asked) / len(own) if own else 0.0,
        evidence=evidence(span.text, reading.expected, hit.document.language),
        retrieval=max(0.0, hit.score / top),
        region_ok=not reading.regions or bool(reading.regions & set(hit.chunk.regions)),
        fragment=all(is_fragment(line) for line in span.text.splitlines() if line.strip()),
        score=0.0,
        asked=reading.expected.kind != "none",
    )


def mark_padded(candidates: Sequence[Candidate], spans: Sequence[Span]) -> list[Candidate]:
    """`candidates` (those of `spans`, in the same order) with each sentence pair marked
    `padded` when one of its sentences alone has as many of the question's words and as
    much evidence."""
    by_key = {(c.hit.document.id, c.start, c.end): c for c in candidates}
    out = []
    for c, span in zip(candidates, spans, strict=True):
        parts = [by_key[k] for k in span.parts if k in by_key]
        padded = any(p.focus >= c.focus and p.evidence >= c.evidence for p in parts)
        out.append(replace(c, padded=padded) if padded else c)
    return out


def _share(
    analysed: Sequence[frozenset[str]],
    present: AbstractSet[str],
    weights: Sequence[float] | None = None,
) -> float:
    """Share of the question's words with a term in `present` (weighted by `weights`)."""
    if not analysed:
        return 0.0
    if weights is None:
        weights = [1.0] * len(analysed)
    total = sum(weights)
    found = sum(w for terms, w in zip(analysed, weights, strict=True) if terms & present)
    return found / total if total else 0.0


def _context_terms(hit: Hit) -> frozenset[str]:
    """The terms of a passage's document title and section heading."""
    return _terms_of(hit.document.title, hit.document.language) | _terms_of(
        hit.chunk.section or "", hit.document.language
    )


@lru_cache(maxsize=20_000)
def _terms_of(text: str, lang: str) -> frozenset[str]:
    return frozenset(p.term for p in passage_pieces(text, lang))
