from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

LAENDER = "002_ef865dbee6ab942a"


def test_get_search_returns_ranked_cited_results(client: TestClient) -> None:
    res = client.get("/search", params={"q": "Optik in Jena", "k": 3})
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {"query", "results", "facets", "query_regions", "took_ms"}
    assert body["query"] == "Optik in Jena"
    assert [r["rank"] for r in body["results"]] == [1, 2, 3]
    top = body["results"][0]
    assert set(top) == {"rank", "score", "text", "citation", "scores", "highlights"}
    assert set(top["citation"]) == {
        "document_id", "title", "source", "language", "section", "start", "end", "regions",
        "page",
    }  # fmt: skip
    assert top["citation"]["regions"] == ["Thüringen"]
    assert top["citation"]["page"] is None
    assert top["score"] == top["scores"]["fused"] == 1.0
    assert top["scores"]["bm25"] > 0 and top["scores"]["dense"] > 0
    marked = {top["text"][h["start"] : h["end"]]: h["term"] for h in top["highlights"]}
    assert marked == {"Optik": "Optik", "Jena": "Jena"}
    assert top["citation"]["document_id"] == LAENDER
    assert top["citation"]["section"] == "Freistaat Thüringen"
    assert top["citation"]["language"] == "de"
    assert top["citation"]["source"] == "002_ef865dbee6ab942a.txt"
    assert body["took_ms"] > 0


@pytest.mark.parametrize(
    "q",
    [
        "How much money does BioCon Valley have per year?",
        "Wann wurde der Cluster-Dialog gegründet?",
        "Which Land has a microelectronics cluster?",
        "Innovationsstrategie Bremen",
    ],
)
def test_every_citation_resolves_through_documents(client: TestClient, q: str) -> None:
    results = client.get("/search", params={"q": q, "k": 10}).json()["results"]
    assert len(results) == 10
    texts: dict[str, str] = {}
    for r in results:
        c = r["citation"]
        if c["document_id"] not in texts:
            doc = client.get(f"/documents/{c['document_id']}")
            assert doc.status_code == 200
            texts[c["document_id"]] = doc.json()["text"]
        assert texts[c["document_id"]][c["start"] : c["end"]] == r["text"]


def test_post_search_matches_get(client: TestClient) -> None:
    got = client.get("/search", params={"q": "Silicon Saxony", "k": 4}).json()
    posted = client.post("/search", json={"q": "Silicon Saxony", "k": 4}).json()
    assert posted["results"] == got["results"]


def test_default_k_is_five(client: TestClient) -> None:
    assert len(client.get("/search", params={"q": "Cluster"}).json()["results"]) == 5


def test_filters(client: TestClient) -> None:
    en = client.get("/search", params={"q": "Cluster", "k": 50, "lang": "en"}).json()
    assert len(en["results"]) == 18
    assert {r["citation"]["language"] for r in en["results"]} == {"en"}
    one = client.post("/search", json={"q": "Cluster", "k": 50, "document_id": LAENDER}).json()
    assert len(one["results"]) == 19
    assert {r["citation"]["document_id"] for r in one["results"]} == {LAENDER}


@pytest.mark.parametrize(
    ("params", "status", "detail"),
    [
        ({"q": ""}, 422, "The query is empty"),
        ({"q": "   "}, 422, "The query is empty"),
        ({"q": "a" * 1001}, 422, "shorten it to at most 1000"),
        ({"q": "ok", "k": 0}, 422, "k must be between 1 and 50, got 0"),
        ({"q": "ok", "k": 51}, 422, "k must be between 1 and 50, got 51"),
        ({"q": "ok", "k": "five"}, 422, "Invalid request. k: Input should be a valid integer"),
        ({}, 422, "Invalid request. q: Field required"),
        ({"q": "ok", "lang": "deutsch"}, 422, "lang: 'deutsch' is not a language the service"),
        ({"q": "ok", "lang": "xx"}, 422, "use one of de, en, fr, nl, it, es, pl, da, cs"),
        ({"q": "Cluster\x07"}, 422, "q: contains the control character U+0007 at character 7"),
        ({"q": "ok", "document_id": "a\x1bb"}, 422, "document_id: contains the control"),
        ({"q": "ok", "document_id": "nope"}, 404, "No document 'nope' in the index"),
        ({"q": "ok", "region": "Atlantis"}, 422, "Unknown region 'Atlantis'"),
    ],
)
def test_bad_search_input(
    client: TestClient, params: dict[str, object], status: int, detail: str
) -> None:
    res = client.get("/search", params=params)
    assert res.status_code == status
    assert detail in res.json()["detail"]


def test_post_rejects_unknown_fields_and_bad_json(client: TestClient) -> None:
    res = client.post("/search", json={"q": "ok", "top": 3})
    assert res.status_code == 422
    assert "top: Extra inputs are not permitted" in res.json()["detail"]
    res = client.post("/search", content=b"{", headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert res.json()["detail"].startswith("Invalid request.")


def test_no_index_is_503_with_build_hint(client_without_index: TestClient) -> None:
    res = client_without_index.get("/search", params={"q": "Cluster"})
    assert res.status_code == 503
    assert "clustersearch build" in res.json()["detail"]
    assert client_without_index.get("/documents").status_code == 503


def test_region_filter_and_query_regions(client: TestClient) -> None:
    for method, call in (
        ("GET", lambda: client.get("/search", params={"q": "Cluster", "k": 50, "region": "SN"})),
        (
            "POST",
            lambda: client.post("/search", json={"q": "Cluster", "k": 50, "region": "Saxony"}),
        ),
    ):
        body = call().json()
        assert [r["citation"]["section"] for r in body["results"]] == ["Freistaat Sachsen"], method
        assert body["facets"] == {"region": {"Sachsen": 1}, "lang": {"de": 1}}
        assert body["query_regions"] == []


def test_query_naming_a_land_reports_it_and_ranks_it_first(client: TestClient) -> None:
    body = client.get("/search", params={"q": "cluster policy of Saxony-Anhalt", "k": 2}).json()
    assert body["query_regions"] == ["Sachsen-Anhalt"]
    top = body["results"][0]
    assert top["citation"]["section"] == "Sachsen-Anhalt"
    assert top["citation"]["regions"] == ["Sachsen-Anhalt"]
    marked = [(top["text"][h["start"] : h["end"]], h["term"]) for h in top["highlights"]]
    assert ("Sachsen-Anhalt", "Saxony-Anhalt") in marked
    assert sum(body["facets"]["lang"].values()) == 20


def test_unknown_region_in_post_is_422(client: TestClient) -> None:
    res = client.post("/search", json={"q": "Cluster", "region": "Bavaria-Nord"})
    assert res.status_code == 422
    assert "Unknown region 'Bavaria-Nord'" in res.json()["detail"]
