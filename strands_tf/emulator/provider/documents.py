"""JSON documents held in string attributes, compared the way hashicorp/aws compares them.

The real provider suppresses a diff between two documents that mean the same, and after a read keeps the
string the state already had when AWS returns an equivalent one (``verify.PolicyToSet``). Two rules apply:

- IAM policy documents (``policy``, ``assume_role_policy``, ...): ``verify.SuppressEquivalentPolicyDiffs``,
  i.e. the ``awspolicyequivalence`` library. ``Version`` and ``Id`` must match; statements match as a set;
  within a statement ``Sid`` matches exactly, ``Effect`` ignoring case, ``Action``/``Resource`` (and their
  ``Not`` forms) and condition values as sets where a single string equals a one-element list; principals
  match as strings or as maps of sets, an account id matching its ``arn:<partition>:iam::<id>:root``.
  Empty and ``{}`` documents are equal.
- Any other JSON (redrive policies, delivery policies, filter policies): ``verify.SuppressEquivalentJSONDiffs``,
  equal after parsing (key order and whitespace ignored; list order and types kept).

A value that is not valid JSON is compared as a string.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

_ACCOUNT_ID = re.compile(r"^[0-9]{12}$")
_ROOT_ARN = re.compile(r"^arn:[a-z-]+:iam::([0-9]{12}):root$")
_STRING_SET_KEYS = ("Action", "NotAction", "Resource", "NotResource")


_INVALID = object()  # what _parse returns for text that is not JSON


def _parse(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return _INVALID


def json_equivalent(a: Any, b: Any) -> bool:
    """Two JSON documents equal after parsing (the real provider's SuppressEquivalentJSONDiffs)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return a == b
    if a == b:
        return True
    doc_a, doc_b = _parse(a), _parse(b)
    if doc_a is _INVALID or doc_b is _INVALID:
        return False
    return _same_json(doc_a, doc_b)


def _same_json(a: Any, b: Any) -> bool:
    # Python's == makes True equal 1; JSON does not
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same_json(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same_json(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def policies_equivalent(a: Any, b: Any) -> bool:
    """Two IAM policy documents equivalent as the real provider judges them (awspolicyequivalence)."""
    if not isinstance(a, str) or not isinstance(b, str):
        return a == b
    if a.strip() in ("", "{}") and b.strip() in ("", "{}"):
        return True
    if a == b:
        return True
    doc_a, doc_b = _policy(_parse(a)), _policy(_parse(b))
    if doc_a is None or doc_b is None:
        return False
    if doc_a["Version"] != doc_b["Version"] or doc_a["Id"] != doc_b["Id"]:
        return False
    ours, theirs = doc_a["Statement"], doc_b["Statement"]
    if len(ours) != len(theirs):
        return False
    return all(any(_statements_equal(s, t) for t in theirs) for s in ours) and all(
        any(_statements_equal(t, s) for s in ours) for t in theirs
    )


def _policy(doc: Any) -> dict[str, Any] | None:
    """Version, Id and the statements as a list; None when `doc` is not a policy document."""
    if not isinstance(doc, dict):
        return None
    statements = doc.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        return None
    return {"Version": doc.get("Version") or "", "Id": doc.get("Id") or "", "Statement": statements}


def _string_set(value: Any) -> list[str] | None:
    """A string or a list of strings as a sorted list; None for anything else."""
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return sorted(value)
    return None


def _condition_values(value: Any) -> set[str] | None:
    """Condition values as a set of strings (AWS stores booleans and numbers as their text)."""
    items = value if isinstance(value, list) else [value]
    out: set[str] = set()
    for item in items:
        if isinstance(item, bool):
            out.add("true" if item else "false")
        elif isinstance(item, (str, int, float)):
            out.add(str(item))
        else:
            return None
    return out


def _conditions_equal(a: Any, b: Any) -> bool:
    if (a is None) != (b is None):
        return False
    if a is None:
        return True
    if not isinstance(a, Mapping) or not isinstance(b, Mapping) or a.keys() != b.keys():
        return False
    for operator, entries in a.items():
        other = b[operator]
        if not isinstance(entries, Mapping) or not isinstance(other, Mapping) or entries.keys() != other.keys():
            return False
        for key, value in entries.items():
            mine, theirs = _condition_values(value), _condition_values(other[key])
            if mine is None or theirs is None or mine != theirs:
                return False
    return True


def _principal_equal(a: str, b: str) -> bool:
    """Equal principals; AWS turns an account id into its root ARN."""
    if a == b:
        return True
    for account, arn in ((a, b), (b, a)):
        match = _ROOT_ARN.match(arn)
        if _ACCOUNT_ID.match(account) and match and match.group(1) == account:
            return True
    return False


def _principal_sets_equal(a: list[str], b: list[str]) -> bool:
    return len(a) == len(b) and all(any(_principal_equal(x, y) for y in b) for x in a)


def _principals_equal(a: Any, b: Any) -> bool:
    if a is None and b is None:
        return True
    if isinstance(a, str) and isinstance(b, str):
        return _principal_equal(a, b)
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        ours = {k: v for k, v in ((k, _string_set(v)) for k, v in a.items()) if v != []}
        theirs = {k: v for k, v in ((k, _string_set(v)) for k, v in b.items()) if v != []}
        if ours.keys() != theirs.keys():
            return False
        for key, mine in ours.items():
            other = theirs[key]
            if mine is None or other is None or not _principal_sets_equal(mine, other):
                return False
        return True
    return False


def _statements_equal(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    if (a.get("Sid") or "") != (b.get("Sid") or ""):
        return False
    if str(a.get("Effect") or "").lower() != str(b.get("Effect") or "").lower():
        return False
    for key in _STRING_SET_KEYS:
        mine, theirs = _string_set(a.get(key)), _string_set(b.get(key))
        if mine is None or theirs is None or mine != theirs:
            return False
    if not _conditions_equal(a.get("Condition"), b.get("Condition")):
        return False
    return _principals_equal(a.get("Principal"), b.get("Principal")) and _principals_equal(
        a.get("NotPrincipal"), b.get("NotPrincipal")
    )
