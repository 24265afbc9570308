from __future__ import annotations

import math
from dataclasses import replace

import pytest

from index.answering.answerer import Answerer
from index.answering.candidates import Candidate
from index.answering.model import FEATURES, AnswerModel, default_model
from index.answering.scoring import answer_threshold, feature_values, penalties, rescore
from index.config import WEIGHTED_THRESHOLD, AnswerConfig
from index.documents.chunk import Chunk
from index.documents.corpus import Document
from index.embedding.base import Embedder
from index.retrieval.searcher import Hit, Scores, Searcher

ONLY_SEMANTIC = AnswerConfig(
    scorer="weighted",
    w_semantic=1.0, w_overlap=0.0, w_focus=0.0, w_evidence=0.0, w_retrieval=0.0, w_passage=0.0,
    fragment_penalty=1.0, echo_penalty=1.0, unfocused_penalty=1.0, region_penalty=1.0,
    padded_penalty=1.0,
)  # fmt: skip


def model(
    coefficients: dict[str, float], intercept: float = 0.0, threshold: float = 0.5
) -> AnswerModel:
    return AnswerModel(
        FEATURES, tuple(coefficients.get(name, 0.0) for name in FEATURES), intercept, threshold
    )


def candidate(**features: object) -> Candidate:
    doc = Document("d", "T", "en", "d.txt", "It grew.")
    hit = Hit(1, 1.0, Chunk(0, "d", 0, 0, 8, "It grew.", None), doc)
    plain = Candidate(
        hit, 0, 8, "It grew.", semantic=0.5, overlap=0.5, focus=0.5, novelty=0.5,
        evidence=1.0, retrieval=1.0, region_ok=True, fragment=False, score=0.0,
    )  # fmt: skip
    return replace(plain, **features)  # type: ignore[arg-type]


def test_penalties_are_the_factors_that_apply_in_order() -> None:
    config = AnswerConfig(
        region_penalty=0.5, echo_penalty=0.25, fragment_penalty=0.8, unfocused_penalty=0.6,
        padded_penalty=0.9,
    )  # fmt: skip
    assert penalties(candidate(), config) == ()
    assert penalties(candidate(region_ok=False, focus=0.0, padded=True), config) == (0.5, 0.6, 0.9)
    assert penalties(candidate(novelty=0.0, fragment=True), config) == (0.25, 0.8)


def test_the_weighted_mean_and_each_penalty() -> None:
    config = AnswerConfig(
        scorer="weighted",
        w_semantic=0.2, w_overlap=0.2, w_focus=0.0, w_evidence=0.4, w_retrieval=0.2, w_passage=0.0,
        region_penalty=0.5, echo_penalty=0.25, fragment_penalty=0.8, unfocused_penalty=0.6,
        padded_penalty=0.9,
    )  # fmt: skip
    [plain] = rescore([candidate()], config)
    assert plain.score == pytest.approx(0.2 * 0.5 + 0.2 * 0.5 + 0.4 * 1.0 + 0.2 * 1.0)
    for change, factor in (
        ({"region_ok": False}, 0.5),
        ({"novelty": 0.0}, 0.25),
        ({"fragment": True}, 0.8),
        ({"focus": 0.0}, 0.6),
        ({"padded": True}, 0.9),
    ):
        [scored] = rescore([candidate(**change)], config)
        assert scored.score == pytest.approx(plain.score * factor), change
    # a negative similarity counts as none; scores stay within [0, 1]
    assert rescore([candidate(semantic=-0.5)], ONLY_SEMANTIC)[0].score == 0.0
    assert rescore([candidate(semantic=1.5)], ONLY_SEMANTIC)[0].score == 1.0
    # all weights 0: no division by zero
    nothing = replace(config, w_semantic=0.0, w_overlap=0.0, w_evidence=0.0, w_retrieval=0.0)
    assert rescore([candidate()], nothing)[0].score == 0.0


def test_the_passage_weight_counts_its_fused_score_as_it_is() -> None:
    only_passage = replace(ONLY_SEMANTIC, w_semantic=0.0, w_passage=1.0)
    plain = candidate()

    def fused(value: float) -> Candidate:
        return replace(plain, hit=replace(plain.hit, scores=Scores(fused=value)))

    assert [fused(v).passage for v in (0.8, 1.7, -0.2)] == [0.8, 1.0, 0.0]
    assert rescore([fused(0.8)], only_passage)[0].score == pytest.approx(0.8)
    # retrieved first or not, the passage's own score stays: support is scored with it too
    assert rescore([replace(fused(0.8), retrieval=0.5)], only_passage)[0].support == (
        pytest.approx(0.8)
    )
    half = replace(only_passage, w_semantic=1.0)  # semantic 0.5 and passage 0.8, equally
    assert rescore([fused(0.8)], half)[0].score == pytest.approx(0.65)


def test_rescore_weights_and_penalties(answerer: Answerer) -> None:
    # every BioCon Valley passage, whatever the ranking puts first
    hits = answerer.searcher.search(
        "When did BioCon Valley start?", 20, document_id="000_845843b92d703299"
    )
    features = answerer.features("When did BioCon Valley start?", hits)
    by_text = {c.text: c for c in features}
    label = by_text["Start Date\nJanuary 2000"]
    assert label.fragment and label.evidence == 1.0
    assert not by_text["Every year 1,2 mio. euros are available to fulfill the tasks."].fragment
    ranked = rescore(features, ONLY_SEMANTIC)
    assert [c.score for c in ranked] == sorted(
        (max(0.0, c.semantic) for c in features), reverse=True
    )
    halved = rescore([label], replace(ONLY_SEMANTIC, fragment_penalty=0.5))[0]
    assert halved.score == pytest.approx(max(0.0, label.semantic) * 0.5)
    padded = next(c for c in features if c.padded)
    assert rescore([padded], replace(ONLY_SEMANTIC, padded_penalty=0.9))[0].score == (
        pytest.approx(max(0.0, padded.semantic) * 0.9)
    )
    # retrieval counts in the score, not in the support (scored as if retrieved first)
    by_retrieval = replace(ONLY_SEMANTIC, w_semantic=0.0, w_retrieval=1.0)
    [scored] = rescore([replace(label, retrieval=0.25)], by_retrieval)
    assert (scored.score, scored.support) == (0.25, 1.0)


def test_thresholds_per_scorer() -> None:
    m = model({}, threshold=0.875)
    assert answer_threshold(AnswerConfig(scorer="learned"), m) == 0.875
    assert answer_threshold(AnswerConfig(threshold=0.3), m) == 0.3
    assert answer_threshold(AnswerConfig(), m) == WEIGHTED_THRESHOLD == 0.69
    assert answer_threshold(AnswerConfig(scorer="weighted", threshold=0.5), None) == 0.5


def test_learned_scores_are_the_models_probabilities(
    searcher: Searcher, embedder: Embedder
) -> None:
    answerer = Answerer(searcher, embedder, AnswerConfig(scorer="learned"))
    assert answerer.model == default_model()
    assert answerer.threshold == default_model().threshold
    question = "When did BioCon Valley start?"
    features = answerer.features(question, searcher.search(question, 5))
    m = model({"semantic": 1.0, "retrieval": 2.0}, intercept=-1.5)
    learned = AnswerConfig(scorer="learned")
    ranked = rescore(features, learned, m)
    for c in ranked:
        semantic = max(0.0, c.semantic)
        assert c.score == pytest.approx(1 / (1 + math.exp(-(semantic + 2 * c.retrieval - 1.5))))
        # support: as if its passage had been retrieved first
        assert c.support == pytest.approx(1 / (1 + math.exp(-(semantic + 2.0 - 1.5))))
    assert [c.score for c in ranked] == sorted((c.score for c in ranked), reverse=True)
    with pytest.raises(ValueError, match="the learned scorer needs a model"):
        rescore(features, learned, None)
    # the features, in the model's order
    label = next(c for c in features if c.text == "Start Date\nJanuary 2000")
    values = dict(zip(FEATURES, feature_values(label), strict=True))
    assert (
        values["fragment"] == 1.0 and values["evidence"] == 1.0 and values["asked_evidence"] == 1.0
    )
    assert values["retrieval"] == label.retrieval
    assert feature_values(label, 1.0)[FEATURES.index("retrieval")] == 1.0
    # a weighted answerer has no model and the weighted threshold
    weighted = Answerer(searcher, embedder)
    assert weighted.model is None and weighted.threshold == WEIGHTED_THRESHOLD
