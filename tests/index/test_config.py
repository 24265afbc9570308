from __future__ import annotations

import pytest

from index.config import (
    ANSWER_BY_MODEL,
    COMBINED_SHARES,
    E5_USE_MODEL,
    FUSION_BY_MODEL,
    AnswerConfig,
    FusionConfig,
    answer_config,
    default_fusion,
)
from index.embedding.backends import DEFAULT_MODEL
from index.embedding.base import Embedder
from index.embedding.combined import CombinedEmbedder, split_spec
from tests.service.test_models import Named


def test_the_default_model_answers_with_the_default_configuration() -> None:
    assert answer_config(DEFAULT_MODEL) == AnswerConfig()
    assert answer_config(DEFAULT_MODEL, "learned", 0.5) == AnswerConfig("learned", 0.5)


def test_the_combined_model_answers_with_its_own_calibration() -> None:
    config = answer_config(E5_USE_MODEL)
    assert (config.w_passage, config.threshold) == (0.3, 0.73)
    assert answer_config(E5_USE_MODEL, threshold=0.5).threshold == 0.5  # a given one wins
    assert answer_config(E5_USE_MODEL, "learned") == AnswerConfig("learned")


@pytest.mark.parametrize("model_id", sorted(ANSWER_BY_MODEL))
def test_every_calibrated_model_has_its_fusion_too(model_id: str) -> None:
    assert model_id in FUSION_BY_MODEL


def test_the_tuned_entries_name_the_combined_model_as_it_is_built() -> None:
    spec = split_spec("multilingual-e5-small+use-multilingual-v3", COMBINED_SHARES)
    parts: list[tuple[Embedder, float]] = [(Named(name), share) for name, share in spec]
    assert CombinedEmbedder(parts).model_id == E5_USE_MODEL
    assert default_fusion(E5_USE_MODEL) == FusionConfig(dense_weight=0.7, coverage_power=1.0)
