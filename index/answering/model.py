"""The learned answer scorer: a logistic model over an answer candidate's features.

Each candidate span is described by a few numbers (how similar it is to the question, how
many of the question's words it holds, whether it holds what is asked for …;
`index.answering.features`, in the order of `FEATURES`). The default scorer weighs them by
hand (`index.answering.scoring`); this one, chosen with `AnswerConfig.scorer` "learned",
weighs them by a logistic regression fitted on the dev split of the gold set
(`python benchmarks/train_answer.py`), so the score is the model's probability that the
candidate contains the answer, and the no-answer threshold is calibrated with it.

The model is data (`index/data/answer_model.json`): the feature names, one coefficient
each, the intercept and the threshold. Scoring is a dot product; no learning library is
needed at run time.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from index.config import DATA_DIR
from index.errors import ClusterSearchError

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FEATURES",
    "AnswerModel",
    "AnswerModelError",
    "default_model",
    "load_model",
]

DEFAULT_MODEL_PATH = DATA_DIR / "answer_model.json"

# The features of a candidate, in the order of `AnswerModel.coefficients`.
FEATURES: tuple[str, ...] = (
    "semantic",  # cosine similarity of question and candidate (negative → 0)
    "overlap",  # share of question words in the candidate, its heading or title
    "focus",  # share of question words in the candidate alone
    "evidence",  # holds what the question asks for (1.0 when it asks for nothing special)
    "retrieval",  # fused search score of its passage relative to the first
    "novelty",  # share of its words that are not question words
    "region_ok",  # its passage is about the Länder the question names (or names none)
    "fragment",  # list-like lines only
    "padded",  # a sentence pair whose second sentence adds nothing
    "unfocused",  # shares no word with the question
    "asked_evidence",  # evidence, when the question asks for a kind (a date, an amount …)
)


class AnswerModelError(ClusterSearchError):
    """The answer model file is missing, malformed or made for other features."""


@dataclass(frozen=True, slots=True)
class AnswerModel:
    """A logistic model: `probability(x) = 1 / (1 + exp(-(coefficients · x + intercept)))`."""

    features: tuple[str, ...]
    coefficients: tuple[float, ...]
    intercept: float
    threshold: float
    trained_on: str = ""

    def __post_init__(self) -> None:
        if self.features != FEATURES:
            raise AnswerModelError(
                f"The answer model scores the features {list(self.features)}, but this version "
                f"computes {list(FEATURES)}. Retrain it: python benchmarks/train_answer.py"
            )
        if len(self.coefficients) != len(FEATURES):
            raise AnswerModelError(
                f"The answer model has {len(self.coefficients)} coefficients for "
                f"{len(FEATURES)} features. Retrain it: python benchmarks/train_answer.py"
            )
        if not 0.0 <= self.threshold <= 1.0:
            raise AnswerModelError(
                f"The answer model's threshold {self.threshold} is not a probability in [0, 1]."
            )

    def probability(self, values: Sequence[float]) -> float:
        """The model's probability that a candidate with these feature `values` answers."""
        if len(values) != len(self.coefficients):
            raise ValueError(f"expected {len(self.coefficients)} feature values, got {len(values)}")
        z = self.intercept + sum(w * x for w, x in zip(self.coefficients, values, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))

    def to_json(self) -> str:
        return json.dumps(
            {
                "features": list(self.features),
                "coefficients": [round(w, 6) for w in self.coefficients],
                "intercept": round(self.intercept, 6),
                "threshold": round(self.threshold, 6),
                "trained_on": self.trained_on,
            },
            indent=2,
            ensure_ascii=False,
        )


def load_model(path: Path) -> AnswerModel:
    """The answer model stored at `path` (`AnswerModel.to_json`)."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return AnswerModel(
            features=tuple(raw["features"]),
            coefficients=tuple(float(w) for w in raw["coefficients"]),
            intercept=float(raw["intercept"]),
            threshold=float(raw["threshold"]),
            trained_on=str(raw.get("trained_on", "")),
        )
    except FileNotFoundError:
        raise AnswerModelError(
            f"No answer model at {path}. Train one: python benchmarks/train_answer.py"
        ) from None
    except (ValueError, KeyError, TypeError) as exc:
        raise AnswerModelError(
            f"The answer model at {path} is malformed ({exc!r}). "
            "Retrain it: python benchmarks/train_answer.py"
        ) from None


@lru_cache(maxsize=1)
def default_model() -> AnswerModel:
    """The model shipped with the package (`DEFAULT_MODEL_PATH`), read once."""
    return load_model(DEFAULT_MODEL_PATH)
