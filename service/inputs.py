"""The text fields of requests, checked at the API edge.

JSON can carry what no document or query holds: a lone UTF-16 surrogate (`"\\ud800"`), which
cannot be encoded, and control characters. Every text field refuses them with 422 and says
where; the text of a document is the exception: like a file's, its control characters are
removed by extraction, so only surrogates are refused there. `lang` and `language` must be
a language the product knows (`index.LANGUAGES`). The limits of `q` and `k` appear in the
OpenAPI schema; the searcher enforces them with its own messages.
"""

from __future__ import annotations

import unicodedata
from typing import Annotated

from pydantic import AfterValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from index import LANGUAGES, MAX_K, MAX_QUERY_CHARS

__all__ = [
    "DocumentText",
    "K",
    "Language",
    "QueryText",
    "Text",
    "check_text",
    "known_language",
]

_ALLOWED_CONTROLS = frozenset("\t\n\r")


def check_text(value: str, *, controls: bool = False) -> str:
    """`value` unless it holds a lone surrogate or (unless `controls`) a control character;
    the error names the first one and where it is."""
    for position, char in enumerate(value):
        category = unicodedata.category(char)
        if category == "Cs":
            raise PydanticCustomError(
                "text_surrogate",
                "contains a lone surrogate (U+{code}) at character {position}; send valid "
                "Unicode text (UTF-8 without unpaired surrogates)",
                {"code": f"{ord(char):04X}", "position": position},
            )
        if category == "Cc" and not controls and char not in _ALLOWED_CONTROLS:
            raise PydanticCustomError(
                "text_control",
                "contains the control character U+{code} at character {position}; remove it",
                {"code": f"{ord(char):04X}", "position": position},
            )
    return value


def _check_document_text(value: str) -> str:
    return check_text(value, controls=True)


def known_language(value: str) -> str:
    """`value` if it is a language code of `index.LANGUAGES`."""
    check_text(value)
    if value not in LANGUAGES:
        raise PydanticCustomError(
            "unknown_language",
            "'{value}' is not a language the service knows; use one of {known}",
            {"value": value[:20], "known": ", ".join(LANGUAGES)},
        )
    return value


Text = Annotated[str, AfterValidator(check_text)]
DocumentText = Annotated[str, AfterValidator(_check_document_text)]
QueryText = Annotated[
    str,
    AfterValidator(check_text),
    WithJsonSchema(
        {"type": "string", "minLength": 1, "maxLength": MAX_QUERY_CHARS, "pattern": r"\S"}
    ),
]
Language = Annotated[
    str, AfterValidator(known_language), WithJsonSchema({"type": "string", "enum": list(LANGUAGES)})
]
K = Annotated[int, WithJsonSchema({"type": "integer", "minimum": 1, "maximum": MAX_K})]
