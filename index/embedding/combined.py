"""Several models as one `Embedder`: each part's vectors scaled by √share, joined end to end.

The inner product of two joined unit vectors is Σ share · cosine of each part, so one FAISS
index over the joined vectors ranks passages by a weighted sum of the models' similarities.
Two models that err on different passages make a better dense ranking together than
either alone (USE-multilingual and multilingual-e5-small: `docs/decisions.md`, "Two dense
models as one"). The parts' own vectors are what gets cached (`PassageCache.encode`), so a
change of shares re-joins cached vectors instead of embedding anew.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np

from index.embedding.base import Embedder, Vectors, normalise
from index.errors import EmbedderError

__all__ = ["MODEL_SEPARATOR", "CombinedEmbedder", "combined_parts", "split_spec"]

MODEL_SEPARATOR = "+"


class CombinedEmbedder:
    """The parts' vectors, each times √share, side by side; the shares sum to 1."""

    def __init__(self, parts: Sequence[tuple[Embedder, float]]) -> None:
        if len(parts) < 2:
            raise EmbedderError("A combined model needs at least two models, joined by '+'.")
        ids = [e.model_id for e, _ in parts]
        if len(set(ids)) != len(ids):
            raise EmbedderError(f"A combined model names a model twice: {'+'.join(ids)}.")
        if any(not share > 0 for _, share in parts):
            raise EmbedderError(f"Every share of a combined model must be positive: {parts}.")
        total = sum(share for _, share in parts)
        self.parts: tuple[tuple[Embedder, float], ...] = tuple(
            (embedder, share / total) for embedder, share in parts
        )

    @property
    def model_id(self) -> str:
        """The parts with their shares: vectors joined with other shares are another model."""
        return MODEL_SEPARATOR.join(f"{e.model_id}*{share:.3g}" for e, share in self.parts)

    @property
    def dim(self) -> int:
        return sum(e.dim for e, _ in self.parts)

    def encode_queries(self, texts: Sequence[str]) -> Vectors:
        return self.join([e.encode_queries(texts) for e, _ in self.parts])

    def encode_passages(self, texts: Sequence[str]) -> Vectors:
        return self.join([e.encode_passages(texts) for e, _ in self.parts])

    def join(self, vectors: Sequence[Vectors]) -> Vectors:
        """The joined rows of the parts' vectors for the same texts, in the parts' order."""
        if len(vectors) != len(self.parts):
            raise EmbedderError(f"expected {len(self.parts)} parts' vectors, got {len(vectors)}")
        scaled = [
            np.asarray(v, dtype=np.float32) * np.float32(math.sqrt(share))
            for v, (_, share) in zip(vectors, self.parts, strict=True)
        ]
        return normalise(np.hstack(scaled))


def combined_parts(embedder: Embedder) -> CombinedEmbedder | None:
    """The combined model behind `embedder` (seen through wrappers with `.inner`), if any."""
    inner: object = embedder
    while not isinstance(inner, CombinedEmbedder) and hasattr(inner, "inner"):
        inner = inner.inner
    return inner if isinstance(inner, CombinedEmbedder) else None


def split_spec(spec: str, shares: Mapping[str, float]) -> list[tuple[str, float]]:
    """`"a+b"` → [(a, its share), (b, its share)], the shares as `shares` has them (1.0 for a
    model it does not name); `CombinedEmbedder` scales them to sum to 1."""
    names = [name.strip() for name in spec.split(MODEL_SEPARATOR)]
    if any(not name for name in names):
        raise EmbedderError(
            f"{spec!r} has an empty model name; join model names with '+', e.g. "
            "'multilingual-e5-small+use-multilingual-v3'."
        )
    return [(name, shares.get(name, 1.0)) for name in names]
