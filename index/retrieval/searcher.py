"""Stage 5: answer a query with ranked, cited passages from an `IndexSnapshot`.

Ranking (`RankingConfig.method`):

* `hybrid` (default): the dense candidates (FAISS) and the BM25 candidates are fused
  (`index.fuse`; each BM25 candidate weighted by the share of the query's words it
  contains); then, when the query names a Land (`index.regions`, any language), the
  passages tagged with that Land come first, each group in fused order.
* `dense`, `bm25`: one component alone, no Land boost (the baselines of `clustersearch eval`).

BM25 scores the query's analysis (`Searcher.analyse`): its words' stems in both
languages, term-map translations and Land names (`index.text.analysis`), typos corrected
against the index vocabulary (`Searcher.correct`), then each word's nearest passage words
by the dense model (`index.retrieval.bridge`, `RankingConfig.bridge`; None turns it off).

Filters (`lang`, `region`, `document_id`) restrict the candidates before ranking, through
structures made once per snapshot (`index.retrieval.filters`): no search does work over
every chunk id. BM25 reads only the postings of the query's terms, and the share of the
query's words a candidate holds (`_coverage`) is looked up for the candidates only. Every
hit keeps its component scores (`Scores`) and the character spans of the query's terms in
its passage (`Highlight`, offsets into `chunk.text`), cross-lingual matches included.

Facets (`SearchPage.facets`) count regions and languages over the *matches*: the first
`facet_depth` (default 20) passages of the full ranking after filters, before the cut to
`k` — what a portal would page through.

`on_stage` (optional) is told how long each stage of a search took: `analysis`, `dense`,
`lexical`, `fusion` (fusion, ranking, highlights, facets), in seconds; without it no clock
is read.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import faiss

from index.config import (
    MAX_K,
    MAX_QUERY_CHARS,
    WARM_UP_QUESTIONS,
    RankingConfig,
    default_fusion,
)
from index.documents.chunk import Chunk
from index.documents.corpus import LANGUAGE_CODE, Document
from index.embedding.base import Embedder
from index.errors import DocumentNotFoundError, InvalidQueryError
from index.retrieval.bridge import Encode, LazyBridge
from index.retrieval.filters import Allowed, Filters
from index.retrieval.fuse import fuse
from index.storage.snapshot import IndexSnapshot
from index.text.analysis import QueryTerm, correct_typos, passage_pieces, query_analysis
from index.text.regions import canonical_region, find_regions

__all__ = [
    "Facets",
    "Highlight",
    "Hit",
    "Scores",
    "SearchPage",
    "Searcher",
    "StageHook",
    "highlights",
]

# Told the name of a search stage and its duration in seconds.
StageHook = Callable[[str, float], None]


@dataclass(frozen=True, slots=True)
class Scores:
    """Why a passage ranked where it did: cosine similarity, BM25 score, fused score."""

    dense: float = 0.0
    bm25: float = 0.0
    fused: float = 0.0


@dataclass(frozen=True, slots=True)
class Highlight:
    """`chunk.text[start:end]` matches the query word `term` (maybe in the other language)."""

    start: int
    end: int
    term: str


@dataclass(frozen=True, slots=True)
class Hit:
    """One ranked passage; `document.text[chunk.start:chunk.end] == chunk.text`."""

    rank: int
    score: float
    chunk: Chunk
    document: Document
    scores: Scores = Scores()
    highlights: tuple[Highlight, ...] = ()


@dataclass(frozen=True, slots=True)
class Facets:
    """Counts of the matches per region (canonical Land) and per language."""

    region: Mapping[str, int] = field(default_factory=dict)
    lang: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class SearchPage:
    """The hits, the facets of all matches, and the Länder the query names."""

    hits: tuple[Hit, ...]
    facets: Facets
    query_regions: tuple[str, ...]


class Searcher:
    """Hybrid (dense + BM25) retrieval over one immutable snapshot with one embedder."""

    def __init__(
        self,
        snapshot: IndexSnapshot,
        embedder: Embedder,
        *,
        max_k: int = MAX_K,
        max_query_chars: int = MAX_QUERY_CHARS,
        ranking: RankingConfig | None = None,
        word_encoder: Encode | None = None,
        bridge_embedder: Embedder | None = None,
        on_stage: StageHook | None = None,
    ) -> None:
        """`bridge_embedder` is the word bridge's model (default: `embedder`, the passages'
        model); `word_encoder` embeds the bridge's passage words with it (default: its
        `encode_passages`); the service passes one that caches them, so a new snapshot
        re-embeds only new words. `on_stage` gets each search stage's duration (see the
        module doc)."""
        self.snapshot = snapshot
        self._on_stage = on_stage
        self._embedder = embedder
        self._max_k = max_k
        self._max_query_chars = max_query_chars
        self.ranking = ranking or RankingConfig()
        self._bridge = LazyBridge(
            [live.segment for live in snapshot.segments], bridge_embedder or embedder, word_encoder
        )
        self._filters = Filters(snapshot)

    def warm(self) -> Searcher:
        """Build what the first query would otherwise wait for (the filters' lists of rows,
        the word bridge, the query analysis's tables and compound splitter); returns self."""
        self._filters.prepare()
        if self.ranking.bridge is not None:
            self._bridge.get()
        for question in WARM_UP_QUESTIONS:
            query_analysis(question)
        return self

    def with_ranking(self, ranking: RankingConfig) -> Searcher:
        """The same snapshot and embedder, ranked another way (for evaluation)."""
        other = Searcher(
            self.snapshot,
            self._embedder,
            max_k=self._max_k,
            max_query_chars=self._max_query_chars,
            ranking=ranking,
            on_stage=self._on_stage,
        )
        other._bridge = self._bridge  # built once, shared
        other._filters = self._filters
        return other

    def correct(self, query: str) -> list[QueryTerm]:
        """The query's words and their terms, typos corrected against the index vocabulary."""
        lexical = self.snapshot.lexical
        return correct_typos(query_analysis(query), lexical.vocabularies, lexical.known)

    def analyse(self, query: str) -> list[QueryTerm]:
        """The query's words and BM25 terms: typos corrected, then bridged (if configured)."""
        analysed = self.correct(query)
        bridge = self.ranking.bridge
        return analysed if bridge is None else self._bridge.get().expand(analysed, bridge)

    def search(
        self,
        query: str,
        k: int = 5,
        *,
        lang: str | None = None,
        region: str | None = None,
        document_id: str | None = None,
    ) -> list[Hit]:
        """The `k` best passages for `query`, optionally within a language, Land or document."""
        return list(
            self.search_page(query, k, lang=lang, region=region, document_id=document_id).hits
        )

    def search_page(
        self,
        query: str,
        k: int = 5,
        *,
        lang: str | None = None,
        region: str | None = None,
        document_id: str | None = None,
    ) -> SearchPage:
        """Like `search`, plus the facets of the matches and the Länder the query names."""
        text = self.validate(query, k, lang=lang, document_id=document_id)
        canonical = canonical_region(region) if region is not None else None
        query_regions = tuple(dict.fromkeys(m.canonical for m in find_regions(text)))
        allowed = self._filters.select(lang, canonical, document_id)
        if allowed.count == 0:
            return SearchPage((), Facets(), query_regions)
        config = self.ranking
        lap = _Laps(self._on_stage)
        analysed = self.analyse(text)
        lap("analysis")
        dense = self._dense(text, allowed) if config.method != "bm25" else {}
        lap("dense")
        bm25 = self._bm25(analysed, allowed) if config.method != "dense" else {}
        lap("lexical")
        if config.method == "dense":
            fused = dict(dense)
        elif config.method == "bm25":
            fused = dict(bm25)
        else:
            fusion = config.fusion or default_fusion(self._embedder.model_id)
            power = fusion.coverage_power
            coverage = self._coverage(analysed, bm25) if power > 0 else None
            fused = fuse(dense, bm25, fusion, coverage)
        boost = set(query_regions) if config.method == "hybrid" and config.region_boost else set()
        ranked = _ranked(fused, boost, self.snapshot.chunks)
        hits = tuple(
            self._hit(i + 1, cid, text, analysed, dense, bm25, fused[cid])
            for i, cid in enumerate(ranked[:k])
        )
        page = SearchPage(hits, self._facets(ranked[: config.facet_depth]), query_regions)
        lap("fusion")
        return page

    def validate(
        self, query: str, k: int, *, lang: str | None = None, document_id: str | None = None
    ) -> str:
        """The stripped query; raises `InvalidQueryError` or `DocumentNotFoundError` otherwise."""
        text = query.strip()
        if not text:
            raise InvalidQueryError("The query is empty: ask a question or give some keywords.")
        if len(text) > self._max_query_chars:
            raise InvalidQueryError(
                f"The query has {len(text)} characters; shorten it to at most "
                f"{self._max_query_chars}."
            )
        if not 1 <= k <= self._max_k:
            raise InvalidQueryError(f"k must be between 1 and {self._max_k}, got {k}.")
        if lang is not None and not LANGUAGE_CODE.fullmatch(lang):
            raise InvalidQueryError(
                f"lang must be a two-letter ISO 639-1 code such as 'de' or 'en', got {lang!r}."
            )
        if document_id is not None and document_id not in self.snapshot.documents:
            raise DocumentNotFoundError(
                f"No document {document_id!r} in the index. GET /documents lists the ids."
            )
        return text

    def _dense(self, text: str, allowed: Allowed) -> dict[int, float]:
        index = self.snapshot.faiss_index
        params = None
        if allowed.selector is not None:
            params = faiss.SearchParameters(sel=allowed.selector)  # type: ignore[call-arg]
        vector = self._embedder.encode_queries([text])
        depth = min(self.ranking.candidates, allowed.count)
        scores, ids = index.search(vector, depth, params=params, within=allowed.within)
        return {int(cid): float(s) for s, cid in zip(scores[0], ids[0], strict=True) if cid >= 0}

    def _bm25(self, analysed: Sequence[QueryTerm], allowed: Allowed) -> dict[int, float]:
        return self.snapshot.lexical.top(analysed, self.ranking.candidates, allowed.rows)

    def _coverage(
        self, analysed: Sequence[QueryTerm], candidates: Mapping[int, float]
    ) -> dict[int, float]:
        """Candidate id → share of the query's words (any of their terms) it contains."""
        if not analysed:
            return {}
        matched = dict.fromkeys(candidates, 0)
        ids = list(matched)
        for word in analysed:
            for cid in self.snapshot.lexical.holding(word.terms, ids):
                matched[cid] += 1
        return {cid: n / len(analysed) for cid, n in matched.items()}

    def _hit(
        self,
        rank: int,
        cid: int,
        query: str,
        analysed: Sequence[QueryTerm],
        dense: Mapping[int, float],
        bm25: Mapping[int, float],
        fused: float,
    ) -> Hit:
        chunk = self.snapshot.chunks[cid]
        document = self.snapshot.documents[chunk.document_id]
        scores = Scores(dense=dense.get(cid, 0.0), bm25=bm25.get(cid, 0.0), fused=fused)
        marks = highlights(query, chunk.text, document.language, analysed=analysed)
        return Hit(rank, fused, chunk, document, scores, marks)

    def _facets(self, ranked: list[int]) -> Facets:
        chunks, docs = self.snapshot.chunks, self.snapshot.documents
        regions = Counter(r for cid in ranked for r in chunks[cid].regions)
        langs = Counter(docs[chunks[cid].document_id].language for cid in ranked)
        return Facets(
            region=dict(sorted(regions.items(), key=lambda t: (-t[1], t[0]))),
            lang=dict(sorted(langs.items(), key=lambda t: (-t[1], t[0]))),
        )


def _ranked(fused: Mapping[int, float], boost: set[str], chunks: Mapping[int, Chunk]) -> list[int]:
    """Candidate ids by fused score (ties: id); with `boost`, passages about one of those
    Länder first (only then is each candidate's chunk looked up)."""
    if not boost:
        return sorted(fused, key=lambda cid: (-fused[cid], cid))
    return sorted(
        fused, key=lambda cid: (not boost.intersection(chunks[cid].regions), -fused[cid], cid)
    )


class _Laps:
    """Reports the time since the previous lap to `hook`; does nothing without a hook."""

    __slots__ = ("_hook", "_last")

    def __init__(self, hook: StageHook | None) -> None:
        self._hook = hook
        self._last = time.perf_counter() if hook is not None else 0.0

    def __call__(self, stage: str) -> None:
        if self._hook is None:
            return
        now = time.perf_counter()
        self._hook(stage, now - self._last)
        self._last = now


def highlights(
    query: str, passage: str, lang: str, *, analysed: Sequence[QueryTerm] | None = None
) -> tuple[Highlight, ...]:
    """Spans of `passage` (in language `lang`) that match a word of `query`.

    A passage word matches when its stem, or the stem of one of its compound parts,
    equals a stem of a query word in either language, of a compound part of one, or of its
    translation in the domain term map; a Land the query names matches every name of that
    Land in the passage ("Saxony" highlights "Freistaat Sachsen"). Nested matches keep
    the outermost span; `term` is the query word as typed. `analysed` is the query's
    analysis when the caller has it (`Searcher.correct`, typos corrected: "valey"
    highlights "Valley"); by default `query_analysis(query)`.
    """
    if analysed is None:
        analysed = query_analysis(query)
    named = dict(_named_regions(query))
    mentions = find_regions(passage)
    # "Sachsen" in "Sachsen-Anhalt" is not a match for "Saxony".
    other_laender = [(m.start, m.end) for m in mentions if m.canonical not in named]
    marks: list[Highlight] = []
    for piece in passage_pieces(passage, lang):
        if any(s < piece.end and piece.start < e for s, e in other_laender):
            continue
        source = next((q.source for q in analysed if piece.term in q.terms), None)
        if source is not None:
            marks.append(Highlight(piece.start, piece.end, source))
    for mention in mentions:
        if mention.canonical in named:
            marks.append(Highlight(mention.start, mention.end, named[mention.canonical]))
    marks.sort(key=lambda h: (h.start, -h.end))
    kept: list[Highlight] = []
    for mark in marks:
        if kept and mark.end <= kept[-1].end:
            continue
        if kept and mark.start < kept[-1].end:
            continue
        kept.append(mark)
    return tuple(kept)


@lru_cache(maxsize=1024)
def _named_regions(query: str) -> tuple[tuple[str, str], ...]:
    """The Länder `query` names and how it names them (found once per query, not per hit)."""
    return tuple((m.canonical, query[m.start : m.end]) for m in find_regions(query))
