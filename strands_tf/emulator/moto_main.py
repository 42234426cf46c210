"""The emulator's moto server: moto with bucket-policy conditions evaluated the way AWS evaluates them.

moto 5.x checks a bucket policy on every object request but cannot evaluate most condition operators
(``Bool``, ``Arn*``, ``Numeric*``, ...) and then treats the statement as matching. The usual TLS-only
statement (``Deny s3:*`` when ``aws:SecureTransport`` is ``false``) therefore denies every PutObject,
GetObject and DeleteObject, although AWS (always reached over TLS) never applies it. Here the conditions
of each statement are evaluated first against what AWS knows about a request the emulator stands in for
(TLS, the caller's account); statements whose conditions do not hold are dropped, the rest are handed to
moto's own evaluation without their conditions. Operators not understood here keep moto's behaviour.

Run as ``python -m strands_tf.emulator.moto_main -H 127.0.0.1 -p PORT`` (the arguments of ``moto_server``).
"""

from __future__ import annotations

import fnmatch
import json
import sys
from collections.abc import Mapping
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


def main(argv: list[str] | None = None) -> None:
    """``moto_server`` with the patch installed."""
    install()
    from moto.server import main as moto_main

    moto_main(argv if argv is not None else sys.argv[1:])


if __name__ == "__main__":
    main()
