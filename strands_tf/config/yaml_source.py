"""Read YAML into plain data plus the line and column of every key and value.

PyYAML's C composer gives nodes with marks quickly; we build the data ourselves so duplicate keys,
non-string keys and `${env:...}` interpolation are reported with their exact position.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from strands_tf.errors import ConfigIssue
from strands_tf.inputfile import MAX_CONFIG_BYTES, InputFileError, read_input

try:  # the C loader is 5-10x faster; the pure-Python one is a correct fallback
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

# Values produced by following aliases; bounds "billion laughs" documents that expand exponentially.
MAX_ALIAS_EXPANSION = 100_000
Path_ = tuple[str | int, ...]

_INTERP_RE = re.compile(r"\$(\$?)\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-(.*?))?\}")
_BAD_INTERP_RE = re.compile(r"(?<!\$)\$\{(?!env:[A-Za-z_][A-Za-z0-9_]*(:-.*?)?\})[^}]*\}")


@dataclass
class SourceMap:
    """Positions (1-based line, column) of values and keys in one file, by YAML path."""

    file: str
    values: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    keys: dict[Path_, tuple[int, int]] = field(default_factory=dict)
    # source text of plain scalars YAML turned into numbers (account ids lose leading zeros or read as octal)
    numbers: dict[Path_, str] = field(default_factory=dict)
    # paths whose value already has a reported problem (unset variable, unreadable scalar)
    broken: set[Path_] = field(default_factory=set)
    # where each scalar's text is: (start, end) character offsets in the file (to mask values in copies of it)
    spans: dict[Path_, tuple[int, int]] = field(default_factory=dict)

    def position(self, path: Path_, *, key: bool = False) -> tuple[int | None, int | None]:
        """Nearest known position for a path: the key itself, else the closest ancestor."""
        table = self.keys if key else self.values
        probe = tuple(path)
        while probe:
            if probe in table:
                return table[probe]
            if not key and probe in self.keys:
                return self.keys[probe]
            probe = probe[:-1]
        return self.values.get((), (1, 1))


@dataclass
class YamlDocument:
    """A parsed YAML file: its data, where each piece came from, and the problems found."""

    data: Any
    source: SourceMap
    issues: list[ConfigIssue]
    # lenient reading only: values left out because a ${env:NAME} they use is unset, and the issue each is
    unresolved: dict[Path_, ConfigIssue] = field(default_factory=dict)


class _Unresolved:
    """Stands for a value whose ${env:NAME} is unset while reading leniently: the key is left out."""


_UNRESOLVED = _Unresolved()


def _display_path(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


class _TooLarge(Exception):
    """The document expands (through aliases) beyond MAX_ALIAS_EXPANSION values."""

    def __init__(self, node: yaml.Node) -> None:
        super().__init__("alias expansion limit")
        self.node = node


class _Builder:
    def __init__(self, file: str, env: Mapping[str, str], *, lenient_env: bool = False) -> None:
        self.file = file
        self.env = env
        self.lenient_env = lenient_env
        self.source = SourceMap(file)
        self.issues: list[ConfigIssue] = []
        self.unresolved: dict[Path_, ConfigIssue] = {}
        self.constructor = _ScalarConstructor()
        self._seen: set[int] = set()
        self._active: set[int] = set()
        self._expanded = 0

    def issue(self, node: yaml.Node, path: Path_, message: str, hint: str | None = None) -> None:
        self.issues.append(
            ConfigIssue(
                self.file,
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                _display_path(path),
                message,
                hint,
            )
        )

    def build(self, node: yaml.Node, path: Path_) -> Any:
        self.source.values[path] = (node.start_mark.line + 1, node.start_mark.column + 1)
        if isinstance(node, yaml.ScalarNode):
            return self._scalar(node, path)
        key = id(node)
        if key in self._active:
            self.issue(node, path, "an alias refers to a mapping or list that contains it (recursive alias)")
            self.source.broken.add(path)
            return None
        if key in self._seen:
            self._expanded += 1 + len(node.value)
            if self._expanded > MAX_ALIAS_EXPANSION:
                raise _TooLarge(node)
        self._seen.add(key)
        self._active.add(key)
        try:
            if isinstance(node, yaml.MappingNode):
                return self._mapping(node, path)
            items = [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
            return [item for item in items if item is not _UNRESOLVED]
        finally:
            self._active.discard(key)

    def _scalar(self, node: yaml.ScalarNode, path: Path_) -> Any:
        self.source.spans[path] = (node.start_mark.index, node.end_mark.index)
        try:
            value = self.constructor.construct_object(node, deep=True)
            self.constructor.constructed_objects.clear()
        except (yaml.YAMLError, ValueError, OverflowError) as exc:
            # e.g. an unknown tag (!foo), bad !!binary data, or an !!int that is no number
            self.issue(node, path, f"cannot read this value: {getattr(exc, 'problem', None) or exc}")
            self.source.broken.add(path)
            return None
        if isinstance(value, int | float) and not isinstance(value, bool) and not node.style:  # plain, not quoted
            self.source.numbers[path] = node.value
        if isinstance(value, str) and "${" in value:
            value = self._interpolate(node, path, value)
        return value

    def _interpolate(self, node: yaml.Node, path: Path_, text: str) -> Any:
        bad = _BAD_INTERP_RE.search(text)
        if bad:
            self.issue(
                node,
                path,
                f"'{bad.group(0)}' is not a supported interpolation",
                "use ${env:NAME} or ${env:NAME:-default}; write $${...} for a literal ${...}",
            )
            self.source.broken.add(path)
            return text

        unset: list[ConfigIssue] = []

        def replace(match: re.Match[str]) -> str:
            escaped, name, default = match.group(1), match.group(2), match.group(3)
            if escaped:
                return match.group(0)[1:]
            if name in self.env:
                return self.env[name]
            if default is not None:
                return default
            unset.append(
                ConfigIssue(
                    self.file,
                    node.start_mark.line + 1,
                    node.start_mark.column + 1,
                    _display_path(path),
                    f"environment variable {name} is not set",
                    f"export {name}=... before running strands, or write ${{env:{name}:-default}}",
                )
            )
            return ""

        # `$${` is a literal `${` wherever it appears (not only before env:), as the hint promises
        value = "${".join(_INTERP_RE.sub(replace, part) for part in text.split("$${"))
        if not unset:
            return value
        self.source.broken.add(path)
        if self.lenient_env:
            # left out, so defaults apply; whoever needs this value asks for it (loader.require_resolved)
            self.unresolved[path] = unset[0]
            return _UNRESOLVED
        self.issues.extend(unset)
        return value

    def _mapping(self, node: yaml.MappingNode, path: Path_) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first_seen: dict[str, int] = {}
        for key_node, value_node in self._flatten_merge(node, path):
            if not isinstance(key_node, yaml.ScalarNode):
                self.issue(key_node, path, "mapping keys must be plain strings, not lists or mappings")
                continue
            key = key_node.value
            if key_node.tag not in (
                "tag:yaml.org,2002:str",
                "tag:yaml.org,2002:int",
                "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:float",
                "tag:yaml.org,2002:null",
            ):
                self.issue(key_node, (*path, key), f"unsupported key tag {key_node.tag}")
                continue
            if key in first_seen:
                self.issue(
                    key_node,
                    (*path, key),
                    f"duplicate key '{key}' (first defined on line {first_seen[key]})",
                    "YAML keeps only the last one; remove or rename one of them",
                )
                continue
            first_seen[key] = key_node.start_mark.line + 1
            child = (*path, key)
            self.source.keys[child] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            value = self.build(value_node, child)
            if value is not _UNRESOLVED:
                out[key] = value
        return out

    def _flatten_merge(self, node: yaml.MappingNode, path: Path_) -> list[tuple[yaml.Node, yaml.Node]]:
        """Apply YAML merge keys (`<<: *base`); explicit keys win over merged ones."""
        merged: list[tuple[yaml.Node, yaml.Node]] = []
        explicit: list[tuple[yaml.Node, yaml.Node]] = []
        for key_node, value_node in node.value:
            if key_node.tag == "tag:yaml.org,2002:merge":
                sources = value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
                for source in sources:
                    if not isinstance(source, yaml.MappingNode):
                        self.issue(source, path, "a merge key (<<) must point at a mapping")
                        continue
                    if id(source) in self._active:
                        self.issue(source, path, "a merge key (<<) refers to the mapping that contains it")
                        continue
                    self._active.add(id(source))
                    try:
                        merged.extend(self._flatten_merge(source, path))
                    finally:
                        self._active.discard(id(source))
            else:
                explicit.append((key_node, value_node))
        explicit_keys = {k.value for k, _ in explicit if isinstance(k, yaml.ScalarNode)}
        kept = [(k, v) for k, v in merged if not isinstance(k, yaml.ScalarNode) or k.value not in explicit_keys]
        return kept + explicit


class _ScalarConstructor(_Loader):  # type: ignore[misc,valid-type]
    """Turns one scalar node into a Python value with the safe loader's rules."""

    def __init__(self) -> None:
        super().__init__("")


def _too_large_issue(file: str, size: int | None) -> ConfigIssue:
    limit = f"{MAX_CONFIG_BYTES // (1024 * 1024)} MB"
    amount = f"is {size / (1024 * 1024):.1f} MB" if size is not None else f"is larger than {limit}"
    return ConfigIssue(
        file,
        None,
        None,
        "",
        f"the file {amount}; configuration files are limited to {limit}",
        "is this the right file? Split agents into agents/*/agent.yaml fragments if it really is",
    )


def _decode(raw: bytes, file: str) -> tuple[str | None, ConfigIssue | None]:
    if len(raw) > MAX_CONFIG_BYTES:
        return None, _too_large_issue(file, len(raw))
    if b"\x00" in raw[:8192] or b"\x00" in raw:
        offset = raw.index(b"\x00")
        line = raw.count(b"\n", 0, offset) + 1
        return None, ConfigIssue(
            file,
            line,
            None,
            "",
            "this is a binary file, not YAML (found a NUL byte)",
            "point strands at the directory that holds your strands.yaml: strands -C DIR ...",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        return None, ConfigIssue(
            file, line, col, "", f"not valid UTF-8 text (byte 0x{raw[exc.start]:02x})", "save the file as UTF-8"
        )
    return text, None


def parse_yaml(
    raw: bytes,
    file: str,
    env: Mapping[str, str],
    *,
    on_document: Callable[[Any], None] | None = None,
    lenient_env: bool = False,
) -> YamlDocument:
    """Parse one YAML document into data with positions; syntax errors become located issues.

    With ``lenient_env`` a value using an unset ``${env:NAME}`` is left out and listed in ``unresolved``
    instead of being an issue (for read-only commands that may not need it).
    """
    source = SourceMap(file)
    text, problem = _decode(raw, file)
    if problem is not None or text is None:
        return YamlDocument(None, source, [problem] if problem else [])
    try:
        nodes = list(yaml.compose_all(text, Loader=_Loader))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        col = mark.column + 1 if mark else None
        message = f"invalid YAML: {exc.problem or exc.context}"
        if exc.context and exc.problem:
            context = exc.context
            start = exc.context_mark
            if start is not None and mark is not None and start.line != mark.line:
                context += f" that starts at line {start.line + 1}, column {start.column + 1}"
            message = f"invalid YAML: {exc.problem} ({context})"
        hint = "check indentation, colons and quotes"
        if mark is not None and 0 <= mark.index < len(text) and text[mark.index] == "\t":
            message = "invalid YAML: a tab character; YAML indents with spaces only"
            hint = "replace the tabs with spaces"
        return YamlDocument(None, source, [ConfigIssue(file, line, col, "", message, hint)])
    except yaml.YAMLError as exc:
        return YamlDocument(None, source, [ConfigIssue(file, None, None, "", f"invalid YAML: {exc}")])
    except RecursionError:
        return YamlDocument(None, source, [ConfigIssue(file, None, None, "", "YAML nested too deeply")])
    if len(nodes) > 1:
        return YamlDocument(
            None,
            source,
            [
                ConfigIssue(
                    file,
                    _second_document_line(text, nodes[0].end_mark.line),
                    1,
                    "",
                    "the file holds more than one YAML document (---); strands reads exactly one",
                    "remove the --- line and merge the documents, or move agents to agents/*/agent.yaml",
                )
            ],
        )
    if not nodes:
        return YamlDocument(
            None, source, [ConfigIssue(file, 1, 1, "", "the file is empty", "run `strands init` for a starting point")]
        )
    builder = _Builder(file, env, lenient_env=lenient_env)
    try:
        data = builder.build(nodes[0], ())
    except _TooLarge as exc:
        mark = exc.node.start_mark
        return YamlDocument(
            None,
            source,
            [
                ConfigIssue(
                    file,
                    mark.line + 1,
                    mark.column + 1,
                    "",
                    f"aliases expand the file to more than {MAX_ALIAS_EXPANSION:,} values",
                    "aliases that refer to lists of aliases grow exponentially; write the values out",
                )
            ],
        )
    except RecursionError:
        return YamlDocument(None, source, [ConfigIssue(file, None, None, "", "YAML nested too deeply")])
    if data is _UNRESOLVED:
        data = None
    return YamlDocument(data, builder.source, builder.issues, builder.unresolved)


def _second_document_line(text: str, after_line: int) -> int:
    """1-based line of the `---` (or `...`) that ends the first document, at or after a 0-based line."""
    lines = text.splitlines()
    for index in range(after_line, len(lines)):
        if lines[index].startswith(("---", "...")):
            return index + 1
    return after_line + 1


def read_yaml_file(path: Path, display: str, env: Mapping[str, str], *, lenient_env: bool = False) -> YamlDocument:
    """Read and parse a YAML file; a missing, unreadable or non-regular file is a located issue, not an exception.

    The read is bounded (MAX_CONFIG_BYTES) and refuses FIFOs and devices, also behind symlinks.
    """
    try:
        raw = read_input(path, MAX_CONFIG_BYTES)
    except InputFileError as exc:
        return YamlDocument(None, SourceMap(display), [_input_issue(exc, display)])
    return parse_yaml(raw, display, env, lenient_env=lenient_env)


def _input_issue(exc: InputFileError, display: str) -> ConfigIssue:
    if exc.reason == "too_large":
        return _too_large_issue(display, exc.size)
    if exc.reason == "missing":
        return ConfigIssue(display, None, None, "", "file not found", "run `strands init` or pass -C DIR")
    if exc.reason == "directory":
        return ConfigIssue(display, None, None, "", "is a directory, not a file")
    return ConfigIssue(display, None, None, "", exc.problem, exc.hint)
