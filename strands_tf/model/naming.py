"""Names: CDKTF-style logical ids, Terraform identifiers and AWS resource names."""

from __future__ import annotations

import hashlib
import re

_NON_ALNUM = re.compile(r"[^A-Za-z0-9_-]")
_MAX_ID = 255
_MAX_HUMAN = 240
_HASH_LEN = 8

# AWS name limits by kind of resource
NAME_LIMITS = {
    "lambda": 64, "iam_role": 64, "dynamodb": 255, "s3": 63, "api": 128,
    "sqs": 71,  # SQS allows 80: the sqs-queue module appends "-dlq" and ".fifo" (modules/sqs-queue/variables.tf)
    "sns": 251,  # SNS allows 256: the sns-topic module appends ".fifo"
    "s3_prefix": 50,  # leaves room for "-<12-digit account id>"
    "alarm": 160,  # a prefix: "-<model id>-throttles" follows
    "dashboard": 255,
    "xray_rule": 32,
}  # fmt: skip


def logical_id(components: list[str]) -> str:
    """CDKTF's logical id rule: one component as is; several → ``A_B_<8 hex of md5("A/B")>``."""
    components = [c for c in components if c and c != "Default"]
    if not components:
        raise ValueError("a construct path needs at least one component")
    if len(components) == 1:
        candidate = _NON_ALNUM.sub("", components[0])
        if candidate and len(candidate) <= _MAX_ID:
            return candidate
    digest = hashlib.md5("/".join(components).encode(), usedforsecurity=False).hexdigest()
    deduped: list[str] = []
    for c in components:
        # CDKTF's removeDupes: skip a component the previous one ends with.
        if not deduped or not deduped[-1].endswith(c):
            deduped.append(c)
    human = "_".join(_NON_ALNUM.sub("", c) for c in deduped if c != "Resource")[:_MAX_HUMAN]
    return f"{human}_{digest[:_HASH_LEN].upper()}"


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
