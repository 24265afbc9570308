from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import pytest

from index.answering.model import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    AnswerModel,
    AnswerModelError,
    default_model,
    load_model,
)

N = len(FEATURES)


def model(
    coefficients: dict[str, float], intercept: float = 0.0, threshold: float = 0.5
) -> AnswerModel:
    return AnswerModel(
        FEATURES, tuple(coefficients.get(name, 0.0) for name in FEATURES), intercept, threshold
    )


def test_probability_is_the_logistic_of_the_weighted_sum() -> None:
    m = model({"semantic": 2.0, "evidence": -1.0}, intercept=-1.0)
    zero = [0.0] * N
    assert m.probability(zero) == 1 / (1 + math.exp(1.0))
    values = [0.0] * N
    values[FEATURES.index("semantic")] = 1.0
    assert m.probability(values) == 1 / (1 + math.exp(-1.0))
    # very negative sums do not overflow
    assert model({}, intercept=-1000.0).probability(zero) == 0.0
    assert model({}, intercept=1000.0).probability(zero) == 1.0
    with pytest.raises(ValueError, match=f"expected {N} feature values, got 2"):
        m.probability([1.0, 2.0])


def test_model_round_trips_through_json(tmp_path: Path) -> None:
    m = replace(model({"overlap": 1.25}, intercept=-3.5, threshold=0.875), trained_on="dev: 3")
    path = tmp_path / "model.json"
    path.write_text(m.to_json(), encoding="utf-8")
    assert load_model(path) == m


def test_model_errors_say_how_to_fix_them(tmp_path: Path) -> None:
    with pytest.raises(AnswerModelError, match=r"No answer model at .*train_answer.py"):
        load_model(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(AnswerModelError, match=r"is malformed .*Retrain it"):
        load_model(bad)
    bad.write_text(json.dumps({"features": list(FEATURES)}), encoding="utf-8")
    with pytest.raises(AnswerModelError, match="is malformed"):
        load_model(bad)
    with pytest.raises(AnswerModelError, match=r"computes .*Retrain it"):
        AnswerModel(("semantic",), (1.0,), 0.0, 0.5)
    with pytest.raises(AnswerModelError, match=f"1 coefficients for {N} features"):
        AnswerModel(FEATURES, (1.0,), 0.0, 0.5)
    with pytest.raises(AnswerModelError, match=r"threshold 1.5 is not a probability"):
        AnswerModel(FEATURES, (0.0,) * N, 0.0, 1.5)


def test_the_packaged_model_loads() -> None:
    m = default_model()
    assert m == load_model(DEFAULT_MODEL_PATH)
    assert m.features == FEATURES
    assert 0.5 < m.threshold < 1.0
    assert m.trained_on.startswith("dev split: ")
    # what the dev split taught it: a pair that adds nothing and a list-like fragment lose
    weights = dict(zip(FEATURES, m.coefficients, strict=True))
    assert weights["padded"] < 0 and weights["fragment"] < 0
    assert weights["retrieval"] > 0 and weights["evidence"] > 0
