"""How the page and the widget render the fields of the shared API contract that this build's
/search may not produce yet (highlights, facets, regions, page; issues 3 and 5).

The browser talks to the real service for everything else; only /search (and the OpenAPI
description that announces `region`) is answered with a contract-shaped response, so these
tests pin the rendering, not the search. The tests against the real endpoints are in
test_search_page.py and run there once the fields exist.
"""

from __future__ import annotations

import json
import urllib.parse
from typing import Any

from tests.e2e.conftest import Servers
from tests.e2e.helpers import api_get

# A passage with a character outside the BMP (offsets count code points) and markup.
TEXT = "🚀 Silicon Saxony <b>Mikroelektronik</b> in Dresden"
TERMS = ["Silicon Saxony", "Mikroelektronik"]


def _contract_response(query: str) -> dict[str, Any]:
    highlights = [{"start": TEXT.index(t), "end": TEXT.index(t) + len(t), "term": t} for t in TERMS]
    return {
        "query": query,
        "results": [
            {
                "rank": 1,
                "score": 0.83,
                "text": TEXT,
                "citation": {
                    "document_id": "002_ef865dbee6ab942a",
                    "title": "Länder: Clusterpolitik der 16 Bundesländer",
                    "source": "laender.pdf",
                    "language": "de",
                    "section": "Freistaat Sachsen",
                    "start": 10,
                    "end": 20,
                    "regions": ["Sachsen"],
                    "page": 3,
                },
                "scores": {"dense": 0.61, "bm25": 7.2, "fused": 0.83},
                # overlapping and out-of-range spans must be skipped, not trusted
                "highlights": [*highlights, {"start": 3, "end": 8}, {"start": 40, "end": 999}],
            }
        ],
        "facets": {"region": {"Sachsen": 3, "Bayern": 1}, "lang": {"de": 3, "en": 2}},
        "query_regions": ["Sachsen"],
        "took_ms": 4.2,
    }


def _serve_contract(page: Any, servers: Servers, seen: list[str]) -> None:
    spec = api_get(servers.api, "/openapi.json")
    spec["paths"]["/search"]["get"].setdefault("parameters", []).append(
        {"name": "region", "in": "query", "required": False, "schema": {"type": "string"}}
    )

    def openapi(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(spec))

    def search(route: Any) -> None:
        seen.append(route.request.url)
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(route.request.url).query)["q"][0]
        route.fulfill(
            status=200,
            content_type="application/json",
            headers={"Access-Control-Allow-Origin": "*"},
            body=json.dumps(_contract_response(query)),
        )

    page.route(f"{servers.api}/openapi.json", openapi)
    page.route(f"{servers.api}/search?*", search)


def test_page_renders_highlights_facets_and_the_land_filter(servers: Servers, page: Any) -> None:
    seen: list[str] = []
    _serve_contract(page, servers, seen)
    page.goto(f"{servers.api}/?lang=de")
    page.wait_for_selector("body[data-ready='true']")
    region = page.get_by_label("Land")
    assert region.is_visible()  # the OpenAPI description announces `region`
    page.get_by_role("searchbox").fill("Mikroelektronik in Sachsen")
    page.keyboard.press("Enter")
    result = page.locator("#result-list li").first
    result.wait_for()
    assert result.locator("mark").all_text_contents() == TERMS
    assert result.locator(".passage").text_content() == TEXT  # <b> shown as text
    assert result.locator(".passage b").count() == 0
    meta = result.locator(".meta").text_content()
    assert meta == (
        "Abschnitt: Freistaat Sachsen · Quelle: laender.pdf · Deutsch · Sachsen · S./p. 3 · "
        "Relevanz: 0.83"
    )
    options = page.locator("#f-region option").all_text_contents()
    assert "Sachsen (3)" in options and "Bayern (1)" in options
    assert page.locator("#f-lang option").all_text_contents() == [
        "alle",
        "Deutsch (3)",
        "Englisch (2)",
    ]
    region.select_option("Sachsen")
    page.get_by_role("button", name="Suchen").click()
    page.wait_for_function("() => location.search.includes('region=Sachsen')")
    assert "region=Sachsen" in seen[-1]


def test_widget_sends_its_restrictions_and_renders_highlights(servers: Servers, page: Any) -> None:
    seen: list[str] = []
    _serve_contract(page, servers, seen)
    page.goto(f"{servers.portal}/portal.html")
    page.wait_for_function("() => customElements.get('cluster-search') !== undefined")
    widget = page.locator("cluster-search")
    widget.evaluate("w => { w.setAttribute('region', 'Sachsen'); w.setAttribute('k', '3'); }")
    widget.locator("input").fill("Mikroelektronik")
    widget.locator("input").press("Enter")
    widget.locator("li").first.wait_for()
    assert widget.locator("li mark").all_text_contents() == TERMS
    assert widget.locator("li .passage").first.text_content() == TEXT
    query = urllib.parse.parse_qs(urllib.parse.urlsplit(seen[-1]).query)
    assert query == {"q": ["Mikroelektronik"], "k": ["3"], "lang": ["de"], "region": ["Sachsen"]}


def _fail_search(
    page: Any, servers: Servers, status: int, body: dict[str, str], **headers: str
) -> None:
    def search(route: Any) -> None:
        route.fulfill(
            status=status,
            content_type="application/json",
            headers={
                "Access-Control-Allow-Origin": "*",
                "Access-Control-Expose-Headers": "Retry-After",
                **headers,
            },
            body=json.dumps(body),
        )

    page.route(f"{servers.api}/search?*", search)


def test_page_says_when_to_retry_after_429(servers: Servers, page: Any) -> None:
    detail = {
        "detail": "Too many requests: the limit is 60 per 1 minute per client. Retry in 42 s."
    }
    _fail_search(page, servers, 429, detail, **{"Retry-After": "42"})
    page.goto(f"{servers.api}/?lang=en&q=BioCon")
    status = page.locator("#status.error")
    status.wait_for()
    assert status.text_content() == "Too many requests. Please retry in 42 s."
    assert page.locator("#results").is_hidden()


def test_page_says_a_key_is_needed_after_401(servers: Servers, page: Any) -> None:
    detail = {"detail": "This endpoint needs an API key: send it in the X-API-Key header."}
    _fail_search(page, servers, 401, detail)
    page.goto(f"{servers.api}/?lang=de&q=BioCon")
    status = page.locator("#status.error")
    status.wait_for()
    assert status.text_content() == (
        "Dieser Server verlangt einen API-Schlüssel. "
        "This endpoint needs an API key: send it in the X-API-Key header."
    )


def test_widget_says_when_to_retry_after_429(servers: Servers, page: Any) -> None:
    _fail_search(page, servers, 429, {"detail": "Too many requests."}, **{"Retry-After": "7"})
    page.goto(f"{servers.portal}/portal.html")
    widget = page.locator("cluster-search")
    widget.locator("input").fill("BioCon")
    widget.locator("input").press("Enter")
    status = widget.locator(".status.error")
    status.wait_for()
    assert status.text_content() == "Zu viele Anfragen. Bitte in 7 s erneut versuchen."


def test_passages_are_marked_with_their_language(servers: Servers, page: Any) -> None:
    seen: list[str] = []
    _serve_contract(page, servers, seen)
    page.goto(f"{servers.api}/?lang=en&q=Mikroelektronik")
    page.locator("#result-list li").first.wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("#result-list .passage").first.get_attribute("lang") == "de"
