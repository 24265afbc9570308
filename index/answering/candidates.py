"""Candidate answers: the spans of a passage's document that could answer a question.

The candidates of a passage (`passage_spans`) are, for each sentence that overlaps it:

* the sentence itself;
* the sentence with the next one of its paragraph (with `AnswerConfig.sentence_pairs`),
  unless the sentence is a list-like line;
* a sentence opening with a back-reference ("This is proven to …", "Dabei …") with the
  sentence before it;
* a list-like line ("Edith Köchel", "January 2000") with up to `max_label_lines` label
  lines just above it in its block ("Contact person" …, "Start Date").

Sentences come from `index.text.sentences.split_sentences`, keeping only those with some
content (`is_content`). A span's text is built from the sentences as split, not re-cut from
the document, so a splitter whose offsets drifted shows up when the citation is verified
instead of passing unseen. `Candidate` is a span with the features it is scored by
(`index.answering.features`) and its score (`index.answering.scoring`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass

from index.answering.question import is_phone_number
from index.config import AnswerConfig
from index.documents.corpus import Document
from index.retrieval.searcher import Hit
from index.text.sentences import Sentence, split_sentences

__all__ = [
    "Candidate",
    "Span",
    "candidate_spans",
    "content_sentences",
    "is_content",
    "is_fragment",
    "passage_spans",
]

# A span's identity: (document id, start, end).
_Key = tuple[str, int, int]

_ANAPHOR = re.compile(
    r"(this|these|that|it|they|thus|therefore|dies|diese|dieser|dieses|sie|es|dabei|daher"
    r"|damit|dadurch|deshalb)\b",
    re.I,
)
_ALPHA = re.compile(r"[^\W\d_]{2,}")


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

    @property
    def passage(self) -> float:
        """The fused search score of its passage as it is, not relative to the first
        (clipped to [0, 1]): how well the best passage matches the question at all."""
        return min(1.0, max(0.0, self.hit.scores.fused))


@dataclass(frozen=True, slots=True)
class Span:
    """`text` at `start:end` of the document of `hit`; `split_at` (the end of the first
    sentence, the start of the second) when it is a sentence pair."""

    hit: Hit
    start: int
    end: int
    text: str
    split_at: tuple[int, int] | None = None

    @property
    def key(self) -> _Key:
        return (self.hit.document.id, self.start, self.end)

    @property
    def parts(self) -> tuple[_Key, ...]:
        """The keys of a sentence pair's two sentences; () for any other span."""
        if self.split_at is None:
            return ()
        doc = self.hit.document.id
        return ((doc, self.start, self.split_at[0]), (doc, self.split_at[1], self.end))


def is_content(text: str) -> bool:
    """Whether a sentence can be an answer: it has words (not just "Mehr: …" or a code),
    or it is a phone number ("+49 (0) 711 123-2240")."""
    words = _ALPHA.findall(text)
    if len(words) >= 2 or (any(c.isdigit() for c in text) and len(words) >= 1):
        return True
    return is_phone_number(text)


def is_fragment(text: str) -> bool:
    """A list-like line: a few words, no sentence-final mark."""
    return len(text.split()) <= 6 and not text.rstrip().endswith((".", "!", "?"))


def content_sentences(text: str) -> tuple[Sentence, ...]:
    """The sentences of a document's `text` that can be answers (`is_content`)."""
    return tuple(s for s in split_sentences(text) if is_content(s.text))


def candidate_spans(
    hits: Iterable[Hit],
    sentences_of: Callable[[Document], Sequence[Sentence]],
    config: AnswerConfig,
) -> list[Span]:
    """The candidate spans of `hits`, in order, each (document, start, end) once: the first
    passage that offers it keeps it. `sentences_of` gives a document's content sentences."""
    spans: dict[_Key, Span] = {}
    for hit in hits:
        for span in passage_spans(hit, sentences_of(hit.document), config):
            spans.setdefault(span.key, span)
    return list(spans.values())


def passage_spans(hit: Hit, sentences: Sequence[Sentence], config: AnswerConfig) -> Iterator[Span]:
    """The candidate spans of one passage, sentence by sentence (see the module docstring)."""
    chunk = hit.chunk
    for i, sentence in enumerate(sentences):
        if sentence.end <= chunk.start or sentence.start >= chunk.end:
            continue
        yield Span(hit, sentence.start, sentence.end, sentence.text)
        if config.sentence_pairs:
            yield from _with_next(hit, sentences, i)
        yield from _with_antecedent(hit, sentences, i)
        if is_fragment(sentence.text):
            yield from _with_labels(hit, sentences, i, config.max_label_lines)


def _with_next(hit: Hit, sentences: Sequence[Sentence], i: int) -> Iterator[Span]:
    """The sentence with the next one of its paragraph, when that starts in the passage."""
    if i + 1 >= len(sentences):
        return
    sentence, following = sentences[i], sentences[i + 1]
    doc = hit.document.text
    if (
        following.start < hit.chunk.end
        and _same_block(doc, sentence, following)
        and not is_fragment(sentence.text)
    ):
        text = _joined(doc, sentence, following)
        yield Span(hit, sentence.start, following.end, text, (sentence.end, following.start))


def _with_antecedent(hit: Hit, sentences: Sequence[Sentence], i: int) -> Iterator[Span]:
    """A sentence that refers back ("This is proven to …") with the sentence before it."""
    if not i:
        return
    previous, sentence = sentences[i - 1], sentences[i]
    doc = hit.document.text
    if _ANAPHOR.match(sentence.text) and _same_block(doc, previous, sentence):
        yield Span(hit, previous.start, sentence.end, _joined(doc, previous, sentence))


def _with_labels(hit: Hit, sentences: Sequence[Sentence], i: int, max_lines: int) -> Iterator[Span]:
    """A list-like line with one, two, … up to `max_lines` list-like lines above it in the
    same block (its labels)."""
    doc = hit.document.text
    line = sentences[i]
    first = i
    while (
        first > 0
        and i - first < max_lines
        and is_fragment(sentences[first - 1].text)
        and _same_block(doc, sentences[first - 1], sentences[first])
    ):
        first -= 1
        yield Span(hit, sentences[first].start, line.end, _joined(doc, sentences[first], line))


def _joined(doc: str, first: Sentence, last: Sentence) -> str:
    return first.text + doc[first.end : last.start] + last.text


def _same_block(doc: str, a: Sentence, b: Sentence) -> bool:
    return "\n\n" not in doc[a.end : b.start]
