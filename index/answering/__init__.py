"""Extractive answers: what a question asks for, candidate spans, their features and scores,
the answerer and its verified citations."""

from index.answering.answerer import (
    Answer,
    Answerer,
)
from index.answering.candidates import (
    Candidate,
    Span,
    candidate_spans,
    content_sentences,
    is_content,
    is_fragment,
    passage_spans,
)
from index.answering.citations import (
    AnswerCitation,
    verify_citations,
)
from index.answering.features import (
    Reading,
    describe,
    mark_padded,
)
from index.answering.model import (
    DEFAULT_MODEL_PATH,
    FEATURES,
    AnswerModel,
    AnswerModelError,
    default_model,
    load_model,
)
from index.answering.question import (
    ASKED_FOR,
    Expectation,
    Kind,
    evidence,
    expectation,
    is_phone_number,
    is_question_word,
    translated,
)
from index.answering.scoring import (
    answer_threshold,
    feature_values,
    rescore,
)
from index.answering.unmatched import (
    land_words,
    unmatched_words,
)
from index.answering.vocabulary import (
    QUESTION_PAIRS_FILE,
    QUESTION_WORDS_FILE,
    load_word_list,
    question_pairs,
    question_words,
)

__all__ = [
    "ASKED_FOR",
    "DEFAULT_MODEL_PATH",
    "FEATURES",
    "QUESTION_PAIRS_FILE",
    "QUESTION_WORDS_FILE",
    "Answer",
    "AnswerCitation",
    "AnswerModel",
    "AnswerModelError",
    "Answerer",
    "Candidate",
    "Expectation",
    "Kind",
    "Reading",
    "Span",
    "answer_threshold",
    "candidate_spans",
    "content_sentences",
    "default_model",
    "describe",
    "evidence",
    "expectation",
    "feature_values",
    "is_content",
    "is_fragment",
    "is_phone_number",
    "is_question_word",
    "land_words",
    "load_model",
    "load_word_list",
    "mark_padded",
    "passage_spans",
    "question_pairs",
    "question_words",
    "rescore",
    "translated",
    "unmatched_words",
    "verify_citations",
]
