"""`add_documents` decides an add as a scan of the corpus per upload would, by hash lookup."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from index.documents.corpus import Document
from index.errors import InvalidDocumentError
from index.ingest.changes import Change, Refusal, Status, add_documents


def _doc(doc_id: str, text: str) -> Document:
    return Document(id=doc_id, title=doc_id, language="de", source=f"{doc_id}.txt", text=text)


def _taken(doc_id: str) -> str:
    return (
        f"A document with id {doc_id!r} exists already; replace it instead "
        f"(clustersearch replace {doc_id} PATH, or PUT /documents/{doc_id})."
    )


def _scanned(
    docs: list[Document], prepared: list[tuple[str, Document]]
) -> tuple[list[Change], list[Refusal]]:
    """The reference: each upload compared with every document (skip_refused)."""
    changes, clashes = [], []
    for filename, doc in prepared:
        same = next((d for d in docs if d.sha256 == doc.sha256), None)
        if same is not None:
            status: Status = "unchanged" if same.id == doc.id else "duplicate"
            changes.append(Change(same.id, status, same, 0, None if same.id == doc.id else same.id))
        elif any(d.id == doc.id for d in docs):
            clashes.append(Refusal(filename, _taken(doc.id)))
        else:
            docs.append(doc)
            changes.append(Change(doc.id, "added", doc, 0))
    return changes, clashes


_DOCS = st.lists(
    st.builds(_doc, st.sampled_from(["a", "b", "c", "d"]), st.sampled_from(["x", "y", "z"])),
    max_size=6,
)


@given(corpus=_DOCS, uploads=_DOCS)
def test_same_decisions_as_a_scan(corpus: list[Document], uploads: list[Document]) -> None:
    corpus = list({d.id: d for d in corpus}.values())  # ids are unique in a corpus
    prepared = [(f"{d.id}.txt", d) for d in uploads]
    expected_docs = list(corpus)
    expected, expected_clashes = _scanned(expected_docs, prepared)
    docs = list(corpus)
    changes, clashes = add_documents(docs, prepared, skip_refused=True)
    assert changes == expected and docs == expected_docs
    assert clashes == expected_clashes


def test_the_first_of_equal_texts_is_named_and_a_batch_sees_its_own_adds() -> None:
    docs = [_doc("a", "x"), _doc("b", "x")]
    prepared = [("c.txt", _doc("c", "x")), ("d.txt", _doc("d", "y")), ("e.txt", _doc("e", "y"))]
    changes, clashes = add_documents(docs, prepared, skip_refused=False)
    assert [(c.id, c.status, c.duplicate_of) for c in changes] == [
        ("a", "duplicate", "a"),
        ("d", "added", None),
        ("d", "duplicate", "d"),
    ]
    assert clashes == [] and [d.id for d in docs] == ["a", "b", "d"]


def test_a_taken_id_raises_unless_refusals_are_skipped() -> None:
    docs = [_doc("a", "x")]
    with pytest.raises(InvalidDocumentError, match=r"id 'a' exists already; replace it"):
        add_documents(docs, [("a.txt", _doc("a", "y"))], skip_refused=False)
    assert docs == [_doc("a", "x")]
    changes, clashes = add_documents(docs, [("a.txt", _doc("a", "y"))], skip_refused=True)
    assert changes == [] and clashes == [Refusal("a.txt", _taken("a"))]
