"""The CDKTF layout's JSON writer: byte-identical to the standard library's canonical form, whatever the input."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from strands_tf.generators.cdktf import to_json


def reference(document: Any) -> str:
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


scalars = st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70) | st.text()
documents = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(documents)
def test_matches_the_standard_library(document: Any) -> None:
    assert to_json(document) == reference(document)


def test_awkward_strings_and_empty_containers() -> None:
    doc = {
        "controls": "\x00\x1f\x7f\b\f\n\r\t",
        "quotes": '"\\/',
        "unicode": "é ✓ \u2028\u2029 \U0001f680",
        "interpolation": "${module.agent_a.function_arn}",
        "empty": {"dict": {}, "list": []},
        "z": 1,
        "a": [True, False, None],
    }
    assert to_json(doc) == reference(doc)


def test_integers_beyond_64_bits_fall_back() -> None:
    doc = {"big": 2**64 + 1, "negative": -(2**65)}
    assert to_json(doc) == reference(doc)
