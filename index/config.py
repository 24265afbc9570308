"""Every tuned default of the pipeline, in one place, each with how it was chosen.

The configs are frozen dataclasses that check themselves; the service builds them from
its settings (`service.settings`) and passes them down. The measurements behind the
choices, and what else was tried, are in `docs/decisions.md`; the benchmark named on each
line re-runs the choice.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Literal

__all__ = [
    "ANSWER_BY_MODEL",
    "BACKGROUND_SWITCH_INTERVAL",
    "BM25_B",
    "BM25_K1",
    "BM25_PRUNE_SHARE",
    "BM25_WEIGHT_CACHE_BYTES",
    "BRIDGE_WORDS",
    "COMBINED_SHARES",
    "DATA_DIR",
    "DETECT_LONG_CHARS",
    "E5_USE_MODEL",
    "EMBED_BATCH",
    "FUSION_BY_MODEL",
    "IVF_POSTFILTER_MARGIN",
    "IVF_POSTFILTER_SHARE",
    "IVF_WIDEN",
    "MAX_K",
    "MAX_QUERY_CHARS",
    "MAX_TITLE_CHARS",
    "WARM_UP_QUESTIONS",
    "WEIGHTED_THRESHOLD",
    "WORD_CACHE_SIZE",
    "AnswerConfig",
    "BridgeConfig",
    "ChunkerConfig",
    "FusionConfig",
    "FusionMethod",
    "MergePolicy",
    "RankingConfig",
    "RankingMethod",
    "VectorConfig",
    "answer_config",
    "default_fusion",
]

# Vocabulary and models shipped as data: the term map, question words, the answer model.
DATA_DIR = Path(__file__).resolve().parent / "data"

# --- limits (facts of the API, not tuned) ------------------------------------------------
MAX_K = 50  # most passages one search returns; the API documents 1–50
MAX_QUERY_CHARS = 1000  # longest query or question, in characters
MAX_TITLE_CHARS = 200  # a document title is cut to this many characters
# From this length a document's language is detected in lingua's low-accuracy mode: 15 MB
# of models instead of 271, the same answers on 2,000 Debian manual texts cut to 400
# characters (0.9995 right) or whole (1.000); at 120 characters 0.990 against 0.996.
DETECT_LONG_CHARS = 400
EMBED_BATCH = 32  # texts per model call when indexing; speed only, vectors do not depend on it
# Searched and asked once before the service reports ready, and analysed by `Searcher.warm`,
# so the first real query does not pay for what is built lazily (the model's first call,
# the analysis tables: the compound splitter alone takes seconds; the answerer's sentence
# caches); one German, one English.
WARM_UP_QUESTIONS = ("Wer fördert Innovationscluster in Sachsen?", "Which clusters get funding?")

# While the service's upkeep reads a large corpus in the background, the interpreter hands
# the GIL over this often (seconds; Python's default 0.005), and no garbage collection runs.
# At 1M passages, searches meanwhile p50/p99: 43/1,504 ms as Python has it, 51/1,291 with
# collections off, 62/561 at 0.0005, 59/287 at 0.0005 and off, 74/174 at 0.0001 and off
# (bench_http_scale's queries, not waiting for the check; decisions.md, "common terms").
BACKGROUND_SWITCH_INTERVAL = 0.0001

# Words whose passage analysis (stems, runs, compound parts) is kept, least recently used
# out: 3,000 documents of the Debian manual hold 22,692; analysing a passage then takes
# 0.37 ms instead of 0.90 (1,500 characters, German), search hits and index builds alike.
WORD_CACHE_SIZE = 1 << 15

# --- BM25 ---------------------------------------------------------------------------------
BM25_K1 = 1.2  # Lucene's defaults; not tuned (docs/decisions.md, "BM25")
# Query terms held by more than this share of the passages are scored only for the passages
# that can still reach the top k (exact: MaxScore's bound, each term adds at most its idf).
# 1/64, as for summing postings into one array (storage/postings.py): at 1M passages, where
# common words' postings were the lexical stage's p99 (docs/decisions.md, "A million").
BM25_PRUNE_SHARE = 1 / 64
# The weights of such common terms (rows and float32 weights, 12 bytes a passage holding
# the term) kept between queries, least recently used out: at 1M passages the ten commonest
# of 540 such terms take 63 MB, all of them 320 (docs/decisions.md, "common terms").
BM25_WEIGHT_CACHE_BYTES = 64 << 20
BM25_B = 0.75

# --- word bridge --------------------------------------------------------------------------
# Passage words per language the bridge embeds (those most passages hold): more than the
# largest corpus evaluated has (Debian reference: 8,333 de, 5,214 en), so no measured figure
# depends on it, while a query word's search stays bounded (bench_query_scale.py).
BRIDGE_WORDS = 20_000

# --- answers ------------------------------------------------------------------------------
# Lowest weighted answer score that answers: benchmarks/calibrate_answer.py on seed dev and
# the FAQ answer set (the highest mean precision of the answers given that keeps 0.85 of the
# answerable questions answered on each; 0.61, tune_answer.py's dev choice, gave 0.722/0.56).
WEIGHTED_THRESHOLD = 0.69


@dataclass(frozen=True, slots=True)
class ChunkerConfig:
    """How passages are cut. Recorded in the index manifest: changing it means rebuilding.

    600/80 characters: a passage holds a paragraph or two of the seed documents, the unit
    the gold questions cite (not tuned further).
    """

    chunk_size: int = 600
    chunk_overlap: int = 80

    def __post_init__(self) -> None:
        if self.chunk_size < 50:
            raise ValueError(f"chunk_size must be at least 50 characters, got {self.chunk_size}.")
        if not 0 <= self.chunk_overlap < self.chunk_size:
            raise ValueError(
                f"chunk_overlap must be between 0 and chunk_size - 1 ({self.chunk_size - 1}), "
                f"got {self.chunk_overlap}."
            )

    def as_dict(self) -> dict[str, int | str]:
        return {"splitter": "sections+recursive/v1", **asdict(self)}


FusionMethod = Literal["rrf", "minmax"]


@dataclass(frozen=True, slots=True)
class FusionConfig:
    """How to fuse; `dense_weight` is the dense share, BM25 gets `1 - dense_weight`, and
    each passage's BM25 part is scaled by the share of the query's words it matches
    ** `coverage_power` (0: not scaled; `index.retrieval.fuse`).

    These defaults are the default model's (USE); `FUSION_BY_MODEL` holds the others'.
    Chosen with benchmarks/tune_fusion_ood.py: among the settings that held on the seed
    dev split (hit@1 ≥ 0.887) *and* out of domain in both directions (≥ the best single
    component), the best mean hit@1 over the three; ties go to power 1. RRF held nowhere.
    """

    method: FusionMethod = "minmax"
    dense_weight: float = 0.5
    rrf_k: int = 60  # the constant of the RRF paper (Cormack et al. 2009), not tuned
    coverage_power: float = 1.0

    def __post_init__(self) -> None:
        if not 0.0 <= self.dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be within [0, 1], got {self.dense_weight}")
        if self.rrf_k < 1:
            raise ValueError(f"rrf_k must be at least 1, got {self.rrf_k}")
        if self.coverage_power < 0:
            raise ValueError(f"coverage_power must be at least 0, got {self.coverage_power}")


@dataclass(frozen=True, slots=True)
class BridgeConfig:
    """How far the word bridge reaches: cosine `threshold`, `neighbours` per language.

    0.6 and one neighbour: best on the dev split with the dev-driven term pairs left out,
    so the bridge had to do their work (benchmarks/tune_bridge.py).
    """

    threshold: float = 0.6
    neighbours: int = 1
    min_chars: int = 4  # shorter passage words are not bridged (too many near neighbours)

    def __post_init__(self) -> None:
        if not 0.0 < self.threshold <= 1.0:
            raise ValueError(f"threshold must be within (0, 1], got {self.threshold}")
        if self.neighbours < 1:
            raise ValueError(f"neighbours must be at least 1, got {self.neighbours}")
        if self.min_chars < 1:
            raise ValueError(f"min_chars must be at least 1, got {self.min_chars}")


# The id `CombinedEmbedder` gives e5 and USE joined with `COMBINED_SHARES` (below), the key
# of that model's tuned fusion and answer settings.
E5_USE_MODEL = "multilingual-e5-small*0.8+use-multilingual-v3*0.2"

# The fusion of each passage model other than the default; a stronger dense model gets a
# larger dense share. multilingual-e5-small: 0.6 / power 2, chosen as `FusionConfig`'s.
# e5 and USE combined: 0.7 / power 1, the best mean hit@1 over seed dev (≥ 0.887) and
# both out-of-domain directions (no setting beat the combined dense ranking EN→DE).
FUSION_BY_MODEL: dict[str, FusionConfig] = {
    "multilingual-e5-small": FusionConfig(dense_weight=0.6, coverage_power=2.0),
    E5_USE_MODEL: FusionConfig(dense_weight=0.7, coverage_power=1.0),
}


# The share of each model's similarity in a combined model (`index.embedding.combined`,
# CLUSTERSEARCH_MODEL=A+B; a model not named counts 1 before the shares are scaled to sum
# to 1). USE 0.2 / e5 0.8: of 0.2 / 0.3 / 0.4 (and e5 alone), the best mean hit@1 over seed
# dev and both out-of-domain directions under its best fusion (docs/decisions.md).
COMBINED_SHARES: dict[str, float] = {
    "use-multilingual-v3": 0.2,
    "multilingual-e5-small": 0.8,
}


def default_fusion(model_id: str) -> FusionConfig:
    """The fusion chosen for passages embedded by `model_id` (`FusionConfig()` if none)."""
    return FUSION_BY_MODEL.get(model_id, FusionConfig())


RankingMethod = Literal["hybrid", "dense", "bm25"]


@dataclass(frozen=True, slots=True)
class RankingConfig:
    """How candidates are ranked; `dense` and `bm25` are the baselines of the evaluation."""

    method: RankingMethod = "hybrid"
    fusion: FusionConfig | None = None  # None: `default_fusion` of the passages' model
    region_boost: bool = True  # passages of a Land the query names come first
    candidates: int = 200  # per component, before fusion; recall@5 is 1.0 on dev with it
    facet_depth: int = 20  # the matches the facets count: what a portal pages through
    # The dense model's word bridge for BM25 (`index.retrieval.bridge`); None turns it off.
    bridge: BridgeConfig | None = field(default_factory=BridgeConfig)


@dataclass(frozen=True, slots=True)
class AnswerConfig:
    """How answer candidates are weighed and when there is no answer.

    `scorer` "learned" scores with the logistic model of `index.answering.model` (fitted
    on the dev split by benchmarks/train_answer.py); "weighted" with the weights and
    penalties below, chosen on the dev split by benchmarks/tune_answer.py (a weight of 0
    leaves a feature in the candidate for inspection and tuning, but out of the score).
    `threshold` None means the scorer's own: the learned model's calibrated threshold, or
    `WEIGHTED_THRESHOLD`. The threshold and `w_passage` decide when to abstain; they were
    chosen together by benchmarks/calibrate_answer.py on the dev split and the FAQ answer
    set (`index.evaluation.faq`), for the precision of the answers given.
    """

    scorer: Literal["learned", "weighted"] = "weighted"  # the learned one tied on blind sets
    threshold: float | None = None
    support_margin: float = 0.05  # another source is cited within this of the answer; fixed
    w_semantic: float = 0.2  # weights and penalties: tune_answer.py on the dev split
    w_overlap: float = 0.2
    w_focus: float = 0.0
    w_evidence: float = 0.25
    w_retrieval: float = 0.1
    # the passage's own fused score: calibrate_answer.py with the threshold (0.0 vs 0.4:
    # precision 0.738 vs 0.751 on seed dev, 0.591 vs 0.595 on the FAQ set)
    w_passage: float = 0.4
    region_penalty: float = 0.6
    echo_penalty: float = 0.5
    fragment_penalty: float = 1.0
    unfocused_penalty: float = 0.8
    candidate_hits: int = 10  # passages whose sentences are candidates; 20 was equal on dev
    sentence_pairs: bool = True  # also offer a sentence with the next one of its paragraph
    # A pair whose second sentence adds nothing (`Candidate.padded`) is scaled by this, so
    # the shortest span that answers wins. Fixed, not tuned: contains-gold cannot see it.
    padded_penalty: float = 0.9
    max_label_lines: int = 4  # label lines kept above a list-like line; 6 or 8 were equal
    # A question word of this many letters that matches nothing in the index names the
    # reason of a null answer (0: off); with `unmatched_veto` it also nulls the answer.
    # 8 letters: the dev split's choice (4 nulled too many answerable questions).
    unmatched_min_chars: int = 8
    unmatched_veto: bool = True
    # Which question terms `overlap`/`focus` look for: as typed, "corrected" against the
    # index vocabulary, or also "bridged" (dev: bridged), and whether each counts by idf.
    terms: Literal["typed", "corrected", "bridged"] = "bridged"
    idf_weighted: bool = False
    cache_size: int = 20_000  # span vectors kept in memory


# --- vector index ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class VectorConfig:
    """Which FAISS index holds the passage vectors, by how many there are
    (`index.storage.vectors.choose_spec`). Figures: benchmarks/bench_ann.py, 100,000 USE
    vectors of Debian reference text, 1,000 queries, one thread. Above `exact_max` an IVF
    index, not HNSW (recall@10 0.987 at 0.90 ms/query): IVF removes vectors in place, so an
    update of one document stays incremental, where HNSW would need a rebuild or tombstones.
    """

    exact_max: int = 100_000  # exact up to here: 9.4 ms/query, 2,048 B/vector at 100k (bench_ann)
    encoding: str = "SQ8"  # 8-bit codes: IVF1024,SQ8 is 541 B/vector at 100k (bench_ann)
    lists_per_sqrt: int = 4  # IVF lists ≈ 4·√n as a power of two: 1,024 at 100k, as measured
    # lists probed: recall@10/@200 0.976/0.938 at 100k (32: 0.963/0.897), 0.980/0.942 at 1M
    nprobe: int = 64
    train_per_list: int = 64  # training sample per list (faiss asks for ≥ 39): 65,536 at 1,024
    seed: int = 1234  # seeds the training sample and k-means: the same vectors, the same index

    def __post_init__(self) -> None:
        if min(self.lists_per_sqrt, self.nprobe, self.train_per_list) < 1 or self.exact_max < 0:
            raise ValueError(
                f"VectorConfig needs positive list, probe and training counts, got {self}."
            )


# A filtered IVF search that finds fewer than k probes more lists, until all: as many as the
# rate found says hold k (x IVF_POSTFILTER_MARGIN), at most this many times as many. At 1M,
# a Land filter's jump from 1,024 lists to all 4,096 (80-120 ms, where 2,048 took 17-29 and
# found k) was its p99: 2 instead of 4 took it from 136 to 107 ms (decisions.md).
IVF_WIDEN = 2
# A filter admitting at least this share of a segment is applied to an unfiltered IVF search
# (k / share · margin deep; the filtered search if fewer than k pass): at 1M, FAISS p50 13.2
# → 5.4 ms at 1/2, 8.4 → 6.7 at 1/4, 4.5 → 6.2 at 1/8 (decisions.md, "the first query").
IVF_POSTFILTER_SHARE = 1 / 4
IVF_POSTFILTER_MARGIN = 1.25  # room for the admitted share among the nearest; not tuned


# --- segments -----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class MergePolicy:
    """When segments are merged (`index.storage.merge.plan_merge`). Lucene's
    TieredMergePolicy defaults, not tuned: ten segments per size tier, and a segment is
    rewritten once half of it is deleted. A search asks every segment, so at most about
    `factor` segments per power of `factor` chunks stay live (about 50 at a million)."""

    factor: int = 10
    max_deleted: float = 0.5

    def __post_init__(self) -> None:
        if self.factor < 2 or not 0.0 < self.max_deleted <= 1.0:
            raise ValueError(f"MergePolicy needs factor ≥ 2 and 0 < max_deleted ≤ 1, got {self}.")


# How the weighted answerer abstains over a passage model other than the default: the
# passage's fused score (`w_passage`) comes from that model's ranking. Chosen like the
# default's, by benchmarks/calibrate_answer.py --model M (seed dev and the FAQ set).
# Model id → (w_passage, threshold).
ANSWER_BY_MODEL: dict[str, tuple[float, float]] = {E5_USE_MODEL: (0.3, 0.73)}


def answer_config(
    model_id: str,
    scorer: Literal["learned", "weighted"] = "weighted",
    threshold: float | None = None,
) -> AnswerConfig:
    """The answer configuration for passages embedded by `model_id`; a `threshold` given
    wins over the calibrated one."""
    config = AnswerConfig(scorer=scorer, threshold=threshold)
    if scorer != "weighted" or model_id not in ANSWER_BY_MODEL:
        return config
    w_passage, calibrated = ANSWER_BY_MODEL[model_id]
    return replace(
        config, w_passage=w_passage, threshold=calibrated if threshold is None else threshold
    )
