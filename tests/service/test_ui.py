from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from index.config import ChunkerConfig
from index.embedding.base import Embedder
from index.ingest.build import build_index
from index.retrieval.searcher import Searcher
from index.storage.snapshot import load_index
from service.engine import Engine
from service.main import create_app
from service.routers.ui import STATIC_DIR, pick_language
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.e2e.corpus import (
    INJECTION_DOC_ID,
    INJECTION_QUERY,
    INJECTION_TEXT,
    INJECTION_TITLE,
    write_injection_corpus,
)

PAGES = ["/", "/demo", "/documents/000_845843b92d703299/view"]


class _Page(HTMLParser):
    """What a page references and whether anything could run inline."""

    def __init__(self) -> None:
        super().__init__()
        self.scripts: list[str] = []
        self.inline_script = False
        self.in_script = False
        self.stylesheets: list[str] = []
        self.inline_style = False
        self.handlers: list[str] = []
        self.style_attrs: list[str] = []
        self.controls: list[dict[str, str | None]] = []
        self.label_for: set[str] = set()
        self.label_depth = 0
        self.i18n_keys: set[str] = set()
        self.html_lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.handlers += [name for name in a if name.startswith("on")]
        if "style" in a:
            self.style_attrs.append(tag)
        for name in ("data-i18n", "data-i18n-placeholder", "data-i18n-label"):
            if a.get(name):
                self.i18n_keys.add(str(a[name]))
        if tag == "html":
            self.html_lang = a.get("lang")
        elif tag == "script":
            self.in_script = True
            if a.get("src"):
                self.scripts.append(str(a["src"]))
        elif tag == "style":
            self.inline_style = True
        elif tag == "link" and a.get("rel") == "stylesheet":
            self.stylesheets.append(str(a["href"]))
        elif tag == "label":
            self.label_depth += 1
            if a.get("for"):
                self.label_for.add(str(a["for"]))
        elif tag in ("input", "select", "textarea"):
            self.controls.append({**a, "in_label": "yes" if self.label_depth else None})

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self.in_script = False
        elif tag == "label":
            self.label_depth -= 1

    def handle_data(self, data: str) -> None:
        if self.in_script and data.strip():
            self.inline_script = True


def _parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    return page


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("de-DE,de;q=0.9,en;q=0.8", "de"),
        ("en-US,en;q=0.9,de;q=0.8", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr;q=1, de;q=0.5, en;q=0.4", "de"),
        ("en;q=0.5, de;q=0.9", "de"),
        ("de, en", "de"),
        ("*", "en"),
        ("de;q=abc, en;q=0.1", "en"),
        ("", "en"),
        (None, "en"),
    ],
)
def test_pick_language(header: str | None, expected: str) -> None:
    assert pick_language(header) == expected


@pytest.mark.parametrize("path", PAGES)
def test_page_language_follows_accept_language(client: TestClient, path: str) -> None:
    german = client.get(path, headers={"Accept-Language": "de-DE,de;q=0.9"})
    assert german.status_code == 200
    assert german.headers["content-type"] == "text/html; charset=utf-8"
    assert german.headers["vary"] == "Accept-Language, Origin"  # Origin: from CORS
    assert _parse(german.text).html_lang == "de"
    english = client.get(path, headers={"Accept-Language": "en-GB"})
    assert _parse(english.text).html_lang == "en"
    assert "{{lang}}" not in english.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_run_no_inline_code_and_load_only_own_assets(client: TestClient, path: str) -> None:
    page = _parse(client.get(path).text)
    assert not page.inline_script
    assert not page.inline_style
    assert page.handlers == []
    assert page.style_attrs == []
    assert page.scripts, "a page without its script does nothing"
    for url in page.scripts + page.stylesheets:
        assert url.startswith("/") and not url.startswith("//"), url
        asset = client.get(url)
        assert asset.status_code == 200, url
        expected = "text/javascript" if url.endswith(".js") else "text/css"
        assert asset.headers["content-type"] == f"{expected}; charset=utf-8"


def test_search_page_controls_are_labelled(client: TestClient) -> None:
    page = _parse(client.get("/").text)
    names = {str(c.get("id") or c.get("name")) for c in page.controls}
    assert {"q", "f-lang", "f-region", "mode-answer"} <= names
    for control in page.controls:
        labelled = control.get("id") in page.label_for or control["in_label"] == "yes"
        assert labelled, control


def _dictionary_keys(source: str, lang: str) -> set[str]:
    match = re.search(rf"\n  {lang}: \{{\n(.*?)\n  \}},", source, re.S)
    assert match, lang
    return set(re.findall(r"^    (\w+):", match.group(1), re.M))


def test_every_text_exists_in_german_and_english(client: TestClient) -> None:
    source = (STATIC_DIR / "i18n.js").read_text(encoding="utf-8")
    german, english = _dictionary_keys(source, "de"), _dictionary_keys(source, "en")
    assert german == english
    assert len(german) > 30
    used: set[str] = set()
    for path in ("/", "/documents/x/view"):
        used |= _parse(client.get(path).text).i18n_keys
    scripts = "".join((STATIC_DIR / n).read_text(encoding="utf-8") for n in ("app.js", "doc.js"))
    used |= set(re.findall(r'\bt\("(\w+)"', scripts))
    assert used - german == set()


@pytest.mark.parametrize("name", ["app.js", "doc.js", "i18n.js", "widget.js"])
def test_scripts_never_parse_strings_as_html(name: str) -> None:
    source = (STATIC_DIR / name).read_text(encoding="utf-8")
    for sink in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert sink not in source, f"{name} uses {sink}"
    assert "new Function" not in source


def test_widget_is_served_for_other_origins(client: TestClient) -> None:
    response = client.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["cross-origin-resource-policy"] == "cross-origin"
    assert 'customElements.define("cluster-search"' in response.text
    assert "attachShadow" in response.text


def test_demo_embeds_the_widget(client: TestClient) -> None:
    html = client.get("/demo").text
    page = _parse(html)
    assert page.scripts == ["/widget.js"]
    assert html.count("<cluster-search") == 2
    assert 'region="Sachsen"' in html


@pytest.mark.parametrize(
    "name", ["../settings.py", "..%2Fsettings.py", "index.html", "widget.js", "nope.css"]
)
def test_static_serves_only_its_allowlist(client: TestClient, name: str) -> None:
    response = client.get(f"/static/{name}")
    assert response.status_code == 404


def test_ui_routes_stay_out_of_the_api_description(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert not {"/", "/demo", "/widget.js", "/static/{name}"} & set(paths)
    assert "/documents/{document_id}/view" not in paths


# --- escaping: a hostile document and a hostile query ---------------------------------------


@pytest.fixture(scope="module")
def injection_client(
    tmp_path_factory: pytest.TempPathFactory, embedder: Embedder
) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("injection")
    corpus = write_injection_corpus(SEED_CORPUS, root / "corpus")
    build_index(corpus, root / "index", embedder, ChunkerConfig())
    settings = Settings(corpus_dir=corpus, index_dir=root / "index", rate_limit="")
    app = create_app(settings)
    app.state.engine = Engine(settings, embedder, Searcher(load_index(root / "index"), embedder))
    yield TestClient(app)


def test_hostile_document_comes_back_verbatim_as_json_only(injection_client: TestClient) -> None:
    response = injection_client.get(f"/documents/{INJECTION_DOC_ID}")
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-content-type-options"] == "nosniff"
    body = response.json()
    assert (body["title"], body["text"]) == (INJECTION_TITLE, INJECTION_TEXT)
    # The view page is static: the document's markup never enters its HTML.
    view = injection_client.get(f"/documents/{INJECTION_DOC_ID}/view")
    assert "__csPwned" not in view.text
    assert not _parse(view.text).inline_script


def test_hostile_query_is_echoed_only_as_json(injection_client: TestClient) -> None:
    response = injection_client.get("/search", params={"q": INJECTION_QUERY, "k": 3})
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert body["query"] == INJECTION_QUERY
    assert body["results"][0]["citation"]["document_id"] == INJECTION_DOC_ID
    page = injection_client.get("/", params={"q": INJECTION_QUERY})
    assert "__csPwned" not in page.text


def test_static_dir_is_package_data() -> None:
    assert Path(__file__).resolve().parents[2] / "service" / "static" == STATIC_DIR
    names = {p.name for p in STATIC_DIR.iterdir()}
    assert {"index.html", "doc.html", "demo.html", "app.js", "doc.js", "i18n.js"} <= names
    assert {"widget.js", "app.css", "demo.css"} <= names
