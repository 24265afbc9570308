from __future__ import annotations

from fastapi.testclient import TestClient

from index.documents.corpus import Corpus


def test_list_documents(client: TestClient, seed_corpus: Corpus) -> None:
    res = client.get("/documents")
    assert res.status_code == 200
    docs = res.json()
    assert [d["id"] for d in docs] == [d.id for d in seed_corpus.documents]
    assert docs[0] == {
        "id": "000_845843b92d703299",
        "title": (
            "BioCon Valley: cluster organisation for the health economy in Mecklenburg-Vorpommern"
        ),
        "language": "en",
        "source": "000_845843b92d703299.txt",
        "regions": ["Mecklenburg-Vorpommern"],
        "organisation": "BioCon Valley GmbH",
        "chars": len(seed_corpus.documents[0].text),
    }
    assert "text" not in docs[0]


def test_get_document_has_full_text(client: TestClient, seed_corpus: Corpus) -> None:
    res = client.get("/documents/002_ef865dbee6ab942a")
    assert res.status_code == 200
    assert res.json()["text"] == seed_corpus.documents[2].text
    assert res.json()["language"] == "de"


def test_unknown_document_is_404(client: TestClient) -> None:
    res = client.get("/documents/does-not-exist")
    assert res.status_code == 404
    assert res.json() == {
        "detail": "No document 'does-not-exist' in the index. GET /documents lists the ids."
    }
