"""The emulator's moto server: moto with bucket-policy conditions evaluated the way AWS evaluates them.

moto 5.x checks a bucket policy on every object request but cannot evaluate most condition operators
(``Bool``, ``Arn*``, ``Numeric*``, ...) and then treats the statement as matching. The usual TLS-only
statement (``Deny s3:*`` when ``aws:SecureTransport`` is ``false``) therefore denies every PutObject,
GetObject and DeleteObject, although AWS (always reached over TLS) never applies it. Here the conditions
of each statement are evaluated first against what AWS knows about a request the emulator stands in for
(TLS, the caller's account); statements whose conditions do not hold are dropped, the rest are handed to
moto's own evaluation without their conditions. Operators not understood here keep moto's behaviour.

Every request also passes a guard first (``LoopbackGuard``): the emulator serves AWS SDKs and Terraform on
127.0.0.1, never a web browser. moto answers any ``Origin``, so without it any web page could
``POST /moto-api/reset`` (or call any AWS API) on the emulator, and a DNS-rebinding page could reach it under
its own host name. The guard answers 403 to a request that carries an ``Origin`` header, a ``Sec-Fetch-Site``
other than ``none``/``same-origin`` (browser requests without an Origin), or a ``Host`` that is not a
loopback name. It also answers ``GET /strands-emulator/identity`` with the per-start token the starter put in
``STRANDS_EMULATOR_TOKEN``, so a record of this server can tell it apart from any other one on the port.

Run as ``python -m strands_tf.emulator.moto_main -H 127.0.0.1 -p PORT`` (the arguments of ``moto_server``).
"""

from __future__ import annotations

import argparse
import fnmatch
import ipaddress
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any

# What AWS puts in the request context of an API call the emulator stands in for: AWS endpoints are
# HTTPS only, with TLS 1.2 or later.
SECURE_CONTEXT: dict[str, str] = {"aws:SecureTransport": "true", "s3:TlsVersion": "1.3"}

_NEGATED = {"StringNotEquals", "StringNotEqualsIgnoreCase", "StringNotLike", "ArnNotEquals", "ArnNotLike"}


def _as_list(value: Any) -> list[str]:
    items = value if isinstance(value, list) else [value]
    return [str(v).lower() if isinstance(v, bool) else str(v) for v in items]


def _matches(operator: str, actual: str, expected: list[str]) -> bool | None:
    """One key against its expected values; None when the operator is not one evaluated here."""
    if operator in ("StringEquals", "StringNotEquals", "ArnEquals", "ArnNotEquals"):
        return actual in expected
    if operator in ("StringEqualsIgnoreCase", "StringNotEqualsIgnoreCase"):
        return actual.lower() in {e.lower() for e in expected}
    if operator in ("StringLike", "StringNotLike", "ArnLike", "ArnNotLike"):
        return any(fnmatch.fnmatchcase(actual, e) for e in expected)
    if operator == "Bool":
        return actual.lower() in {e.lower() for e in expected}
    numeric = {
        "NumericEquals": lambda a, b: a == b,
        "NumericNotEquals": lambda a, b: a != b,
        "NumericLessThan": lambda a, b: a < b,
        "NumericLessThanEquals": lambda a, b: a <= b,
        "NumericGreaterThan": lambda a, b: a > b,
        "NumericGreaterThanEquals": lambda a, b: a >= b,
    }.get(operator)
    if numeric is not None:
        try:
            return any(numeric(float(actual), float(e)) for e in expected)
        except ValueError:
            return False
    return None


def condition_holds(operator: str, key: str, expected: Any, context: Mapping[str, str]) -> bool | None:
    """AWS's result for one ``{operator: {key: expected}}`` entry; None when it cannot be evaluated here."""
    if operator.startswith(("ForAnyValue:", "ForAllValues:")):
        return None
    values = _as_list(expected)
    actual = context.get(key)
    if operator == "Null":
        return (actual is None) == (values[0].lower() == "true")
    base = operator.removesuffix("IfExists")
    result = _matches(base, actual or "", values)
    if result is None:
        return None
    if actual is None:
        # a missing key matches nothing: false, except for negated operators and ...IfExists
        return base in _NEGATED or base != operator
    return not result if base in _NEGATED else result


def effective_policy(policy: Mapping[str, Any], context: Mapping[str, str]) -> dict[str, Any]:
    """The statements of ``policy`` that apply to a request with ``context``, their evaluated conditions removed."""
    statements = policy.get("Statement", [])
    if isinstance(statements, Mapping):
        statements = [statements]
    kept: list[dict[str, Any]] = []
    for statement in statements:
        conditions = statement.get("Condition") or {}
        results = [
            condition_holds(operator, key, expected, context)
            for operator, entries in conditions.items()
            for key, expected in entries.items()
        ]
        if any(r is False for r in results):
            continue
        kept.append({k: v for k, v in statement.items() if k != "Condition"})
    return {**policy, "Statement": kept}


def install() -> None:
    """Replace moto's bucket-policy check with one that evaluates conditions first."""
    from moto.iam.access_control import IAMPolicy, PermissionResult
    from moto.s3.models import FakeBucket

    def get_permission(self: Any, action: str, resource: str) -> Any:
        if self.policy is None:
            return PermissionResult.NEUTRAL
        raw = self.policy.decode() if isinstance(self.policy, bytes) else self.policy
        context = {**SECURE_CONTEXT, "aws:PrincipalAccount": str(self.account_id)}
        policy = effective_policy(json.loads(raw), context)
        if not policy["Statement"]:
            return PermissionResult.NEUTRAL
        return IAMPolicy(json.dumps(policy)).is_action_permitted(action, resource)

    FakeBucket.get_permission = get_permission


IDENTITY_PATH = "/strands-emulator/identity"
TOKEN_ENV = "STRANDS_EMULATOR_TOKEN"
_SAFE_FETCH_SITES = {"none", "same-origin"}  # a typed URL / bookmark, or a page the emulator served itself

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


def is_loopback_host(host: str | None) -> bool:
    """True for a Host header naming a loopback address (``127.0.0.1:4566``, ``[::1]``, ``localhost``)."""
    if not host:
        return False
    name = host.strip().lower()
    if name.startswith("["):  # [::1]:port
        name = name[1 : name.find("]")] if "]" in name else name[1:]
    elif name.count(":") == 1:
        name = name.split(":", 1)[0]
    name = name.rstrip(".")
    if name == "localhost" or name.endswith(".localhost"):  # RFC 6761: always loopback
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def refusal(environ: Mapping[str, Any]) -> str | None:
    """Why a request must not reach moto, or None when it may."""
    origin = environ.get("HTTP_ORIGIN")
    if origin is not None:
        return f"a web page (Origin: {origin[:200]})"
    fetch_site = environ.get("HTTP_SEC_FETCH_SITE")
    if fetch_site is not None and fetch_site.lower() not in _SAFE_FETCH_SITES:
        return f"a web browser (Sec-Fetch-Site: {fetch_site[:50]})"
    host = environ.get("HTTP_HOST")
    if not is_loopback_host(host):
        return f"a host name that is not this machine's loopback (Host: {(host or '(none)')[:200]})"
    return None


class LoopbackGuard:
    """WSGI middleware in front of moto: refuses browsers and foreign host names, answers the identity probe."""

    def __init__(self, app: WsgiApp, token: str | None) -> None:
        self.app = app
        self.token = token

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reason = refusal(environ)
        if reason is not None:
            body = (
                f"strands emulator: refused a request from {reason}. The emulator only serves AWS SDK and "
                "Terraform clients on 127.0.0.1.\n"
            ).encode()
            start_response("403 Forbidden", [("Content-Type", "text/plain; charset=utf-8"),
                                             ("Content-Length", str(len(body)))])  # fmt: skip
            return [body]
        if environ.get("PATH_INFO") == IDENTITY_PATH and environ.get("REQUEST_METHOD") == "GET":
            body = json.dumps({"server": "strands-emulator", "token": self.token, "pid": os.getpid()}).encode()
            start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
            return [body]
        return self.app(environ, start_response)


def main(argv: list[str] | None = None) -> None:
    """``moto_server -H HOST -p PORT`` with the bucket-policy patch and the loopback guard."""
    parser = argparse.ArgumentParser(prog="python -m strands_tf.emulator.moto_main")
    parser.add_argument("-H", "--host", default="127.0.0.1", help="Address to bind (loopback only).")
    parser.add_argument("-p", "--port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)), help="Port.")
    args = parser.parse_args(argv if argv is not None else sys.argv[1:])
    # the token identifies this server to its starter; child processes do not need it
    token = os.environ.pop(TOKEN_ENV, None)
    os.environ.setdefault("MOTO_PORT", str(args.port))  # moto puts it into the URLs it returns

    install()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    def stop(_signum: int, _frame: object) -> None:
        sys.exit(0)

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    app = LoopbackGuard(DomainDispatcherApplication(create_backend_app), token)
    run_simple(args.host, args.port, app, threaded=True, request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
