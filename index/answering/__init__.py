"""Extractive answers: what a question asks for, candidate spans, their scores, the answerer."""

from index.answering.answerer import (
    Answer,
    AnswerCitation,
    Answerer,
    Candidate,
    Expectation,
    answer_threshold,
    evidence,
    expectation,
    feature_values,
    rescore,
    verify_citations,
)
from index.answering.model import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    AnswerModel,
    AnswerModelError,
    default_model,
    load_model,
)
from index.answering.unmatched import land_words, unmatched_words

__all__ = [
    "DEFAULT_MODEL_PATH",
    "FEATURES",
    "Answer",
    "AnswerCitation",
    "AnswerModel",
    "AnswerModelError",
    "Answerer",
    "Candidate",
    "Expectation",
    "answer_threshold",
    "default_model",
    "evidence",
    "expectation",
    "feature_values",
    "land_words",
    "load_model",
    "rescore",
    "unmatched_words",
    "verify_citations",
]
