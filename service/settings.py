"""The one place configuration enters: environment variables `CLUSTERSEARCH_*` (or .env).

Fields are grouped by concern: where the data lives, the model, how passages are cut,
search and answers, the server, who may call it and how often, writes, and operation (logs,
metrics, keeping the index up to the corpus).
"""

from __future__ import annotations

import ipaddress
import os
import re
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationInfo, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index import (
    CHECKPOINTS,
    DEFAULT_MODEL,
    E5_MODEL,
    MAX_K,
    MAX_QUERY_CHARS,
    MODEL_SEPARATOR,
    ST_PREFIX,
    AnswerConfig,
    ChunkerConfig,
    MergePolicy,
    model_names,
)

__all__ = ["MIN_KEY_CHARS", "Settings", "available_cores"]

MIN_KEY_CHARS = 16  # API keys must be long enough not to be guessed
_STORAGE_URI = re.compile(r"[a-z][a-z0-9+]*://.*")
_ORIGIN = re.compile(r"https?://([A-Za-z0-9.\-]+|\[[0-9A-Fa-f:.]+\])(:[0-9]{1,5})?")
_CHUNKER = ChunkerConfig()


class Settings(BaseSettings):
    """Service and pipeline settings; every field can be set as CLUSTERSEARCH_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="CLUSTERSEARCH_", env_file=".env", extra="ignore", frozen=True
    )

    # --- data ---------------------------------------------------------------------------
    corpus_dir: Path = Field(Path("corpus"), description="Corpus: manifest.toml + documents/.")
    index_dir: Path = Field(Path(".clustersearch/index"), description="Where the index lives.")

    # --- model --------------------------------------------------------------------------
    model: str = Field(
        DEFAULT_MODEL,
        description=f"{DEFAULT_MODEL!r}, {E5_MODEL!r}, '{ST_PREFIX}NAME_OR_PATH' (local, "
        f"never downloaded), or models joined by '{MODEL_SEPARATOR}' into one "
        f"('{E5_MODEL}{MODEL_SEPARATOR}{DEFAULT_MODEL}': the best ranking measured).",
    )
    bridge_model: str | None = Field(
        DEFAULT_MODEL,
        description="The word bridge's model (same choices as model; empty: the passage "
        "model). USE by default, whatever the passage model: with e5 passages an e5 bridge "
        "ranked worse (seed dev hit@1 0.836 against 0.887; docs/decisions.md) and embeds "
        "about 15 times slower.",
    )
    answer_model: str | None = Field(
        DEFAULT_MODEL,
        description="The answerer's model, for questions and candidate sentences (same "
        "choices as model; empty: the passage model). USE by default: the answer scores "
        "were calibrated on it, and e5 sentence vectors did not tell right answers from "
        "wrong ones better (docs/decisions.md).",
    )
    query_prompt: str = Field("", description="Prefix for queries (e5: 'query: ').")
    passage_prompt: str = Field("", description="Prefix for passages (e5: 'passage: ').")
    threads: int | None = Field(
        None,
        ge=1,
        le=64,
        description="BLAS/OpenMP threads per model call or search; unset: the cores this "
        "process may use divided by request_threads, so threads × requests ≤ cores.",
    )

    # --- passages -----------------------------------------------------------------------
    chunk_size: int = Field(_CHUNKER.chunk_size, ge=50, le=8000)
    chunk_overlap: int = Field(_CHUNKER.chunk_overlap, ge=0)
    merge_factor: int = Field(
        MergePolicy().factor,
        ge=2,
        le=1000,
        description="Index segments of about the same size merged into one once there are "
        "this many (more: cheaper writes, slower searches).",
    )

    # --- search and answers -------------------------------------------------------------
    default_k: int = Field(5, ge=1)
    max_k: int = Field(MAX_K, ge=1, le=1000)
    max_query_chars: int = Field(MAX_QUERY_CHARS, ge=1)
    answer_scorer: Literal["learned", "weighted"] = Field(
        AnswerConfig().scorer,
        description="How /ask scores answer candidates: 'weighted' (the hand-weighted mean "
        "of benchmarks/tune_answer.py) or 'learned' (index/data/answer_model.json).",
    )
    answer_threshold: float | None = Field(
        None,
        ge=0.0,
        le=1.0,
        description="Lowest answer score /ask returns an answer for; unset: the scorer's "
        "own, calibrated on the dev split.",
    )

    # --- server -------------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)
    trusted_proxies: str = Field(
        "",
        description="Comma-separated addresses or networks (10.0.0.0/8) of the reverse proxies "
        "whose X-Forwarded-For names the client; empty: none, the client is the peer.",
    )
    request_threads: int | None = Field(
        None,
        ge=1,
        le=256,
        description="How many /search and /ask requests compute at once (the rest wait their "
        "turn); unset: the cores this process may use divided by threads.",
    )
    max_header_bytes: int = Field(
        16 * 1024,
        ge=1024,
        description="Largest request head (request line and headers) in bytes; 431 above it.",
    )

    # --- who may call, how often, how much ----------------------------------------------
    cors_origins: str = Field(
        "",
        description="Comma-separated origins (scheme://host[:port]) whose pages may call the "
        "API, e.g. portals embedding the widget; empty: no cross-origin access.",
    )
    rate_limit: str = Field(
        "60/minute",
        description="Per-client limit on /search and /ask in `limits` notation "
        "('60/minute', '10/second;1000/day'); empty disables rate limiting.",
    )
    rate_limit_storage: str = Field(
        "memory://", description="Where rate-limit counters live (a `limits` storage URI)."
    )
    max_body_bytes: int = Field(
        64 * 1024, ge=1024, description="Largest request body in bytes (413 above it)."
    )
    read_api_keys: SecretStr = Field(
        SecretStr(""),
        description="Comma-separated read keys; when set, /search and /ask need X-API-Key "
        "and each key has its own rate-limit bucket. Empty: open (default).",
    )
    frame_ancestors: str = Field(
        "'none'", description="CSP frame-ancestors: who may frame the pages ('none', 'self', …)."
    )

    # --- writes (POST/PUT/DELETE /documents) ---------------------------------------------
    api_keys: SecretStr = Field(
        SecretStr(""),
        description="Comma-separated keys (≥ 16 characters) for the write endpoints "
        "(POST/PUT/DELETE /documents, header X-API-Key). Empty: writes are refused (403).",
    )
    max_document_bytes: int = Field(
        20 * 1024 * 1024,
        ge=1,
        description="Largest document file that can be added, in bytes (413 above it).",
    )
    max_document_body_bytes: int = Field(
        25 * 1024 * 1024,
        ge=1024,
        description="Largest request body under /documents (document uploads), in bytes.",
    )
    pause_at: str = Field(
        "",
        description="Test hook: an update stops at this checkpoint (document-written, "
        "manifest-written, index-written) so a test can kill it there. Leave empty.",
    )

    # --- operation: logs, metrics, upkeep ------------------------------------------------
    log_level: Literal["debug", "info", "warning", "error"] = Field(
        "info", description="Lowest level logged (a line per request is 'info')."
    )
    log_format: Literal["json", "text"] = Field(
        "json", description="One JSON object per line, or plain text, on stdout."
    )
    metrics: bool = Field(True, description="Serve Prometheus metrics at /metrics.")
    metrics_api_keys: SecretStr = Field(
        SecretStr(""),
        description="Comma-separated keys; when set, /metrics needs 'Authorization: Bearer "
        "KEY'. Empty: open (bind the service to a private interface, or use metrics_port).",
    )
    metrics_port: int | None = Field(
        None,
        ge=1,
        le=65535,
        description="Serve /metrics on this port of `host` instead of the API's port.",
    )
    watch_interval: float = Field(
        2.0,
        ge=0.0,
        description="Seconds between checks that the index reflects the committed corpus "
        "(an interrupted update, a manifest changed by hand); 0 turns the checks off.",
    )

    @field_validator("model", "bridge_model", "answer_model")
    @classmethod
    def _known_backend(cls, value: str | None, info: ValidationInfo) -> str | None:
        if value is None or (value == "" and info.field_name != "model"):
            return None  # the bridge or the answerer shares the passage model
        parts = model_names(value)
        for part in parts:
            named_st_model = part.startswith(ST_PREFIX) and len(part) > len(ST_PREFIX)
            if part not in (DEFAULT_MODEL, E5_MODEL) and not named_st_model:
                raise ValueError(
                    f"use {DEFAULT_MODEL!r}, {E5_MODEL!r}, '{ST_PREFIX}NAME_OR_PATH' or two of "
                    f"them joined by '{MODEL_SEPARATOR}', got {value!r}"
                )
        if len(set(parts)) != len(parts):
            raise ValueError(f"{value!r} names a model twice")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.chunk_overlap >= self.chunk_size:
            raise ValueError(
                f"chunk_overlap ({self.chunk_overlap}) must be smaller than chunk_size "
                f"({self.chunk_size})"
            )
        if self.default_k > self.max_k:
            raise ValueError(f"default_k ({self.default_k}) must not exceed max_k ({self.max_k})")
        if self.metrics_port == self.port:
            raise ValueError(
                f"metrics_port ({self.metrics_port}) must differ from port; leave it unset to "
                "serve /metrics on the API's port"
            )
        return self

    @field_validator("cors_origins")
    @classmethod
    def _origins(cls, value: str) -> str:
        for origin in _split(value):
            if origin != "*" and not _ORIGIN.fullmatch(origin):
                raise ValueError(
                    f"cors_origins: {origin!r} is not an origin; write scheme://host[:port] "
                    "without a path, e.g. https://portal.example.org"
                )
        return value

    @field_validator("rate_limit")
    @classmethod
    def _rate_limit(cls, value: str) -> str:
        if value.strip():
            from limits import parse_many

            try:
                parse_many(value)
            except ValueError as exc:
                raise ValueError(
                    f"rate_limit {value!r} is not understood; write e.g. '60/minute' or "
                    "'10/second;1000/day'"
                ) from exc
        return value

    @field_validator("rate_limit_storage")
    @classmethod
    def _rate_limit_storage(cls, value: str) -> str:
        # The scheme itself (memory, redis, memcached, …) is checked by `limits` at start-up.
        if not _STORAGE_URI.fullmatch(value) or value.startswith("async+"):
            raise ValueError(
                f"rate_limit_storage {value!r} is not a limits storage URI; use memory:// or "
                "e.g. redis://host:6379"
            )
        return value

    @field_validator("trusted_proxies")
    @classmethod
    def _trusted_proxies(cls, value: str) -> str:
        for item in _split(value):
            try:
                ipaddress.ip_network(item, strict=False)
            except ValueError:
                raise ValueError(
                    f"trusted_proxies: {item!r} is not an IP address or network; name each "
                    "proxy, e.g. 10.0.0.5 or 10.0.0.0/24 (there is no wildcard)"
                ) from None
        return value

    @field_validator("read_api_keys", "api_keys", "metrics_api_keys")
    @classmethod
    def _long_keys(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        short = [k for k in _split(value.get_secret_value()) if len(k) < MIN_KEY_CHARS]
        if short:
            raise ValueError(
                f"{info.field_name}: every key needs at least {MIN_KEY_CHARS} characters "
                f"({len(short)} too short); generate one with "
                "python -c 'import secrets; print(secrets.token_urlsafe(24))'"
            )
        return value

    @field_validator("pause_at")
    @classmethod
    def _pause_at(cls, value: str) -> str:
        if value and value not in CHECKPOINTS:
            raise ValueError(f"pause_at must be empty or one of {', '.join(CHECKPOINTS)}")
        return value

    @property
    def chunker(self) -> ChunkerConfig:
        return ChunkerConfig(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)

    @property
    def merge_policy(self) -> MergePolicy:
        return MergePolicy(factor=self.merge_factor)

    @property
    def model_threads(self) -> int:
        """Threads per model call and search while serving: `threads`, else the cores left
        to each of the requests computing at once (at least 1)."""
        if self.threads is not None:
            return self.threads
        return max(1, available_cores() // (self.request_threads or available_cores()))

    @property
    def request_concurrency(self) -> int:
        """Requests computing at once: `request_threads`, else the cores divided by
        `threads` (at least 1); with neither set, one request per core, one thread each."""
        if self.request_threads is not None:
            return self.request_threads
        return max(1, available_cores() // (self.threads or 1))

    @property
    def build_threads(self) -> int:
        """Threads per model call for a one-off command (build, add): `threads`, else all
        the cores (it is the only request)."""
        return self.threads or available_cores()

    @property
    def cors_origin_list(self) -> tuple[str, ...]:
        return _split(self.cors_origins)

    @property
    def read_api_key_list(self) -> tuple[str, ...]:
        return _split(self.read_api_keys.get_secret_value())

    @property
    def api_key_list(self) -> tuple[str, ...]:
        return _split(self.api_keys.get_secret_value())

    @property
    def metrics_api_key_list(self) -> tuple[str, ...]:
        return _split(self.metrics_api_keys.get_secret_value())

    @property
    def trusted_proxy_list(self) -> tuple[str, ...]:
        return _split(self.trusted_proxies)


def available_cores() -> int:
    """The CPU cores this process may run on (its affinity mask where the OS has one)."""
    affinity = getattr(os, "sched_getaffinity", None)
    if affinity is not None:
        return max(1, len(affinity(0)))
    return max(1, os.cpu_count() or 1)


def _split(value: str) -> tuple[str, ...]:
    """A comma-separated setting → its non-empty, stripped items."""
    return tuple(item.strip() for item in value.split(",") if item.strip())
