"""The languages the product knows: those a document may be written in, which language
detection chooses among (`extract.detect_language`) and `lang` filters may name."""

from __future__ import annotations

from index.documents.extract import _DETECTABLE

__all__ = ["LANGUAGES"]

LANGUAGES: tuple[str, ...] = _DETECTABLE
