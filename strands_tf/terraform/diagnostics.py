"""Classify Terraform diagnostics into a short explanation and a next step.

Terraform reports problems as ``diagnostic`` events (``-json`` UI), as the ``diagnostics`` list of
``validate -json``, or as ``Error: ...`` blocks on stderr. All three become :class:`Diagnostic`;
:func:`classify` names the kind of failure (state lock, credentials, permissions, ...) and
:func:`error_from_run` builds the :class:`TerraformError` the runner raises, keeping every original
summary, detail, address and source range.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from strands_tf import error_codes
from strands_tf.errors import Category, StrandsError

__all__ = [
    "Classification",
    "Diagnostic",
    "LockInfo",
    "TerraformError",
    "classify",
    "classify_all",
    "error_from_run",
    "parse_lock_info",
    "parse_text_diagnostics",
]


@dataclass(frozen=True)
class Diagnostic:
    """One Terraform diagnostic with its original text and location."""

    severity: str
    summary: str
    detail: str = ""
    address: str | None = None
    range: Mapping[str, Any] | None = None
    snippet: Mapping[str, Any] | None = None

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Diagnostic:
        """Build from the ``diagnostic`` object of a UI event or ``validate -json``."""
        return cls(
            severity=str(data.get("severity") or "error"),
            summary=str(data.get("summary") or ""),
            detail=str(data.get("detail") or ""),
            address=data.get("address") or None,
            range=data.get("range") or None,
            snippet=data.get("snippet") or None,
        )

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Diagnostic | None:
        """Build from a machine-readable UI event, or None when it is not a diagnostic."""
        if event.get("type") != "diagnostic" or not isinstance(event.get("diagnostic"), Mapping):
            return None
        return cls.from_json(event["diagnostic"])

    @property
    def is_error(self) -> bool:
        return self.severity == "error"

    @property
    def location(self) -> str | None:
        """``file:line`` of the source range, when Terraform gave one."""
        if not self.range:
            return None
        filename = self.range.get("filename")
        start = self.range.get("start") or {}
        line = start.get("line") if isinstance(start, Mapping) else None
        if not filename:
            return None
        return f"{filename}:{line}" if line else str(filename)

    @property
    def text(self) -> str:
        """Summary and detail as one string (what the patterns are matched against)."""
        return f"{self.summary}\n{self.detail}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"severity": self.severity, "summary": self.summary, "detail": self.detail}
        if self.address:
            out["address"] = self.address
        if self.range:
            out["range"] = dict(self.range)
        return out

    def format(self) -> str:
        """Human form close to Terraform's own: ``Error: summary (where)`` then the detail."""
        head = f"{self.severity.capitalize()}: {self.summary}"
        where = ", ".join(p for p in (self.address, self.location) if p)
        if where:
            head += f" ({where})"
        return f"{head}\n{self.detail}".rstrip()


@dataclass(frozen=True)
class LockInfo:
    """Who holds a Terraform state lock, as printed in ``Error acquiring the state lock``."""

    id: str | None = None
    path: str | None = None
    operation: str | None = None
    who: str | None = None
    version: str | None = None
    created: str | None = None
    info: str | None = None

    def to_dict(self) -> dict[str, str | None]:
        return {
            "id": self.id,
            "path": self.path,
            "operation": self.operation,
            "who": self.who,
            "version": self.version,
            "created": self.created,
            "info": self.info,
        }


@dataclass(frozen=True)
class Classification:
    """What kind of failure a diagnostic is, in plain words, and what to do next."""

    kind: str
    category: Category
    explanation: str
    next_step: str
    data: Mapping[str, Any] = field(default_factory=dict)


class TerraformError(StrandsError):
    """A Terraform command failed; carries the classified diagnostics and the original output."""

    def __init__(
        self,
        summary: str,
        *,
        command: str,
        returncode: int | None,
        diagnostics: list[Diagnostic],
        classification: Classification,
        stderr: str = "",
        detail: str | None = None,
    ) -> None:
        data: dict[str, Any] = {
            "kind": classification.kind,
            "command": command,
            "returncode": returncode,
            "diagnostics": [d.to_dict() for d in diagnostics],
        }
        data.update(classification.data)
        super().__init__(
            summary,
            detail=detail,
            hint=classification.next_step,
            category=classification.category,
            data=data,
        )
        self.command = command
        self.returncode = returncode
        self.diagnostics = diagnostics
        self.classification = classification
        self.stderr = stderr


# --- classification -------------------------------------------------------------------------------
# The kinds, their categories, patterns and next steps are the one table in strands_tf/error_codes.py,
# shared with the AWS error converter.

_LOCK_FIELD = re.compile(
    r"^\s*(ID|Path|Operation|Who|Version|Created|Info):[ \t]*(.*?)\s*$",
    re.M,
)
_AWS_ACTION = re.compile(r"not authorized to perform:?\s*([A-Za-z0-9-]+:[A-Za-z0-9*]+)")


def parse_lock_info(text: str) -> LockInfo | None:
    """Read the ``Lock Info:`` block Terraform prints with a state lock error."""
    found: dict[str, str] = {}
    for key, value in _LOCK_FIELD.findall(text):
        found.setdefault(key.lower(), value)
    if not found:
        return None
    return LockInfo(**{k: (v or None) for k, v in found.items()})


def classify(diag: Diagnostic) -> Classification:
    """Name the kind of one diagnostic and give the next step (see :mod:`strands_tf.error_codes`).

    Terraform situations that quote an AWS error (a state lock, a missing state bucket) come first; then
    the AWS error code the diagnostic quotes, classified exactly as boto3's errors are; then the
    table's text patterns; a diagnostic with a source range is a configuration error; else `terraform`.
    """
    text = diag.text
    found = error_codes.kind_of_text(text, summary=diag.summary, before_codes=True)
    code: str | None = None
    if found is None:
        quoted = error_codes.quoted_aws_error(text)
        if quoted is not None:
            code, status, message = quoted
            found = error_codes.kind_of_code(code, status, message)
            if found.name == "other":  # a code the table does not know: its words may still tell
                found = error_codes.kind_of_text(text, summary=diag.summary, before_codes=False) or found
    if found is None:
        found = error_codes.kind_of_text(text, summary=diag.summary, before_codes=False)
    if found is None:
        configuration = error_codes.kind("configuration")
        assert configuration.summary is not None
        found = configuration if diag.range or configuration.summary.search(text) else error_codes.kind("terraform")
    return _classification(found, diag, code)


_CHECK_FAILED = re.compile(
    r"(?:Resource|Module output value|Output value) (?:pre|post)condition failed|Check block "
    r"assertion failed"
)


def _classification(found: error_codes.FailureKind, diag: Diagnostic, code: str | None) -> Classification:
    where = ", ".join(p for p in (diag.address, diag.location) if p)
    at = f" at {where}" if where else ""
    data: dict[str, Any] = {"aws_code": code} if code else {}
    context: dict[str, str] = {}
    what = ""
    explanation: str | None = None
    if found.name == "state_lock":
        lock = parse_lock_info(diag.text)
        if lock is not None:
            data["lock"] = lock.to_dict()
        if lock and lock.id:
            holder = lock.who or "an unknown holder"
            since = f" since {lock.created}" if lock.created else ""
            op = f" ({lock.operation})" if lock.operation else ""
            explanation = f"The state is locked by {holder}{op}{since}, lock ID {lock.id}."
            context = {"lock_id": lock.id, "holder": holder}
    elif found.name == "configuration" and _CHECK_FAILED.match(diag.summary) and diag.detail.strip():
        # a module's own check (precondition, postcondition, check block): its message is the reason
        message = " ".join(diag.detail.split())
        explanation = f"A check of the configuration failed{at}: {message}"
    elif found.name == "permissions":
        action = _AWS_ACTION.search(diag.text)
        if action:
            what = f" ({action.group(1)})"
            data["action"] = action.group(1)
    if explanation is None:
        explanation = found.explanation.format(at=at, what=what)
    return Classification(found.name, found.category, explanation, found.next_step(code, **context), data)


# Rank kinds so one run's many diagnostics produce one headline: a root cause beats its echo
# ("execution halted" follows every interrupted provisioner; a lock error beats a config warning).
_RANK = {
    "state_lock": 0,
    "expired": 1,
    "invalid_credentials": 1,
    "credentials": 1,
    "permissions": 2,
    "throttling": 3,
    "quota": 3,
    "already_exists": 4,
    "conflict": 4,
    "provider": 5,
    "state_bucket": 5,
    "not_found": 6,
    "network": 6,
    "server": 6,
    "stale_plan": 7,
    "init_required": 7,
    "invalid_request": 8,
    "configuration": 8,
    "interrupted": 9,
    "timeout": 9,
    "provisioner": 10,
    "other": 11,
    "terraform": 11,
}


def classify_all(diags: Iterable[Diagnostic]) -> tuple[Diagnostic | None, Classification | None]:
    """The most telling error among many diagnostics, with its classification."""
    best: tuple[int, int, Diagnostic, Classification] | None = None
    for i, diag in enumerate(d for d in diags if d.is_error):
        c = classify(diag)
        key = (_RANK.get(c.kind, 99), i)
        if best is None or key < best[:2]:
            best = (key[0], key[1], diag, c)
    if best is None:
        return None, None
    return best[2], best[3]


_TEXT_HEAD = re.compile(r"^(Error|Warning): (.+)$")
_BOX = re.compile(r"^[│╷╵]\s?")


def parse_text_diagnostics(text: str) -> list[Diagnostic]:
    """Parse ``Error: ...`` / ``Warning: ...`` blocks of Terraform's human output (stderr)."""
    lines = [_BOX.sub("", line.rstrip("\r")) for line in _strip_ansi(text).splitlines()]
    out: list[Diagnostic] = []
    current: tuple[str, str] | None = None
    body: list[str] = []

    def flush() -> None:
        if current is None:
            return
        detail, rng = _split_location(body)
        out.append(Diagnostic(severity=current[0], summary=current[1], detail=detail, range=rng))

    for line in lines:
        m = _TEXT_HEAD.match(line.strip())
        if m:
            flush()
            current = (m.group(1).lower(), m.group(2).strip())
            body = []
        elif current is not None:
            body.append(line)
    flush()
    return out


_ON_LINE = re.compile(r"^\s*on (\S+) line (\d+)")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def _split_location(body: list[str]) -> tuple[str, dict[str, Any] | None]:
    """Separate the ``on FILE line N`` source excerpt from the detail text."""
    rng: dict[str, Any] | None = None
    kept: list[str] = []
    in_excerpt = False
    for line in body:
        m = _ON_LINE.match(line)
        if m and rng is None:
            rng = {"filename": m.group(1), "start": {"line": int(m.group(2))}}
            in_excerpt = True
            continue
        if in_excerpt:
            # the excerpt is the numbered source lines after "on ... line N"; a blank line ends it
            if not line.strip():
                in_excerpt = False
            continue
        kept.append(line)
    return "\n".join(kept).strip(), rng


def error_from_run(
    command: str,
    *,
    returncode: int | None,
    diagnostics: list[Diagnostic],
    stderr: str = "",
) -> TerraformError:
    """Build the error for a failed Terraform command from its diagnostics and stderr."""
    diags = list(diagnostics)
    if not any(d.is_error for d in diags):
        diags.extend(parse_text_diagnostics(stderr))
    main, classification = classify_all(diags)
    if main is None or classification is None:
        tail = "\n".join(stderr.strip().splitlines()[-20:])
        main = Diagnostic(severity="error", summary=f"exit code {returncode}", detail=tail)
        classification = classify(main)
        if classification.kind == "configuration":
            # a range-less, pattern-less failure is not known to be the user's configuration
            fallback = error_codes.kind("terraform")
            classification = Classification(fallback.name, fallback.category, "Terraform failed.", fallback.next_step())
        diags.append(main)
    summary = f"terraform {command} failed: {main.summary}"
    if main.address:
        summary += f" ({main.address})"
    detail_parts = [classification.explanation, ""]
    detail_parts.extend(d.format() for d in diags if d.is_error)
    return TerraformError(
        summary,
        command=command,
        returncode=returncode,
        diagnostics=diags,
        classification=classification,
        stderr=stderr,
        detail="\n".join(detail_parts).strip(),
    )
