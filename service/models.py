"""The models the service loads, each once: the passages', the word bridge's, the answerer's.

The bridge and the answerer have models of their own (`Settings.bridge_model`,
`Settings.answer_model`; USE by default whatever the passage model, as measured in
docs/decisions.md). A model that is the passage model, a part of a combined passage model,
or another role's model is shared, never loaded twice.
"""

from __future__ import annotations

from dataclasses import dataclass

from index import Embedder, QueryMemo, combined_parts, load_embedder
from service.settings import Settings

__all__ = ["Models", "load_models"]


@dataclass(frozen=True)
class Models:
    """`passages` embeds queries and passages (behind a `QueryMemo`); `bridge` the word
    bridge's words; `answers` the questions and candidate spans of the answerer."""

    passages: Embedder
    bridge: Embedder
    answers: Embedder


def load_models(settings: Settings) -> Models:
    """Load the models `settings` name, sharing every one named twice."""
    # /ask embeds the question its search has just embedded; the memo makes that one call
    passages = QueryMemo(
        load_embedder(
            settings.model,
            query_prompt=settings.query_prompt,
            passage_prompt=settings.passage_prompt,
            threads=settings.model_threads,
        )
    )
    loaded: dict[str, Embedder] = {settings.model: passages}
    combined = combined_parts(passages)
    for part, _ in combined.parts if combined is not None else ():
        loaded.setdefault(part.model_id, part)

    def named(name: str | None) -> Embedder:
        if name is None:
            return passages
        if name not in loaded:
            loaded[name] = load_embedder(name, threads=settings.model_threads)
        return loaded[name]

    return Models(passages, named(settings.bridge_model), named(settings.answer_model))
