"""The YAML reader: positions of keys and values, merge keys, limits, suggestions and value descriptions."""

from __future__ import annotations

import pytest

from strands_tf.config.messages import describe, suggest
from strands_tf.config.yaml_source import MAX_ALIAS_EXPANSION, parse_yaml

DOC = b"""\
version: 1
agents:
  support:
    memory: 512
    routes: ["POST /chat", "GET /x"]
base: &base {a: 1, b: 2}
merged:
  <<: *base
  b: 3
"""


def test_positions_of_values_and_keys() -> None:
    doc = parse_yaml(DOC, "strands.yaml", {})
    assert doc.issues == []
    source = doc.source
    assert source.position(("agents", "support", "memory")) == (4, 13)
    assert source.position(("agents", "support", "memory"), key=True) == (4, 5)
    assert source.position(("agents", "support", "routes", 1)) == (5, 28)
    # unknown paths fall back to the nearest known ancestor
    assert source.position(("agents", "support", "timeout")) == (4, 5)  # where the mapping starts
    assert source.position(("nowhere", "at", "all")) == (1, 1)
    assert source.numbers[("agents", "support", "memory")] == "512"


def test_merge_keys_explicit_keys_win() -> None:
    doc = parse_yaml(DOC, "strands.yaml", {})
    assert doc.data["merged"] == {"a": 1, "b": 3}


def test_values_keep_yaml_types() -> None:
    doc = parse_yaml(b"a: yes\nb: '4411'\nc: 4411\nd: 1.5\ne: ~\nf: 2024-01-01\n", "x.yaml", {})
    assert doc.data["a"] is True
    assert (doc.data["b"], doc.data["c"], doc.data["d"], doc.data["e"]) == ("4411", 4411, 1.5, None)
    assert str(doc.data["f"]) == "2024-01-01"
    assert doc.source.numbers == {("c",): "4411", ("d",): "1.5"}  # quoted '4411' is a string, not recorded


def test_interpolation_marks_broken_paths() -> None:
    doc = parse_yaml(b"a: ${env:SET}\nb: ${env:UNSET}\nc: ${env:UNSET:-fallback}\n", "x.yaml", {"SET": "v"})
    assert doc.data == {"a": "v", "b": "", "c": "fallback"}
    assert doc.source.broken == {("b",)}
    assert [i.format() for i in doc.issues] == ["x.yaml:2:4 b: environment variable UNSET is not set"]


def test_alias_expansion_is_bounded() -> None:
    lines = ["l0: &l0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 10) + "]" for i in range(1, 7)]
    doc = parse_yaml("\n".join(lines).encode(), "x.yaml", {})
    assert doc.data is None
    assert doc.issues[0].message == f"aliases expand the file to more than {MAX_ALIAS_EXPANSION:,} values"


def test_reused_anchors_below_the_limit_are_fine() -> None:
    doc = parse_yaml(b"base: &b {memory: 512}\nagents: {a: *b, c: *b, d: *b}\n", "x.yaml", {})
    assert doc.issues == []
    assert doc.data["agents"]["d"] == {"memory": 512}


def test_non_string_keys() -> None:
    doc = parse_yaml(b"? [a, b]\n: 1\n1: one\n", "x.yaml", {})
    assert [i.format() for i in doc.issues] == ["x.yaml:1:3 mapping keys must be plain strings, not lists or mappings"]
    assert doc.data == {"1": "one"}


def test_deep_nesting_is_an_issue_not_a_crash() -> None:
    doc = parse_yaml(b"a: " + b"[" * 3000 + b"]" * 3000 + b"\n", "x.yaml", {})
    assert doc.data is None
    assert doc.issues and doc.issues[0].file == "x.yaml"


@pytest.mark.parametrize(
    ("word", "options", "expected"),
    [
        ("memroy", ["memory", "timeout"], "memory"),
        ("s4", ["s3", "dynamodb", "sqs", "sns"], "s3"),
        ("prd", ["dev", "prod", "local"], "prod"),
        ("x", ["a", "b"], None),
        ("zzzzzz", ["memory"], None),
        ("sq", ["sqs", "sns"], "sqs"),
    ],
)
def test_suggest(word: str, options: list[str], expected: str | None) -> None:
    assert suggest(word, options) == expected


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("abc", "'abc' (a string)"),
        (True, "true (a boolean)"),
        (5, "5 (a number)"),
        (None, "nothing (null)"),
        ([1], "a list"),
        ({"a": 1}, "a mapping"),
        ("x" * 100, "'" + "x" * 56 + "... (a string)"),
    ],
)
def test_describe(value: object, text: str) -> None:
    assert describe(value) == text
