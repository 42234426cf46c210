"""Scrub text before it leaves the machine: `history.redact` patterns and known sensitive values."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

REDACTED = "(redacted)"
SENSITIVE = "(sensitive)"
# Shorter sensitive values are only replaced as whole JSON strings: replacing "1" or "true" everywhere
# would destroy the record without protecting anything.
MIN_SUBSTRING = 8

# Always on: credentials that must never be written to a history record whatever the configuration says.
BUILTIN_PATTERNS: tuple[str, ...] = (
    r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b",  # AWS access key ids
    r"-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z ]*PRIVATE KEY-----",
)
# a cheap substring test per built-in pattern: the regex only runs where it could match
_BUILTIN_GUARDS: tuple[tuple[str, ...], ...] = (("AKIA", "ASIA"), ("PRIVATE KEY",))


@dataclass
class Redactor:
    """Replaces regex matches with "(redacted)" and known secrets with "(sensitive)"; counts what it did."""

    patterns: list[str] = field(default_factory=list)
    secrets: set[str] = field(default_factory=set)
    builtin: bool = True

    def __post_init__(self) -> None:
        builtin = list(zip(BUILTIN_PATTERNS, _BUILTIN_GUARDS, strict=True)) if self.builtin else []
        self._regexes: list[tuple[re.Pattern[str], tuple[str, ...]]] = [(re.compile(p), g) for p, g in builtin]
        self._regexes += [(re.compile(p), ()) for p in self.patterns]
        self._literals: list[str] = []
        self._exact_json: list[str] = []
        self.rebuild()

    def add_secrets(self, values: Iterable[str]) -> None:
        """Learn more sensitive values (from tfstate, plan files, the caller)."""
        before = len(self.secrets)
        self.secrets.update(v for v in values if isinstance(v, str) and v and v != SENSITIVE)
        if len(self.secrets) != before:
            self.rebuild()

    def rebuild(self) -> None:
        longs: set[str] = set()
        exact: set[str] = set()
        for secret in self.secrets:
            forms = {secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
            if len(secret) >= MIN_SUBSTRING:
                longs.update(f for f in forms if f)
            else:
                exact.update('"' + f + '"' for f in forms)
        # longest first, so a secret containing another is replaced whole
        self._literals = sorted(longs, key=len, reverse=True)
        self._exact_json = sorted(exact, key=len, reverse=True)
        alternatives = [re.escape(s) for s in self._literals]
        self._literal_re = re.compile("|".join(alternatives)) if alternatives else None
        exact_alt = [re.escape(s) for s in self._exact_json]
        self._exact_re = re.compile("|".join(exact_alt)) if exact_alt else None

    @property
    def active(self) -> bool:
        """Whether anything could be replaced at all."""
        return bool(self._regexes or self._literal_re or self._exact_re)

    def text(self, value: str) -> tuple[str, int]:
        """The scrubbed text and the number of replacements."""
        count = 0
        if self._literal_re is not None:
            value, n = self._literal_re.subn(SENSITIVE, value)
            count += n
        if self._exact_re is not None:
            value, n = self._exact_re.subn('"' + SENSITIVE + '"', value)
            count += n
        for regex, guards in self._regexes:
            if guards and not any(g in value for g in guards):
                continue
            value, n = regex.subn(REDACTED, value)
            count += n
        return value, count

    def data(self, raw: bytes) -> tuple[bytes, int]:
        """Scrub bytes that are UTF-8 text; anything else (zips, images) is returned as is."""
        try:
            decoded = raw.decode("utf-8")
        except UnicodeDecodeError:
            return raw, 0
        if "\x00" in decoded:
            return raw, 0
        scrubbed, count = self.text(decoded)
        return (scrubbed.encode("utf-8"), count) if count else (raw, 0)
