"""The dev server: an ASGI app (starlette) in front of a DevSession, its record, and a client for it.

Every path answers as the project's HTTP API would, except `/_strands/...`: health and the invoke endpoint
that `strands dev invoke` uses to send SQS batches and raw events through the running session.
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from strands_tf.dev import apigw, sqs
from strands_tf.dev.session import DevSession
from strands_tf.errors import UserError
from strands_tf.fsutil import atomic_write_text
from strands_tf.inputfile import loads_json

INTERNAL_PREFIX = "/_strands/"
DEFAULT_PORT = 8787
HOST = "127.0.0.1"


def create_app(session: DevSession) -> Any:
    """The ASGI application serving one session."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route

    async def api(request: Request) -> Response:
        scope = request.scope
        raw_path = scope.get("raw_path") or scope["path"].encode()
        http_request = apigw.HttpRequest(
            method=request.method,
            raw_path=raw_path.decode("latin-1").split("?", 1)[0],
            raw_query=scope.get("query_string", b"").decode("latin-1"),
            headers=[(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
            body=await request.body(),
            source_ip=request.client.host if request.client else "127.0.0.1",
            protocol=f"HTTP/{scope.get('http_version', '1.1')}",
        )
        answer = await run_in_threadpool(session.handle_http, http_request)
        response = Response(answer.body, status_code=answer.status)
        response.raw_headers = [
            (k.encode("latin-1"), v.encode("latin-1")) for k, v in answer.headers if k.lower() != "content-length"
        ] + [(b"content-length", str(len(answer.body)).encode())]
        return response

    async def health(request: Request) -> Response:
        workers = {name: {"generation": w.generation, "error": w.last_error} for name, w in session.workers.items()}
        return JSONResponse({"ok": True, "pid": os.getpid(), "agents": workers})

    async def invoke(request: Request) -> Response:
        agent = request.path_params["agent"]
        try:
            payload = loads_json(await request.body() or b"{}")
        except ValueError:
            return JSONResponse({"error": "the body must be JSON"}, status_code=400)
        try:
            if "messages" in payload:
                messages = [sqs.SqsMessage(**m) for m in payload["messages"]]
                done = await run_in_threadpool(session.invoke_sqs, agent, messages, payload.get("queue"))
                return JSONResponse(invocation_json(done.invocation, done.outcome.to_json()))
            result = await run_in_threadpool(session.invoke_event, agent, payload.get("event"))
            return JSONResponse(invocation_json(result))
        except UserError as exc:
            return JSONResponse({"error": exc.summary, "hint": exc.hint}, status_code=400)

    methods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
    return Starlette(
        routes=[
            Route(f"{INTERNAL_PREFIX}health", health, methods=["GET"]),
            Route(f"{INTERNAL_PREFIX}invoke/{{agent}}", invoke, methods=["POST"]),
            Route("/{path:path}", api, methods=methods),
        ]
    )


def invocation_json(result: Any, batch: dict[str, Any] | None = None) -> dict[str, Any]:
    """The JSON answer of the invoke endpoint (and of a one-shot `strands dev invoke`)."""
    out: dict[str, Any] = {
        "request_id": result.request_id,
        "ok": result.ok,
        "result": result.result,
        "error": result.error,
        "logs": result.logs,
        "tool_calls": result.tool_calls,
        "duration_ms": round(result.duration_ms, 2),
        "generation": result.generation,
    }
    if batch is not None:
        out["batch"] = batch
    return out


def port_available(port: int, host: str = HOST) -> bool:
    """Whether a server could listen on the port now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind((host, port))
        except OSError:
            return False
    return True


@dataclass(frozen=True)
class ServerRecord:
    """What `.strands/dev/server.json` says about a running dev server."""

    pid: int
    host: str
    port: int
    environment: str
    agents: list[str]
    started_at: float

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def save(self, path: Path) -> None:
        atomic_write_text(path, json.dumps(asdict(self)) + "\n", mode=0o600)

    @classmethod
    def load(cls, path: Path) -> ServerRecord | None:
        try:
            data = loads_json(path.read_text("utf-8"))
            return cls(**data)
        except (OSError, ValueError, TypeError):
            return None


def running_server(path: Path) -> ServerRecord | None:
    """The dev server the record names, if it answers; a stale record is removed."""
    record = ServerRecord.load(path)
    if record is None:
        return None
    try:
        with urllib.request.urlopen(f"{record.url}{INTERNAL_PREFIX}health", timeout=2) as response:
            if loads_json(response.read()).get("pid") == record.pid:
                return record
    except (OSError, ValueError, urllib.error.URLError):
        pass
    with contextlib.suppress(OSError):
        path.unlink()
    return None


def send_invoke(record: ServerRecord, agent: str, payload: dict[str, Any], timeout: float) -> dict[str, Any]:
    """Invoke an agent through a running dev server."""
    request = urllib.request.Request(
        f"{record.url}{INTERNAL_PREFIX}invoke/{agent}",
        data=json.dumps(payload).encode(),
        headers={"content-type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            answer: dict[str, Any] = json.loads(response.read())
            return answer
    except urllib.error.HTTPError as exc:
        body = json.loads(exc.read() or b"{}")
        raise UserError(body.get("error") or f"the dev server answered {exc.code}", hint=body.get("hint")) from None


def wait_until_serving(url: str, timeout: float = 30.0) -> bool:
    """Poll the health endpoint until it answers (used by tests and benchmarks)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}{INTERNAL_PREFIX}health", timeout=2):
                return True
        except (OSError, urllib.error.URLError):
            time.sleep(0.1)
    return False
