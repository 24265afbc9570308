from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from index.config import ChunkerConfig
from service.settings import Settings, available_cores


def test_defaults(clean_env: None) -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.model == "use-multilingual-v3"
    assert s.bridge_model == "use-multilingual-v3"  # USE, whatever the passage model
    assert s.answer_model == "use-multilingual-v3"
    assert s.index_dir == Path(".clustersearch/index")
    assert s.corpus_dir == Path("corpus")
    assert (s.default_k, s.max_k, s.max_query_chars) == (5, 50, 1000)
    assert s.chunker == ChunkerConfig(chunk_size=600, chunk_overlap=80)


def test_environment_prefix(clean_env: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLUSTERSEARCH_INDEX_DIR", "/tmp/elsewhere")
    monkeypatch.setenv("CLUSTERSEARCH_MODEL", "sentence-transformers:all-MiniLM-L6-v2")
    monkeypatch.setenv("CLUSTERSEARCH_CHUNK_SIZE", "400")
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.index_dir == Path("/tmp/elsewhere")
    assert s.model == "sentence-transformers:all-MiniLM-L6-v2"
    assert s.chunker.chunk_size == 400


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (
            {"model": "bert"},
            "use 'use-multilingual-v3', 'multilingual-e5-small', "
            "'sentence-transformers:NAME_OR_PATH' or two of them joined by '\\+'",
        ),
        ({"model": "use-multilingual-v3+bert"}, "got 'use-multilingual-v3\\+bert'"),
        ({"model": "use-multilingual-v3+use-multilingual-v3"}, "names a model twice"),
        ({"answer_model": "bert"}, "answer_model\n.*got 'bert'"),
        ({"bridge_model": "bert"}, "bridge_model\n.*got 'bert'"),
        ({"model": "sentence-transformers:"}, "sentence-transformers:NAME_OR_PATH"),
        ({"chunk_size": 100, "chunk_overlap": 100}, "must be smaller than chunk_size"),
        ({"default_k": 60}, "must not exceed max_k"),
        ({"port": 0}, "greater than or equal to 1"),
    ],
)
def test_invalid_settings(clean_env: None, kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **kwargs)  # type: ignore[call-arg]


# The /ask scorer and no-answer threshold
def test_answer_threshold_default_and_bounds(clean_env: None) -> None:
    # unset: the scorer's own calibrated threshold (index.answer.answer_threshold)
    assert Settings().answer_threshold is None
    assert Settings().answer_scorer == "weighted"
    assert Settings(answer_scorer="learned").answer_scorer == "learned"
    with pytest.raises(ValidationError, match="answer_scorer"):
        Settings(answer_scorer="neural")  # type: ignore[arg-type]
    assert Settings(answer_threshold=0.7).answer_threshold == 0.7
    for bad in (-0.1, 1.5):
        with pytest.raises(ValidationError, match="answer_threshold"):
            Settings(answer_threshold=bad)


def test_operation_defaults(clean_env: None) -> None:
    s = Settings(_env_file=None)  # type: ignore[call-arg]
    assert s.trusted_proxy_list == ()
    assert (s.log_level, s.log_format) == ("info", "json")
    assert (s.metrics, s.metrics_api_key_list, s.metrics_port) == (True, (), None)
    assert (s.watch_interval, s.max_header_bytes) == (2.0, 16384)


def test_trusted_proxies_are_addresses_or_networks(clean_env: None) -> None:
    s = Settings(trusted_proxies=" 10.0.0.5, 10.1.0.0/16 ,::1, ")
    assert s.trusted_proxy_list == ("10.0.0.5", "10.1.0.0/16", "::1")
    for bad in ("*", "proxy.example.org", "10.0.0.300"):
        with pytest.raises(ValidationError, match=f"trusted_proxies: '{re.escape(bad)}' is not"):
            Settings(trusted_proxies=bad)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"log_level": "verbose"}, "log_level"),
        ({"log_format": "xml"}, "log_format"),
        ({"metrics_api_keys": "short"}, "metrics_api_keys: every key needs at least 16"),
        ({"watch_interval": -1}, "watch_interval"),
        ({"max_header_bytes": 100}, "max_header_bytes"),
    ],
)
def test_invalid_operation_settings(
    clean_env: None, kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValidationError, match=message):
        Settings(_env_file=None, **kwargs)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("cores", "given", "model_threads", "requests", "build_threads"),
    [
        (2, {}, 1, 2, 2),  # one request per core, one thread each
        (8, {}, 1, 8, 8),
        (1, {}, 1, 1, 1),
        (8, {"threads": 2}, 2, 4, 2),  # threads × requests ≤ cores
        (2, {"threads": 4}, 4, 1, 4),  # an explicit value wins, at least one request
        (8, {"request_threads": 3}, 2, 3, 8),
        (2, {"request_threads": 8}, 1, 8, 2),
        (8, {"threads": 3, "request_threads": 5}, 3, 5, 3),  # both given: both win
    ],
)
def test_threads_derived_from_the_cores(
    clean_env: None,
    monkeypatch: pytest.MonkeyPatch,
    cores: int,
    given: dict[str, int],
    model_threads: int,
    requests: int,
    build_threads: int,
) -> None:
    monkeypatch.setattr("service.settings.available_cores", lambda: cores)
    s = Settings(_env_file=None, **given)  # type: ignore[call-arg, arg-type]
    assert (s.model_threads, s.request_concurrency, s.build_threads) == (
        model_threads,
        requests,
        build_threads,
    )


def test_available_cores_is_the_affinity_mask(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("os.sched_getaffinity", lambda pid: {0, 3, 5}, raising=False)
    assert available_cores() == 3
    monkeypatch.delattr("os.sched_getaffinity", raising=False)
    monkeypatch.setattr("os.cpu_count", lambda: None)
    assert available_cores() == 1
