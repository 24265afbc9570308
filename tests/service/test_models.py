from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pytest

from index.embedding.base import Vectors
from index.embedding.combined import CombinedEmbedder, combined_parts
from index.embedding.memo import QueryMemo
from service.models import load_models
from service.settings import Settings
from tests.conftest import SEED_CORPUS


class Named:
    """A model that only has a name: enough to see which instance serves which role."""

    def __init__(self, model_id: str) -> None:
        self.model_id = model_id
        self.dim = 2

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return np.ones((len(texts), 2), dtype=np.float32) / np.sqrt(2)

    encode_passages = encode_queries


@pytest.fixture
def loaded(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names `load_models` loads, each as a fresh `Named` (parts of 'a+b' too)."""
    names: list[str] = []

    def load(name: str, **_: object) -> object:
        names.append(name)
        if "+" in name:
            return CombinedEmbedder([(Named(n), 0.5) for n in name.split("+")])
        return Named(name)

    monkeypatch.setattr("service.models.load_embedder", load)
    return names


def _settings(**kwargs: object) -> Settings:
    return Settings(corpus_dir=SEED_CORPUS, _env_file=None, **kwargs)  # type: ignore[call-arg]


def test_by_default_one_model_serves_all_three_roles(clean_env: None, loaded: list[str]) -> None:
    models = load_models(_settings())
    assert loaded == ["use-multilingual-v3"]
    assert isinstance(models.passages, QueryMemo)
    assert models.bridge is models.passages and models.answers is models.passages


def test_e5_passages_keep_the_bridge_and_the_answers_on_one_use(
    clean_env: None, loaded: list[str]
) -> None:
    models = load_models(_settings(model="multilingual-e5-small"))
    assert loaded == ["multilingual-e5-small", "use-multilingual-v3"]
    assert models.bridge is models.answers
    assert models.bridge.model_id == "use-multilingual-v3"


def test_a_combined_models_part_is_shared_not_loaded_again(
    clean_env: None, loaded: list[str]
) -> None:
    models = load_models(_settings(model="multilingual-e5-small+use-multilingual-v3"))
    assert loaded == ["multilingual-e5-small+use-multilingual-v3"]
    combined = combined_parts(models.passages)
    assert combined is not None
    use = combined.parts[1][0]
    assert models.bridge is use and models.answers is use


def test_empty_names_share_the_passage_model(clean_env: None, loaded: list[str]) -> None:
    models = load_models(_settings(model="multilingual-e5-small", bridge_model="", answer_model=""))
    assert loaded == ["multilingual-e5-small"]
    assert models.bridge is models.passages and models.answers is models.passages


def test_the_answers_may_have_a_model_of_their_own(clean_env: None, loaded: list[str]) -> None:
    models = load_models(_settings(answer_model="multilingual-e5-small"))
    assert loaded == ["use-multilingual-v3", "multilingual-e5-small"]
    assert models.answers.model_id == "multilingual-e5-small"
    assert models.bridge is models.passages
