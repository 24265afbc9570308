"""The one place configuration enters: environment variables `CLUSTERSEARCH_*` (or .env)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from index.chunk import ChunkerConfig
from index.embed import DEFAULT_MODEL, ST_PREFIX

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Service and pipeline settings; every field can be set as CLUSTERSEARCH_<NAME>."""

    model_config = SettingsConfigDict(
        env_prefix="CLUSTERSEARCH_", env_file=".env", extra="ignore", frozen=True
    )

    corpus_dir: Path = Field(Path("corpus"), description="Corpus: manifest.toml + documents/.")
    index_dir: Path = Field(Path(".clustersearch/index"), description="Where the index lives.")
    model: str = Field(
        DEFAULT_MODEL,
        description=f"{DEFAULT_MODEL!r} or '{ST_PREFIX}NAME_OR_PATH' (local, never downloaded).",
    )
    query_prompt: str = Field("", description="Prefix for queries (e5: 'query: ').")
    passage_prompt: str = Field("", description="Prefix for passages (e5: 'passage: ').")
    threads: int = Field(2, ge=1, le=64, description="BLAS threads for the default model.")
    chunk_size: int = Field(600, ge=50, le=8000)
    chunk_overlap: int = Field(80, ge=0)
    default_k: int = Field(5, ge=1)
    max_k: int = Field(50, ge=1, le=1000)
    max_query_chars: int = Field(1000, ge=1)
    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    @field_validator("model")
    @classmethod
    def _known_backend(cls, value: str) -> str:
        named_st_model = value.startswith(ST_PREFIX) and len(value) > len(ST_PREFIX)
        if value != DEFAULT_MODEL and not named_st_model:
            raise ValueError(f"use {DEFAULT_MODEL!r} or '{ST_PREFIX}NAME_OR_PATH', got {value!r}")
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
        return self

    @property
    def chunker(self) -> ChunkerConfig:
        return ChunkerConfig(chunk_size=self.chunk_size, chunk_overlap=self.chunk_overlap)
