"""Extractive question answering: the span of the corpus that answers a question, cited.

`Answerer.ask(question)` searches (`Searcher.search_page`), takes the candidate spans of the
first `candidate_hits` passages (`index.answering.candidates`), describes each by its
features (`index.answering.features`), scores them (`index.answering.scoring`) and decides
(`Answerer.decide`):

* the best candidate answers when its score reaches the threshold, and no salient word of
  the question is unknown to the index (with `unmatched_veto`);
* every other document whose own best candidate is within `support_margin` of it (scored
  as if retrieved first, and above the threshold) is cited too, so a fact told by two
  sources cites both; the citations are verified (`index.answering.citations`) and an
  answer whose own citation does not verify is not given;
* otherwise the answer is null, with the reason: the question's salient words (of
  `unmatched_min_chars` letters or more) the index has no trace of, even after typo
  correction, the term map and the word bridge ("Österreich"; `index.answering.unmatched`),
  when there are any; else that the passages are about other Länder, that none states what
  the question asks for, or that no sentence answers well enough.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field

import numpy as np

from index.answering.candidates import Candidate, Span, candidate_spans, content_sentences
from index.answering.citations import AnswerCitation, verify_citations
from index.answering.features import Reading, describe, mark_padded
from index.answering.model import AnswerModel, default_model
from index.answering.question import (
    ASKED_FOR,
    expectation,
    is_question_word,
    translated,
)
from index.answering.scoring import answer_threshold, rescore
from index.answering.unmatched import land_words, unmatched_words
from index.config import AnswerConfig
from index.documents.corpus import Document
from index.documents.passage import span_text
from index.embedding.base import Embedder
from index.retrieval.searcher import Hit, Searcher, SearchPage
from index.text.analysis import QueryTerm, fold, query_analysis
from index.text.regions import find_regions
from index.text.sentences import Sentence

__all__ = ["Answer", "Answerer"]


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer (None when the corpus holds none), its citations and the passages searched;
    `candidates`: every candidate scored, best first; `vetoed`: the answer is null because
    the question has words the index has no trace of (`AnswerConfig.unmatched_veto`)."""

    question: str
    text: str | None
    confidence: float
    reason: str | None
    citations: tuple[AnswerCitation, ...]
    page: SearchPage
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)
    vetoed: bool = False


class Answerer:
    """Extractive QA over one `Searcher` (its snapshot and embedder)."""

    def __init__(
        self,
        searcher: Searcher,
        embedder: Embedder,
        config: AnswerConfig | None = None,
        model: AnswerModel | None = None,
    ) -> None:
        self.searcher = searcher
        self.config = config or AnswerConfig()
        # the learned scorer's model: the packaged one unless given (read once, small)
        self.model = model or (default_model() if self.config.scorer == "learned" else None)
        self._embedder = embedder
        self._sentences: dict[str, tuple[Sentence, ...]] = {}
        self._vectors: OrderedDict[tuple[str, int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._known: Collection[str] | None = None

    @property
    def embedder(self) -> Embedder:
        """The model the questions and candidate spans are embedded with."""
        return self._embedder

    def with_config(self, config: AnswerConfig) -> Answerer:
        """Another configuration over the same searcher, sharing the caches (for tuning)."""
        other = Answerer(self.searcher, self._embedder, config, self.model)
        other._sentences = self._sentences
        other._vectors = self._vectors
        other._lock = self._lock
        other._known = self._known
        return other

    @property
    def threshold(self) -> float:
        """The lowest score that answers: the configured one, else the scorer's own."""
        return answer_threshold(self.config, self.model)

    def ask(
        self,
        question: str,
        k: int = 5,
        *,
        lang: str | None = None,
        region: str | None = None,
    ) -> Answer:
        """Answer `question` from the best passages (filters as in `Searcher.search`).

        Candidates come from the first `config.candidate_hits` passages (at least `k`); the
        answer's `page` holds the first `k` and then any other passage a citation comes from.
        """
        text = self.searcher.validate(question, k, lang=lang)
        depth = max(k, self.config.candidate_hits)
        full = self.searcher.search_page(text, depth, lang=lang, region=region)
        candidates = self.candidates(text, full.hits)
        return self.decide(text, k, full, candidates, unmatched=self.unmatched(text))

    def unmatched(self, question: str) -> tuple[str, ...]:
        """The salient words of `question` that match nothing in the index
        (`index.answering.unmatched`)."""
        min_chars = self.config.unmatched_min_chars
        if min_chars <= 0:
            return ()
        if self._known is None:
            self._known = self.searcher.snapshot.lexical.known
        lands = land_words(question)
        return unmatched_words(
            self.searcher.analyse(question),
            self._known,
            min_chars=min_chars,
            ignore=lambda word: is_question_word(word) or fold(word) in lands,
        )

    def decide(
        self,
        question: str,
        k: int,
        full: SearchPage,
        candidates: Sequence[Candidate],
        *,
        unmatched: Sequence[str] = (),
    ) -> Answer:
        """The answer (or none) from scored `candidates` of the passages of `full`;
        `unmatched`: the question's words the index has no trace of, which name the reason
        of a null answer (and make it null whatever the scores with `unmatched_veto`)."""
        if not candidates:
            reason = "No passage matches the question."
            return Answer(question, None, 0.0, reason, (), _page(full, k))
        best = candidates[0]
        confidence = round(best.score, 4)
        scored = tuple(candidates)
        threshold = self.threshold
        vetoed = bool(unmatched) and self.config.unmatched_veto
        if best.score < threshold or vetoed:
            reason = _null_reason(best, question, unmatched)
            page = _page(full, k)
            return Answer(question, None, confidence, reason, (), page, scored, vetoed)
        chosen = self._supporting(candidates, threshold)
        citations = verify_citations(
            AnswerCitation(c.hit.document, c.hit.chunk.section, c.start, c.end, c.text)
            for c in chosen
        )
        if not citations or citations[0].text != best.text:
            reason = "The answer found could not be verified against its document."
            return Answer(question, None, confidence, reason, (), _page(full, k), scored)
        cited = [
            c.hit for c in chosen if any(x.start == c.start and x.text == c.text for x in citations)
        ]
        page = _page(full, k, cited)
        return Answer(question, best.text, confidence, None, citations, page, scored)

    def candidates(self, question: str, hits: Sequence[Hit]) -> tuple[Candidate, ...]:
        """Every candidate span of `hits`, scored with this answerer's config, best first."""
        return rescore(self.features(question, hits), self.config, self.model)

    def features(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every candidate span of `hits` with its features (score not yet set)."""
        spans = candidate_spans(hits, self._document_sentences, self.config)
        if not spans:
            return []
        q_vec = self._embedder.encode_queries([question])[0]
        semantic = self._span_vectors(spans) @ q_vec
        reading = self._reading(question)
        top = max((h.score for h in hits), default=1.0) or 1.0
        out = [
            describe(span, float(sem), reading, top)
            for span, sem in zip(spans, semantic, strict=True)
        ]
        return mark_padded(out, spans)

    def _supporting(self, candidates: Sequence[Candidate], threshold: float) -> list[Candidate]:
        """The best candidate, then the best of each other document whose support is within
        `support_margin` of the best's (and at least `threshold`)."""
        best = candidates[0]
        chosen = [best]
        seen = {best.hit.document.id}
        for other in candidates[1:]:
            if other.hit.document.id in seen:
                continue
            if other.support >= max(threshold, best.support - self.config.support_margin):
                chosen.append(other)
                seen.add(other.hit.document.id)
        return chosen

    def _reading(self, question: str) -> Reading:
        """`question` as its candidates are compared with it (`index.answering.features`)."""
        words = [a for a in self._analyse(question) if not is_question_word(a.source)]
        analysed = tuple(translated(a.terms) for a in words)
        weights = tuple(self._weight(a) for a in words) if self.config.idf_weighted else None
        return Reading(
            analysed=analysed,
            weights=weights,
            expected=expectation(question),
            regions=frozenset(m.canonical for m in find_regions(question)),
        )

    def _analyse(self, question: str) -> list[QueryTerm]:
        if self.config.terms == "bridged":
            return self.searcher.analyse(question)
        if self.config.terms == "corrected":
            return self.searcher.correct(question)
        return query_analysis(question)

    def _weight(self, word: QueryTerm) -> float:
        """How telling a question word is: the idf of its most common indexed term (the
        idf of an unseen term when none is indexed)."""
        lexical = self.searcher.snapshot.lexical
        return min((lexical.idf(t) for t in word.terms), default=lexical.idf(""))

    def _document_sentences(self, document: Document) -> tuple[Sentence, ...]:
        cached = self._sentences.get(document.id)
        if cached is None:
            cached = content_sentences(document.text)
            self._sentences[document.id] = cached
        return cached

    def _span_vectors(self, spans: Sequence[Span]) -> np.ndarray:
        """The embeddings of `spans`, from the cache or embedded in one batch (thread-safe)."""
        keys = [span.key for span in spans]
        with self._lock:
            found = {key: self._vectors[key] for key in keys if key in self._vectors}
        missing = [span for span in spans if span.key not in found]
        if missing:
            inputs = [span_text(s.hit.document, s.hit.chunk.section, s.text) for s in missing]
            encoded = self._embedder.encode_passages(inputs)
            found.update((s.key, vector) for s, vector in zip(missing, encoded, strict=True))
            with self._lock:
                for span in missing:
                    self._vectors[span.key] = found[span.key]
                while len(self._vectors) > self.config.cache_size:
                    self._vectors.popitem(last=False)
        return np.stack([found[key] for key in keys])


def _page(full: SearchPage, k: int, extra: Sequence[Hit] = ()) -> SearchPage:
    """The first `k` passages of `full`, then those of `extra` not among them."""
    shown = list(full.hits[:k])
    hits = shown + [h for h in extra if h not in shown]
    return SearchPage(tuple(hits), full.facets, full.query_regions)


def _null_reason(best: Candidate, question: str, unmatched: Sequence[str]) -> str:
    """Why the best candidate is no answer."""
    if unmatched:
        words = ", ".join(f"“{w}”" for w in unmatched)
        return f"The documents do not mention {words}."
    if not best.region_ok:
        return "The passages found are about other Länder than the question names."
    kind = expectation(question).kind
    if best.evidence < 0.5 and kind in ASKED_FOR:
        return f"No passage found states what the question asks for ({ASKED_FOR[kind]})."
    return "No sentence found answers the question well enough."
