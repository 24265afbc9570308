"""Logs on stdout: one line per record, a JSON object or plain text (`Settings.log_format`).

Every logger under `clustersearch` (the request log `clustersearch.request`, the engine's,
the error handlers') writes here; a record's `fields` (passed as `extra={"fields": {...}}`)
become keys of the JSON object, or `key=value` pairs of the text line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from service.settings import Settings

__all__ = ["JsonFormatter", "TextFormatter", "configure_logging"]

ROOT = "clustersearch"


class JsonFormatter(logging.Formatter):
    """`{"time", "level", "logger", "message", …fields}`, one object per line."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": _time(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    """`TIME LEVEL LOGGER message key=value …`."""

    def format(self, record: logging.LogRecord) -> str:
        fields = getattr(record, "fields", {})
        pairs = " ".join(f"{k}={v}" for k, v in fields.items())
        line = f"{_time(record)} {record.levelname} {record.name} {record.getMessage()}"
        line = f"{line} {pairs}" if pairs else line
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


class _StdoutHandler(logging.Handler):
    """Writes to whatever `sys.stdout` is when a record is emitted (test runners swap it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
            sys.stdout.flush()
        except Exception:
            self.handleError(record)


def configure_logging(settings: Settings) -> None:
    """Route the `clustersearch` loggers to stdout in the configured format and level."""
    logger = logging.getLogger(ROOT)
    for handler in list(logger.handlers):
        if isinstance(handler, _StdoutHandler):
            logger.removeHandler(handler)
    handler = _StdoutHandler()
    handler.setFormatter(JsonFormatter() if settings.log_format == "json" else TextFormatter())
    logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())


def _time(record: logging.LogRecord) -> str:
    stamp = datetime.fromtimestamp(record.created, tz=UTC)
    return stamp.isoformat(timespec="milliseconds").replace("+00:00", "Z")
