"""The provider's debug log of AWS calls, with the fields the real hashicorp/aws provider writes.

The real provider (aws-sdk-go-base) logs ``HTTP Request Sent`` and ``HTTP Response Received`` at debug level for
every AWS request, in Terraform's JSON log format when ``TF_LOG_CORE``/``TF_LOG`` is ``JSON``: ``rpc.system``
(``aws-api``), ``rpc.service`` (the service id), ``rpc.method`` (the operation), ``aws.region``,
``http.status_code``, ``http.duration`` (milliseconds) and the gRPC call they serve (``tf_rpc``,
``tf_req_id``, ``tf_resource_type``, ``tf_provider_addr``). This provider writes the same lines to
``TF_LOG_PATH`` when ``TF_LOG_PROVIDER`` (or ``TF_LOG``) asks for debug, so what reads the real log
(:mod:`strands_tf.terraform.provider_log`) is tested offline. Bodies and headers are never logged.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

MODULE = "provider.terraform-provider-aws"
PROVIDER_ADDR = "registry.terraform.io/hashicorp/aws"
_DEBUG_LEVELS = {"JSON", "TRACE", "DEBUG"}

# the gRPC call being served (tf_rpc, tf_resource_type, tf_req_id): set by the servicer around each call
_CURRENT: contextvars.ContextVar[dict[str, str] | None] = contextvars.ContextVar("tf_call", default=None)


@contextlib.contextmanager
def serving(rpc: str, resource_type: str) -> Iterator[None]:
    """Mark the AWS calls made inside the block as part of one gRPC call of Terraform."""
    token = _CURRENT.set({"tf_rpc": rpc, "tf_resource_type": resource_type, "tf_req_id": str(uuid.uuid4())})
    try:
        yield
    finally:
        _CURRENT.reset(token)


class CallLog:
    """Appends JSON log lines to TF_LOG_PATH (thread-safe); disabled unless the provider log level is debug."""

    def __init__(self, path: str | None, enabled: bool) -> None:
        self.path = path if enabled else None
        self._lock = threading.Lock()

    @classmethod
    def from_environment(cls) -> CallLog:
        level = (os.environ.get("TF_LOG_PROVIDER") or os.environ.get("TF_LOG") or "").upper()
        return cls(os.environ.get("TF_LOG_PATH") or None, level in _DEBUG_LEVELS)

    @property
    def enabled(self) -> bool:
        return self.path is not None

    def write(self, message: str, fields: dict[str, Any]) -> None:
        if self.path is None:
            return
        entry = {
            "@level": "debug",
            "@message": message,
            "@module": MODULE,
            "@timestamp": datetime.now(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "tf_provider_addr": PROVIDER_ADDR,
            **(_CURRENT.get() or {}),
            **fields,
        }
        line = json.dumps(entry) + "\n"
        with self._lock, contextlib.suppress(OSError):
            # appended like Terraform's own log file; private (the provider runs with umask 077 under strands)
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            try:
                os.write(fd, line.encode())
            finally:
                os.close(fd)

    def instrument(self, client: Any, region: str) -> None:
        """Log every call of a botocore client as the real provider does."""
        if not self.enabled:
            return
        events = client.meta.events

        def common(model: Any) -> dict[str, Any]:
            return {
                "rpc.system": "aws-api",
                "rpc.service": model.service_model.service_id,
                "rpc.method": model.name,
                "aws.region": region,
                "tf_aws.sdk": "aws-sdk-go-v2",
            }

        def before(model: Any, context: dict[str, Any], **_: Any) -> None:
            context["strands_started"] = time.monotonic()
            self.write("HTTP Request Sent", {**common(model), "http.method": model.http.get("method", "POST")})

        def after(model: Any, context: dict[str, Any], http_response: Any = None, **_: Any) -> None:
            started = context.get("strands_started")
            duration = int((time.monotonic() - started) * 1000) if started is not None else None
            status = getattr(http_response, "status_code", None)
            self.write("HTTP Response Received", {**common(model), "http.duration": duration,
                                                  "http.status_code": status})  # fmt: skip

        events.register("before-call", before)
        events.register("after-call", after)
