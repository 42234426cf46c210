"""What API Gateway HTTP APIs do around a Lambda proxy integration (payload format 2.0).

Route selection, the request event, CORS preflights and the mapping of the function's answer back to an
HTTP response, as the API Gateway developer guide describes them ("Create AWS Lambda proxy integrations for
HTTP APIs", "Working with routes for HTTP APIs", "Configuring CORS for an HTTP API"). Pure functions over
plain data, so the dev server and its tests share them.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import time
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, unquote

from strands_tf.inputfile import loads_json

DEV_API_ID = "strandsdev"
DEV_ACCOUNT_ID = "123456789012"
INTERNAL_ERROR = {"message": "Internal Server Error"}
NOT_FOUND = {"message": "Not Found"}
UNAUTHORIZED = {"message": "Unauthorized"}

# Content types API Gateway passes as text; any other body reaches the function base64-encoded.
_TEXT_TYPES = re.compile(
    r"^(text/.*|application/(json|.*\+json|xml|.*\+xml|javascript|x-www-form-urlencoded|graphql)|.*/json)$"
)
_PARAM = re.compile(r"^\{([A-Za-z0-9._~-]+)(\+?)\}$")


@dataclass(frozen=True)
class Route:
    """One route key of the API (`POST /chat`, `GET /items/{id}`, `ANY /files/{proxy+}`, `$default`)."""

    key: str
    agent: str
    method: str = ""
    segments: tuple[str, ...] = ()

    @classmethod
    def parse(cls, key: str, agent: str) -> Route:
        """A route from its key as strands.yaml writes it."""
        if key == "$default":
            return cls(key, agent)
        method, _, path = key.partition(" ")
        return cls(key, agent, method, tuple(s for s in path.split("/") if s != ""))

    @property
    def greedy(self) -> bool:
        return bool(self.segments) and self.segments[-1].endswith("+}")

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters when this route takes the request, else None."""
        if self.key == "$default":
            return {}
        if self.method not in ("ANY", method):
            return None
        parts = path.split("/")[1:] if path.startswith("/") else path.split("/")
        if parts == [""]:
            parts = []
        params: dict[str, str] = {}
        for index, segment in enumerate(self.segments):
            variable = _PARAM.match(segment)
            if variable and variable.group(2):  # {proxy+}: one or more remaining segments
                rest = parts[index:]
                if not rest or rest == [""]:
                    return None
                params[variable.group(1)] = unquote("/".join(rest))
                return params
            if index >= len(parts) or parts[index] == "":
                return None
            if variable:
                params[variable.group(1)] = unquote(parts[index])
            elif segment != parts[index]:
                return None
        return params if len(parts) == len(self.segments) else None

    def rank(self) -> tuple[int, int, int, int, int]:
        """Sort key, most specific first: not $default, no greedy variable, more literal segments, longer,
        a named method before ANY."""
        literal = sum(1 for s in self.segments if not _PARAM.match(s))
        return (
            int(self.key == "$default"),
            int(self.greedy),
            -literal,
            -len(self.segments),
            int(self.method == "ANY"),
        )


def select_route(routes: Sequence[Route], method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route API Gateway picks: a full match, then a greedy variable, then `$default`; specific methods
    before ANY."""
    matches = [(route, params) for route in routes if (params := route.match(method, path)) is not None]
    if not matches:
        return None
    matches.sort(key=lambda item: item[0].rank())
    return matches[0]


@dataclass(frozen=True)
class HttpRequest:
    """An HTTP request as the dev server received it (header names as sent, values as text)."""

    method: str
    raw_path: str
    raw_query: str = ""
    headers: Sequence[tuple[str, str]] = ()
    body: bytes = b""
    source_ip: str = "127.0.0.1"
    protocol: str = "HTTP/1.1"
    host: str = "localhost"

    def header(self, name: str) -> str | None:
        """Every value of a header joined with commas, as API Gateway combines them; None when absent."""
        values = [v for k, v in self.headers if k.lower() == name.lower()]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class Cors:
    """The API's CORS settings (the union build.py computes for all agents)."""

    allow_origins: tuple[str, ...]
    allow_methods: tuple[str, ...] = ("GET", "POST", "OPTIONS")
    allow_headers: tuple[str, ...] = ("content-type", "authorization")
    expose_headers: tuple[str, ...] = ()
    max_age: int = 300
    allow_credentials: bool = False

    @classmethod
    def from_body(cls, body: Mapping[str, Any] | None) -> Cors | None:
        """From the http-api module's `cors` input; None when the API has no CORS."""
        if not body:
            return None
        return cls(
            tuple(body.get("allow_origins", ())),
            tuple(body.get("allow_methods", ())),
            tuple(body.get("allow_headers", ())),
            tuple(body.get("expose_headers", ())),
            int(body.get("max_age", 300)),
            bool(body.get("allow_credentials", False)),
        )

    def origin_allowed(self, origin: str | None) -> str | None:
        """The Access-Control-Allow-Origin value for this origin, or None when it is not allowed."""
        if origin is None:
            return None
        if "*" in self.allow_origins:
            return "*" if not self.allow_credentials else origin
        return origin if origin in self.allow_origins else None


@dataclass
class HttpResponse:
    """What the client gets back."""

    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    # why API Gateway would answer 500 to this function result (shown in the dev log, never to the client)
    mapping_error: str | None = None

    @classmethod
    def json(cls, status: int, document: Any) -> HttpResponse:
        return cls(status, [("content-type", "application/json")], json.dumps(document).encode())


def is_text(content_type: str | None) -> bool:
    """Whether API Gateway hands a body of this content type to the function as text."""
    if content_type is None:
        return True
    return bool(_TEXT_TYPES.match(content_type.split(";", 1)[0].strip().lower()))


def _decode_jwt_claims(token: str) -> dict[str, Any] | None:
    """The payload of a JWT, not verified (the dev server has no issuer keys); None if it is not a JWT."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = loads_json(base64.urlsafe_b64decode(padded))
    except (ValueError, binascii.Error):
        return None
    return claims if isinstance(claims, dict) else None


def authorize(request: HttpRequest, auth: str) -> tuple[bool, dict[str, Any] | None]:
    """(allowed, requestContext.authorizer) for the API's authorization type, checked as far as offline allows.

    jwt: a bearer token must be present and be a JWT (its signature is not verified: no issuer keys here);
    its claims and scopes reach the function as API Gateway passes them. iam: not checked (callers would sign
    with SigV4); none: nothing.
    """
    if auth != "jwt":
        return True, None
    header = request.header("authorization") or ""
    token = header[7:].strip() if header.lower().startswith("bearer ") else header.strip()
    claims = _decode_jwt_claims(token) if token else None
    if claims is None:
        return False, None
    scope = claims.get("scope") or claims.get("scp")
    scopes = scope.split() if isinstance(scope, str) else scope if isinstance(scope, list) else None
    text_claims = {k: v if isinstance(v, str) else json.dumps(v) for k, v in claims.items()}
    return True, {"jwt": {"claims": text_claims, "scopes": scopes}}


def build_event(
    request: HttpRequest,
    route: Route,
    path_parameters: Mapping[str, str],
    *,
    request_id: str | None = None,
    authorizer: Mapping[str, Any] | None = None,
    now: float | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends for this request."""
    moment = time.time() if now is None else now
    headers: dict[str, str] = {}
    cookies: list[str] = []
    for name, value in request.headers:
        lower = name.lower()
        if lower == "cookie":
            cookies.extend(c.strip() for c in value.split(";") if c.strip())
            continue
        headers[lower] = f"{headers[lower]},{value}" if lower in headers else value
    query: dict[str, str] = {}
    for key, value in parse_qsl(request.raw_query, keep_blank_values=True):
        query[key] = f"{query[key]},{value}" if key in query else value
    domain = request.header("host") or request.host
    context: dict[str, Any] = {
        "accountId": DEV_ACCOUNT_ID,
        "apiId": DEV_API_ID,
        "domainName": domain,
        "domainPrefix": domain.split(".", 1)[0].split(":", 1)[0],
        "http": {
            "method": request.method,
            "path": request.raw_path,
            "protocol": request.protocol,
            "sourceIp": request.source_ip,
            "userAgent": request.header("user-agent") or "",
        },
        "requestId": request_id or str(uuid.uuid4()),
        "routeKey": route.key,
        "stage": "$default",
        "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(moment)),
        "timeEpoch": int(moment * 1000),
    }
    if authorizer:
        context["authorizer"] = dict(authorizer)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": request.raw_path,
        "rawQueryString": request.raw_query,
    }
    if cookies:
        event["cookies"] = cookies
    event["headers"] = headers
    if query:
        event["queryStringParameters"] = query
    event["requestContext"] = context
    if request.body:
        if is_text(request.header("content-type")):
            try:
                event["body"] = request.body.decode("utf-8")
                event["isBase64Encoded"] = False
            except UnicodeDecodeError:
                event["body"] = base64.b64encode(request.body).decode("ascii")
                event["isBase64Encoded"] = True
        else:
            event["body"] = base64.b64encode(request.body).decode("ascii")
            event["isBase64Encoded"] = True
    else:
        event["isBase64Encoded"] = False
    if path_parameters:
        event["pathParameters"] = dict(path_parameters)
    return event


def map_response(result: Any) -> HttpResponse:
    """The HTTP response API Gateway makes of a function result (format 2.0), or its 500 with the reason."""
    if isinstance(result, dict) and "statusCode" in result:
        return _mapped(result)
    # any other valid JSON: 200, application/json, the JSON itself as the body (a string as it is)
    body = result if isinstance(result, str) else json.dumps(result)
    return HttpResponse(200, [("content-type", "application/json")], body.encode("utf-8"))


def _mapped(result: dict[str, Any]) -> HttpResponse:
    def failed(reason: str) -> HttpResponse:
        response = HttpResponse.json(500, INTERNAL_ERROR)
        response.mapping_error = reason
        return response

    status = result.get("statusCode")
    if isinstance(status, bool) or not isinstance(status, int | str) or not str(status).isdigit():
        return failed(f"statusCode must be an integer, not {status!r}")
    code = int(status)
    if not 100 <= code <= 599:
        return failed(f"statusCode {code} is not an HTTP status")
    headers: list[tuple[str, str]] = []
    raw_headers = result.get("headers") or {}
    if not isinstance(raw_headers, dict):
        return failed("headers must be an object of header name to value")
    for name, value in raw_headers.items():
        if isinstance(value, dict | list):
            return failed(f"header {name!r} must be a string, number or boolean")
        headers.append((str(name).lower(), _text(value)))
    cookies = result.get("cookies") or []
    if not isinstance(cookies, list):
        return failed("cookies must be a list of Set-Cookie values")
    headers.extend(("set-cookie", str(c)) for c in cookies)
    body = result.get("body")
    if body is None:
        payload = b""
    elif not isinstance(body, str):
        return failed(f"body must be a string (json.dumps it), not {type(body).__name__}")
    elif result.get("isBase64Encoded"):
        try:
            payload = base64.b64decode(body, validate=True)
        except (ValueError, binascii.Error):
            return failed("isBase64Encoded is true but body is not valid base64")
    else:
        payload = body.encode("utf-8")
    return HttpResponse(code, headers, payload)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def preflight(request: HttpRequest, cors: Cors | None) -> HttpResponse | None:
    """API Gateway's own answer to a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method)."""
    if cors is None or request.method != "OPTIONS":
        return None
    origin = request.header("origin")
    wanted = request.header("access-control-request-method")
    if origin is None or wanted is None:
        return None
    allowed = cors.origin_allowed(origin)
    headers: list[tuple[str, str]] = []
    if allowed is not None:
        methods = ",".join(cors.allow_methods)
        headers = [
            ("access-control-allow-origin", allowed),
            ("access-control-allow-methods", methods),
            ("access-control-allow-headers", ",".join(cors.allow_headers)),
            ("access-control-max-age", str(cors.max_age)),
        ]
        if cors.allow_credentials:
            headers.append(("access-control-allow-credentials", "true"))
    return HttpResponse(204, headers)


def add_cors_headers(response: HttpResponse, request: HttpRequest, cors: Cors | None) -> None:
    """The CORS headers API Gateway adds to an actual response from an allowed origin."""
    if cors is None:
        return
    allowed = cors.origin_allowed(request.header("origin"))
    if allowed is None:
        return
    present = {name for name, _ in response.headers}
    extra = [("access-control-allow-origin", allowed)]
    if cors.allow_credentials:
        extra.append(("access-control-allow-credentials", "true"))
    if cors.expose_headers:
        extra.append(("access-control-expose-headers", ",".join(cors.expose_headers)))
    response.headers.extend((k, v) for k, v in extra if k not in present)


def routes_for(agents: Iterable[tuple[str, Iterable[str]]]) -> list[Route]:
    """Routes of the API from (agent, route keys) pairs."""
    return [Route.parse(key, agent) for agent, keys in agents for key in keys]
