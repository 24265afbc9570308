from __future__ import annotations

import logging

import pytest

from index.answering.citations import AnswerCitation, verify_citations
from index.documents.corpus import Document


def test_verify_citations_drops_and_logs_what_does_not_match(
    caplog: pytest.LogCaptureFixture,
) -> None:
    doc = Document("d", "T", "de", "d.txt", "Eins. Zwei drei.")
    good = AnswerCitation(doc, None, 6, 16, "Zwei drei.")
    shifted = AnswerCitation(doc, None, 5, 15, "Zwei drei.")
    outside = AnswerCitation(doc, None, 10, 99, "drei.")
    with caplog.at_level(logging.ERROR, logger="clustersearch.answer"):
        assert verify_citations([shifted, good, outside]) == (good,)
    assert [r.getMessage() for r in caplog.records] == [
        "dropped a citation that does not verify: d[5:15] != 'Zwei drei.'",
        "dropped a citation that does not verify: d[10:99] != 'drei.'",
    ]
