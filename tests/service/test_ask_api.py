from __future__ import annotations

from collections.abc import Callable

import pytest
from fastapi.testclient import TestClient

BIOCON = "000_845843b92d703299"
KEY = "ask-key-0123456789abcdef"
MONEY = "Wie viel Geld hat BioCon Valley pro Jahr?"


def test_ask_returns_an_answer_with_a_citation_that_resolves(client: TestClient) -> None:
    res = client.post("/ask", json={"question": MONEY})
    assert res.status_code == 200
    body = res.json()
    assert set(body) == {
        "question", "answer", "confidence", "reason", "citations", "passages", "took_ms",
    }  # fmt: skip
    assert body["question"] == MONEY
    assert body["answer"] == "Every year 1,2 mio. euros are available to fulfill the tasks."
    assert body["reason"] is None
    assert 0.0 < body["confidence"] <= 1.0
    assert body["took_ms"] > 0
    [citation] = body["citations"]
    assert set(citation) == {"document_id", "title", "source", "section", "start", "end", "text"}
    assert citation["document_id"] == BIOCON
    assert citation["section"] == "Resources needed"
    assert citation["text"] == body["answer"]
    document = client.get(f"/documents/{BIOCON}").json()
    assert document["text"][citation["start"] : citation["end"]] == citation["text"]
    # the passages are /search results, the first five of the same search
    searched = client.post("/search", json={"q": MONEY, "k": 5}).json()["results"]
    assert body["passages"][:5] == searched
    for passage in body["passages"]:
        c = passage["citation"]
        text = client.get(f"/documents/{c['document_id']}").json()["text"]
        assert text[c["start"] : c["end"]] == passage["text"]


def test_ask_without_an_answer_says_why(client: TestClient) -> None:
    body = client.post("/ask", json={"question": "Wie viele Einwohner hat Thüringen?", "k": 3})
    assert body.status_code == 200
    payload = body.json()
    assert payload["answer"] is None
    assert payload["citations"] == []
    assert payload["reason"] == "The documents do not mention “Einwohner”."
    assert len(payload["passages"]) == 3


def test_ask_filters(client: TestClient) -> None:
    question = "Welche Cluster gibt es?"
    body = client.post(
        "/ask", json={"question": question, "k": 4, "region": "SN", "lang": "de"}
    ).json()
    searched = client.post(
        "/search", json={"q": question, "k": 4, "region": "SN", "lang": "de"}
    ).json()["results"]
    assert body["passages"] == searched
    assert len(searched) == 1  # the seed corpus has one German passage about Sachsen
    for passage in body["passages"]:
        assert "Sachsen" in passage["citation"]["regions"]
        assert passage["citation"]["language"] == "de"


@pytest.mark.parametrize(
    ("payload", "detail"),
    [
        ({"question": ""}, "The query is empty: ask a question or give some keywords."),
        ({"question": "  \n "}, "The query is empty: ask a question or give some keywords."),
        ({"question": "x" * 1001}, "The query has 1001 characters; shorten it to at most 1000."),
        ({"question": "Cluster?", "k": 0}, "k must be between 1 and 50, got 0."),
        ({"question": "Cluster?", "k": 51}, "k must be between 1 and 50, got 51."),
        ({"question": "Cluster?", "k": "many"}, "Invalid request. k: Input should be a valid "
                                               "integer, unable to parse string as an integer"),
        ({"q": "Cluster?"}, "Invalid request. question: Field required; q: Extra inputs are "
                            "not permitted"),
        ({"question": 7}, "Invalid request. question: Input should be a valid string"),
        ({"question": "Cluster?", "lang": "deu"}, "Invalid request. lang: 'deu' is not a "
                                                  "language the service knows; use one of de, "
                                                  "en, fr, nl, it, es, pl, da, cs"),
        ({"question": "Cluster?", "region": "S\x00N"}, "Invalid request. region: contains the "
                                                       "control character U+0000 at character "
                                                       "1; remove it"),
    ],
)  # fmt: skip
def test_bad_input_is_422_with_the_fix(
    client: TestClient, payload: dict[str, object], detail: str
) -> None:
    res = client.post("/ask", json=payload)
    assert res.status_code == 422
    assert res.json() == {"detail": detail}


def test_unknown_region_and_malformed_body(client: TestClient) -> None:
    res = client.post("/ask", json={"question": "Cluster?", "region": "Mars"})
    assert res.status_code == 422
    assert res.json()["detail"].startswith("Unknown region 'Mars'.")
    res = client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert res.status_code == 422
    assert res.json()["detail"].startswith("Invalid request. ")
    assert client.get("/ask").status_code == 405


def test_ask_without_index_is_503_with_build_hint(client_without_index: TestClient) -> None:
    res = client_without_index.post("/ask", json={"question": MONEY})
    assert res.status_code == 503
    assert "clustersearch build" in res.json()["detail"]


def test_ask_is_in_the_openapi_schema(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert set(paths["/ask"]) == {"post"}
    responses = paths["/ask"]["post"]["responses"]
    assert {"200", "422", "503"} <= set(responses)


def test_ask_is_rate_limited_together_with_search(make_client: Callable[..., TestClient]) -> None:
    client = make_client(rate_limit="2/minute")
    assert client.post("/ask", json={"question": MONEY}).status_code == 200
    assert client.get("/search", params={"q": "Cluster"}).status_code == 200
    limited = client.post("/ask", json={"question": MONEY})
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 60
    assert limited.json()["detail"].startswith("Too many requests: the limit is 2 per 1 minute")


def test_ask_needs_a_read_key_when_keys_are_on(make_client: Callable[..., TestClient]) -> None:
    client = make_client(read_api_keys=KEY, rate_limit="")
    missing = client.post("/ask", json={"question": MONEY})
    assert missing.status_code == 401
    assert missing.headers["www-authenticate"] == "X-API-Key"
    wrong = client.post("/ask", json={"question": MONEY}, headers={"X-API-Key": "x" * 24})
    assert wrong.status_code == 401
    ok = client.post("/ask", json={"question": MONEY}, headers={"X-API-Key": KEY})
    assert ok.status_code == 200
    assert ok.json()["answer"] is not None


def test_the_threshold_comes_from_settings(make_client: Callable[..., TestClient]) -> None:
    strict = make_client(answer_threshold=0.99, rate_limit="")
    body = strict.post("/ask", json={"question": MONEY}).json()
    assert body["answer"] is None
    assert body["reason"] == "No sentence found answers the question well enough."
    assert 0.5 < body["confidence"] < 0.99


def test_the_scorer_comes_from_settings(make_client: Callable[..., TestClient]) -> None:
    from index.answering.model import default_model

    weighted = make_client(rate_limit="").post("/ask", json={"question": MONEY}).json()
    learned = make_client(answer_scorer="learned", rate_limit="")
    body = learned.post("/ask", json={"question": MONEY}).json()
    assert body["answer"] == "Every year 1,2 mio. euros are available to fulfill the tasks."
    # the learned model's probability, above its own calibrated threshold
    assert default_model().threshold <= body["confidence"] <= 1.0
    assert body["confidence"] != weighted["confidence"]
