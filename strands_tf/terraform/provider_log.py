"""AWS API calls from the provider's debug log (``TF_LOG_PROVIDER=DEBUG``, JSON), without anything secret.

The hashicorp/aws provider (through aws-sdk-go-base) logs every AWS request as a ``HTTP Request Sent`` line and
its answer as ``HTTP Response Received``, with ``rpc.system: aws-api``, ``rpc.service`` (the service id, e.g.
``SQS``), ``rpc.method`` (the operation), ``http.status_code``, ``http.duration`` (milliseconds) and the gRPC
call they belong to (``tf_rpc``, ``tf_req_id``, ``tf_resource_type``). The emulator's provider writes the same
fields. The log also carries request and response bodies and headers; only the fields below are ever read,
and the raw file is deleted once read (:class:`ProviderLogTail`).
"""

from __future__ import annotations

import contextlib
import json
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REQUEST_SENT = "HTTP Request Sent"
RESPONSE_RECEIVED = "HTTP Response Received"
AWS_RPC_SYSTEM = "aws-api"


def provider_log_env(path: Path) -> dict[str, str]:
    """Environment for a Terraform run that writes the provider's debug log, as JSON, to `path`.

    Terraform writes JSON only when its core log level is ``JSON`` (which is trace level for the core):
    the core lines are skipped when reading, like everything that is not an AWS call.
    """
    return {"TF_LOG_CORE": "JSON", "TF_LOG_PROVIDER": "DEBUG", "TF_LOG_PATH": str(path)}


@dataclass(frozen=True, slots=True)
class AwsCall:
    """One AWS API call the provider made: what, for which resource type, how it ended and how long it took."""

    time: str
    service: str
    operation: str
    status: int | None
    duration_ms: float | None
    resource_type: str | None
    rpc: str | None
    request_id: str | None  # tf_req_id: one gRPC call of Terraform to the provider (one resource operation)
    region: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The call as the canvas and the deployment's aws-calls.jsonl keep it."""
        return {
            "time": self.time,
            "service": self.service,
            "operation": self.operation,
            "status": self.status,
            "duration_ms": self.duration_ms,
            "resource_type": self.resource_type,
            "rpc": self.rpc,
            "request_id": self.request_id,
            "region": self.region,
        }


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            return float(value)
    return None


def parse_line(line: str) -> AwsCall | None:
    """An AWS call from one line of the provider's JSON log (its response line), else None."""
    if '"aws-api"' not in line or RESPONSE_RECEIVED not in line:
        return None  # most lines (core trace, request lines, other providers): skipped without parsing
    try:
        entry = json.loads(line)
    except (ValueError, RecursionError):  # a line nested too deeply is not an AWS call either
        return None
    return call_of(entry) if isinstance(entry, dict) else None


def call_of(entry: Mapping[str, Any]) -> AwsCall | None:
    """An AWS call from one decoded log entry (a response line), else None."""
    if entry.get("@message") != RESPONSE_RECEIVED or entry.get("rpc.system") != AWS_RPC_SYSTEM:
        return None
    operation, service = entry.get("rpc.method"), entry.get("rpc.service")
    if not isinstance(operation, str) or not isinstance(service, str):
        return None
    status = _number(entry.get("http.status_code"))
    text = lambda key: value if isinstance(value := entry.get(key), str) else None  # noqa: E731
    return AwsCall(
        time=text("@timestamp") or "",
        service=service,
        operation=operation,
        status=int(status) if status is not None else None,
        duration_ms=_number(entry.get("http.duration")),
        resource_type=text("tf_resource_type"),
        rpc=text("tf_rpc"),
        request_id=text("tf_req_id"),
        region=text("aws.region"),
    )


class ProviderLogTail:
    """Follows a provider log file while Terraform writes it; every AWS call goes to `on_call`.

    ``stop()`` reads what is left and deletes the file: the raw log holds request bodies, which must not stay
    on disk.
    """

    def __init__(self, path: Path, on_call: Callable[[AwsCall], None], interval: float = 0.1) -> None:
        self.path = path
        self.on_call = on_call
        self.interval = interval
        self._stop = threading.Event()
        self._offset = 0
        self._partial = b""
        self._thread = threading.Thread(target=self._run, daemon=True, name=f"provider-log-{path.name}")

    def start(self) -> ProviderLogTail:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._read()

    def _read(self) -> None:
        try:
            with self.path.open("rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except FileNotFoundError:
            return
        except OSError:
            return
        if not data:
            return
        self._offset += len(data)
        lines = (self._partial + data).split(b"\n")
        self._partial = lines.pop()
        for raw in lines:
            call = parse_line(raw.decode("utf-8", errors="replace"))
            if call is not None:
                with contextlib.suppress(Exception):  # a consumer's failure never stops the apply
                    self.on_call(call)

    def stop(self) -> None:
        """Read the rest, stop following and delete the raw log."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(5)
        self._read()
        if self._partial:
            call = parse_line(self._partial.decode("utf-8", errors="replace"))
            self._partial = b""
            if call is not None:
                with contextlib.suppress(Exception):
                    self.on_call(call)
        self.path.unlink(missing_ok=True)

    def __enter__(self) -> ProviderLogTail:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
