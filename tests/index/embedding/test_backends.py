from __future__ import annotations

import numpy as np
import pytest

from index.embedding.backends import (
    DEFAULT_MODEL,
    SentenceTransformerEmbedder,
    load_embedder,
    model_names,
    resolve_model_path,
)
from index.embedding.base import Embedder, normalise
from index.errors import EmbedderError


def test_default_embedder_shape_dtype_norm(embedder: Embedder) -> None:
    vecs = embedder.encode_passages(["Clusterpolitik in Sachsen", "cluster policy in Saxony"])
    assert embedder.model_id == DEFAULT_MODEL
    assert vecs.shape == (2, 512)
    assert vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), [1.0, 1.0], rtol=1e-5)


def test_default_embedder_is_cross_lingual(embedder: Embedder) -> None:
    q = embedder.encode_queries(["innovation strategy of Berlin and Brandenburg"])[0]
    de, other = embedder.encode_passages(
        [
            "Die Gemeinsame Innovationsstrategie der Länder Berlin und Brandenburg",
            "Every year 1,2 mio. euros are available to fulfill the tasks.",
        ]
    )
    assert float(q @ de) > float(q @ other) + 0.2


def test_empty_batch(embedder: Embedder) -> None:
    assert embedder.encode_queries([]).shape == (0, 512)


def test_normalise_keeps_zero_rows() -> None:
    out = normalise([[3.0, 4.0], [0.0, 0.0]])
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])
    assert out.dtype == np.float32


def test_normalise_rejects_1d() -> None:
    with pytest.raises(EmbedderError, match="2-d array"):
        normalise([1.0, 2.0])


def test_unknown_model_spec() -> None:
    with pytest.raises(EmbedderError, match="Unknown model 'bert'"):
        load_embedder("bert")


def test_sentence_transformers_spec_without_name() -> None:
    with pytest.raises(EmbedderError, match="names no model"):
        load_embedder("sentence-transformers:")


def test_model_that_would_need_a_download_is_a_clear_error() -> None:
    with pytest.raises(EmbedderError, match="never downloaded at run time"):
        resolve_model_path("intfloat/multilingual-e5-small")


def test_packaged_model_resolves_to_local_directory() -> None:
    path = resolve_model_path("all-MiniLM-L6-v2")
    assert (path / "config.json").is_file()


def test_broken_local_model_directory(tmp_path: pytest.TempPathFactory) -> None:
    with pytest.raises(EmbedderError, match="Could not load the sentence-transformers model"):
        SentenceTransformerEmbedder(str(tmp_path))


@pytest.mark.slow
def test_sentence_transformers_backend_with_prompts() -> None:
    st = load_embedder(
        "sentence-transformers:all-MiniLM-L6-v2", query_prompt="query: ", passage_prompt=""
    )
    assert st.dim == 384
    assert st.model_id == "sentence-transformers:all-MiniLM-L6-v2|q='query: '|p=''"
    vecs = st.encode_passages(["cluster policy", "health economy", "cluster policies"])
    assert vecs.shape == (3, 384) and vecs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vecs, axis=1), 1.0, rtol=1e-5)
    assert float(vecs[0] @ vecs[2]) > float(vecs[0] @ vecs[1])
    # the prompt really reaches the model: a prompted query differs from the bare text
    assert not np.allclose(st.encode_queries(["cluster policy"])[0], vecs[0])


def test_model_names_split_a_combined_spec_but_not_a_path() -> None:
    assert model_names("multilingual-e5-small+use-multilingual-v3") == [
        "multilingual-e5-small",
        "use-multilingual-v3",
    ]
    assert model_names("use-multilingual-v3") == ["use-multilingual-v3"]
    assert model_names("sentence-transformers:/models/a+b") == ["sentence-transformers:/models/a+b"]
