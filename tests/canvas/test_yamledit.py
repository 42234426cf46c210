"""Line-minimal edits of strands.yaml: each edit's diff touches only the edited lines; comments, order, quoting kept."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from strands_tf.canvas.merge import merge_texts
from strands_tf.canvas.yamledit import (
    AppendItem,
    DeleteValue,
    EditError,
    RenameKey,
    SetValue,
    apply_plain,
    edit_text,
    load_plain,
)

REPO = Path(__file__).resolve().parents[2]
SIMPLE = (REPO / "examples" / "simple-assistant" / "strands.yaml").read_text()
TRIAGE = (REPO / "examples" / "ticket-triage" / "strands.yaml").read_text()

STYLED = """\
# top comment
version: 1
project: styled   # trailing comment
defaults: &defaults
  memory: 512
environments:
  dev:
    account: "012345678901"
    tags: {owner: 'team-a', cost: "42"}
agents:
  a:
    path: agents/a
    permissions:
    - resource: t
      access: read
resources:
  t: {type: dynamodb, hash_key: id}
"""


def changed(before: str, after: str) -> tuple[list[str], list[str]]:
    """(removed lines, added lines) of a diff."""
    removed, added = [], []
    for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0):
        if line.startswith(("---", "+++", "@@")):
            continue
        (removed if line.startswith("-") else added).append(line[1:])
    return removed, added


@pytest.mark.parametrize(
    ("text", "edit", "removed", "added"),
    [
        (SIMPLE, SetValue(("agents", "assistant", "memory"), 1024), [], ["    memory: 1024"]),
        (SIMPLE, SetValue(("agents", "assistant", "permissions", 0, "access"), "read"),
         ["      - {resource: conversations, access: read_write}"], ["      - {resource: conversations, access: read}"]),  # noqa: E501
        (SIMPLE, AppendItem(("agents", "assistant", "permissions"), {"resource": "t2", "access": "write"}),
         [], ["      - {resource: t2, access: write}"]),
        (SIMPLE, AppendItem(("agents", "assistant", "api", "routes"), "GET /status"),
         ['      routes: ["POST /chat", "GET /health"]'], ['      routes: ["POST /chat", "GET /health", "GET /status"]']),  # noqa: E501
        (SIMPLE, SetValue(("defaults", "architecture"), "x86_64"),
         ["  architecture: arm64      # Graviton: about 20% cheaper than x86_64"],
         ["  architecture: x86_64     # Graviton: about 20% cheaper than x86_64"]),
        (SIMPLE, RenameKey(("resources", "conversations"), "chats"), ["  conversations:"], ["  chats:"]),
        (SIMPLE, SetValue(("resources", "tickets"), {"type": "dynamodb", "hash_key": "id"}),
         [], ["  tickets:", "    type: dynamodb", "    hash_key: id"]),
        (TRIAGE, DeleteValue(("agents", "triage", "permissions", 1)), ["      - {resource: escalations, access: publish}"], []),  # noqa: E501
        (STYLED, SetValue(("environments", "dev", "account"), "111111111111"),
         ['    account: "012345678901"'], ['    account: "111111111111"']),
        (STYLED, SetValue(("environments", "dev", "tags", "owner"), "team-b"),
         ["    tags: {owner: 'team-a', cost: \"42\"}"], ["    tags: {owner: 'team-b', cost: \"42\"}"]),
        (STYLED, AppendItem(("agents", "a", "permissions"), {"resource": "t", "access": "write"}),
         [], ["    - resource: t", "      access: write"]),
        (STYLED, SetValue(("project",), "renamed"),
         ["project: styled   # trailing comment"], ["project: renamed  # trailing comment"]),  # comment column kept
    ],
)  # fmt: skip
def test_each_edit_changes_only_its_lines(text: str, edit: object, removed: list[str], added: list[str]) -> None:
    after = edit_text(text, edit)  # type: ignore[arg-type]
    assert changed(text, after) == (removed, added)


def test_anchors_and_comments_survive_an_edit_elsewhere() -> None:
    after = edit_text(STYLED, SetValue(("agents", "a", "memory"), 256))
    assert "defaults: &defaults" in after
    assert after.startswith("# top comment\n")
    assert yaml.safe_load(after)["agents"]["a"]["memory"] == 256


def test_alias_inside_the_edited_entry_falls_back_to_the_whole_document() -> None:
    text = "base: &b {memory: 512}\nagents:\n  a:\n    path: x\n    settings: *b\n"
    after = edit_text(text, SetValue(("agents", "a", "handler"), "app.main"))
    assert yaml.safe_load(after)["agents"]["a"] == {"path": "x", "settings": {"memory": 512}, "handler": "app.main"}
    assert "&b" in after and "*b" in after


def test_deleting_the_last_resource_keeps_a_valid_mapping() -> None:
    text = "version: 1\nresources:\n  t:\n    type: sns\nagents: {}\n"
    after = edit_text(text, DeleteValue(("resources", "t")))
    assert yaml.safe_load(after)["resources"] == {}


@pytest.mark.parametrize(
    "edit",
    [
        DeleteValue(("agents", "missing")),
        SetValue(("agents", "a", "permissions", 9, "access"), "read"),
        RenameKey(("resources", "t"), "t"),
        AppendItem(("project",), "x"),
        SetValue((), 1),
    ],
)
def test_edits_that_do_not_fit_are_refused_without_touching_the_text(edit: object) -> None:
    if isinstance(edit, RenameKey):
        assert edit_text(STYLED, edit) == STYLED  # a rename to itself changes nothing
        return
    with pytest.raises(EditError):
        edit_text(STYLED, edit)  # type: ignore[arg-type]


def test_invalid_yaml_is_refused_with_a_hint() -> None:
    with pytest.raises(EditError, match="not valid YAML"):
        edit_text("agents: [unclosed\n", SetValue(("project",), "x"))


def test_the_hint_of_invalid_yaml_names_the_line_not_the_parser_internals() -> None:
    with pytest.raises(EditError) as caught:
        edit_text("version: 1\nagents:\n  a:\n    path: x\n   memory: 5\n", SetValue(("project",), "x"))
    hint = caught.value.hint or ""
    assert "<unicode string>" not in hint, hint
    assert "line 5, column 4: did not find expected key" in hint, hint


def test_merge_marks_conflicts_and_merges_separate_changes() -> None:
    base = "a: 1\nb: 2\nc: 3\n"
    clean = merge_texts(base, "a: 10\nb: 2\nc: 3\n", "a: 1\nb: 2\nc: 30\n")
    assert (clean.text, clean.conflicts) == ("a: 10\nb: 2\nc: 30\n", 0)
    conflict = merge_texts(base, "a: 1\nb: 20\nc: 3\n", "a: 1\nb: 21\nc: 3\n", ours_label="mine", theirs_label="disk")
    assert conflict.conflicts == 1
    assert conflict.text == "a: 1\n<<<<<<< mine\nb: 20\n=======\nb: 21\n>>>>>>> disk\nc: 3\n"


# ------------------------------------------------------------------------------------ hostile inputs

MERGE_KEYS = """\
x-common: &common
  memory: 512
  timeout: 60
agents:
  a:
    <<: *common
    path: agents/a
  b:
    <<: *common
    path: agents/b
    memory: 1024
"""

FLOW = "agents: {a: {path: agents/a, memory: 512}, b: {path: agents/b}}\nresources: {t: {type: sns}}\n"

COMMENTED = """\
# head
agents:   # agents comment
  # before a
  a:  # on a
    # before path
    path: agents/a  # on path
    permissions:  # perms
      # before item
      - resource: t  # on item
        access: read  # on access
      # after items
  # after a
resources:
  t:
    type: sns  # on type
# tail
"""

QUOTED_KEYS = """\
"agents":
  'a':
    "path": 'agents/a'
    'memory': 512
"""

TABS = "version: 1\t# tab\t comment\nagents:\n  a:\t# tab\n    path: agents/a\t\t# x\n    memory: 1\n"
LONG = "agents:\n  a:\n    path: agents/a\n    description: " + "word " * 3000 + "end\n    memory: 1\n"


@pytest.mark.parametrize(
    ("text", "edit", "removed", "added"),
    [
        # merge keys: a value set on one agent overrides the merged one on that agent only
        (MERGE_KEYS, SetValue(("agents", "a", "timeout"), 90), [], ["    timeout: 90"]),
        (MERGE_KEYS, SetValue(("agents", "b", "memory"), 2048), ["    memory: 1024"], ["    memory: 2048"]),
        (MERGE_KEYS, RenameKey(("agents", "a"), "c"), ["  a:"], ["  c:"]),
        # flow style stays flow style, on its one line
        (FLOW, SetValue(("agents", "a", "memory"), 1024),
         ["agents: {a: {path: agents/a, memory: 512}, b: {path: agents/b}}"],
         ["agents: {a: {path: agents/a, memory: 1024}, b: {path: agents/b}}"]),
        (FLOW, DeleteValue(("agents", "b")),
         ["agents: {a: {path: agents/a, memory: 512}, b: {path: agents/b}}"], ["agents: {a: {path: agents/a, memory: 512}}"]),  # noqa: E501
        # comments at every level survive; the edited line keeps its own comment
        (COMMENTED, SetValue(("agents", "a", "permissions", 0, "access"), "publish"),
         ["        access: read  # on access"], ["        access: publish # on access"]),
        (COMMENTED, AppendItem(("agents", "a", "permissions"), {"resource": "t", "access": "publish"}),
         [], ["      - resource: t", "        access: publish"]),
        (COMMENTED, SetValue(("agents", "a", "memory"), 256), [], ["    memory: 256"]),
        (COMMENTED, SetValue(("resources", "t", "fifo"), True), [], ["    fifo: true"]),
        # deleting the only agent leaves an empty mapping (not null), the section's comment kept
        (COMMENTED, DeleteValue(("agents", "a")),
         ["agents:   # agents comment", "  a:  # on a", "    # before path", "    path: agents/a  # on path",
          "    permissions:  # perms", "      # before item", "      - resource: t  # on item",
          "        access: read  # on access", "      # after items"],
         ["agents: {} # agents comment"]),
        # quoted keys and values keep their quotes, renamed keys too
        (QUOTED_KEYS, SetValue(("agents", "a", "memory"), 1024), ["    'memory': 512"], ["    'memory': 1024"]),
        (QUOTED_KEYS, SetValue(("agents", "a", "path"), "agents/b"), ["    \"path\": 'agents/a'"], ["    \"path\": 'agents/b'"]),  # noqa: E501
        (QUOTED_KEYS, RenameKey(("agents", "a"), "b"), ["  'a':"], ["  'b':"]),
        # tabs before comments (which ruamel's scanner refuses) stay on the lines the edit does not touch
        (TABS, SetValue(("agents", "a", "memory"), 1024), ["    memory: 1"], ["    memory: 1024"]),
        (TABS, SetValue(("agents", "a", "path"), "agents/b"),
         ["    path: agents/a\t\t# x"], ["    path: agents/b  # x"]),
        # a very long line is never re-wrapped
        (LONG, SetValue(("agents", "a", "memory"), 1024), ["    memory: 1"], ["    memory: 1024"]),
    ],
)  # fmt: skip
def test_hostile_formatting_keeps_the_diff_to_the_edited_lines(text, edit, removed, added) -> None:
    after = edit_text(text, edit)
    assert changed(text, after) == (removed, added)
    assert load_plain(after) == apply_plain(load_plain(text), edit)  # what the config loader (libyaml) reads


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (SetValue(("x-common", "memory"), 256), "x-common is the anchor &common, shared with every place"),
        (DeleteValue(("agents", "a", "memory")), "agents.a.memory comes from a merge key"),
    ],
)
def test_values_shared_through_anchors_are_refused_with_the_reason(edit, message) -> None:
    with pytest.raises(EditError, match=message) as info:
        edit_text(MERGE_KEYS, edit)
    assert info.value.hint == "make this change in the YAML view"


def test_crlf_files_keep_crlf_on_every_line_and_change_only_the_edited_ones() -> None:
    text = SIMPLE.replace("\n", "\r\n")
    after = edit_text(text, SetValue(("agents", "assistant", "memory"), 1024))
    after = edit_text(after, SetValue(("defaults", "architecture"), "x86_64"))
    lines = after.split("\r\n")
    assert "\n" not in "".join(lines)  # no bare LF anywhere
    assert changed(text.replace("\r\n", "\n"), after.replace("\r\n", "\n")) == (
        ["  architecture: arm64      # Graviton: about 20% cheaper than x86_64"],
        ["  architecture: x86_64     # Graviton: about 20% cheaper than x86_64", "    memory: 1024"],
    )


def test_a_line_added_to_a_crlf_file_gets_crlf_even_with_a_few_lf_lines() -> None:
    text = "version: 1\r\nagents:\r\n  a:\r\n    path: agents/a\n    memory: 1\r\n"
    after = edit_text(text, SetValue(("agents", "a", "timeout"), 30))
    assert after == text + "    timeout: 30\r\n"  # the odd LF line is left as the user had it


def _bomb(levels: int = 9) -> str:
    lines = ['a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, levels)]
    return "version: 1\n" + "\n".join(lines) + f"\nproject: *a{levels - 1}\n"


@pytest.mark.parametrize("text", [_bomb(), "a: &a [*a]\n", "a: " + "[" * 5000 + "]" * 5000 + "\n"])
def test_documents_that_explode_when_walked_are_refused(text: str) -> None:
    with pytest.raises(EditError):
        edit_text(text, SetValue(("version",), 2))


@pytest.mark.parametrize("text", ["# what this project is for\n# (to do)\n", "# no newline at the end", "", "\n\n"])
def test_a_file_with_only_comments_keeps_them_when_the_first_key_is_set(text: str) -> None:
    edited = edit_text(text, SetValue(("version",), 1))
    assert edited.startswith(text.rstrip("\n")) and yaml.safe_load(edited) == {"version": 1}
    assert edit_text(edited, SetValue(("project",), "x")).endswith("version: 1\nproject: x\n")
