"""The OpenAPI contract: complete (every reference resolves, every status documented, the
limits as constraints), and kept — schema fuzzing of every operation against the ASGI app,
in-process and offline, with a fixed seed and a bounded number of examples."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.generation import GenerationMode
from starlette.types import Receive, Scope, Send

from index import MAX_K, MAX_QUERY_CHARS
from index.embedding.base import Embedder
from service.engine import Engine
from service.main import create_app
from service.settings import Settings
from tests.conftest import SEED_CORPUS
from tests.ingest_samples import copy_tree

KEY = "contract-0123456789abcdef"
EXAMPLES = 25  # per operation; a fixed seed (derandomize) keeps the run the same every time
# What "no schema violation" means here: no 5xx, and every response's status, media type,
# headers, body and Allow header as documented. (Schemathesis's positive/negative data
# checks are left out: the schema cannot say which Land names or document ids exist, so a
# valid-looking region is rightly refused with 422 and a random id is 404.)
CHECKS = [
    schemathesis.checks.not_a_server_error,
    schemathesis.checks.status_code_conformance,
    schemathesis.checks.content_type_conformance,
    schemathesis.checks.response_schema_conformance,
    schemathesis.checks.response_headers_conformance,
    schemathesis.checks.allow_header_conformance,
]


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from _refs(item)


@pytest.fixture(scope="module")
def spec(seed_index_dir: Path) -> dict[str, Any]:
    settings = Settings(corpus_dir=SEED_CORPUS, index_dir=seed_index_dir)
    return TestClient(create_app(settings)).get("/openapi.json").json()


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    schemas = spec["components"]["schemas"]
    refs = set(_refs(spec))
    assert "#/components/schemas/DocumentIn" in refs
    assert {ref.rsplit("/", 1)[1] for ref in refs} <= set(schemas)
    assert "HTTPValidationError" not in schemas  # errors are {"detail": "…"}, documented so
    assert schemas["DocumentIn"]["properties"]["language"]["anyOf"][0]["enum"][:2] == ["de", "en"]


def test_every_status_a_route_can_return_is_documented(spec: dict[str, Any]) -> None:
    def statuses(path: str, method: str) -> set[str]:
        return set(spec["paths"][path][method]["responses"])

    common = {"400", "413", "422"}
    assert statuses("/search", "get") == {"200", "401", "404", "429", "503"} | common
    assert statuses("/ask", "post") == {"200", "401", "429", "503"} | common
    assert statuses("/documents", "post") == {
        "200", "201", "401", "403", "404", "409", "415",
    } | common  # fmt: skip
    assert statuses("/documents/{document_id}", "delete") == {
        "200", "401", "403", "404", "409", "415",
    } | common  # fmt: skip
    assert statuses("/health", "get") == {"200", "503", "400", "413"}
    assert statuses("/health/ready", "get") == {"200", "503", "400", "413"}
    retry = spec["paths"]["/search"]["post"]["responses"]["429"]["headers"]["Retry-After"]
    assert retry["schema"] == {"type": "integer"}


def test_limits_are_schema_constraints(spec: dict[str, Any]) -> None:
    params = {p["name"]: p["schema"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert params["q"] == {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_QUERY_CHARS,
        "pattern": r"\S",
        "title": "Q",
    }
    assert params["k"]["anyOf"][0] == {"type": "integer", "minimum": 1, "maximum": MAX_K}
    ask = spec["components"]["schemas"]["AskRequest"]["properties"]
    assert ask["question"]["maxLength"] == MAX_QUERY_CHARS
    assert ask["k"]["anyOf"][0]["maximum"] == MAX_K


def test_configured_limits_replace_the_defaults(seed_index_dir: Path) -> None:
    settings = Settings(
        corpus_dir=SEED_CORPUS, index_dir=seed_index_dir, max_k=20, max_query_chars=300
    )
    spec = TestClient(create_app(settings)).get("/openapi.json").json()
    params = {p["name"]: p["schema"] for p in spec["paths"]["/search"]["get"]["parameters"]}
    assert (params["q"]["maxLength"], params["k"]["anyOf"][0]["maximum"]) == (300, 20)
    search = spec["components"]["schemas"]["SearchRequest"]["properties"]
    assert (search["q"]["maxLength"], search["k"]["anyOf"][0]["maximum"]) == (300, 20)


@pytest.fixture(scope="module")
def api_schema(
    tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path, embedder: Embedder
) -> Any:
    """The schema of the app over a copy of the seed index, writes allowed with KEY (sent
    with every request, so uploads get past the key check to the document checks). The app
    is warm before fuzzing."""
    root = tmp_path_factory.mktemp("contract")
    settings = Settings(
        corpus_dir=copy_tree(SEED_CORPUS, root / "corpus"),
        index_dir=copy_tree(seed_index_dir, root / "index"),
        rate_limit="",
        api_keys=KEY,
        watch_interval=0,
    )
    app = create_app(settings)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("service.models.load_embedder", lambda *a, **k: embedder)
        app.state.engine = Engine.load(settings)
    assert app.state.engine.warm_up()

    async def served(scope: Scope, receive: Receive, send: Send) -> None:
        # The engine is loaded above: the fuzzer's client must not start (and, after each
        # test, stop) the app's lifespan, which would load it again each time.
        if scope["type"] == "lifespan":
            raise RuntimeError("no lifespan: the engine is loaded by the fixture")
        await app(scope, receive, send)

    return schemathesis.openapi.from_asgi("/openapi.json", served)


OPERATIONS = [
    "GET /search",
    "POST /search",
    "POST /ask",
    "GET /documents",
    "POST /documents",
    "GET /documents/{document_id}",
    "PUT /documents/{document_id}",
    "DELETE /documents/{document_id}",
    "GET /health",
    "GET /health/live",
    "GET /health/ready",
]


def test_the_fuzzed_operations_are_all_there_are(api_schema: Any) -> None:
    assert sorted(r.ok().label for r in api_schema.get_all_operations()) == sorted(OPERATIONS)


@pytest.mark.parametrize("label", OPERATIONS)
def test_fuzzed_requests_get_documented_answers(api_schema: Any, label: str) -> None:
    method, path = label.split(" ")
    operation = api_schema[path][method]
    # Valid requests by the schema, and invalid ones (each must be refused with a 4xx).
    cases = st.one_of(
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
    )

    @given(case=cases)
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def call(case: Any) -> None:
        case.call_and_validate(headers={"X-API-Key": KEY}, checks=CHECKS, timeout=60)

    call()
