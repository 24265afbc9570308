"""German/English text analysis for BM25 (Snowball stems, compound splitting, typos).

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
domain term map (`index.text.terms`) and the German and English names of every Land the
query names (`index.text.regions`).

Typos: `correct_typos` corrects a query word that matches nothing in the index
(none of its stems, parts or translations is a vocabulary term) to the nearest vocabulary
term within a small Levenshtein distance (`max_edits`, rapidfuzz): "valey" → "valley",
"goverment" → "govern", "Clusterpolitk" → "clusterpolit".

The BM25 index itself, which stores these terms, is `index.storage.lexical`.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache

from index.config import WORD_CACHE_SIZE
from index.text.regions import find_regions, is_region_alias, region_names
from index.text.terms import term_pairs

__all__ = [
    "LEXICAL_VERSION",
    "Piece",
    "QueryTerm",
    "compound_parts",
    "correct_typos",
    "fold",
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
    for match in _WORD.finditer(text):
        start = match.start()
        for s, e, term in _word_pieces(match.group(), lang):
            pieces.append(Piece(start + s, start + e, term))
    return pieces


@lru_cache(maxsize=WORD_CACHE_SIZE)
def _word_pieces(word: str, lang: str) -> tuple[tuple[int, int, str], ...]:
    """`passage_pieces` of one word, as (start, end, term) within it: the word and its
    letter/digit runs (`_words`), each unless a stop word, and their compound parts. A
    passage's words repeat across passages, so each is analysed once while it is common."""
    out: list[tuple[int, int, str]] = []
    stops = _stopwords()
    for start, end in _words(word):
        folded = fold(word[start:end])
        if folded in stops:
            continue
        out.append((start, end, stem(folded, lang)))
        if lang == "de":
            for s, e in compound_parts(word[start:end]):
                out.append((start + s, start + e, stem(fold(word[start + s : start + e]), lang)))
    return tuple(out)


def passage_terms(text: str, lang: str) -> list[str]:
    """The bag of index terms of a passage in language `lang`."""
    return [p.term for p in passage_pieces(text, lang)]


@cache
def _term_map() -> dict[str, tuple[str, ...]]:
    """Stem → the other language's stems, both directions, from the term map (`terms.tsv`)."""
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
    vocabularies: Sequence[Sequence[str]],
    known: Collection[str] | None = None,
) -> list[QueryTerm]:
    """`analysed` with each word that matches nothing in `vocabularies` corrected.

    A word is corrected only when neither its own stems nor their translations are in
    the vocabulary (a known compound part does not count: "Clusterpolitk" has "Cluster"
    but is still a typo); its own stems are then looked up with Levenshtein distance
    (rapidfuzz) within `max_edits`, and the nearest vocabulary term is added to its terms
    (ties: the alphabetically first). Each vocabulary (an index segment's terms) must be
    sorted; `known` is all their terms for fast membership tests (default: their set).
    """
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    if known is None:
        known = {t for vocabulary in vocabularies for t in vocabulary}
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
            for vocabulary in vocabularies:
                found = process.extractOne(
                    term, vocabulary, scorer=Levenshtein.distance, score_cutoff=limit
                )
                if found is not None and (best is None or (found[1], found[0]) < best):
                    best = (int(found[1]), found[0])
        out.append(q if best is None else QueryTerm(q.source, q.terms | {best[1]}, q.stems))
    return out
