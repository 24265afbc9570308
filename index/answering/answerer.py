"""Extractive question answering: the sentence of the corpus that answers a question, cited.

`Answerer.ask(question)` searches (`Searcher.search_page`), cuts the top passages' sentences
out of their documents (`index.sentences`), scores every candidate span and returns the best
one — or no answer, with the reason, when even the best is not good enough. Nothing is
generated: the answer is `document.text[start:end]` of its first citation, and every
citation is verified against its document before it is returned (one that does not verify
is dropped and logged, never shown).

Candidates are the sentences that overlap one of the first `candidate_hits` passages; each
sentence with the next one of its paragraph (`sentence_pairs`); a sentence opening with a
back-reference ("This is proven to …", "Dabei …") with the sentence before it; a short
list-like line ("Edith Köchel", "January 2000") together with the label lines just above it
in its block ("Contact person" …, "Start Date").

Each candidate is described by these features (`index.scorer.FEATURES` lists all of them):

* `semantic`  cosine similarity of question and candidate (embedded with the searcher's
              embedder after its document title and section heading; cached per span);
* `overlap`   share of the question's words found in the candidate, its section heading or
              its document title — the words as the searcher reads them (`terms`): stemmed,
              compound parts, typos corrected, the term map's and the word bridge's words
              of the other language, plus `_QUESTION_PAIRS`;
* `focus`     the same share in the candidate alone;
* `evidence`  whether the candidate holds what the question asks for: a number next to the
              counted word for "how many"/"wie viele(n)", an amount for "how much"/"wie
              viel"/"budget", a percentage for "what share"/"Anteil"/"…quote", a date for
              "when"/"wann", a date or a span of years for "how long"/"seit wann", a Land
              for "which state"/"welches Bundesland", a phone number or a street/postcode
              when asked for, a name for "who" (English text); 1.0 otherwise;
* `retrieval` the fused search score of the passage it came from, relative to the first.

and whether the passage is about the Länder the question names, whether the candidate only
repeats question words, consists of list-like lines only, shares no word with the question,
or is a sentence pair whose second sentence adds nothing.

Its score, in [0, 1], comes from one of two scorers (`AnswerConfig.scorer`):

* "weighted" (the default): the hand-weighted mean of the features above (`AnswerConfig`
  holds the weights), scaled down by `region_penalty`, `echo_penalty`, `fragment_penalty`,
  `unfocused_penalty` and `padded_penalty` for the cases just listed;
* "learned": the probability a logistic model (`index.scorer`) fitted on the dev split
  gives that the candidate answers. On 160 blind questions it did as well as the weighted
  mean, no better (README, "Answers"), so it is an option, retrained as the gold set grows.

The best candidate answers when its score reaches the threshold: `AnswerConfig.threshold`
when set, else the learned model's calibrated one (or `WEIGHTED_THRESHOLD`).
A null answer names the question's salient words (of `unmatched_min_chars` letters or more)
the index has no trace of, even after typo correction, the term map and the word bridge
("Österreich"; see `index.unmatched`), when there are any; with `unmatched_veto` (on) such
a word makes the answer null whatever the score. Otherwise every other document whose own
best candidate is within `support_margin` of it (scored as if retrieved first, and above
the threshold) is cited too, so a fact told by two sources cites both.
"""

from __future__ import annotations

import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Literal

import numpy as np

from index.answering.model import FEATURES, AnswerModel, default_model
from index.answering.unmatched import land_words, unmatched_words
from index.config import WEIGHTED_THRESHOLD, AnswerConfig
from index.documents.corpus import Document
from index.documents.passage import span_text
from index.embedding.base import Embedder
from index.retrieval.searcher import Hit, Searcher, SearchPage
from index.text.analysis import QueryTerm, fold, passage_pieces, query_analysis, stem
from index.text.regions import find_regions
from index.text.sentences import Sentence, split_sentences

__all__ = [
    "Answer",
    "AnswerCitation",
    "Answerer",
    "Candidate",
    "Expectation",
    "answer_threshold",
    "evidence",
    "expectation",
    "feature_values",
    "rescore",
    "verify_citations",
]

log = logging.getLogger("clustersearch.answer")

Kind = Literal[
    "count", "amount", "share", "date", "duration", "who", "land", "phone", "address", "none"
]


@dataclass(frozen=True, slots=True)
class AnswerCitation:
    """`document.text[start:end] == text` (verified before it is returned)."""

    document: Document
    section: str | None
    start: int
    end: int
    text: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A span of a top passage's document, and why it scores what it does."""

    hit: Hit
    start: int
    end: int
    text: str
    semantic: float
    overlap: float
    focus: float
    novelty: float
    evidence: float
    retrieval: float
    region_ok: bool
    fragment: bool
    score: float
    # a sentence with the next one (`sentence_pairs`) that holds no more question words
    # and no more of what is asked for than one of them alone
    padded: bool = False
    # the question asks for a kind of answer (a date, an amount, a name …; `expectation`)
    asked: bool = False
    # The score as if the passage had been retrieved first: how well the span itself
    # answers, which decides whether another document supports the answer.
    support: float = 0.0


@dataclass(frozen=True, slots=True)
class Answer:
    """The answer (None when the corpus holds none), its citations and the passages searched."""

    question: str
    text: str | None
    confidence: float
    reason: str | None
    citations: tuple[AnswerCitation, ...]
    page: SearchPage
    candidates: tuple[Candidate, ...] = field(default=(), repr=False)


@dataclass(frozen=True, slots=True)
class Expectation:
    """What kind of answer a question asks for; `counted` is the word after "how many"."""

    kind: Kind
    counted: frozenset[str] = frozenset()


# --- what the question asks for ---------------------------------------------------------

_COUNT = re.compile(
    r"\b(how\s+many|wie\s*viele[n]?|number\s+of|anzahl\s+(?:der|an|von))\s+(\w+)", re.I
)
_AMOUNT = re.compile(
    r"\b(how\s+much|wie\s*viel(?!e)|wie\s+hoch|budget\w*|\w*budget|money|geld|funding\s+amount"
    r"|fördersumme|fördervolumen|volumen|volume|cost\w*|kosten)\b",
    re.I,
)
_SHARE = re.compile(
    r"\b(what\s+share|which\s+share|\w*anteil\w*|percent\w*|prozent\w*|rate|\w*quote)\b", re.I
)
# "Which state …", "Welches Bundesland …", "In which Land …": the answer names a Land.
_LAND = re.compile(
    r"\b(which|what|welche[smnr]?)\s+(?:german\s+|federal\s+)?(states?|länder|land|bundesl\w+"
    r"|regions?)\b",
    re.I,
)
_DATE = re.compile(
    r"\b(when|wann|what\s+year|which\s+year|in\s+welchem\s+jahr|seit\s+welchem\s+jahr)\b",
    re.I,
)
# A span of time, or the date it started: "for more than fifteen years", "seit 2007".
_DURATION = re.compile(
    r"\b(since\s+when|seit\s+wann|how\s+long|wie\s+lange|for\s+how\s+many\s+years)\b", re.I
)
# Words questions about facts use whose translation the search term map (`index.terms`)
# does not carry: what is counted, measured or dated. Generic, not tuned to single questions.
_QUESTION_PAIRS: tuple[tuple[str, str], ...] = (
    ("Mitarbeiter", "employees"),
    ("Mitarbeitende", "employees"),
    ("Beschäftigte", "employees"),
    ("Mitarbeiter", "staff"),
    ("Einwohner", "inhabitants"),
    ("Einwohner", "residents"),
    ("Büros", "offices"),
    ("Standorte", "locations"),
    ("Mitglieder", "members"),
    ("Geld", "money"),
    ("Jahr", "year"),
    ("jährlich", "annual"),
    ("jährlich", "year"),
    ("Anteil", "share"),
    ("Auszeichnung", "award"),
    ("Auszeichnung", "label"),
    ("gegründet", "founded"),
    ("gegründet", "initiated"),
    ("gegründet", "established"),
    ("Gründung", "foundation"),
    ("Rolle", "role"),
    ("Aufgabe", "task"),
    ("Leiter", "head"),
    ("Geschäftsführer", "managing director"),
    ("Gesellschafter", "shareholder"),
)


def _word_stems(word: str) -> set[str]:
    folded = fold(word)
    return {stem(folded, "de"), stem(folded, "en")}


def _translated(terms: frozenset[str]) -> frozenset[str]:
    """`terms` plus the other language's stems from `_QUESTION_PAIRS`."""
    out = set(terms)
    for german, english in _QUESTION_PAIRS:
        de = _phrase_stems(german)
        en = _phrase_stems(english)
        if terms & de or terms & en:
            out |= de | en
    return frozenset(out)


@lru_cache(maxsize=256)
def _phrase_stems(phrase: str) -> frozenset[str]:
    return frozenset(t for word in phrase.split() for t in _word_stems(word))


def _counted_terms(word: str) -> frozenset[str]:
    terms = set(_word_stems(word))
    for analysed in query_analysis(word):
        terms |= analysed.terms
    return _translated(frozenset(terms))


def expectation(question: str) -> Expectation:
    """The kind of answer `question` asks for ("how many" → count, "wann" → date, …)."""
    if _PHONE_ASKED.search(question):
        return Expectation("phone")
    if _ADDRESS_ASKED.search(question):
        return Expectation("address")
    if _DURATION.search(question):
        return Expectation("duration")
    count = _COUNT.search(question)
    if count:
        return Expectation("count", _counted_terms(count.group(2)))
    if _SHARE.search(question):
        return Expectation("share")
    if _AMOUNT.search(question):
        return Expectation("amount")
    if _DATE.search(question):
        return Expectation("date")
    if _WHO.match(question.strip()):
        return Expectation("who")
    if _LAND.search(question):
        return Expectation("land")
    return Expectation("none")


_WHO = re.compile(r"(who|whom|wer|wen|wem)\b", re.I)
# Contact details: a phone number, or where an office is (street, postcode and town).
_PHONE_ASKED = re.compile(r"\b(phone|telephone|telefon\w*|fax|rufnummer|durchwahl)\b", re.I)
_ADDRESS_ASKED = re.compile(
    r"\b(address|adresse|anschrift|street|straße|postcode|postal\s+code|postleitzahl)\b", re.I
)
_PHONE = re.compile(r"(?<![\w])\+?\d[\d ()/\-]{6,}\d")
_ADDRESS = re.compile(
    r"\b[\w\-]*(?:straße|strasse|str\.|weg|platz|allee|ring|damm|street|road)\s+\d+\w?\b"
    r"|\b\d{5}\s+[A-ZÄÖÜ][\w\-]+",
    re.I,
)
_NAME = re.compile(r"(?<![.!?:]\s)(?<!^)\b([A-ZÄÖÜ][\w\-]+|[A-Z]{2,})", re.M)
_NUMBER = re.compile(
    r"(?<![\w.,])(\d+(?:[.,]\d+)*|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve"
    r"|fifteen|twenty|thirty|forty|fifty|hundred|dozen|ein|eine|zwei|drei|vier|fünf|sechs"
    r"|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|hundert)(?![\w])",
    re.I,
)
_MONEY = re.compile(
    r"(€|\beur\b|\beuro\w*|\bmio\b|\bmrd\b|\bmillion\w*|\bbillion\w*|\$|\bdollar)", re.I
)
_PERCENT = re.compile(r"(%|\bpercent\b|\bprozent\b|\bper\s+cent\b)", re.I)
_YEAR = re.compile(r"(?<!\d)(1[89]\d\d|20\d\d)(?!\d)")
_MONTHS = re.compile(
    r"\b(januar|january|februar|february|märz|march|april|mai|may|juni|june|juli|july|august"
    r"|september|oktober|october|november|dezember|december|jahrhundert\w*|century|centuries)\b",
    re.I,
)
_PERIOD = re.compile(
    r"\b(jahr\w*|years?|monat\w*|months?|jahrzehnt\w*|decades?|jahrhundert\w*|century|centuries)\b",
    re.I,
)
_TOKEN = re.compile(r"[^\W_]+|[%€$]")


def evidence(span: str, expected: Expectation, lang: str = "en") -> float:
    """1.0 when `span` holds what `expected` asks for, 0.0 when it plainly does not.

    For "who"/"wer" a name is wanted: in English text, a capitalised word that does not
    start a line or sentence ("the Ministry of …", "Edith Köchel"); German capitalises
    every noun, so there a "who" question is not checked (1.0).
    """
    if expected.kind == "none":
        return 1.0
    if expected.kind == "who":
        return 1.0 if lang != "en" or _NAME.search(span) else 0.0
    if expected.kind == "land":
        return 1.0 if find_regions(span) else 0.0
    if expected.kind == "phone":
        return 1.0 if _PHONE.search(span) else 0.0
    if expected.kind == "address":
        return 1.0 if _ADDRESS.search(span) else 0.0
    numbers = list(_NUMBER.finditer(span))
    if expected.kind == "date":
        return 1.0 if _YEAR.search(span) or (_MONTHS.search(span) and numbers) else 0.0
    if expected.kind == "duration":
        return 1.0 if _YEAR.search(span) or (_PERIOD.search(span) and numbers) else 0.0
    if not numbers:
        return 0.0
    if expected.kind == "share":
        return 1.0 if _PERCENT.search(span) else 0.3
    if expected.kind == "amount":
        return 1.0 if _MONEY.search(span) else 0.2
    # count: the counted word within a few words after the number.
    for number in numbers:
        following = _TOKEN.findall(span[number.end() :])[:5]
        if any(_word_stems(w) & expected.counted for w in following):
            return 1.0
    return 0.2


# --- the answerer -----------------------------------------------------------------------


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
        self._known: frozenset[str] | None = None

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
        """The salient words of `question` that match nothing in the index (`index.unmatched`)."""
        min_chars = self.config.unmatched_min_chars
        if min_chars <= 0:
            return ()
        if self._known is None:
            self._known = frozenset(self.searcher.snapshot.lexical.vocabulary)
        lands = land_words(question)
        return unmatched_words(
            self.searcher.analyse(question),
            self._known,
            min_chars=min_chars,
            ignore=lambda word: _is_question_word(word) or fold(word) in lands,
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
        config = self.config
        shown = list(full.hits[:k])

        def page(extra: Sequence[Hit] = ()) -> SearchPage:
            hits = shown + [h for h in extra if h not in shown]
            return SearchPage(tuple(hits), full.facets, full.query_regions)

        if not candidates:
            return Answer(question, None, 0.0, "No passage matches the question.", (), page())
        best = candidates[0]
        confidence = round(best.score, 4)
        threshold = self.threshold
        if best.score < threshold or (unmatched and config.unmatched_veto):
            if unmatched:
                words = ", ".join(f"“{w}”" for w in unmatched)
                reason = f"The documents do not mention {words}."
            else:
                reason = _reason(best, question)
            return Answer(question, None, confidence, reason, (), page(), tuple(candidates))
        chosen = [best]
        seen = {best.hit.document.id}
        for other in candidates[1:]:
            if other.hit.document.id in seen:
                continue
            if other.support >= max(threshold, best.support - config.support_margin):
                chosen.append(other)
                seen.add(other.hit.document.id)
        citations = verify_citations(
            AnswerCitation(c.hit.document, c.hit.chunk.section, c.start, c.end, c.text)
            for c in chosen
        )
        if not citations or citations[0].text != best.text:
            reason = "The answer found could not be verified against its document."
            return Answer(question, None, confidence, reason, (), page(), tuple(candidates))
        cited = [
            c.hit for c in chosen if any(x.start == c.start and x.text == c.text for x in citations)
        ]
        return Answer(
            question, best.text, confidence, None, citations, page(cited), tuple(candidates)
        )

    def candidates(self, question: str, hits: Sequence[Hit]) -> tuple[Candidate, ...]:
        """Every candidate span of `hits`, scored with this answerer's config, best first."""
        return rescore(self.features(question, hits), self.config, self.model)

    def features(self, question: str, hits: Sequence[Hit]) -> list[Candidate]:
        """Every candidate span of `hits` with its features (score not yet set)."""
        spans: list[tuple[Hit, int, int, str]] = []
        seen: set[tuple[str, int, int]] = set()
        # a sentence pair's key -> the keys of its two sentences
        pairs: dict[tuple[str, int, int], tuple[tuple[str, int, int], ...]] = {}
        for hit in hits:
            for start, end, text, split_at in self._spans(hit):
                key = (hit.document.id, start, end)
                if key not in seen:
                    seen.add(key)
                    spans.append((hit, start, end, text))
                    if split_at is not None:
                        pairs[key] = (
                            (hit.document.id, start, split_at[0]),
                            (hit.document.id, split_at[1], end),
                        )
        if not spans:
            return []
        q_vec = self._embedder.encode_queries([question])[0]
        semantic = self._span_vectors(spans) @ q_vec
        words = [a for a in self._analyse(question) if not _is_question_word(a.source)]
        analysed = [_translated(a.terms) for a in words]
        weights = [self._weight(a) for a in words] if self.config.idf_weighted else None
        expected = expectation(question)
        wanted_regions = {m.canonical for m in find_regions(question)}
        top = max((h.score for h in hits), default=1.0) or 1.0
        asked = frozenset().union(*analysed)
        out = []
        for (hit, start, end, text), sem in zip(spans, semantic, strict=True):
            own = _terms_of(text, hit.document.language)
            context = own | _context_terms(hit)
            out.append(
                Candidate(
                    hit=hit,
                    start=start,
                    end=end,
                    text=text,
                    semantic=float(sem),
                    overlap=_share(analysed, context, weights),
                    focus=_share(analysed, own, weights),
                    novelty=len(own - asked) / len(own) if own else 0.0,
                    evidence=evidence(text, expected, hit.document.language),
                    retrieval=max(0.0, hit.score / top),
                    region_ok=not wanted_regions or bool(wanted_regions & set(hit.chunk.regions)),
                    fragment=all(_is_fragment(line) for line in text.splitlines() if line.strip()),
                    score=0.0,
                    asked=expected.kind != "none",
                )
            )
        return _mark_padded(out, pairs)

    def _analyse(self, question: str) -> list[QueryTerm]:
        if self.config.terms == "bridged":
            return self.searcher.analyse(question)
        if self.config.terms == "corrected":
            return self.searcher.snapshot.lexical.analyse(question)
        return query_analysis(question)

    def _weight(self, word: QueryTerm) -> float:
        """How telling a question word is: the idf of its most common indexed term (the
        idf of an unseen term when none is indexed)."""
        lexical = self.searcher.snapshot.lexical
        return min((lexical.idf(t) for t in word.terms), default=lexical.idf(""))

    def _document_sentences(self, document: Document) -> tuple[Sentence, ...]:
        cached = self._sentences.get(document.id)
        if cached is None:
            cached = tuple(s for s in split_sentences(document.text) if _is_content(s.text))
            self._sentences[document.id] = cached
        return cached

    def _spans(self, hit: Hit) -> Iterable[tuple[int, int, str, tuple[int, int] | None]]:
        """(start, end, text) of the candidate spans of a passage.

        `text` is built from the sentences as split, not re-cut from the document, so a
        splitter whose offsets drifted shows up at verification instead of passing unseen.
        """
        sentences = self._document_sentences(hit.document)
        doc = hit.document.text
        chunk = hit.chunk

        def joined(first: Sentence, last: Sentence) -> str:
            return first.text + doc[first.end : last.start] + last.text

        def same_block(a: Sentence, b: Sentence) -> bool:
            return "\n\n" not in doc[a.end : b.start]

        for i, sentence in enumerate(sentences):
            if sentence.end <= chunk.start or sentence.start >= chunk.end:
                continue
            yield sentence.start, sentence.end, sentence.text, None
            following = sentences[i + 1] if i + 1 < len(sentences) else None
            if (
                self.config.sentence_pairs
                and following is not None
                and following.start < chunk.end
                and same_block(sentence, following)
                and not _is_fragment(sentence.text)
            ):
                # a "short span of sentences": this one and the next of its paragraph
                yield (
                    sentence.start,
                    following.end,
                    joined(sentence, following),
                    (sentence.end, following.start),
                )
            previous = sentences[i - 1] if i else None
            if (
                previous is not None
                and _ANAPHOR.match(sentence.text)
                and same_block(previous, sentence)
            ):
                # "This is proven to …": the sentence it refers back to comes with it.
                yield previous.start, sentence.end, joined(previous, sentence), None
            if not _is_fragment(sentence.text):
                continue
            # A list-like line with the label lines above it in the same block.
            first = i
            while (
                first > 0
                and i - first < self.config.max_label_lines
                and _is_fragment(sentences[first - 1].text)
                and same_block(sentences[first - 1], sentences[first])
            ):
                first -= 1
                yield (
                    sentences[first].start,
                    sentence.end,
                    joined(sentences[first], sentence),
                    None,
                )

    def _span_vectors(self, spans: Sequence[tuple[Hit, int, int, str]]) -> np.ndarray:
        """The embeddings of `spans`, from the cache or embedded in one batch (thread-safe)."""
        keys = [(hit.document.id, start, end) for hit, start, end, _ in spans]
        with self._lock:
            found = {key: self._vectors[key] for key in keys if key in self._vectors}
        missing = [(key, span) for key, span in zip(keys, spans, strict=True) if key not in found]
        if missing:
            inputs = [
                span_text(hit.document, hit.chunk.section, text) for _, (hit, _, _, text) in missing
            ]
            encoded = self._embedder.encode_passages(inputs)
            found.update((key, vector) for (key, _), vector in zip(missing, encoded, strict=True))
            with self._lock:
                for key, _ in missing:
                    self._vectors[key] = found[key]
                while len(self._vectors) > self.config.cache_size:
                    self._vectors.popitem(last=False)
        return np.stack([found[key] for key in keys])


def answer_threshold(config: AnswerConfig, model: AnswerModel | None) -> float:
    """The lowest score that answers under `config` (and the learned `model`)."""
    if config.threshold is not None:
        return config.threshold
    if config.scorer == "learned" and model is not None:
        return model.threshold
    return WEIGHTED_THRESHOLD


def rescore(
    candidates: Iterable[Candidate], config: AnswerConfig, model: AnswerModel | None = None
) -> tuple[Candidate, ...]:
    """`candidates` with their scores (in [0, 1]) under `config`, best first: the learned
    `model`'s probabilities (`config.scorer` "learned") or the weighted mean."""
    if config.scorer == "learned":
        if model is None:
            raise ValueError("the learned scorer needs a model (index.scorer.default_model())")
        learned = model

        def score(c: Candidate, retrieval: float) -> float:
            return learned.probability(feature_values(c, retrieval))

    else:

        def score(c: Candidate, retrieval: float) -> float:
            return _score(c, retrieval, config)

    out = [replace(c, score=score(c, c.retrieval), support=score(c, 1.0)) for c in candidates]
    out.sort(key=lambda c: (-c.score, c.hit.rank, c.start, c.end))
    return tuple(out)


def feature_values(c: Candidate, retrieval: float | None = None) -> tuple[float, ...]:
    """`c`'s features in the order of `index.scorer.FEATURES` (with `retrieval` in place of
    its own, to score it as if its passage had ranked elsewhere)."""
    values = {
        "semantic": max(0.0, c.semantic),
        "overlap": c.overlap,
        "focus": c.focus,
        "evidence": c.evidence,
        "retrieval": c.retrieval if retrieval is None else retrieval,
        "novelty": c.novelty,
        "region_ok": float(c.region_ok),
        "fragment": float(c.fragment),
        "padded": float(c.padded),
        "unfocused": float(c.focus == 0.0),
        "asked_evidence": c.evidence if c.asked else 0.0,
    }
    return tuple(values[name] for name in FEATURES)


def _score(c: Candidate, retrieval: float, config: AnswerConfig) -> float:
    weights = (
        config.w_semantic,
        config.w_overlap,
        config.w_focus,
        config.w_evidence,
        config.w_retrieval,
    )
    features = (max(0.0, c.semantic), c.overlap, c.focus, c.evidence, retrieval)
    score = sum(w * f for w, f in zip(weights, features, strict=True)) / (sum(weights) or 1.0)
    if not c.region_ok:
        score *= config.region_penalty
    if c.novelty == 0.0:
        score *= config.echo_penalty
    if c.fragment:
        score *= config.fragment_penalty
    if c.focus == 0.0:
        score *= config.unfocused_penalty
    if c.padded:
        score *= config.padded_penalty
    return min(1.0, max(0.0, score))


def _mark_padded(
    candidates: list[Candidate], pairs: dict[tuple[str, int, int], tuple[tuple[str, int, int], ...]]
) -> list[Candidate]:
    """`candidates` with each sentence pair marked `padded` when one of its sentences alone
    has as many of the question's words and as much evidence."""
    by_key = {(c.hit.document.id, c.start, c.end): c for c in candidates}
    out = []
    for c in candidates:
        parts = [
            by_key[k] for k in pairs.get((c.hit.document.id, c.start, c.end), ()) if k in by_key
        ]
        padded = any(p.focus >= c.focus and p.evidence >= c.evidence for p in parts)
        out.append(replace(c, padded=padded) if padded else c)
    return out


_ASKED_FOR: dict[Kind, str] = {
    "count": "a number of them",
    "amount": "an amount",
    "share": "a percentage",
    "date": "a date",
    "duration": "a date or a span of time",
    "who": "a name",
    "land": "a Land",
    "phone": "a phone number",
    "address": "an address",
}


def _reason(best: Candidate, question: str) -> str:
    if not best.region_ok:
        return "The passages found are about other Länder than the question names."
    kind = expectation(question).kind
    if best.evidence < 0.5 and kind in _ASKED_FOR:
        return f"No passage found states what the question asks for ({_ASKED_FOR[kind]})."
    return "No sentence found answers the question well enough."


def verify_citations(citations: Iterable[AnswerCitation]) -> tuple[AnswerCitation, ...]:
    """The citations whose text is exactly `document.text[start:end]`; others are logged."""
    kept = []
    for c in citations:
        if 0 <= c.start < c.end <= len(c.document.text) and c.document.text[c.start : c.end] == (
            c.text
        ):
            kept.append(c)
        else:
            log.error(
                "dropped a citation that does not verify: %s[%d:%d] != %r",
                c.document.id,
                c.start,
                c.end,
                c.text[:80],
            )
    return tuple(kept)


# --- helpers ----------------------------------------------------------------------------

_QUESTION_WORDS = frozenset(
    fold(w)
    for w in (
        "how", "many", "much", "what", "which", "who", "whom", "when", "where", "why", "does",
        "did", "is", "are", "was", "wie", "viele", "viel", "was", "welche", "welcher",
        "welches", "welchen", "wer", "wen", "wem", "wann", "wo", "woran", "wozu", "wovon",
        "warum", "seit", "hat", "haben", "gibt", "heißt", "ist", "sind", "whose", "often",
        "long", "worüber", "wofür", "womit", "wodurch", "wohin", "woher", "wieso", "weshalb",
        "inwiefern", "wieviel", "wieviele", "oft", "lange", "hoch",
    )
)  # fmt: skip
_ANAPHOR = re.compile(
    r"(this|these|that|it|they|thus|therefore|dies|diese|dieser|dieses|sie|es|dabei|daher"
    r"|damit|dadurch|deshalb)\b",
    re.I,
)
_ALPHA = re.compile(r"[^\W\d_]{2,}")


def _is_question_word(word: str) -> bool:
    return fold(word) in _QUESTION_WORDS


def _is_content(text: str) -> bool:
    """Whether a sentence can be an answer: it has words (not just "Mehr: …" or a code),
    or it is a phone number ("+49 (0) 711 123-2240")."""
    words = _ALPHA.findall(text)
    if len(words) >= 2 or (any(c.isdigit() for c in text) and len(words) >= 1):
        return True
    return _PHONE.fullmatch(text.strip()) is not None


def _is_fragment(text: str) -> bool:
    """A list-like line: a few words, no sentence-final mark."""
    return len(text.split()) <= 6 and not text.rstrip().endswith((".", "!", "?"))


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
