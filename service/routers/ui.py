"""The browser side: the search page (/), the document view, the widget (/widget.js), /demo.

Pages are static files from service/static/ with no inline script (the CSP forbids it); the
only server-side touch is the page language chosen from Accept-Language. Everything from the
corpus or the query is rendered in the browser through DOM text nodes.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Header, HTTPException
from fastapi.responses import HTMLResponse, Response

__all__ = ["STATIC_DIR", "UI_LANGUAGES", "pick_language", "router"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
UI_LANGUAGES = ("de", "en")
_DEFAULT_LANGUAGE = "en"
# The files /static/{name} serves (an allowlist: nothing else under the directory is reachable).
_ASSETS = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "doc.js": "text/javascript; charset=utf-8",
    "i18n.js": "text/javascript; charset=utf-8",
    "demo.css": "text/css; charset=utf-8",
    "icon.svg": "image/svg+xml",
}
_LANG_RANGE = re.compile(
    r"\s*([A-Za-z]{1,8})(?:-[A-Za-z0-9]{1,8})*\s*(?:;\s*q\s*=\s*([0-9.]+))?\s*"
)
_CACHE = "public, max-age=300"

_AcceptLanguage = Annotated[str | None, Header()]

router = APIRouter(tags=["ui"], include_in_schema=False)


def pick_language(accept_language: str | None) -> str:
    """The UI language ('de' or 'en') the Accept-Language header prefers; 'en' otherwise."""
    best, best_q = _DEFAULT_LANGUAGE, 0.0
    for position, part in enumerate((accept_language or "").split(",")[:20]):
        match = _LANG_RANGE.fullmatch(part)
        if match is None:
            continue
        language = match.group(1).lower()
        try:
            quality = float(match.group(2)) if match.group(2) else 1.0
        except ValueError:
            continue
        # Earlier entries win ties, as the header lists preferences in order.
        quality -= position * 1e-6
        if language in UI_LANGUAGES and quality > best_q:
            best, best_q = language, quality
    return best


@cache
def _read(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def _page(name: str, accept_language: str | None) -> HTMLResponse:
    html = _read(name).replace("{{lang}}", pick_language(accept_language))
    return HTMLResponse(html, headers={"Vary": "Accept-Language", "Cache-Control": "no-cache"})


@router.get("/", response_class=HTMLResponse)
def search_page(accept_language: _AcceptLanguage = None) -> HTMLResponse:
    return _page("index.html", accept_language)


@router.get("/documents/{document_id}/view", response_class=HTMLResponse)
def document_view(document_id: str, accept_language: _AcceptLanguage = None) -> HTMLResponse:
    # The page loads the document itself (GET /documents/{id}) and says so when it is missing.
    return _page("doc.html", accept_language)


@router.get("/demo", response_class=HTMLResponse)
def demo_page(accept_language: _AcceptLanguage = None) -> HTMLResponse:
    return _page("demo.html", accept_language)


@router.get("/widget.js")
def widget() -> Response:
    return Response(
        _read("widget.js"),
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": _CACHE, "Cross-Origin-Resource-Policy": "cross-origin"},
    )


@router.get("/static/{name}")
def asset(name: str) -> Response:
    media_type = _ASSETS.get(name)
    if media_type is None:
        raise HTTPException(status_code=404, detail=f"No asset {name!r}.")
    return Response(_read(name), media_type=media_type, headers={"Cache-Control": _CACHE})
