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


# --- patterns ---------------------------------------------------------------------------------
# Order matters: the first matching rule wins, most specific first (a lock error mentions
# "ConditionalCheckFailed", a credentials error can mention "timeout" while refreshing tokens).

_LOCK = re.compile(r"Error (?:acquiring|releasing) the state lock|state lock|ConditionalCheckFailedException", re.I)
_CREDENTIALS = re.compile(
    r"no valid credential sources|NoCredentialProviders|ExpiredToken|InvalidClientTokenId|"
    r"security token included in the request is (?:invalid|expired)|InvalidAccessKeyId|"
    r"SignatureDoesNotMatch|UnrecognizedClientException|failed to refresh cached credentials|"
    r"validating provider credentials|(?:SSO )?(?:session|token) has expired|AuthFailure|"
    r"NoCredentialsError|Unable to locate credentials|InvalidToken",
    re.I,
)
_PERMISSIONS = re.compile(
    r"AccessDenied|UnauthorizedOperation|is not authorized to perform|"
    r"AuthorizationError|AuthorizationFailure|explicit deny|StatusCode: 403|Forbidden",
)
_THROTTLING = re.compile(
    r"LimitExceeded|Throttling|ThrottlingException|TooManyRequests|RequestLimitExceeded|"
    r"Rate exceeded|ServiceQuotaExceeded|QuotaExceeded|SlowDown|ProvisionedThroughputExceeded|"
    r"quota (?:has been )?exceeded",
    re.I,
)
_ALREADY_EXISTS = re.compile(
    r"EntityAlreadyExists|BucketAlreadyOwnedByYou|BucketAlreadyExists|ResourceConflictException|"
    r"ResourceAlreadyExists|AlreadyExistsException|InvalidPermission\.Duplicate|"
    r"InvalidGroup\.Duplicate|\balready exists\b",
    re.I,
)
_NETWORK = re.compile(
    r"dial tcp|no such host|i/o timeout|connection refused|connection reset|"
    r"TLS handshake timeout|network is unreachable|Client\.Timeout exceeded|"
    r"send request failed|context deadline exceeded|net/http: request canceled|"
    r"could not connect|temporary failure in name resolution",
    re.I,
)
_PROVIDER = re.compile(
    r"Failed to install provider|Failed to query available provider packages|"
    r"Failed to load plugin schemas|Plugin did not respond|plugin crashed|"
    r"The plugin encountered an error|Failed to instantiate provider|Could not load plugin|"
    r"Incompatible provider version|Required plugins are not installed|"
    r"Inconsistent dependency lock file|Provider produced (?:inconsistent|invalid)|"
    r"Missing required provider|provider registry|Failed to resolve provider packages",
    re.I,
)
_NOT_FOUND = re.compile(
    r"NoSuchBucket|S3 bucket \"?[^\s\"]*\"? does not exist|ResourceNotFoundException|NoSuchEntity|"
    r"NotFoundException|NoSuchKey|InvalidParameterValue: .*not found|\bdoes not exist\b",
)
_STATE_BACKEND = re.compile(r"workspaces|state|backend", re.I)
_STALE_PLAN = re.compile(r"Saved plan is stale|plan file can no longer be applied|Saved plan does not match", re.I)
_INTERRUPTED = re.compile(r"execution halted|operation canceled|Interrupt received", re.I)
_PROVISIONER = re.compile(r"local-exec provisioner error|remote-exec provisioner error|provisioner error", re.I)
_INIT_REQUIRED = re.compile(
    r"Backend initialization required|Module not installed|Backend configuration changed|"
    r"Initialization required|please run \"terraform init\"",
    re.I,
)
_CONFIGURATION = re.compile(
    r"Unsupported argument|Missing required argument|Reference to undeclared|Invalid reference|"
    r"Unsupported block type|Invalid expression|Argument or block definition required|"
    r"Unclosed configuration block|Duplicate (?:resource|output|variable|module|provider)|"
    r"Invalid value for (?:variable|input variable)|No value for required variable|"
    r"Unsupported attribute|Invalid function argument|Call to unknown function|Cycle:|"
    r"Invalid (?:block|attribute|character|index|template|count|for_each|resource)|"
    r"Incorrect attribute value type|Inconsistent conditional result types|Missing newline|"
    r"Syntax error|Invalid JSON|Unsupported Terraform Core version|Variables not allowed|"
    r"Invalid provider configuration|Unknown variable|Undeclared input variable|"
    r"Invalid backend configuration|Missing key/value separator|Invalid single-argument|"
    r"Failed to read file|Unreadable module directory",
    re.I,
)

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
    """Name the kind of one diagnostic and give the next step."""
    text = diag.text
    where = ", ".join(p for p in (diag.address, diag.location) if p)
    at = f" at {where}" if where else ""
    if _LOCK.search(text):
        lock = parse_lock_info(text)
        return _lock_classification(lock)
    if _CREDENTIALS.search(text):
        return Classification(
            "credentials",
            Category.CREDENTIALS,
            f"AWS rejected or could not find credentials{at}.",
            "Check the credentials for this environment (`aws sts get-caller-identity`; "
            "`aws sso login` when an SSO session expired), then run again.",
        )
    if _PERMISSIONS.search(text):
        action = _AWS_ACTION.search(text)
        what = f" ({action.group(1)})" if action else ""
        return Classification(
            "permissions",
            Category.PERMISSIONS,
            f"The deploying identity is not allowed to perform an action{what}{at}.",
            "Grant the missing permission to the deploying identity, or deploy with a role that has it, "
            "then run again.",
            {"action": action.group(1)} if action else {},
        )
    if _THROTTLING.search(text):
        return Classification(
            "throttling",
            Category.THROTTLING,
            f"AWS throttled the requests or a service quota was reached{at}.",
            "Wait a minute and run again; if a quota was reached, request an increase in the "
            "Service Quotas console or reduce the number of resources.",
        )
    if _ALREADY_EXISTS.search(text):
        return Classification(
            "already_exists",
            Category.CONFLICT,
            f"A resource with the same name already exists outside this deployment{at}.",
            "Rename the resource in strands.yaml, delete the existing one, or import it into the state "
            "(`terraform import`) so it is managed here.",
        )
    if _PROVIDER.search(text):
        return Classification(
            "provider",
            Category.DEPENDENCY,
            f"A Terraform provider could not be installed or failed while running{at}.",
            "Run `strands doctor` to check the engine, provider cache, mirrors and access to the provider "
            "registry; on an offline machine install the provider into a filesystem mirror.",
        )
    if _CONFIGURATION.search(diag.summary):
        # Terraform's own configuration errors have fixed summaries; test them before the broad
        # "does not exist" of AWS API errors ("Failed to read file: ... does not exist")
        return _configuration(at)
    if _NOT_FOUND.search(text):
        if "bucket" in text.lower() and _STATE_BACKEND.search(diag.summary):
            return Classification(
                "not_found",
                Category.NOT_FOUND,
                "The S3 bucket that holds the Terraform state does not exist.",
                "Create the state bucket (versioned, encrypted, public access blocked) or fix the bucket "
                "and region in the backend settings, then run again.",
            )
        return Classification(
            "not_found",
            Category.NOT_FOUND,
            f"Something this change needs does not exist in AWS{at}.",
            "Check the name, account and region; if it was deleted outside this deployment, run a plan "
            "again so Terraform recreates it.",
        )
    if _NETWORK.search(text):
        return Classification(
            "network",
            Category.NETWORK,
            f"A network call failed{at}.",
            "Check network access to the endpoint (DNS, proxy, VPN, firewall) and run again.",
        )
    if _STALE_PLAN.search(text):
        return Classification(
            "stale_plan",
            Category.STATE,
            "The saved plan no longer matches the state: something changed it after the plan was made.",
            "Run the plan again, review it, and apply the new plan.",
        )
    if _INTERRUPTED.search(text):
        return Classification(
            "interrupted",
            Category.PROVISIONING,
            "The run was interrupted; Terraform stopped gracefully and saved the state.",
            "Run the same command again to continue from the saved state.",
        )
    if _INIT_REQUIRED.search(text):
        return Classification(
            "init_required",
            Category.STATE,
            f"The working directory needs to be initialised again{at}.",
            "Run the command again; strands re-runs `terraform init` when the configuration changed.",
        )
    if _PROVISIONER.search(text):
        return Classification(
            "provisioner",
            Category.PROVISIONING,
            f"A provisioner command failed{at}.",
            "Read the command output above, fix the command or its inputs, then run again; resources "
            "created before the failure are kept in the state.",
        )
    if _CONFIGURATION.search(text) or diag.range:
        return _configuration(at)
    return Classification(
        "terraform",
        Category.PROVISIONING,
        f"Terraform reported an error{at}.",
        "Read the message from Terraform below; fix the cause and run again.",
    )


def _configuration(at: str) -> Classification:
    return Classification(
        "configuration",
        Category.CONFIGURATION,
        f"The Terraform configuration is invalid{at}.",
        "Fix the configuration at the location shown and run again.",
    )


def _lock_classification(lock: LockInfo | None) -> Classification:
    if lock and lock.id:
        holder = lock.who or "an unknown holder"
        since = f" since {lock.created}" if lock.created else ""
        op = f" ({lock.operation})" if lock.operation else ""
        explanation = f"The state is locked by {holder}{op}{since}, lock ID {lock.id}."
        next_step = (
            f"Wait for that run to finish. If it is gone (crashed or killed), check with {holder} and "
            f"then release the lock with `strands force-unlock {lock.id}`."
        )
    else:
        explanation = "The Terraform state is locked by another run."
        next_step = (
            "Wait for the other run to finish; if it is gone, release the lock with "
            "`strands force-unlock <LOCK_ID>` (the ID is in the message below)."
        )
    return Classification(
        "state_lock",
        Category.STATE,
        explanation,
        next_step,
        {"lock": lock.to_dict()} if lock else {},
    )


# Rank kinds so one run's many diagnostics produce one headline: a root cause beats its echo
# ("execution halted" follows every interrupted provisioner; a lock error beats a config warning).
_RANK = {
    "state_lock": 0,
    "credentials": 1,
    "permissions": 2,
    "throttling": 3,
    "already_exists": 4,
    "provider": 5,
    "not_found": 6,
    "network": 6,
    "stale_plan": 7,
    "init_required": 7,
    "configuration": 8,
    "interrupted": 9,
    "provisioner": 10,
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
            classification = Classification(
                "terraform", Category.PROVISIONING, "Terraform failed.", classification.next_step
            )
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
