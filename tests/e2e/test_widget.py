"""<cluster-search> inside a portal page on another origin, and on /demo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.e2e.conftest import Servers
from tests.e2e.helpers import api_get, csp_violations, no_horizontal_overflow, span_of

QUESTION = "Wie viel Geld hat BioCon Valley pro Jahr?"


def _search_in_widget(page: Any, selector: str, question: str) -> Any:
    widget = page.locator(selector)
    widget.locator("input").fill(question)  # Playwright's CSS locators pierce the shadow root
    widget.locator("input").press("Enter")
    widget.locator("li").first.wait_for()
    return widget


def test_widget_in_a_portal_on_another_origin(
    servers: Servers, page: Any, console: list[str], artifacts: Path
) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(f"{servers.portal}/portal.html")
    page.wait_for_function("() => customElements.get('cluster-search') !== undefined")
    widget = page.locator("cluster-search")
    # Shadow DOM: the portal's document sees none of the widget's elements.
    assert page.evaluate("() => document.querySelectorAll('input, ol').length") == 0
    assert widget.get_by_label("Suche in Dokumenten zur Clusterpolitik").is_visible()
    _search_in_widget(page, "cluster-search", QUESTION)
    items = widget.locator("li")
    api = api_get(servers.api, "/search?q=Wie+viel+Geld+hat+BioCon+Valley+pro+Jahr%3F&lang=de&k=5")
    assert items.count() == len(api["results"])  # lang="de": German passages only
    first_link = items.first.locator("h3 a")
    href = first_link.get_attribute("href")
    assert href.startswith(f"{servers.api}/documents/")
    top = api["results"][0]["citation"]
    assert span_of(href) == (top["document_id"], top["start"], top["end"])
    assert first_link.get_attribute("target") == "_blank"
    assert first_link.get_attribute("rel") == "noopener noreferrer"
    # The search went cross-origin to the API, and the theme came through the custom property.
    assert any(url.startswith(f"{servers.api}/search?") for url in requests)
    accent = widget.locator("button").evaluate("b => getComputedStyle(b).backgroundColor")
    assert accent == "rgb(122, 31, 61)"  # --cs-accent: #7a1f3d set by the portal
    assert widget.locator(".status").text_content() == f"{items.count()} Textstellen gefunden."
    page.screenshot(path=str(artifacts / "widget-portal.png"), full_page=True)
    assert csp_violations(console) == []


def test_widget_on_an_origin_not_allowed_gets_nothing(servers: Servers, page: Any) -> None:
    page.goto(f"{servers.stranger}/portal.html")
    page.wait_for_function("() => customElements.get('cluster-search') !== undefined")
    widget = page.locator("cluster-search")
    widget.locator("input").fill(QUESTION)
    widget.locator("input").press("Enter")
    status = widget.locator(".status")
    status.filter(has_text="nicht erreichbar").wait_for()
    assert status.text_content() == "Der Suchdienst ist nicht erreichbar."
    assert widget.locator("li").count() == 0


def test_demo_page_embeds_working_widgets(
    servers: Servers, page: Any, console: list[str], artifacts: Path
) -> None:
    page.goto(f"{servers.api}/demo")
    page.wait_for_function("() => customElements.get('cluster-search') !== undefined")
    assert page.locator("cluster-search").count() == 2
    widget = _search_in_widget(page, "#demo-all", "optics cluster in Jena")
    assert widget.locator("li").count() == 5
    themed = page.locator("#demo-sachsen button")
    assert themed.evaluate("b => getComputedStyle(b).backgroundColor") == "rgb(35, 96, 79)"
    page.screenshot(path=str(artifacts / "widget-demo.png"), full_page=True)
    # The widget styles itself without inline <style>, so the demo's strict CSP holds.
    assert csp_violations(console) == []


def test_widget_citation_opens_the_document_view(servers: Servers, page: Any) -> None:
    page.goto(f"{servers.portal}/portal.html")
    widget = _search_in_widget(page, "cluster-search", QUESTION)
    link = widget.locator("li h3 a").first
    document_id, start, end = span_of(link.get_attribute("href"))
    with page.context.expect_page() as opened:
        link.click()
    view = opened.value
    view.locator("#doc-text mark").wait_for()
    document = api_get(servers.api, f"/documents/{document_id}")
    assert view.locator("#doc-text mark").text_content() == document["text"][start:end]


def test_widget_fits_a_phone_screen(browser: Any, servers: Servers, artifacts: Path) -> None:
    context = browser.new_context(locale="de-DE", viewport={"width": 375, "height": 740})
    page = context.new_page()
    try:
        page.goto(f"{servers.portal}/portal.html")
        widget = _search_in_widget(page, "cluster-search", QUESTION)
        assert widget.locator("li").count() > 0
        assert no_horizontal_overflow(page)
        box = widget.locator("button").bounding_box()
        assert box["x"] + box["width"] <= 375
        page.screenshot(path=str(artifacts / "widget-phone.png"))
    finally:
        context.close()
