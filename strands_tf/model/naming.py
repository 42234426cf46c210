"""Names: CDKTF-style logical ids, Terraform identifiers and AWS resource names."""

from __future__ import annotations

import hashlib
import re

_NOT_ALLOWED = re.compile(r"[^A-Za-z0-9_-]")
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")

# AWS name limits by kind of resource
NAME_LIMITS = {
    "lambda": 64, "iam_role": 64, "dynamodb": 255, "sqs": 80, "sns": 256, "s3": 63, "api": 128,
    "s3_prefix": 50,  # leaves room for "-<12-digit account id>"
}  # fmt: skip


def logical_id(path: list[str]) -> str:
    """CDKTF logical id of a construct path below its stack.

    Top-level constructs keep their id (characters other than letters, digits, '-' and '_' removed);
    nested ones get `Parent_Child_<first 8 hex of md5(path), upper case>` as CDKTF's makeUniqueId does.
    """
    if not path:
        raise ValueError("a construct path needs at least one component")
    if len(path) == 1:
        return _NOT_ALLOWED.sub("", path[0])
    deduped: list[str] = []
    for part in path:
        if not deduped or deduped[-1] != part:
            deduped.append(part)
    human = "_".join(_NOT_ALNUM.sub("", p) for p in deduped if p)
    digest = hashlib.md5("/".join(path).encode(), usedforsecurity=False).hexdigest()[:8].upper()
    return f"{human}_{digest}"


def template_literal(text: str) -> str:
    """User text as a Terraform string that means exactly that text (`${` and `%{` escaped).

    Terraform reads every string of a configuration, JSON syntax included, as a template: an environment
    value `${HOME}` or a description with `%{` would otherwise become an expression or a directive.
    """
    return text.replace("${", "$${").replace("%{", "%%{")


def env_var_prefix(name: str) -> str:
    """`my-queue` -> `MY_QUEUE` (environment variable stem for a resource)."""
    return re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")


def aws_name(kind: str, *parts: str) -> str:
    """A deterministic AWS name `<project>-<env>-<element>` fitted to the kind's rules and length."""
    raw = "-".join(p for p in parts if p)
    if kind in ("s3", "s3_prefix"):
        raw = re.sub(r"[^a-z0-9.-]+", "-", raw.lower()).strip("-.")
    limit = NAME_LIMITS.get(kind, 64)
    if len(raw) <= limit:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{raw[: limit - 9].rstrip('-_.')}-{digest}"
