"""The canvas server's guard: token, Host and Origin checks, body size limit and security headers.

The server listens on 127.0.0.1 only, but any web page the user opens can make their browser send
requests to it. So every API and WebSocket call needs the random token from the URL `strands canvas`
printed (as Jupyter does); the Host header must name the loopback address (a DNS-rebinding page has its
own host name there); and an Origin, when a browser sends one, must be the canvas's own.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 4 * 1024 * 1024
BODY_TIMEOUT_SECONDS = 30.0  # a whole request body, however it is sent (a client that never finishes is dropped)
TOKEN_HEADER = "x-strands-token"
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


def new_token() -> str:
    """A random token (256 bits) for one server run."""
    return secrets.token_urlsafe(32)


@dataclass
class GuardSettings:
    """What the guard checks against; `port` is set once the socket is bound."""

    token: str = field(default_factory=new_token)
    port: int = 0
    max_body: int = MAX_BODY_BYTES
    body_timeout: float = BODY_TIMEOUT_SECONDS

    def allowed_hosts(self) -> set[str]:
        return {f"{name}:{self.port}" for name in LOOPBACK_NAMES}

    def allowed_origins(self) -> set[str]:
        return {f"http://{name}:{self.port}" for name in LOOPBACK_NAMES}

    def content_security_policy(self) -> str:
        sockets = " ".join(f"ws://{name}:{self.port}" for name in LOOPBACK_NAMES)
        return (
            f"default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
            f"font-src 'self' data:; connect-src 'self' {sockets}; frame-ancestors 'none'; base-uri 'none'; "
            "form-action 'none'; object-src 'none'"
        )


def _headers(scope: Scope) -> dict[str, str]:
    out: dict[str, str] = {}
    for raw_name, raw_value in scope.get("headers", []):
        name = raw_name.decode("latin-1").lower()
        if name in out:
            out[name] += "," + raw_value.decode("latin-1")  # a repeated Host/Origin never matches an allowed value
        else:
            out[name] = raw_value.decode("latin-1")
    return out


def _presented_token(scope: Scope, headers: dict[str, str]) -> str | None:
    auth = headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip()
    if TOKEN_HEADER in headers:
        return headers[TOKEN_HEADER]
    query = parse_qs(scope.get("query_string", b"").decode("latin-1"))
    values = query.get("token")
    return values[0] if values and len(values) == 1 else None


class CanvasGuard:
    """ASGI middleware in front of the whole canvas app (HTTP and WebSocket)."""

    def __init__(self, app: ASGIApp, settings: GuardSettings) -> None:
        self.app = app
        self.settings = settings

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        problem = self._refusal(scope, headers)
        if problem is not None:
            status, message = problem
            await self._refuse(scope, receive, send, status, message)
            return
        if scope["type"] == "http":
            receive = await self._limited_body(scope, receive, send, headers)
            if receive is None:
                return
            send = self._with_headers(scope, send)
        await self.app(scope, receive, send)

    def _refusal(self, scope: Scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if headers.get("host", "") not in self.settings.allowed_hosts():
            return 403, "this server only answers requests to its loopback address (Host header refused)"
        origin = headers.get("origin")
        if origin is not None and origin not in self.settings.allowed_origins():
            return 403, "cross-origin requests are refused (Origin header)"
        path = scope.get("path", "")
        if path.startswith("/api/") or path == "/api":
            token = _presented_token(scope, headers)
            if token is None or not hmac.compare_digest(token.encode(), self.settings.token.encode()):
                return 401, "missing or wrong token: open the URL `strands canvas` printed"
        return None

    async def _refuse(self, scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        if scope["type"] == "websocket":
            await receive()  # websocket.connect
            await send({"type": "websocket.close", "code": 1008, "reason": message[:120]})
            return
        await _json_response(send, status, {"error": {"category": "permissions", "summary": message}})

    async def _limited_body(self, scope: Scope, receive: Receive, send: Send, headers: dict[str, str]) -> Any:
        """Read the body up to the limit (refusing more with 413), then hand it to the app as one message."""
        limit = self.settings.max_body
        declared = headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _json_response(send, 413, _too_large(limit))
            return None
        if scope.get("method") in ("GET", "HEAD", "OPTIONS", "DELETE") and declared in (None, "0"):
            return receive
        chunks: list[bytes] = []
        size = 0
        try:
            async with asyncio.timeout(self.settings.body_timeout):
                while True:
                    message = await receive()
                    if message["type"] == "http.disconnect":
                        return None
                    body = message.get("body", b"")
                    size += len(body)
                    if size > limit:
                        await _json_response(send, 413, _too_large(limit))
                        return None
                    chunks.append(body)
                    if not message.get("more_body", False):
                        break
        except TimeoutError:
            summary = f"the request body did not arrive within {self.settings.body_timeout:g} s"
            await _json_response(send, 408, {"error": {"category": "configuration", "summary": summary}}, close=True)
            return None
        whole = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": whole, "more_body": False}
            return await receive()

        return replay

    def _with_headers(self, scope: Scope, send: Send) -> Send:
        extra = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"no-referrer"),  # the page URL carries the token
            (b"cross-origin-opener-policy", b"same-origin"),
            (b"cross-origin-resource-policy", b"same-origin"),
            (b"content-security-policy", self.settings.content_security_policy().encode()),
        ]
        if scope.get("path", "").startswith("/api/") or scope.get("path") == "/":
            extra.append((b"cache-control", b"no-store"))

        async def wrapped(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        return wrapped


def _too_large(limit: int) -> dict[str, Any]:
    return {"error": {"category": "configuration", "summary": f"request body larger than {limit // 1024} KiB"}}


async def _json_response(send: Send, status: int, body: dict[str, Any], *, close: bool = False) -> None:
    payload = json.dumps(body).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(payload)).encode())]
    if close:  # the rest of the request will never be read: the connection cannot be reused
        headers.append((b"connection", b"close"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": payload})
