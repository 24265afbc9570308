"""BM25 over the chunks, with German/English tokenisation (bm25s + Snowball + compound splitting).

Analysis of a passage (`passage_terms`):

* words are runs of letters/digits; a word mixing letters and digits ("innoBB2025plus")
  also yields its runs ("innobb", "2025", "plus"); a hyphen separates words;
* lower-cased, umlauts/ß spelled out (ü → ue, ß → ss) so "Thüringen" and "Thueringen"
  meet; stop words of both languages dropped;
* stemmed with the Snowball stemmer of the passage's language (PyStemmer);
* German words of 8+ letters are also split into their parts with compound-split
  (CharSplit n-gram model, no dictionary): "Clusterpolitik" → cluster + politik,
  "Innovationsstrategie" → innovation + strategie; parts are stemmed and indexed as well.

A query's language is not known, so `query_terms` stems each word with both stemmers,
splits it the same way, and adds the other language's words for words of the small
domain term map (`index.terms`) and the German and English names of every Land the
query names (`index.regions`).

Typos: `LexicalIndex.analyse` corrects a query word that matches nothing in the index
(none of its stems, parts or translations is a vocabulary term) to the nearest vocabulary
term within a small Levenshtein distance (`max_edits`, rapidfuzz): "valey" → "valley",
"goverment" → "govern", "Clusterpolitk" → "clusterpolit".

`build_lexical(chunks, documents)` derives the index from the snapshot's own content, so
any snapshot gets a consistent BM25 (see `index.store`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np

from index.chunk import Chunk
from index.load import Document
from index.regions import find_regions, is_region_alias, region_names
from index.terms import term_pairs

__all__ = [
    "LEXICAL_VERSION",
    "LexicalIndex",
    "Piece",
    "QueryTerm",
    "build_lexical",
    "compound_parts",
    "correct_typos",
    "fold",
    "lexical_text",
    "max_edits",
    "passage_pieces",
    "passage_terms",
    "query_analysis",
    "query_terms",
    "stem",
    "stopwords",
]

# Bump when the analysis changes: a saved index of another version is rebuilt on load.
LEXICAL_VERSION = 1
_STEMMERS = {"de": "german", "en": "english"}
_WORD = re.compile(r"[^\W_]+")
_RUNS = re.compile(r"[^\W\d_]+|\d+")
_COMPOUND_MIN_CHARS = 8
_COMPOUND_MIN_PART = 4
_COMPOUND_MIN_SCORE = 0.5
_META = "lexical.json"
_FUZZY_MIN_CHARS = 5
_FUZZY_TWO_EDITS_CHARS = 8


@dataclass(frozen=True, slots=True)
class Piece:
    """A stretch `text[start:end]` of analysed text and the index term (a stem) it yields."""

    start: int
    end: int
    term: str


def fold(word: str) -> str:
    """Lower-case and spell umlauts/ß out, so "Thüringen" and "THUERINGEN" agree."""
    word = word.casefold()
    for src, dst in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        word = word.replace(src, dst)
    return word


@cache
def _stemmer(lang: str) -> object:
    import Stemmer

    return Stemmer.Stemmer(_STEMMERS.get(lang, "english"))


@cache
def stem(word: str, lang: str) -> str:
    """The Snowball stem of a folded word in `lang` (English for unknown languages)."""
    result: str = _stemmer(lang).stemWord(word)  # type: ignore[attr-defined]
    return result


@cache
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN_PLUS, STOPWORDS_GERMAN

    return frozenset(fold(w) for w in (*STOPWORDS_EN_PLUS, *STOPWORDS_GERMAN))


def stopwords() -> frozenset[str]:
    """The folded German and English stop words that are never indexed or searched."""
    return _stopwords()


@cache
def compound_parts(word: str) -> tuple[tuple[int, int], ...]:
    """Spans (start, end) inside `word` of its compound parts; () if it is not a compound.

    Splits recursively with the CharSplit model: "Forschungseinrichtungen" →
    "Forschungs" + "Einrichtungen". A linking "s" stays with the left part; the stemmer
    removes it.
    """
    if len(word) < _COMPOUND_MIN_CHARS or not word.isalpha() or is_region_alias(word):
        return ()
    from compound_split import char_split

    candidates = char_split.split_compound(word)
    if not candidates:
        return ()
    score, left, right = candidates[0]
    if score < _COMPOUND_MIN_SCORE or min(len(left), len(right)) < _COMPOUND_MIN_PART:
        return ()
    cut = len(word) - len(right)
    if word[cut:].casefold() != right.casefold():
        return ()
    spans: list[tuple[int, int]] = []
    for start, end in ((0, cut), (cut, len(word))):
        sub = compound_parts(word[start:end])
        spans.extend((start + s, start + e) for s, e in sub) if sub else spans.append((start, end))
    return tuple(spans)


def _words(text: str) -> Iterable[tuple[int, int]]:
    """Spans of the words of `text`, plus the letter/digit runs of mixed words."""
    for match in _WORD.finditer(text):
        yield match.span()
        runs = list(_RUNS.finditer(match.group()))
        if len(runs) > 1:
            for run in runs:
                yield match.start() + run.start(), match.start() + run.end()


def passage_pieces(text: str, lang: str) -> list[Piece]:
    """Every indexed piece of a passage: whole words and, for German, compound parts."""
    pieces: list[Piece] = []
    stops = _stopwords()
    for start, end in _words(text):
        word = fold(text[start:end])
        if word in stops:
            continue
        pieces.append(Piece(start, end, stem(word, lang)))
        if lang == "de":
            for s, e in compound_parts(text[start:end]):
                pieces.append(
                    Piece(start + s, start + e, stem(fold(text[start + s : start + e]), lang))
                )
    return pieces


def passage_terms(text: str, lang: str) -> list[str]:
    """The bag of index terms of a passage in language `lang`."""
    return [p.term for p in passage_pieces(text, lang)]


def lexical_text(chunk: Chunk, document: Document) -> str:
    """What BM25 indexes for a chunk: its document's title, its section heading, its text.

    The title puts the document's subject ("BioCon Valley") into every one of its chunks,
    so the subject stops singling out the few chunks that repeat it, and the words
    specific to a chunk decide among them.
    """
    return "\n".join(p for p in (document.title, chunk.section, chunk.text) if p)


@cache
def _term_map() -> dict[str, tuple[str, ...]]:
    """Stem → the other language's stems, both directions, from the term map (`index.terms`)."""
    table: dict[str, list[str]] = {}
    for pair in term_pairs():
        de = [stem(fold(w), "de") for w in re.findall(r"[^\W_]+", pair.german)]
        en = [stem(fold(w), "en") for w in re.findall(r"[^\W_]+", pair.english)]
        if len(de) == 1:
            table.setdefault(f"de:{de[0]}", []).extend(en)
        if len(en) == 1:
            table.setdefault(f"en:{en[0]}", []).extend(de)
    return {key: tuple(dict.fromkeys(values)) for key, values in table.items()}


@dataclass(frozen=True, slots=True)
class QueryTerm:
    """A word of the query (`source`, as typed) and the index terms it stands for."""

    source: str
    terms: frozenset[str]
    # The word's own stems (German and English), the ones a typo can be corrected in;
    # empty for Land names, which the gazetteer resolves.
    stems: frozenset[str] = frozenset()


def query_analysis(query: str) -> list[QueryTerm]:
    """Each query word with its terms: both stems, compound parts, translations, Land names."""
    out: list[QueryTerm] = []
    stops = _stopwords()
    table = _term_map()
    for start, end in _words(query):
        surface = query[start:end]
        word = fold(surface)
        if word in stops:
            continue
        terms: set[str] = set()
        stems = frozenset(stem(word, lang) for lang in ("de", "en"))
        for lang in ("de", "en"):
            s = stem(word, lang)
            terms.add(s)
            terms.update(table.get(f"{lang}:{s}", ()))
        for p_start, p_end in compound_parts(surface):
            part = stem(fold(surface[p_start:p_end]), "de")
            terms.add(part)
            terms.update(table.get(f"de:{part}", ()))
        out.append(QueryTerm(surface, frozenset(terms), stems))
    for mention in find_regions(query):
        surface = query[mention.start : mention.end]
        terms = set()
        for name in region_names(mention.canonical):
            for w_start, w_end in _words(name):
                for lang in ("de", "en"):
                    terms.add(stem(fold(name[w_start:w_end]), lang))
        out.append(QueryTerm(surface, frozenset(terms)))
    return out


def query_terms(query: str) -> list[str]:
    """The bag of index terms BM25 scores a query with (before typo correction)."""
    return [t for q in query_analysis(query) for t in sorted(q.terms)]


def max_edits(term: str) -> int:
    """How many edits a typo correction may make to the stem `term`.

    0 for stems shorter than 5 characters or with digits (too many neighbours: "geld" →
    "feld"), 1 up to 7 characters ("valey" → "valley"), 2 from 8 on
    ("clusterpolitk" → "clusterpolit").
    """
    if len(term) < _FUZZY_MIN_CHARS or not term.isalpha():
        return 0
    return 1 if len(term) < _FUZZY_TWO_EDITS_CHARS else 2


def correct_typos(
    analysed: Sequence[QueryTerm],
    vocabulary: Sequence[str],
    known: Collection[str] | None = None,
) -> list[QueryTerm]:
    """`analysed` with each word that matches nothing in `vocabulary` corrected.

    A word is corrected only when neither its own stems nor their translations are in
    the vocabulary (a known compound part does not count: "Clusterpolitk" has "Cluster"
    but is still a typo); its own stems are then looked up with Levenshtein distance
    (rapidfuzz) within `max_edits`, and the nearest vocabulary term is added to its terms
    (ties: the alphabetically first). `vocabulary` must be sorted; `known` is the same
    terms for fast membership tests (default: a set of `vocabulary`).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    if known is None:
        known = set(vocabulary)
    table = _term_map()
    out: list[QueryTerm] = []
    for q in analysed:
        direct = set(q.stems)
        for s in q.stems:
            direct.update(table.get(f"de:{s}", ()), table.get(f"en:{s}", ()))
        if not q.stems or any(t in known for t in direct):
            out.append(q)
            continue
        best: tuple[int, str] | None = None
        for term in sorted(q.stems):
            limit = max_edits(term)
            if limit == 0:
                continue
            found = process.extractOne(
                term, vocabulary, scorer=Levenshtein.distance, score_cutoff=limit
            )
            if found is not None and (best is None or (found[1], found[0]) < best):
                best = (int(found[1]), found[0])
        out.append(q if best is None else QueryTerm(q.source, q.terms | {best[1]}, q.stems))
    return out


class LexicalIndex:
    """BM25 (bm25s, Lucene variant) over chunks, addressed by chunk id."""

    def __init__(self, retriever: object, chunk_ids: Sequence[int]) -> None:
        self._retriever = retriever
        self.chunk_ids: tuple[int, ...] = tuple(chunk_ids)
        self._row = {cid: i for i, cid in enumerate(self.chunk_ids)}
        self._vocabulary: tuple[str, ...] | None = None

    @property
    def vocabulary(self) -> tuple[str, ...]:
        """The indexed terms (stems), sorted."""
        if self._vocabulary is None:
            vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
            self._vocabulary = tuple(sorted(t for t in vocab if t))
        return self._vocabulary

    def idf(self, term: str) -> float:
        """BM25's inverse document frequency of `term`: ln(1 + (N - df + 0.5) / (df + 0.5)),
        with df the number of chunks holding it (0 for a term not indexed)."""
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        scores: Mapping[str, Any] = self._retriever.scores  # type: ignore[attr-defined]
        indptr = scores["indptr"]
        row = vocab.get(term) if term else None
        df = 0 if row is None or row + 1 >= len(indptr) else int(indptr[row + 1] - indptr[row])
        n = len(self.chunk_ids)
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def analyse(self, query: str) -> list[QueryTerm]:
        """The query's words and their terms, typos corrected against this index's vocabulary."""
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        return correct_typos(query_analysis(query), self.vocabulary, vocab.keys())

    def scores(
        self, query: str, *, analysed: Sequence[QueryTerm] | None = None
    ) -> dict[int, float]:
        """BM25 score of every chunk for `query` (0.0 where no term matches).

        `analysed`: the query's terms when the caller has expanded them further (the word
        bridge); by default `self.analyse(query)`.
        """
        if analysed is None:
            analysed = self.analyse(query)
        terms = [t for q in analysed for t in sorted(q.terms)]
        vocab: Mapping[str, int] = self._retriever.vocab_dict  # type: ignore[attr-defined]
        ids = [vocab[t] for t in terms if t in vocab]
        if not ids or not self.chunk_ids:
            return dict.fromkeys(self.chunk_ids, 0.0)
        raw = np.asarray(self._retriever.get_scores_from_ids(ids), dtype=np.float64)  # type: ignore[attr-defined]
        return {cid: float(raw[i]) for i, cid in enumerate(self.chunk_ids)}

    def save(self, directory: Path) -> list[Path]:
        """Write the index into `directory` (created); returns the files written."""
        directory.mkdir(parents=True, exist_ok=True)
        self._retriever.save(str(directory), show_progress=False)  # type: ignore[attr-defined]
        meta = {"version": LEXICAL_VERSION, "chunk_ids": list(self.chunk_ids)}
        (directory / _META).write_text(json.dumps(meta), encoding="utf-8")
        return sorted(p for p in directory.iterdir() if p.is_file())

    @classmethod
    def load(cls, directory: Path) -> LexicalIndex | None:
        """The index saved in `directory`, or None if absent or of another analysis version."""
        import bm25s

        try:
            meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if meta.get("version") != LEXICAL_VERSION:
            return None
        retriever = bm25s.BM25.load(str(directory), show_progress=False, verbosity=0)
        return cls(retriever, [int(c) for c in meta["chunk_ids"]])


def build_lexical(chunks: Sequence[Chunk], documents: Mapping[str, Document]) -> LexicalIndex:
    """The BM25 index of `chunks`, each analysed in its document's language."""
    import bm25s

    corpus = [
        passage_terms(lexical_text(c, documents[c.document_id]), documents[c.document_id].language)
        for c in chunks
    ]
    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    if corpus:
        retriever.index(corpus, show_progress=False)
    return LexicalIndex(retriever, [c.id for c in chunks])


# issue 5: incremental updates rebuild BM25 from cached per-chunk terms (no re-analysis).
__all__ += ["lexical_from_terms"]


def lexical_from_terms(chunk_ids: Sequence[int], corpus: Sequence[list[str]]) -> LexicalIndex:
    """The BM25 index of chunks whose terms (`passage_terms` of `lexical_text`) are known;
    the same index `build_lexical` makes of those chunks, without analysing any text."""
    import bm25s

    retriever = bm25s.BM25(method="lucene", k1=1.2, b=0.75)
    if corpus:
        retriever.index(list(corpus), show_progress=False)
    return LexicalIndex(retriever, chunk_ids)
