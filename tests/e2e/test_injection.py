"""Markup in a document and in a query is shown as text and never runs."""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Servers
from tests.e2e.corpus import INJECTION_DOC_ID, INJECTION_QUERY, INJECTION_TITLE
from tests.e2e.helpers import api_get, csp_violations

PWNED = "() => window.__csPwned === undefined"


def _no_injected_elements(page: Any, root: str) -> None:
    count = page.evaluate(
        f"() => document.querySelectorAll('{root} script, {root} img, {root} [onerror]').length"
    )
    assert count == 0


def test_hostile_query_and_document_on_the_page(
    servers: Servers, page: Any, console: list[str], artifacts: Path
) -> None:
    page.goto(f"{servers.api}/?lang=en&q={urllib.parse.quote(INJECTION_QUERY)}")
    page.locator("#result-list li").first.wait_for()
    assert page.evaluate(PWNED)
    assert page.get_by_role("searchbox").input_value() == INJECTION_QUERY
    first = page.locator("#result-list li").first
    assert first.locator("h3 a").text_content() == INJECTION_TITLE  # literal, not markup
    assert "<script>" in first.locator(".passage").text_content()
    assert "<img" in first.locator(".meta").text_content()  # the source, as text
    _no_injected_elements(page, "#results")
    page.screenshot(path=str(artifacts / "injection-page.png"), full_page=True)
    first.locator("h3 a").click()
    page.locator("#doc-text mark").wait_for()
    assert page.evaluate(PWNED)
    assert page.locator("#doc-title").text_content() == INJECTION_TITLE
    document = api_get(servers.api, f"/documents/{INJECTION_DOC_ID}")
    assert page.locator("#doc-text").text_content() == document["text"]
    _no_injected_elements(page, "main")
    assert page.title() == f"{INJECTION_TITLE} – ClusterSearch"
    assert csp_violations(console) == []


def test_hostile_query_and_document_in_the_widget(servers: Servers, page: Any) -> None:
    page.goto(f"{servers.portal}/portal.html")
    widget = page.locator("cluster-search")
    widget.locator("input").fill(INJECTION_QUERY)
    widget.locator("input").press("Enter")
    widget.locator("li").first.wait_for()
    assert page.evaluate(PWNED)
    assert widget.locator("li h3 a").first.text_content() == INJECTION_TITLE
    count = widget.evaluate(
        "w => w.shadowRoot.querySelectorAll('li script, li img, li [onerror]').length"
    )
    assert count == 0


def test_inline_script_is_refused_by_the_csp_even_if_injected(servers: Servers, page: Any) -> None:
    # Defence in depth: were markup ever inserted, the CSP would still stop it.
    page.goto(f"{servers.api}/?lang=en")
    page.wait_for_selector("body[data-ready='true']")
    page.evaluate(
        "() => { const d = document.createElement('div');"
        " d.innerHTML = '<img src=x onerror=\"window.__csPwned = 1\">';"
        " document.body.append(d); }"
    )
    page.wait_for_timeout(300)
    assert page.evaluate(PWNED)
