"""Edit a YAML text the way a careful person would: only the edited lines change.

Every edit goes through ruamel.yaml's round-trip mode (comments, key order, quoting and anchors kept),
but only on the smallest part of the file that holds the edit: the entry `agents.<name>` or
`resources.<name>` (or a top-level key), located with PyYAML's C composer. That part is loaded, edited
and dumped by ruamel, and a three-way merge (strands_tf/canvas/merge.py) keeps the user's own formatting
on every line the edit did not change. The result is checked: parsed again, it must be exactly the data
the edit asked for, else the whole document goes the same way, and if even that fails the edit is refused.
"""

from __future__ import annotations

import copy
import difflib
import functools
import io
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import yaml
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError as RuamelError
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, SingleQuotedScalarString

from strands_tf.canvas.merge import merge3
from strands_tf.errors import UserError

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

Key = str | int
Path_ = tuple[Key, ...]


@dataclass(frozen=True)
class SetValue:
    """Set the value at a path (intermediate mappings are created)."""

    path: Path_
    value: Any


@dataclass(frozen=True)
class DeleteValue:
    """Remove a mapping key or a list item."""

    path: Path_


@dataclass(frozen=True)
class AppendItem:
    """Append to the list at a path (created when missing)."""

    path: Path_
    value: Any


@dataclass(frozen=True)
class RenameKey:
    """Rename a mapping key in place (its position, value and comments stay)."""

    path: Path_
    new_key: str


Edit = SetValue | DeleteValue | AppendItem | RenameKey


class EditError(UserError):
    """An edit that does not fit the document (a missing path, a list where a mapping is expected...)."""


# ------------------------------------------------------------------------------------------ plain data


def _describe(path: Path_) -> str:
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def _child(container: Any, key: Key, path: Path_) -> Any:
    if isinstance(container, dict) and isinstance(key, str):
        if key not in container:
            raise EditError(f"{_describe(path)} does not exist")
        return container[key]
    if isinstance(container, list) and isinstance(key, int):
        if not -len(container) <= key < len(container):
            raise EditError(f"{_describe(path)} does not exist (the list has {len(container)} items)")
        return container[key]
    raise EditError(f"{_describe(path)}: expected {'a list index' if isinstance(container, list) else 'a key'}")


def _walk_plain(data: Any, path: Path_, *, create: bool) -> Any:
    node = data
    for depth, key in enumerate(path):
        if create and isinstance(node, dict) and isinstance(key, str) and node.get(key) is None:
            node[key] = {}
        node = _child(node, key, path[: depth + 1])
    return node


def apply_plain(data: Any, edit: Edit) -> Any:
    """The data an edit must produce (a deep copy of `data` with the edit applied); EditError when it cannot."""
    if not edit.path:
        raise EditError("an edit needs a path inside the document")
    out = copy.deepcopy(data) if data is not None else {}
    if not isinstance(out, dict):
        raise EditError("the document is not a mapping")
    *parent_path, last = edit.path
    if isinstance(edit, SetValue):
        parent = _walk_plain(out, tuple(parent_path), create=True)
        if isinstance(parent, dict) and isinstance(last, str):
            parent[last] = copy.deepcopy(edit.value)
        elif isinstance(parent, list) and isinstance(last, int):
            _child(parent, last, edit.path)
            parent[last] = copy.deepcopy(edit.value)
        else:
            raise EditError(f"{_describe(edit.path)}: cannot set a value here")
    elif isinstance(edit, DeleteValue):
        parent = _walk_plain(out, tuple(parent_path), create=False)
        _child(parent, last, edit.path)
        del parent[last]
    elif isinstance(edit, AppendItem):
        parent = _walk_plain(out, tuple(parent_path), create=True)
        if not isinstance(parent, dict) or not isinstance(last, str):
            raise EditError(f"{_describe(edit.path)}: expected a key of a mapping")
        current = parent.get(last)
        if current is None:
            parent[last] = [copy.deepcopy(edit.value)]
        elif isinstance(current, list):
            current.append(copy.deepcopy(edit.value))
        else:
            raise EditError(f"{_describe(edit.path)} is not a list")
    elif isinstance(edit, RenameKey):
        parent = _walk_plain(out, tuple(parent_path), create=False)
        if not isinstance(parent, dict) or not isinstance(last, str):
            raise EditError(f"{_describe(edit.path)}: only mapping keys can be renamed")
        _child(parent, last, edit.path)
        if edit.new_key in parent and edit.new_key != last:
            raise EditError(f"{_describe((*parent_path, edit.new_key))} already exists")
        items = [(edit.new_key if k == last else k, v) for k, v in parent.items()]
        parent.clear()
        parent.update(items)
    return out


def load_plain(text: str) -> Any:
    """The data of a YAML text as the loader sees it (None for an empty text). Callers must not change it.

    PyYAML shares an anchored value between its aliases, so a "billion laughs" document loads in no time and
    then explodes in whatever walks it (comparison, JSON): such documents are refused here, with the config
    loader's limit. A YAML error is raised as is. The last few texts are remembered: an edit reads the file,
    edits it, checks the result and serves the next snapshot of the same texts, and PyYAML's constructor
    costs about 40 ms for a 200-node strands.yaml.
    """
    return _load_plain(text)


@functools.lru_cache(maxsize=16)
def _load_plain(text: str) -> Any:
    try:
        data = yaml.load(text, Loader=_Loader)
    except RecursionError:
        raise EditError("the document nests deeper than the canvas can follow") from None
    problem = _expansion_problem(data)
    if problem:
        raise EditError(problem, hint="aliases that refer to lists of aliases grow exponentially; write the values out")
    return data


def _expansion_problem(data: Any) -> str | None:
    """Why walking `data` (aliases expanded) is unsafe: a recursive alias, or more values than the loader allows."""
    from strands_tf.config.yaml_source import MAX_ALIAS_EXPANSION

    count = 0
    active: set[int] = set()

    def walk(value: Any) -> str | None:
        nonlocal count
        if not isinstance(value, dict | list):
            return None
        count += 1 + len(value)
        if count > MAX_ALIAS_EXPANSION:
            return f"aliases expand the document to more than {MAX_ALIAS_EXPANSION:,} values"
        if id(value) in active:
            return "an alias refers to a mapping or list that contains it (recursive alias)"
        active.add(id(value))
        try:
            for item in value.values() if isinstance(value, dict) else value:
                problem = walk(item)
                if problem:
                    return problem
        finally:
            active.discard(id(value))
        return None

    try:
        return walk(data)
    except RecursionError:
        return "the document nests deeper than the canvas can follow"


# ------------------------------------------------------------------------------------------- ruamel


@dataclass(frozen=True)
class Style:
    """Indentation of a file, so new lines look like their neighbours."""

    mapping: int = 2
    offset: int = 2  # columns between a key and the dash of its list items


_KEY_ONLY = re.compile(r"^( *)[^ #\-][^#]*:\s*(#.*)?$")
_DASH = re.compile(r"^( *)- ")
_PLAIN = re.compile(r"^( *)[^ #\-]")


def detect_style(text: str) -> Style:
    """Mapping indent and list offset most used in `text` (defaults 2 and 2)."""
    lines = text.splitlines()
    maps: Counter[int] = Counter()
    offsets: Counter[int] = Counter()
    for i, line in enumerate(lines):
        head = _KEY_ONLY.match(line)
        if not head:
            continue
        nxt = next((ln for ln in lines[i + 1 : i + 4] if ln.strip() and not ln.lstrip().startswith("#")), None)
        if nxt is None:
            continue
        indent = len(head.group(1))
        dash = _DASH.match(nxt)
        if dash:
            offsets[len(dash.group(1)) - indent] += 1
        else:
            plain = _PLAIN.match(nxt)
            if plain and len(plain.group(1)) > indent:
                maps[len(plain.group(1)) - indent] += 1
    mapping = maps.most_common(1)[0][0] if maps else 2
    offset = offsets.most_common(1)[0][0] if offsets else 2
    return Style(mapping if 1 <= mapping <= 8 else 2, offset if 0 <= offset <= 8 else 2)


def _yaml(style: Style) -> YAML:
    rt = YAML(typ="rt")
    rt.preserve_quotes = True
    rt.width = 4096  # never re-wrap a long line
    rt.indent(mapping=style.mapping, sequence=style.offset + 2, offset=style.offset)
    return rt


# ruamel's scanner refuses a tab between a value and its comment (or at the end of a line) where YAML and the
# config loader allow it; such tabs become spaces in what ruamel reads. The user's own lines stay as written:
# the three-way merge keeps every line the edit did not change, and the result is checked against the data.
_TABS_BEFORE_COMMENT = re.compile(r"(?<=\S)[ \t]*\t[ \t]*(?=#|$)", re.MULTILINE)


def _rt_load(rt: YAML, text: str) -> Any:
    """ruamel's round-trip document of `text`."""
    return rt.load(_TABS_BEFORE_COMMENT.sub(lambda m: " " * len(m.group(0)), text))


def _dump(rt: YAML, data: Any) -> str:
    stream = io.StringIO()
    rt.dump(data, stream)
    return stream.getvalue()


def render_document(data: Any, style: Style | None = None) -> str:
    """A new YAML text for plain data (new files: agent fragments, templates)."""
    return _dump(_yaml(style or Style()), data)


def _styled(value: Any, like: Any = None, siblings: list[Any] | None = None) -> Any:
    """`value` dressed like what it replaces or sits next to: the same quotes, flow style kept."""
    if isinstance(value, str):
        model = like if like is not None else (siblings[-1] if siblings else None)
        if isinstance(model, DoubleQuotedScalarString):
            return DoubleQuotedScalarString(value)
        if isinstance(model, SingleQuotedScalarString):
            return SingleQuotedScalarString(value)
        return value
    if isinstance(value, dict):
        out = CommentedMap()
        for key, item in value.items():
            out[key] = _styled(item)
        model = like if like is not None else (siblings[-1] if siblings else None)
        if isinstance(model, CommentedMap | CommentedSeq) and model.fa.flow_style():
            out.fa.set_flow_style()
        return out
    if isinstance(value, list):
        seq = CommentedSeq()
        for item in value:
            seq.append(_styled(item))
        model = like if like is not None else (siblings[-1] if siblings else None)
        if isinstance(model, CommentedSeq | CommentedMap) and model.fa.flow_style():
            seq.fa.set_flow_style()
        return seq
    return value


def _rt_child(node: Any, key: Key, *, create: bool) -> Any:
    if isinstance(node, dict):
        if create and node.get(key) is None:
            node[key] = CommentedMap()
        return node[key]
    return node[key]


def apply_rt(doc: Any, edit: Edit) -> None:
    """Apply an edit to a ruamel round-trip document in place (paths already checked by apply_plain)."""
    *parent_path, last = edit.path
    parent = doc
    for key in parent_path:
        parent = _rt_child(parent, key, create=isinstance(edit, SetValue | AppendItem))
    if isinstance(edit, SetValue):
        old = parent[last] if (isinstance(parent, list) or last in parent) else None
        parent[last] = _styled(edit.value, like=old)
    elif isinstance(edit, DeleteValue):
        del parent[last]
    elif isinstance(edit, AppendItem):
        current = parent.get(last)
        if current is None:
            parent[last] = CommentedSeq([_styled(edit.value)])
        else:
            current.append(_styled(edit.value, siblings=list(current)))
    elif isinstance(edit, RenameKey):
        if edit.new_key == last:
            return
        keys = list(parent.keys())
        position = keys.index(last)
        new_key = _styled(edit.new_key, like=keys[position])  # 'quoted' keys stay quoted
        comment = parent.ca.items.pop(last, None)
        value = parent[last]
        del parent[last]
        parent.insert(position, new_key, value)
        if comment is not None:
            parent.ca.items[new_key] = comment


# ------------------------------------------------------------------------------------ minimal edits


def _indent(lines: list[str], column: int) -> list[str]:
    pad = " " * column
    return [pad + line if line.strip() else line for line in lines]


def _leading(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _is_comment_or_blank(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _belongs_to_next(line: str, column: int) -> bool:
    """A blank line, or a comment indented no deeper than the entry: it introduces what follows."""
    return not line.strip() or (line.lstrip().startswith("#") and _leading(line) <= column)


@dataclass
class _Entry:
    key: str
    column: int
    start: int  # line index of the key
    end: int  # line index after the entry (trailing blank lines and outdented comments excluded)


def _entries(mapping: yaml.MappingNode, lines: list[str]) -> list[_Entry]:
    """Line spans of a block mapping's entries."""
    out: list[_Entry] = []
    pairs = mapping.value
    for index, (key_node, _value) in enumerate(pairs):
        if not isinstance(key_node, yaml.ScalarNode):
            return []
        start = key_node.start_mark.line
        end = pairs[index + 1][0].start_mark.line if index + 1 < len(pairs) else mapping.end_mark.line
        if index + 1 == len(pairs) and mapping.end_mark.column > 0 and mapping.end_mark.line < len(lines):
            # the mapping ends inside a line (end of a document without a final newline)
            end = mapping.end_mark.line + 1
        end = min(end, len(lines))
        column = key_node.start_mark.column
        while end > start + 1 and _belongs_to_next(lines[end - 1], column):
            end -= 1
        out.append(_Entry(str(key_node.value), column, start, end))
    return out


def _block_mapping(node: Any) -> bool:
    return isinstance(node, yaml.MappingNode) and not node.flow_style


def _value_of(mapping: yaml.MappingNode, key: str) -> Any:
    for key_node, value_node in mapping.value:
        if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
            return value_node
    return None


def _rerender(lines: list[str], entry: _Entry, edit: Edit, rel: Path_, style: Style) -> list[str] | None:
    """The file's lines with one entry re-rendered after the edit; None when the entry cannot be handled alone."""
    ours = lines[entry.start : entry.end]
    snippet = "".join(line[min(entry.column, _leading(line)) :] for line in ours)
    rt = _yaml(style)
    try:
        doc = _rt_load(rt, snippet)
        base = _dump(rt, doc)
        apply_rt(doc, _relative(edit, rel))
        theirs = _dump(rt, doc)
    except (RuamelError, KeyError, IndexError, TypeError, AttributeError, ValueError):
        return None  # e.g. an alias whose anchor is outside the entry
    base_lines = _indent(base.splitlines(keepends=True), entry.column)
    theirs_lines = _indent(theirs.splitlines(keepends=True), entry.column)
    ours = list(ours)
    if ours and not ours[-1].endswith("\n"):
        ours[-1] += "\n"
    merged = merge3(base_lines, ours, theirs_lines, resolve="theirs").lines
    return lines[: entry.start] + merged + lines[entry.end :]


def _relative(edit: Edit, prefix: Path_) -> Edit:
    """The edit with its path made relative to a snippet whose top key is the last part of `prefix`."""
    path = edit.path[len(prefix) - 1 :]
    if isinstance(edit, SetValue):
        return SetValue(path, edit.value)
    if isinstance(edit, AppendItem):
        return AppendItem(path, edit.value)
    if isinstance(edit, RenameKey):
        return RenameKey(path, edit.new_key)
    return DeleteValue(path)


def _insert(lines: list[str], after: int, column: int, key: str, value: Any, style: Style, *, blank: bool) -> list[str]:
    rt = _yaml(style)
    text = _dump(rt, {key: _styled(value)})
    new = _indent(text.splitlines(keepends=True), column)
    head = list(lines[:after])
    if head and not head[-1].endswith("\n"):
        head[-1] += "\n"
    if blank and head and head[-1].strip():
        new = ["\n", *new]
    return head + new + lines[after:]


def _emptied(lines: list[str], root: yaml.MappingNode, key: str, entry: _Entry) -> list[str] | None:
    """The lines without the only entry of `key`'s block mapping, `key: {}` on its line (an empty mapping, not null)."""
    key_node = next((k for k, _v in root.value if isinstance(k, yaml.ScalarNode) and k.value == key), None)
    if key_node is None or key_node.start_mark.line != key_node.end_mark.line:
        return None
    number = key_node.start_mark.line
    line = lines[number]
    colon = re.compile(r"\s*:").match(line, key_node.end_mark.column)
    if colon is None:
        return None
    head, tail = line[: colon.end()], line[colon.end() :]
    if tail.strip() and not tail.lstrip().startswith(("#", "&")):
        return None  # a tag or something else unusual after the key: the full-document path decides
    rest = tail.lstrip(" ")
    if rest.startswith("&"):  # keep an anchor in front of the value
        anchor, _, after = rest.partition(" ")
        head, rest = f"{head} {anchor.rstrip()}", after
    ending = "\n" if line.endswith("\n") else ""
    comment = rest.rstrip("\n")
    new = f"{head} {{}}" + (f" {comment}" if comment.strip() else "") + ending
    return [*lines[:number], new, *lines[number + 1 : entry.start], *lines[entry.end :]]


def _local_edit(text: str, lines: list[str], edit: Edit, expected: Any, style: Style) -> list[str] | None:
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError:
        return None
    if not _block_mapping(root):
        return None
    path = edit.path
    depth = 2 if len(path) >= 2 and isinstance(path[1], str) else 1
    while depth >= 1:
        parent = root if depth == 1 else _value_of(root, str(path[0]))
        if not _block_mapping(parent) or not parent.value:
            depth -= 1
            continue
        entries = _entries(parent, lines)
        if not entries:
            return None
        entry = next((e for e in entries if e.key == path[depth - 1]), None)
        prefix = path[:depth]
        if entry is not None:
            if isinstance(edit, DeleteValue) and len(path) == depth:
                if len(entries) == 1 and depth == 2:
                    return _emptied(lines, root, str(path[0]), entry)
                return lines[: entry.start] + lines[entry.end :]
            return _rerender(lines, entry, edit, prefix, style)
        if isinstance(edit, DeleteValue | RenameKey):
            return None
        value = _walk_plain(expected, prefix, create=False)
        if depth == 1:
            return _insert(lines, len(lines), 0, str(path[0]), value, style, blank=isinstance(value, dict | list))
        last = entries[-1]
        return _insert(lines, last.end, last.column, str(path[1]), value, style, blank=False)
    return None


def _full_edit(text: str, lines: list[str], edit: Edit, style: Style) -> list[str] | None:
    rt = _yaml(style)
    try:
        doc = _rt_load(rt, text)
        empty = doc is None
        if empty:
            doc = CommentedMap()
        base = _dump(rt, doc)
        apply_rt(doc, edit)
        theirs = _dump(rt, doc)
    except (RuamelError, KeyError, IndexError, TypeError, AttributeError, ValueError):
        return None
    ours = list(lines)
    if ours and not ours[-1].endswith("\n"):
        ours[-1] += "\n"
    if empty:  # only comments (or nothing): they stay, the new content goes after them
        return ours + theirs.splitlines(keepends=True)
    return merge3(base.splitlines(keepends=True), ours, theirs.splitlines(keepends=True), resolve="theirs").lines


def _restore_line_ends(original: str, edited: str) -> str:
    """`edited` (made on `original` with LF line ends) with the original's line ends: unchanged lines keep theirs,
    new lines get the file's usual one (CRLF in a Windows file)."""
    before = original.splitlines(keepends=True)
    crlf = sum(line.endswith("\r\n") for line in before)
    usual = "\r\n" if crlf * 2 >= len(before) else "\n"
    normalized = [line.replace("\r\n", "\n") for line in before]
    after = edited.splitlines(keepends=True)
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, normalized, after, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            out.extend(before[i1:i2])
        else:
            out.extend(line[:-1] + usual if line.endswith("\n") else line for line in after[j1:j2])
    return "".join(out)


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """Where and what, as the problems list says it (PyYAML's text names its "<unicode string>" stream)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None)
    if mark is None or not problem:
        return str(exc)
    return f"line {mark.line + 1}, column {mark.column + 1}: {problem}"


def edit_text(text: str, edit: Edit) -> str:
    """`text` with one edit applied, changing as few lines as possible; EditError when it cannot be done."""
    if "\r\n" in text:  # the YAML libraries write LF: edit in LF, then give every line its own ending back
        return _restore_line_ends(text, edit_text(text.replace("\r\n", "\n"), edit))
    try:
        data = load_plain(text)
    except yaml.YAMLError as exc:
        raise EditError(
            "the file is not valid YAML, so the canvas cannot edit it",
            hint=f"fix it in the YAML view first ({_yaml_problem(exc)})",
        ) from None
    expected = apply_plain(data, edit)
    lines = text.splitlines(keepends=True)
    style = detect_style(text)
    for strategy in (_local_edit, None):
        if strategy is _local_edit:
            candidate = _local_edit(text, lines, edit, expected, style)
        else:
            candidate = _full_edit(text, lines, edit, style)
        if candidate is None:
            continue
        result = "".join(candidate)
        try:
            if load_plain(result) == expected:
                return result
        except yaml.YAMLError:
            continue
    raise EditError(
        f"could not write the edit of {_describe(edit.path)} without changing other content"
        + (f": {reason}" if (reason := _shared_value(text, edit.path)) else ""),
        hint="make this change in the YAML view",
    )


def _shared_value(text: str, path: Path_) -> str | None:
    """Why a path cannot be edited alone, when the YAML shares it: an anchor used elsewhere, or a merge key."""
    try:
        node = _rt_load(_yaml(Style()), text)
    except (RuamelError, ValueError):
        return None
    for depth, key in enumerate(path):
        anchor = getattr(getattr(node, "anchor", None), "value", None)
        if anchor and depth:
            return f"{_describe(path[:depth])} is the anchor &{anchor}, shared with every place that uses *{anchor}"
        if isinstance(node, CommentedMap) and node.merge and key not in getattr(node, "_ok", node):
            return f"{_describe(path[: depth + 1])} comes from a merge key (<<: *...), shared with other entries"
        try:
            node = node[key]
        except (KeyError, IndexError, TypeError):
            return None
    anchor = getattr(getattr(node, "anchor", None), "value", None)
    return f"{_describe(path)} is the anchor &{anchor}, shared with every place that uses *{anchor}" if anchor else None


def edit_text_all(text: str, edits: list[Edit]) -> str:
    """Several edits in order (each one checked)."""
    for edit in edits:
        text = edit_text(text, edit)
    return text
