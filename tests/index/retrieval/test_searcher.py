from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from index.config import RankingConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Embedder, Vectors
from index.errors import DocumentNotFoundError, InvalidQueryError
from index.ingest.lexical import passage_terms_of
from index.retrieval.searcher import Searcher, highlights
from index.storage.snapshot import create_snapshot
from index.text.analysis import compound_parts

LAENDER = "002_ef865dbee6ab942a"
BIOCON = "000_845843b92d703299"


def test_hits_are_ranked_and_cited(searcher: Searcher) -> None:
    hits = searcher.search("Optik in Jena", k=3)
    assert [h.rank for h in hits] == [1, 2, 3]
    assert hits[0].chunk.section == "Freistaat Thüringen"
    assert hits[0].document.id == LAENDER
    assert hits[0].score >= hits[1].score >= hits[2].score
    for h in hits:
        assert h.document.text[h.chunk.start : h.chunk.end] == h.chunk.text


def test_cross_language_query_finds_german_passage(searcher: Searcher) -> None:
    hits = searcher.search("What is the joint innovation strategy of Berlin and Brandenburg?", k=3)
    assert {h.chunk.section for h in hits[:2]} == {"Berlin", "Brandenburg"}


def test_k_limits_results(searcher: Searcher) -> None:
    assert len(searcher.search("Cluster", k=1)) == 1
    assert len(searcher.search("Cluster", k=50)) == 37


def test_language_filter(searcher: Searcher) -> None:
    hits = searcher.search("cluster", k=50, lang="en")
    assert len(hits) == 18
    assert {h.document.language for h in hits} == {"en"}
    assert searcher.search("cluster", k=5, lang="fr") == []


def test_document_filter(searcher: Searcher) -> None:
    hits = searcher.search("Geld", k=50, document_id=BIOCON)
    assert len(hits) == 12
    assert {h.document.id for h in hits} == {BIOCON}


@pytest.mark.parametrize(
    ("query", "k", "message"),
    [
        ("", 5, "The query is empty"),
        ("   \n\t", 5, "The query is empty"),
        ("x" * 1001, 5, "1001 characters; shorten it to at most 1000"),
        ("ok", 0, "k must be between 1 and 50, got 0"),
        ("ok", 51, "k must be between 1 and 50, got 51"),
    ],
)
def test_invalid_queries(searcher: Searcher, query: str, k: int, message: str) -> None:
    with pytest.raises(InvalidQueryError, match=message):
        searcher.search(query, k)


def test_bad_language_code(searcher: Searcher) -> None:
    with pytest.raises(InvalidQueryError, match="two-letter ISO 639-1"):
        searcher.search("x", 5, lang="German")


def test_unknown_document_filter(searcher: Searcher) -> None:
    with pytest.raises(DocumentNotFoundError, match="No document 'nope'"):
        searcher.search("x", 5, document_id="nope")


def test_hits_keep_component_scores(searcher: Searcher) -> None:
    hits = searcher.search("Optik in Jena", k=2)
    top = hits[0]
    assert top.score == top.scores.fused == 1.0
    assert top.scores.bm25 > 0.0 and 0.0 < top.scores.dense <= 1.0
    assert hits[1].score < 1.0


def test_query_naming_a_land_ranks_its_passages_first(searcher: Searcher) -> None:
    page = searcher.search_page("How does Saxony support clusters?", k=3)
    assert page.query_regions == ("Sachsen",)
    assert page.hits[0].chunk.section == "Freistaat Sachsen"
    assert "Sachsen" in page.hits[0].chunk.regions
    assert "Sachsen" not in page.hits[1].chunk.regions


def test_region_filter_accepts_any_alias(searcher: Searcher) -> None:
    for alias in ("Sachsen", "Saxony", "SN", "Freistaat Sachsen"):
        hits = searcher.search("Cluster", k=50, region=alias)
        assert [h.chunk.section for h in hits] == ["Freistaat Sachsen"]
    mv = searcher.search("Cluster", k=50, region="Mecklenburg-Western Pomerania")
    # the 12 BioCon Valley chunks (a single-Land document) and the MV section of the Länder page
    assert len(mv) == 13
    assert {h.document.id for h in mv} == {BIOCON, LAENDER}


def test_unknown_region_is_an_invalid_query(searcher: Searcher) -> None:
    with pytest.raises(InvalidQueryError, match="Unknown region 'Atlantis'"):
        searcher.search("Cluster", 5, region="Atlantis")


def test_highlights_mark_query_terms_across_languages(searcher: Searcher) -> None:
    hit = searcher.search("How does Saxony support clusters?", k=1)[0]
    marked = [(hit.chunk.text[h.start : h.end], h.term) for h in hit.highlights]
    assert ("Saxony", "Saxony") in marked  # "Silicon Saxony" in the German passage
    assert ("Cluster", "clusters") in marked
    assert ("Sachsens", "Saxony") in marked


def test_highlights_of_compound_parts_and_translations() -> None:
    text = "Die Clusterpolitik in Sachsen-Anhalt und Sachsen: Förderung für Netzwerke."
    marks = highlights("Saxony cluster funding", text, "de")
    assert [(text[h.start : h.end], h.term) for h in marks] == [
        ("Cluster", "cluster"),
        ("Sachsen", "Saxony"),
        ("Förderung", "funding"),
    ]


def test_facets_count_regions_and_languages_of_the_matches(searcher: Searcher) -> None:
    page = searcher.search_page("Clusterpolitik", k=3, lang="en")
    assert len(page.hits) == 3
    # facets cover the first 20 matches; only 18 English chunks exist.
    assert dict(page.facets.lang) == {"en": 18}
    assert dict(page.facets.region) == {"Mecklenburg-Vorpommern": 12, "Baden-Württemberg": 6}


def test_bm25_and_dense_baselines(searcher: Searcher) -> None:
    bm25 = searcher.with_ranking(RankingConfig(method="bm25", bridge=None))
    hits = bm25.search("innoBB2025plus", k=5)
    # without the word bridge, only passages that share a term: "innoBB2025plus" and the
    # "innoBB" of Berlin's
    assert [h.chunk.section for h in hits] == ["Brandenburg", "Berlin"]
    assert hits[0].scores.dense == 0.0 and hits[0].score == hits[0].scores.bm25
    dense = searcher.with_ranking(RankingConfig(method="dense"))
    assert all(h.scores.bm25 == 0.0 for h in dense.search("innoBB2025plus", k=5))


def test_misspelt_query_words_are_corrected_and_highlighted(searcher: Searcher) -> None:
    hit = searcher.search("how does biocon valey get its contract from the goverment", k=1)[0]
    assert "Europe-wide invitation for tenders" in hit.chunk.text
    marked = {(hit.chunk.text[h.start : h.end], h.term) for h in hit.highlights}
    assert {("Valley", "valey"), ("Government", "goverment")} <= marked


DOCS = {
    "de": Document(id="de", title="Länder", language="de", source="s", text="x"),
    "en": Document(id="en", title="Report", language="en", source="s", text="x"),
}
CHUNKS = [
    Chunk(1, "de", 0, 0, 1, "Die Clusterpolitik in Thüringen fördert Netzwerke.",
          "Freistaat Thüringen"),
    Chunk(2, "de", 1, 0, 1, "Bayern unterstützt die Forschung.", "Freistaat Bayern"),
    Chunk(3, "en", 0, 0, 1, "Funding for cluster networks in Saxony.", None),
]  # fmt: skip


def test_bm25_scores_a_misspelt_query_like_the_right_one(embedder: Embedder) -> None:
    snapshot = create_snapshot(
        CHUNKS,
        np.zeros((3, embedder.dim), dtype=np.float32),
        list(DOCS.values()),
        model_id=embedder.model_id,
        chunker={},
        corpus_hash="h",
        terms=passage_terms_of(CHUNKS, DOCS),
    )
    small = Searcher(snapshot, embedder)
    lexical = snapshot.lexical
    misspelt, right = small.correct("Forschnug Bayern"), small.correct("Forschung Bayern")
    assert lexical.scores(misspelt) == lexical.scores(right)
    assert "forschung" in misspelt[0].terms
    assert lexical.vocabulary == tuple(sorted(lexical.vocabulary))
    assert "forschung" in lexical.vocabulary


def test_warm_builds_the_word_bridge_with_the_word_encoder_before_any_query(
    searcher: Searcher, embedder: Embedder
) -> None:
    encoded: list[str] = []

    def encode(words: Sequence[str]) -> Vectors:
        encoded.extend(words)
        return embedder.encode_passages(words)

    fresh = Searcher(searcher.snapshot, embedder, word_encoder=encode)
    assert encoded == []  # nothing heavy in the constructor
    assert fresh.warm() is fresh
    words = len(encoded)
    assert words > 100 and "innovationsstrategie" in encoded
    fresh.search("Mitarbeiter von BioCon Valley", 3)
    fresh.warm()
    assert len(encoded) == words  # built once
    unbridged = Searcher(searcher.snapshot, embedder, word_encoder=encode)
    unbridged.with_ranking(RankingConfig(bridge=None)).warm()
    assert len(encoded) == words


def test_warm_runs_the_query_analysis_before_any_query(
    searcher: Searcher, embedder: Embedder
) -> None:
    compound_parts.cache_clear()  # the splitter's results, one per word it was asked about
    Searcher(searcher.snapshot, embedder).warm()
    warmed = compound_parts.cache_info()
    assert compound_parts("Innovationscluster") == ((0, 11), (11, 18))
    assert compound_parts.cache_info().hits == warmed.hits + 1  # split during warm()


def test_on_stage_is_told_each_stage_once_per_search(
    searcher: Searcher, embedder: Embedder
) -> None:
    told: list[tuple[str, float]] = []
    timed = Searcher(searcher.snapshot, embedder, on_stage=lambda s, t: told.append((s, t)))
    hits = timed.search("BioCon Valley Förderung", 3)
    assert [stage for stage, _ in told] == ["analysis", "dense", "lexical", "fusion"]
    assert all(seconds >= 0 for _, seconds in told)
    assert [h.chunk.id for h in hits] == [
        h.chunk.id for h in searcher.search("BioCon Valley Förderung", 3)
    ]
    told.clear()
    timed.with_ranking(RankingConfig(method="bm25")).search("BioCon", 1)
    assert [stage for stage, _ in told] == ["analysis", "dense", "lexical", "fusion"]
    told.clear()
    timed.search("Cluster", 1, lang="fr")  # no passage can match: no stage runs
    assert told == []


class _Counting:
    """An embedder that records which texts it was asked to embed, then delegates."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.model_id, self.dim = inner.model_id, inner.dim
        self.queries: list[str] = []
        self.passages: list[str] = []

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        self.queries.extend(texts)
        return self.inner.encode_queries(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        self.passages.extend(texts)
        return self.inner.encode_passages(texts)


def test_the_word_bridge_can_have_its_own_model(searcher: Searcher, embedder: Embedder) -> None:
    passages, words = _Counting(embedder), _Counting(embedder)
    fresh = Searcher(searcher.snapshot, passages, bridge_embedder=words)  # type: ignore[arg-type]
    hits = fresh.search("Mitarbeiter von BioCon Valley", 3)
    # the query is embedded by the passages' model, its words by the bridge's
    assert passages.queries == ["Mitarbeiter von BioCon Valley"] and passages.passages == []
    assert words.queries == ["mitarbeiter", "biocon", "valley"]
    assert "innovationsstrategie" in words.passages
    # both are the same model here, so the ranking is the single-model one
    expected = searcher.search("Mitarbeiter von BioCon Valley", 3)
    assert [h.chunk.id for h in hits] == [h.chunk.id for h in expected]


def test_coverage_is_the_share_of_query_words_a_passage_contains(searcher: Searcher) -> None:
    from index.documents.passage import lexical_text
    from index.text.analysis import passage_terms

    query = "Optik Mikroelektronik Jena xylophon"
    analysed = searcher.analyse(query)
    assert [q.source for q in analysed] == ["Optik", "Mikroelektronik", "Jena", "xylophon"]
    chunks, docs = searcher.snapshot.chunks, searcher.snapshot.documents
    coverage = searcher._coverage(analysed, dict.fromkeys(chunks, 1.0))
    for cid, share in coverage.items():
        chunk = chunks[cid]
        doc = docs[chunk.document_id]
        terms = set(passage_terms(lexical_text(chunk, doc), doc.language))
        assert share == sum(1 for q in analysed if q.terms & terms) / 4
    # two passages hold two of the four words; none holds "xylophon"
    assert sorted(coverage.values())[-3:] == [0.0, 0.5, 0.5]
    assert searcher._coverage([], {1: 1.0}) == {}


def test_without_a_fusion_the_searcher_uses_its_models(
    searcher: Searcher, embedder: Embedder
) -> None:
    from index.config import FUSION_BY_MODEL

    renamed = _Counting(embedder)  # the default model, under e5's name
    renamed.model_id = "multilingual-e5-small"
    as_e5 = Searcher(searcher.snapshot, renamed)  # type: ignore[arg-type]
    e5_fusion = RankingConfig(fusion=FUSION_BY_MODEL["multilingual-e5-small"])
    query = "Which cluster works on optics in Jena?"
    got = [(h.chunk.id, h.score) for h in as_e5.search(query, 5)]
    assert got == [(h.chunk.id, h.score) for h in searcher.with_ranking(e5_fusion).search(query, 5)]
    assert got != [(h.chunk.id, h.score) for h in searcher.search(query, 5)]


def test_language_and_land_filters_combine(searcher: Searcher) -> None:
    both = searcher.search("Cluster", k=50, lang="en", region="Mecklenburg-Vorpommern")
    assert {h.document.id for h in both} == {BIOCON}
    assert all("Mecklenburg-Vorpommern" in h.chunk.regions for h in both)
    assert len(both) == 12
    german = searcher.search("Cluster", k=50, lang="de", region="Mecklenburg-Vorpommern")
    assert [h.document.id for h in german] == [LAENDER]


def test_document_filter_combines_with_language_and_land(searcher: Searcher) -> None:
    within = searcher.search("Cluster", k=50, document_id=LAENDER, region="Sachsen")
    assert [h.chunk.section for h in within] == ["Freistaat Sachsen"]
    assert searcher.search("Cluster", k=50, document_id=BIOCON, lang="de") == []
    assert searcher.search("Cluster", k=50, document_id=BIOCON, region="Sachsen") == []


def _old_bm25(searcher: Searcher, query: str, allowed: set[int]) -> dict[int, float]:
    """BM25 candidates as scoring every chunk and filtering a set of ids gives them."""
    raw = searcher.snapshot.lexical.scores(searcher.analyse(query))
    positive = [(s, c) for c, s in raw.items() if s > 0]
    positive = sorted((t for t in positive if t[1] in allowed), key=lambda t: (-t[0], t[1]))
    return {c: s for s, c in positive[: searcher.ranking.candidates]}


@pytest.mark.parametrize(
    ("lang", "region", "document_id"),
    [(None, None, None), ("en", None, None), ("de", "Sachsen", None), (None, None, BIOCON)],
)
def test_bm25_candidates_are_those_of_scoring_every_chunk(
    searcher: Searcher, lang: str | None, region: str | None, document_id: str | None
) -> None:
    chunks, docs = searcher.snapshot.chunks, searcher.snapshot.documents
    allowed = {
        c.id
        for c in chunks.values()
        if (lang is None or docs[c.document_id].language == lang)
        and (region is None or region in c.regions)
        and (document_id is None or c.document_id == document_id)
    }
    few = searcher.with_ranking(RankingConfig(candidates=3))
    sizes = []
    for query in ("Cluster Förderung Netzwerk", "Mitarbeiter BioCon Valley", "Innovation"):
        analysed = searcher.analyse(query)
        for s in (searcher, few):
            got = s._bm25(analysed, s._filters.select(lang, region, document_id))
            assert list(got.items()) == list(_old_bm25(s, query, allowed).items())
            sizes.append(len(got))
    assert max(sizes) >= 1  # each filter lets some match through


def test_coverage_asks_about_the_candidates_only(searcher: Searcher) -> None:
    analysed = searcher.analyse("Optik Jena")
    ranked = searcher.search("Optik Jena", k=1)
    top = ranked[0].chunk.id
    assert searcher._coverage(analysed, {top: 1.0, 12345: 1.0}) == {top: 1.0, 12345: 0.0}
    assert searcher._coverage(analysed, {}) == {}
