from __future__ import annotations

import pytest

from index.config import ChunkerConfig, RankingConfig
from index.documents.chunk import Chunk, chunk_corpus
from index.documents.corpus import Document
from index.embedding.base import Embedder
from index.evaluation.ood import (
    OodQuestion,
    OodRun,
    numbered_headings,
    ood_questions,
    ood_runs,
    ood_section,
    section_numbers,
)
from index.ingest.lexical import passage_terms_of
from index.retrieval.searcher import Searcher
from index.storage.snapshot import create_snapshot

EN_CH1 = (
    "Chapter 1. Basics\n\n"
    "An introduction before any numbered section.\n\n"
    "1.1. The shell prompt\n\n"
    "The shell prompt waits for a command.\n\n"
    "1.1.1. The root account\n\n"
    "The root account may do anything on the system.\n\n"
    "1.2. Only in English\n\n"
    "This section was never translated.\n"
)
DE_CH1 = (
    "Kapitel 1. Grundlagen\n\n"
    "Eine Einführung vor dem ersten nummerierten Abschnitt.\n\n"
    "1.1. Der Shell-Prompt\n\n"
    "Der Shell-Prompt wartet auf einen Befehl.\n\n"
    "1.1.1. Das Root-Konto\n\n"
    "Das Root-Konto darf auf dem System alles.\n"
)
# A preface numbers "1.1." too: numbers pair up within a part only.
EN_PREFACE = "Preface\n\n1.1. Conventions\n\nCommands are set in monospace.\n"
DE_PREFACE = "Vorwort\n\n1.1. Konventionen\n\nBefehle stehen in Festbreitenschrift.\n"


def _doc(doc_id: str, lang: str, text: str) -> Document:
    return Document(id=doc_id, title=doc_id, language=lang, source=doc_id, text=text)


CORPUS = {
    "ch01": {"en": _doc("ch01.en", "en", EN_CH1), "de": _doc("ch01.de", "de", DE_CH1)},
    "pr01": {"en": _doc("pr01.en", "en", EN_PREFACE), "de": _doc("pr01.de", "de", DE_PREFACE)},
}
DOCS = [d for docs in CORPUS.values() for d in docs.values()]


@pytest.fixture(scope="module")
def chunks() -> list[Chunk]:
    return chunk_corpus(DOCS, ChunkerConfig(chunk_size=60, chunk_overlap=0))


def _ids(chunks: list[Chunk], doc_id: str, *needles: str) -> frozenset[int]:
    return frozenset(
        c.id for c in chunks if c.document_id == doc_id and any(n in c.text for n in needles)
    )


def test_numbered_headings_are_whole_lines_with_two_or_more_numbers() -> None:
    text = "Chapter 1. Basics\n\n  1.2. Title here \nSee 1.3. inline\n1.2. Again\n2.10.1. Deep\n"
    heads = numbered_headings(text)
    assert [(h.number, h.title) for h in heads] == [("1.2", "Title here"), ("2.10.1", "Deep")]
    assert text[heads[0].start : heads[0].start + 9] == "  1.2. Ti"


def test_section_numbers_follow_the_last_heading_before_the_chunk(chunks: list[Chunk]) -> None:
    numbers = section_numbers(CORPUS["ch01"]["en"], chunks)
    by_text = {c.text: numbers.get(c.id) for c in chunks if c.document_id == "ch01.en"}
    assert by_text["An introduction before any numbered section."] is None
    assert by_text["The shell prompt waits for a command."] == "1.1"
    assert by_text["The root account may do anything on the system."] == "1.1.1"
    assert by_text["This section was never translated."] == "1.2"
    # only the document's own chunks
    assert set(numbers) <= {c.id for c in chunks if c.document_id == "ch01.en"}


def test_questions_both_directions_relevant_by_number_within_part(chunks: list[Chunk]) -> None:
    questions = ood_questions(CORPUS, chunks, [("en", "de"), ("de", "en")])
    assert [(q.id, q.question) for q in questions] == [
        ("en->de:ch01:1.1", "The shell prompt"),
        ("en->de:ch01:1.1.1", "The root account"),
        ("en->de:pr01:1.1", "Conventions"),
        ("de->en:ch01:1.1", "Der Shell-Prompt"),
        ("de->en:ch01:1.1.1", "Das Root-Konto"),
        ("de->en:pr01:1.1", "Konventionen"),
    ]
    first, _, preface, back, _, _ = questions
    assert first.relevant == _ids(chunks, "ch01.de", "wartet auf einen Befehl")
    assert preface.relevant == _ids(chunks, "pr01.de", "Festbreitenschrift")
    assert back.relevant == _ids(chunks, "ch01.en", "waits for a command")
    assert (first.pair, back.pair) == ("en->de", "de->en")
    assert all(len(q.relevant) == 1 for q in questions)


class _Keyword:
    """A toy embedder: one dimension per keyword, so rankings are known exactly."""

    words = ("prompt", "root", "befehl", "konto", "monospace", "festbreiten")
    model_id = "keywords"
    dim = len(words)

    def _encode(self, texts: list[str]) -> object:
        import numpy as np

        rows = [[float(w in t.lower()) for w in self.words] for t in texts]
        return np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)

    def encode_queries(self, texts: list[str]) -> object:
        return self._encode(texts)

    def encode_passages(self, texts: list[str]) -> object:
        return self._encode(texts)


def test_runs_and_section_exact(chunks: list[Chunk]) -> None:
    embedder: Embedder = _Keyword()  # type: ignore[assignment]
    vectors = embedder.encode_passages([c.text for c in chunks])
    snapshot = create_snapshot(
        chunks,
        vectors,
        DOCS,
        model_id="keywords",
        chunker={},
        corpus_hash="t",
        terms=passage_terms_of(chunks, {d.id: d for d in DOCS}),
    )
    searcher = Searcher(snapshot, embedder)
    questions = ood_questions(CORPUS, chunks, [("en", "de")])
    runs = ood_runs(searcher, questions, {"bm25": RankingConfig(method="bm25", bridge=None)})
    assert [r.method for r in runs] == ["bm25"] * 3
    # every hit is a German passage: the search is restricted to the target language
    german = {c.id for c in chunks if c.document_id.endswith(".de")}
    assert all(set(r.ranked) <= german for r in runs)
    # "The shell prompt" → "Der Shell-Prompt …" by BM25 (shared stems), first
    assert runs[0].ranked[0] in questions[0].relevant


def test_section_averages_per_method_and_pair() -> None:
    q_en = OodQuestion("a", "t", "en", "de", frozenset({1}))
    q_de = OodQuestion("b", "t", "de", "en", frozenset({2}))
    runs = [
        OodRun(q_en, "dense", (1, 5)),
        OodRun(q_en, "dense", (5, 6, 7, 8, 9, 1)),  # rank 6: no hit@5, MRR 1/6
        OodRun(q_de, "dense", (3, 4, 2)),
    ]
    section = ood_section(runs, "Out of domain")
    assert section.columns == ("method", "pair", "n", "hit@1", "hit@5", "MRR@10")
    assert section.rows == (
        ("dense", "en->de", 2, 0.5, 0.5, round((1 + 1 / 6) / 2, 3)),
        ("dense", "de->en", 1, 0.0, 1.0, 0.333),
    )


def test_unknown_metric_is_an_error() -> None:
    run = OodRun(OodQuestion("a", "t", "en", "de", frozenset()), "dense", ())
    with pytest.raises(ValueError, match="unknown metric 'nDCG@10'"):
        run.metric("nDCG@10")
