"""An out-of-domain answer set made from a FAQ: its numbered question headings, asked.

A FAQ written as numbered sections whose headings are questions ("1.2. What is Debian
GNU/Linux?", in each language: the Debian FAQ, `apt-get install debian-faq
debian-faq-de`) is its own answer key: asked its heading, an answerer is right when its
answer lies in the body of that section (the text under the heading up to the next
numbered heading, so an echo of the heading itself is not an answer). Every `HOLD_OUT`th
question's section is left out of the index, heading and body, in every language: those
questions have no answer there, and the right response is null. No one here writes or
picks the questions, so nothing can be tuned to them by hand.

Questions go across languages too: the heading in language `a` is asked of the sections in
language `b` (`Answerer.ask` with `lang=b`), for each `(a, b)` of the pairs asked. Sections
are found in the document text itself (`index.evaluation.ood.numbered_headings`), numbers
are matched within a part (a chapter) only.

The figures are those of `index.evaluation.answers` (`Graded`): "right" (answerable
questions answered in their section), answered, precision of the answers given, null,
per language pair, and the threshold view.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from index.answering.answerer import Answerer
from index.config import ChunkerConfig
from index.documents.corpus import Document
from index.embedding.base import Embedder
from index.evaluation.answers import Best, Graded, best_of, coverage_section, figures
from index.evaluation.manual import load_manual, manual_searcher, manual_snapshot
from index.evaluation.ood import Parallel, numbered_headings
from index.evaluation.retrieval import EvalContext, Section
from index.storage.cache import PassageCache

__all__ = [
    "DEFAULT_FAQ",
    "FAQ_PAIRS",
    "HOLD_OUT",
    "FaqQuestion",
    "FaqRun",
    "FaqSection",
    "faq_answers",
    "faq_builders",
    "faq_questions",
    "faq_runs",
    "faq_sections",
    "faq_tables",
    "held_out",
    "is_question",
    "load_faq",
    "without_sections",
]

DEFAULT_FAQ = Path("/usr/share/doc/debian/FAQ")
FAQ_PAIRS = (("en", "en"), ("de", "de"), ("en", "de"), ("de", "en"))
# Every third question's section is left out of the index: a third of the questions have
# no answer, about the share of the seed set's (97 of 335 on dev).
HOLD_OUT = 3
COLUMNS = ("pair", "n", "right", "answered", "precision", "null")


@dataclass(frozen=True, slots=True)
class FaqSection:
    """A numbered section of a document: its heading line starts at `start`, its body runs
    from `body` (after the heading line) to `end` (the next numbered heading, or the end)."""

    number: str
    title: str
    start: int
    body: int
    end: int


@dataclass(frozen=True, slots=True)
class FaqQuestion:
    """A heading asked in `lang` of the sections in `target_lang`; answerable ones have
    their gold section's body in `document_id` at `gold` (start, end)."""

    id: str
    question: str
    lang: str
    target_lang: str
    document_id: str | None
    gold: tuple[int, int] | None

    @property
    def pair(self) -> str:
        return f"{self.lang}->{self.target_lang}"

    @property
    def answerable(self) -> bool:
        return self.gold is not None

    def holds(self, best: Best) -> bool:
        """Whether `best` lies within the gold section's body."""
        if self.gold is None or best.document_id != self.document_id:
            return False
        return self.gold[0] <= best.start and best.end <= self.gold[1]


@dataclass(frozen=True, slots=True)
class FaqRun:
    """One FAQ question's answer (None: no answer), its score and its best candidate."""

    question: FaqQuestion
    answer: str | None
    confidence: float
    best: Best | None
    vetoed: bool

    def graded(self) -> Graded:
        best_right = self.best is not None and self.question.holds(self.best)
        score = None if self.best is None or self.vetoed else self.confidence
        answered = self.answer is not None
        return Graded(
            self.question.answerable, answered, answered and best_right, score, best_right
        )


def is_question(title: str) -> bool:
    """A heading that asks something: it ends with a question mark."""
    return title.rstrip().endswith(("?", "？"))


def faq_sections(text: str) -> list[FaqSection]:
    """The numbered sections of `text`, in order."""
    heads = numbered_headings(text)
    out = []
    for i, head in enumerate(heads):
        line_end = text.find("\n", head.start)
        body = len(text) if line_end < 0 else line_end + 1
        end = heads[i + 1].start if i + 1 < len(heads) else len(text)
        out.append(FaqSection(head.number, head.title, head.start, min(body, end), end))
    return out


def held_out(corpus: Parallel, every: int = HOLD_OUT) -> frozenset[tuple[str, str]]:
    """(part, number) of every `every`th question heading, counted over the parts in order
    and their question numbers in order; a number counts when its heading is a question in
    every language of its part."""
    if every < 1:
        raise ValueError(f"every must be at least 1, got {every}")
    asked: list[tuple[str, str]] = []
    for part, documents in corpus.items():
        numbers: set[str] | None = None
        for document in documents.values():
            mine = {s.number for s in faq_sections(document.text) if is_question(s.title)}
            numbers = mine if numbers is None else numbers & mine
        asked += [(part, n) for n in sorted(numbers or (), key=_number_key)]
    return frozenset(key for i, key in enumerate(asked) if i % every == every - 1)


def without_sections(document: Document, numbers: frozenset[str]) -> Document:
    """`document` with the sections numbered `numbers` cut out, heading and body."""
    cut = [s for s in faq_sections(document.text) if s.number in numbers]
    if not cut:
        return document
    pieces, last = [], 0
    for section in cut:
        pieces.append(document.text[last : section.start])
        last = section.end
    pieces.append(document.text[last:])
    return replace(document, text="".join(pieces))


def faq_questions(
    corpus: Parallel,
    held: frozenset[tuple[str, str]],
    pairs: Sequence[tuple[str, str]] = FAQ_PAIRS,
) -> tuple[Parallel, list[FaqQuestion]]:
    """The corpus to index (`corpus` without the `held` sections) and its questions: for
    each `(a, b)` of `pairs`, every question heading of language `a`, answerable when its
    section is in the indexed language-`b` document with a body, unanswerable when held
    out; ordered by pair, part and number."""
    indexed: dict[str, dict[str, Document]] = {
        part: {lang: without_sections(d, frozenset(n for p, n in held if p == part))
               for lang, d in documents.items()}
        for part, documents in corpus.items()
    }  # fmt: skip
    out: list[FaqQuestion] = []
    for lang, target in pairs:
        for part, documents in corpus.items():
            if lang not in documents or target not in documents:
                continue
            bodies = {
                s.number: s
                for s in faq_sections(indexed[part][target].text)
                if indexed[part][target].text[s.body : s.end].strip()
            }
            for section in faq_sections(documents[lang].text):
                if not is_question(section.title):
                    continue
                qid = f"{lang}->{target}:{part}:{section.number}"
                gold = bodies.get(section.number)
                doc_id = indexed[part][target].id
                if (part, section.number) in held:
                    out.append(FaqQuestion(qid, section.title, lang, target, None, None))
                elif gold is not None:
                    span = (gold.body, gold.end)
                    out.append(FaqQuestion(qid, section.title, lang, target, doc_id, span))
    return indexed, out


def faq_runs(answerer: Answerer, questions: Sequence[FaqQuestion], k: int = 5) -> list[FaqRun]:
    """Ask every question once, of the passages in its target language."""
    runs = []
    for q in questions:
        answer = answerer.ask(q.question, k, lang=q.target_lang)
        best, vetoed = best_of(answer)
        runs.append(FaqRun(q, answer.text, answer.confidence, best, vetoed))
    return runs


def faq_tables(runs: Sequence[FaqRun], note: str, threshold: float) -> tuple[Section, Section]:
    """The figures per language pair (pairs in order of first appearance, then all), and
    the threshold view over all runs."""
    rows: list[tuple[str | int | float, ...]] = []
    pairs = list(dict.fromkeys(r.question.pair for r in runs))
    for pair in [*pairs, "all"]:
        group = [r.graded() for r in runs if pair in ("all", r.question.pair)]
        rows.append((pair, len(group), *("–" if v is None else v for v in figures(group))))
    title = f"Out of domain: FAQ question headings answered ({note})"
    table = Section(title, COLUMNS, tuple(rows))
    view_title = f"FAQ answers at other thresholds (the answerer's: {threshold})"
    return table, coverage_section([r.graded() for r in runs], view_title)


def load_faq(
    folder: Path, languages: Sequence[str] = ("en", "de")
) -> dict[str, dict[str, Document]]:
    """Part → language → document for every `PART.LANG.html` under `folder` (any depth)
    with numbered headings, for the parts present in all `languages`."""
    found = load_manual(
        folder, languages, recursive=True, keep=lambda text: bool(numbered_headings(text))
    )
    return dict(sorted(found.items()))


def faq_builders(
    questions: Sequence[FaqQuestion], answerer: Answerer | None, note: str
) -> Mapping[str, Callable[[EvalContext], Section]]:
    """Section builders ("faq answers", "faq coverage") that ask the FAQ questions once;
    with no answerer, one section holding `note` (why the set is missing)."""
    if answerer is None:
        title = "Out of domain: FAQ question headings answered"
        return {"faq answers": lambda _ctx: Section(title, ("note",), ((note,),))}
    memo: list[tuple[Section, Section]] = []

    def tables() -> tuple[Section, Section]:
        if not memo:
            memo.append(faq_tables(faq_runs(answerer, questions), note, answerer.threshold))
        return memo[0]

    return {"faq answers": lambda _ctx: tables()[0], "faq coverage": lambda _ctx: tables()[1]}


def faq_answers(
    folder: Path,
    embedder: Embedder,
    cache: Path,
    chunker: ChunkerConfig,
    like: Answerer,
    *,
    bridge_embedder: Embedder | None = None,
) -> Mapping[str, Callable[[EvalContext], Section]]:
    """Section builders for the FAQ in `folder` (`faq_builders`), answered with `like`'s
    configuration, scorer and embedder; passages are embedded through the cache file
    `cache`, the word bridge's words by `bridge_embedder` (default: `embedder`)."""
    corpus = load_faq(folder)
    if not corpus:
        note = (
            f"skipped: no PART.en.html with PART.de.html under {folder} (apt-get install "
            "debian-faq debian-faq-de, or pass --faq DIR)"
        )
        return faq_builders((), None, note)
    indexed, questions = faq_questions(corpus, held_out(corpus))
    store = PassageCache(cache)
    index = manual_snapshot(indexed, embedder, store, chunker)
    searcher = manual_searcher(index, embedder, store, bridge_embedder=bridge_embedder)
    answerer = Answerer(searcher, like.embedder, like.config, like.model)
    held = sum(not q.answerable for q in questions)
    note = (
        f"{folder}: {len(corpus)} parts, {len(index.chunks)} passages, "
        f"{len(questions)} questions of which {held} held out"
    )
    return faq_builders(questions, answerer, note)


def _number_key(number: str) -> tuple[int, ...]:
    return tuple(int(n) for n in number.split("."))
