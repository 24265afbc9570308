"""Small helpers of the browser tests: the API as Python sees it, and page checks."""

from __future__ import annotations

import json
import re
import urllib.request
from typing import Any

__all__ = ["api_get", "capabilities", "csp_violations", "no_horizontal_overflow", "span_of"]


def api_get(base: str, path: str) -> Any:
    with urllib.request.urlopen(f"{base}{path}", timeout=30) as response:
        return json.load(response)


def capabilities(base: str) -> dict[str, bool]:
    """What this build offers: POST /ask and /search's `region` and facets."""
    spec = api_get(base, "/openapi.json")
    paths = spec["paths"]
    params = {p["name"] for p in paths["/search"]["get"].get("parameters", [])}
    search_response = spec["components"]["schemas"].get("SearchResponse", {})
    return {
        "ask": "post" in paths.get("/ask", {}),
        "region": "region" in params,
        "facets": "facets" in search_response.get("properties", {}),
    }


def span_of(href: str) -> tuple[str, int, int]:
    """(document_id, start, end) of a citation link /documents/{id}/view#c=START-END."""
    match = re.search(r"/documents/([^/]+)/view#c=(\d+)-(\d+)$", href)
    assert match, href
    return match.group(1), int(match.group(2)), int(match.group(3))


def csp_violations(console: list[str]) -> list[str]:
    return [line for line in console if "Content Security Policy" in line]


def no_horizontal_overflow(page: Any) -> bool:
    width: int = page.evaluate("() => document.documentElement.scrollWidth")
    return width <= page.viewport_size["width"]
