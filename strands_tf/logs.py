"""Structured logging for the CLI: rich text or one JSON object per line, to stderr or a file."""

from __future__ import annotations

import errno
import json
import logging
import os
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


class GuardedHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """A stream handler whose write failures never reach the command.

    The first failure (disk full, file removed, pipe closed) writes one warning to ``warnings_to`` and stops
    this handler: no Python traceback per record ("--- Logging error ---"), no retry on every line, and the
    command carries on with its own exit code. A deployment is not aborted because its log disk is full.
    """

    def __init__(self, stream: TextIO, *, name: str, warnings_to: TextIO | None) -> None:
        super().__init__(stream)
        self.target = name
        self.warnings_to = warnings_to
        self.failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def flush(self) -> None:
        if self.failed:
            return
        try:
            super().flush()
        except (OSError, ValueError) as exc:
            self._fail(exc)

    def handleError(self, record: logging.LogRecord) -> None:
        self._fail(sys.exc_info()[1])

    def _fail(self, exc: BaseException | None) -> None:
        if self.failed:
            return
        self.failed = True
        reason = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
        if self.warnings_to is None:
            return
        try:
            self.warnings_to.write(
                f"warning: cannot write to {self.target}: {reason}; logging to it stopped, the command goes on\n"
            )
            self.warnings_to.flush()
        except (OSError, ValueError):
            pass  # nowhere left to say it


def open_log_file(path: Path) -> TextIO:
    """Open ``--log-file`` for appending (created 0600); an unusable path is a UserError naming it.

    Opened non-blocking first so a FIFO without a reader is an error instead of a hang.
    """
    from strands_tf.errors import UserError

    def refuse(reason: str) -> UserError:
        return UserError(
            f"cannot write the log file {path}: {reason}",
            hint="give --log-file a writable file path, or leave it out to log to stderr",
        )

    flags = os.O_WRONLY | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise refuse(f"{path.parent} is not a directory") from None
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    try:
        fd = os.open(path, flags, 0o600)
    except OSError as exc:
        if exc.errno == errno.ENXIO:
            raise refuse("it is a FIFO with no reader") from None
        raise refuse(exc.strerror or str(exc)) from None
    try:
        os.set_blocking(fd, True)
        return os.fdopen(fd, "a", encoding="utf-8")
    except BaseException:
        os.close(fd)
        raise


def setup_logging(
    log_format: str = "text",
    *,
    level: int = logging.WARNING,
    log_file: Path | None = None,
    stream: TextIO | None = None,
) -> logging.Handler:
    """Route the `strands_tf` loggers to stderr (or a file) in text or JSON; returns the installed handler.

    Raises UserError when ``log_file`` cannot be opened; a write that fails later never raises (see
    GuardedHandler).
    """
    handler: logging.Handler
    if log_file is not None:
        handler = GuardedHandler(open_log_file(log_file), name=f"the log file {log_file}", warnings_to=sys.stderr)
        level = min(level, logging.INFO)
    else:
        handler = GuardedHandler(stream or sys.stderr, name="stderr", warnings_to=None)
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
