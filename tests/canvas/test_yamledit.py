"""Line-minimal edits of strands.yaml: each edit's diff touches only the edited lines; comments, order, quoting kept."""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml

from strands_tf.canvas.merge import merge_texts
from strands_tf.canvas.yamledit import AppendItem, DeleteValue, EditError, RenameKey, SetValue, edit_text

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


def test_merge_marks_conflicts_and_merges_separate_changes() -> None:
    base = "a: 1\nb: 2\nc: 3\n"
    clean = merge_texts(base, "a: 10\nb: 2\nc: 3\n", "a: 1\nb: 2\nc: 30\n")
    assert (clean.text, clean.conflicts) == ("a: 10\nb: 2\nc: 30\n", 0)
    conflict = merge_texts(base, "a: 1\nb: 20\nc: 3\n", "a: 1\nb: 21\nc: 3\n", ours_label="mine", theirs_label="disk")
    assert conflict.conflicts == 1
    assert conflict.text == "a: 1\n<<<<<<< mine\nb: 20\n=======\nb: 21\n>>>>>>> disk\nc: 3\n"
