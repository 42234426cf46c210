"""The dev server's request log: one JSON object per request in `.strands/dev/requests.jsonl`, secrets redacted."""

from __future__ import annotations

import json
import os
import re
import threading
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strands_tf.fsutil import private_mkdir

REDACTED = "(redacted)"
# headers that carry credentials or session state; never written anywhere
SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key", "x-amz-security-token",
     "x-amz-credential", "x-auth-token", "x-csrf-token"}
)  # fmt: skip
_SECRET_QUERY = re.compile(r"(?i)(^|&)((?:access_?token|id_?token|token|api_?key|key|secret|password|signature|"
                           r"x-amz-signature|x-amz-security-token|x-amz-credential)=)[^&]*")  # fmt: skip


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Header values with credentials replaced."""
    return {k: (REDACTED if k.lower() in SECRET_HEADERS else v) for k, v in headers.items()}


def redact_query(query: str) -> str:
    """A raw query string with token-like parameters' values replaced."""
    return _SECRET_QUERY.sub(lambda m: f"{m.group(1)}{m.group(2)}{REDACTED}", query)


@dataclass
class RequestRecord:
    """One request served by the dev server (HTTP, SQS batch or raw event)."""

    request_id: str
    agent: str | None
    kind: str  # http, sqs, event
    status: int | None
    duration_ms: float
    request_bytes: int
    response_bytes: int
    time: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="milliseconds"))
    method: str | None = None
    path: str | None = None
    query: str | None = None
    route: str | None = None
    request_headers: dict[str, str] = field(default_factory=dict)
    response_headers: dict[str, str] = field(default_factory=dict)
    generation: int | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    error: dict[str, Any] | None = None
    batch: dict[str, Any] | None = None

    def to_json(self) -> dict[str, Any]:
        """The JSONL form, redacted."""
        data = asdict(self)
        data["request_headers"] = redact_headers(self.request_headers)
        data["response_headers"] = redact_headers(self.response_headers)
        if self.query:
            data["query"] = redact_query(self.query)
        return {k: v for k, v in data.items() if v not in (None, [], {})}


class RequestLog:
    """Appends records to the JSONL file (one write per line, so concurrent requests never interleave)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        private_mkdir(path.parent)

    def write(self, record: RequestRecord) -> None:
        line = (json.dumps(record.to_json(), default=str, ensure_ascii=False) + "\n").encode("utf-8")
        with self._lock:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line)
            finally:
                os.close(fd)
