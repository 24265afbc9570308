"""A candidate's score, in [0, 1], and the score that answers.

Two scorers (`AnswerConfig.scorer`):

* "weighted" (the default): the weighted mean of `semantic`, `overlap`, `focus`, `evidence`,
  `retrieval` and `passage` (the passage's fused search score as it is; `AnswerConfig.w_*`),
  scaled down by `region_penalty` when the passage is about other Länder than the question
  names, `echo_penalty` when the candidate only repeats question words, `fragment_penalty`
  for list-like lines, `unfocused_penalty` when it shares no word with the question and
  `padded_penalty` for a sentence pair whose second sentence adds nothing;
* "learned": the probability the logistic model (`index.answering.model`) gives that the
  candidate answers, from its `feature_values`.

Each candidate gets two scores: `score`, with its passage's retrieval score, which ranks
the candidates; and `support`, as if its passage had been retrieved first, which decides
whether another document supports the answer. The best candidate answers when its score
reaches `answer_threshold`: `AnswerConfig.threshold` when set, else the learned model's
calibrated threshold (learned scorer) or `WEIGHTED_THRESHOLD`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from index.answering.candidates import Candidate
from index.answering.model import FEATURES, AnswerModel
from index.config import WEIGHTED_THRESHOLD, AnswerConfig

__all__ = ["answer_threshold", "feature_values", "penalties", "rescore"]


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
            raise ValueError(
                "the learned scorer needs a model (index.answering.model.default_model())"
            )
        learned = model

        def score(c: Candidate, retrieval: float) -> float:
            return learned.probability(feature_values(c, retrieval))

    else:

        def score(c: Candidate, retrieval: float) -> float:
            return _weighted(c, retrieval, config)

    out = [replace(c, score=score(c, c.retrieval), support=score(c, 1.0)) for c in candidates]
    out.sort(key=lambda c: (-c.score, c.hit.rank, c.start, c.end))
    return tuple(out)


def feature_values(c: Candidate, retrieval: float | None = None) -> tuple[float, ...]:
    """`c`'s features in the order of `index.answering.model.FEATURES` (with `retrieval` in
    place of its own, to score it as if its passage had ranked elsewhere)."""
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


def _weighted(c: Candidate, retrieval: float, config: AnswerConfig) -> float:
    """The weighted scorer's score of `c` with `retrieval` as its passage's search score."""
    weights = (
        config.w_semantic,
        config.w_overlap,
        config.w_focus,
        config.w_evidence,
        config.w_retrieval,
        config.w_passage,
    )
    features = (max(0.0, c.semantic), c.overlap, c.focus, c.evidence, retrieval, c.passage)
    score = sum(w * f for w, f in zip(weights, features, strict=True)) / (sum(weights) or 1.0)
    for factor in penalties(c, config):
        score *= factor
    return min(1.0, max(0.0, score))


def penalties(c: Candidate, config: AnswerConfig) -> tuple[float, ...]:
    """The factors the weighted scorer scales `c`'s weighted mean by, in order: other
    Länder, an echo of the question, a list-like line, no question word, a padded pair."""
    applies = (
        (not c.region_ok, config.region_penalty),
        (c.novelty == 0.0, config.echo_penalty),
        (c.fragment, config.fragment_penalty),
        (c.focus == 0.0, config.unfocused_penalty),
        (c.padded, config.padded_penalty),
    )
    return tuple(factor for applied, factor in applies if applied)
