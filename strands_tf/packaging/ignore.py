"""gitignore-style patterns: which files of an agent's directory stay out of its package.

Patterns follow gitignore: ``name`` matches at any depth, ``dir/`` only directories, a pattern with a
``/`` (``/data``, ``lib/data/*.csv``) is anchored at the directory it belongs to, ``*`` and ``?`` never
cross ``/``, ``**`` spans directories, ``!pattern`` takes a file back, ``#`` starts a comment in a
``.gitignore`` and ``\\#`` / ``\\!`` escape. The last matching pattern decides; a file in an excluded
directory stays out (the directory is never read), as in git.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .spec import PackagingError

log = logging.getLogger(__name__)

GITIGNORE = ".gitignore"
# a .gitignore bigger than this is not a .gitignore: read no more than this much of it
MAX_GITIGNORE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Rule:
    """One compiled pattern."""

    regex: re.Pattern[str]
    negated: bool
    dir_only: bool
    anchored: bool

    def matches(self, path: str, name: str, is_dir: bool) -> bool:
        """Whether the entry (``path`` relative to the pattern's directory) matches."""
        if self.dir_only and not is_dir:
            return False
        return self.regex.match(path if self.anchored else name) is not None


@functools.lru_cache(maxsize=2048)
def compile_rule(raw: str) -> Rule | None:
    """A pattern as written in a `.gitignore` or an `exclude:` list; None for blank lines and comments."""
    pattern = raw.rstrip("\n\r")
    if not pattern.strip() or pattern.startswith("#"):
        return None
    pattern = _strip_trailing_spaces(pattern)
    negated = pattern.startswith("!")
    if negated or pattern.startswith(("\\!", "\\#")):
        pattern = pattern[1:]
    dir_only = pattern.endswith("/")
    body = pattern.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    if not body:
        raise PackagingError(
            f"exclude pattern {raw!r} is empty",
            hint="Write a glob such as 'docs/', '*.csv' or 'data/raw/*'.",
        )
    if body.startswith("**/") and "/" not in body[3:]:
        body, anchored = body[3:], False  # `**/name` is `name` at any depth
    return Rule(re.compile(_translate(body) + r"\Z", re.S), negated, dir_only, anchored)


def _strip_trailing_spaces(pattern: str) -> str:
    """Trailing spaces are ignored unless escaped with a backslash."""
    end = len(pattern)
    while end > 0 and pattern[end - 1] == " " and not (end > 1 and pattern[end - 2] == "\\"):
        end -= 1
    return pattern[:end]


def _translate(body: str) -> str:
    """A gitignore glob as a regular expression over a posix path."""
    out: list[str] = []
    i, n = 0, len(body)
    while i < n:
        c = body[i]
        if c == "*":
            if body.startswith("**", i):
                at_start = i == 0 or body[i - 1] == "/"
                if at_start and body.startswith("**/", i):
                    out.append("(?:.*/)?")  # zero or more directories
                    i += 3
                    continue
                if at_start and i + 2 == n:
                    out.append(".*")  # everything inside
                    i += 2
                    continue
            while i < n and body[i] == "*":
                i += 1
            out.append("[^/]*")
            continue
        if c == "?":
            out.append("[^/]")
        elif c == "[":
            end = body.find("]", i + 2 if body[i + 1 : i + 2] in ("!", "^", "]") else i + 1)
            if end == -1:
                out.append(re.escape(c))
            else:
                inner = body[i + 1 : end]
                if inner[:1] in ("!", "^"):
                    inner = "^" + inner[1:]
                out.append("[" + inner.replace("\\", "\\\\") + "]")
                i = end
        elif c == "\\" and i + 1 < n:
            i += 1
            out.append(re.escape(body[i]))
        else:
            out.append(re.escape(c))
        i += 1
    return "".join(out)


@dataclass
class RuleSet:
    """Patterns that belong to one directory: ``scope`` inside the packaged tree ("" = its root), or an
    ancestor of it, reached by prefixing entries with ``prefix`` (the tree's path from that ancestor)."""

    rules: list[Rule]
    scope: str = ""
    prefix: str = ""
    source: str = "exclude"

    def applies_to(self, relpath: str) -> bool:
        return not self.scope or relpath.startswith(self.scope + "/")

    def verdict(self, relpath: str, name: str, is_dir: bool) -> bool | None:
        """True (excluded) / False (taken back) by the last matching rule, None when none matches."""
        rel = relpath[len(self.scope) + 1 :] if self.scope else relpath
        path = f"{self.prefix}/{rel}" if self.prefix else rel
        result: bool | None = None
        for rule in self.rules:
            if rule.matches(path, name, is_dir):
                result = not rule.negated
        return result


def rule_set(patterns: Iterable[str], *, scope: str = "", prefix: str = "", source: str = "exclude") -> RuleSet:
    """Compile patterns (blank lines and comments skipped)."""
    rules = [rule for raw in patterns if (rule := compile_rule(raw)) is not None]
    return RuleSet(rules, scope, prefix, source)


def read_gitignore(path: Path, *, scope: str = "", prefix: str = "") -> RuleSet | None:
    """The patterns of one `.gitignore` (None when there is none or it cannot be read)."""
    try:
        with path.open("rb") as fh:
            raw = fh.read(MAX_GITIGNORE_BYTES + 1)
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except OSError as exc:
        log.warning("ignoring %s: %s", path, exc.strerror or exc)
        return None
    if len(raw) > MAX_GITIGNORE_BYTES:
        log.warning("ignoring %s: larger than %d bytes", path, MAX_GITIGNORE_BYTES)
        return None
    lines = raw.decode("utf-8", "replace").splitlines()
    return rule_set(lines, scope=scope, prefix=prefix, source=str(path))


@dataclass
class Excluder:
    """Decides, for each entry of the packaged tree, whether it stays out.

    ``protected`` patterns always exclude (secrets and state: nothing takes them back). Otherwise the
    last match wins across, in order: ``defaults``, the `.gitignore` files from ``gitignore_root`` down
    to the tree (then deeper ones found while walking), and ``excludes`` (so `exclude:` can take back
    what a `.gitignore` leaves out).
    """

    protected: RuleSet
    base: list[RuleSet]
    excludes: RuleSet
    read_nested: bool = False
    nested: list[RuleSet] = field(default_factory=list)

    @classmethod
    def build(
        cls,
        root: Path,
        *,
        defaults: Sequence[str] = (),
        excludes: Sequence[str] = (),
        protected: Sequence[str] = (),
        gitignore_root: Path | None = None,
    ) -> Excluder:
        """Rules for the tree at ``root``; `.gitignore` files are read only when ``gitignore_root`` is given."""
        base = [rule_set(defaults, source="defaults")]
        if gitignore_root is not None:
            base.extend(_ancestor_gitignores(root, gitignore_root))
        return cls(
            protected=rule_set(protected, source="protected"),
            base=base,
            excludes=rule_set(excludes, source="exclude"),
            read_nested=gitignore_root is not None,
        )

    def enter(self, directory: Path, relpath: str) -> None:
        """Note the `.gitignore` of a directory of the tree (not its root) as the walk enters it."""
        if self.read_nested and relpath:
            found = read_gitignore(directory / GITIGNORE, scope=relpath)
            if found is not None and found.rules:
                self.nested.append(found)
                self.nested.sort(key=lambda s: s.scope.count("/"))  # deeper files override shallower ones

    def excluded(self, relpath: str, name: str, is_dir: bool) -> bool:
        """Whether the entry at ``relpath`` (posix, relative to the tree's root) stays out."""
        if self.protected.verdict(relpath, name, is_dir):
            return True
        result = False
        for rules in (*self.base, *(s for s in self.nested if s.applies_to(relpath)), self.excludes):
            verdict = rules.verdict(relpath, name, is_dir)
            if verdict is not None:
                result = verdict
        return result


def _ancestor_gitignores(root: Path, top: Path) -> list[RuleSet]:
    """`.gitignore` files from ``top`` down to ``root`` (inclusive), when ``root`` is inside ``top``."""
    try:
        real_root, real_top = root.resolve(), top.resolve()
        rel = real_root.relative_to(real_top)
    except (OSError, ValueError):
        rel = None
    if rel is None:
        # an agent outside the project: only its own .gitignore applies
        found = read_gitignore(root / GITIGNORE)
        return [found] if found is not None else []
    parts = rel.parts
    out: list[RuleSet] = []
    for depth in range(len(parts) + 1):
        directory = real_top.joinpath(*parts[:depth])
        found = read_gitignore(directory / GITIGNORE, prefix="/".join(parts[depth:]))
        if found is not None:
            out.append(found)
    return out
