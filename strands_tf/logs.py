"""Structured logging for the CLI: rich text or one JSON object per line, to stderr or a file."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

# Attributes every LogRecord has; anything else passed via `extra=` is a structured field.
_STANDARD = frozenset(vars(logging.LogRecord("x", 0, "x", 0, "x", None, None))) | {"message", "asctime"}


def record_fields(record: logging.LogRecord) -> dict[str, Any]:
    """The `extra=` fields of a record, JSON-safe."""
    out: dict[str, Any] = {}
    for key, value in vars(record).items():
        if key in _STANDARD or key.startswith("_"):
            continue
        out[key] = value if isinstance(value, str | int | float | bool | type(None) | list | dict) else str(value)
    return out


class JsonFormatter(logging.Formatter):
    """One JSON object per line: timestamp, level, logger, message, fields (and exception text)."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = record_fields(record)
        if fields:
            payload["fields"] = fields
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """`level logger: message key=value ...` for humans."""

    def format(self, record: logging.LogRecord) -> str:
        fields = record_fields(record)
        extra = "".join(f" {k}={v}" for k, v in fields.items())
        text = f"{record.levelname.lower()} {record.name}: {record.getMessage()}{extra}"
        if record.exc_info:
            text += "\n" + self.formatException(record.exc_info)
        return text


def setup_logging(
    log_format: str = "text",
    *,
    level: int = logging.WARNING,
    log_file: Path | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Route the `strands_tf` loggers to stderr (or a file) in text or JSON; returns the installed handler."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.FileHandler(log_file, encoding="utf-8")
        level = min(level, logging.INFO)
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    logger = logging.getLogger("strands_tf")
    for old in list(logger.handlers):
        if getattr(old, "_strands", False):
            logger.removeHandler(old)
            old.close()
    handler._strands = True  # type: ignore[attr-defined]
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False
    return handler
