"""Property tests: no value marked sensitive survives masking or state redaction, whatever its shape."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from strands_tf.terraform.events import ProgressTracker, parse_event_line
from strands_tf.terraform.plan import mask_value
from strands_tf.terraform.tfstate import AttrPath, redact_paths

CANARY = "CANARY-5e1f"

scalars = st.one_of(st.none(), st.booleans(), st.integers(-5, 5), st.text("abcxyz", max_size=5))
keys = st.text("abcdefgh", min_size=1, max_size=4)
values = st.recursive(
    scalars,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(keys, children, max_size=4)),
    max_leaves=20,
)


def _plant(value: Any, draw: Any) -> tuple[Any, Any]:
    """Put the canary at random leaves; return (value, sensitive marker tree marking exactly those)."""
    if isinstance(value, dict):
        out, marks = {}, {}
        for k, v in value.items():
            out[k], m = _plant(v, draw)
            if m:
                marks[k] = m
        return out, marks
    if isinstance(value, list):
        pairs = [_plant(v, draw) for v in value]
        return [p[0] for p in pairs], [p[1] for p in pairs]
    if draw(st.booleans()):
        return CANARY, True
    return value, False


@st.composite
def planted(draw: Any) -> tuple[Any, Any]:
    return _plant(draw(values), draw)


@given(planted())
@settings(max_examples=100, deadline=None)
def test_mask_value_never_leaks_marked_values(pair: tuple[Any, Any]) -> None:
    value, marks = pair
    assert CANARY not in json.dumps(mask_value(value, marks))


def _paths(marks: Any, prefix: AttrPath = ()) -> list[AttrPath]:
    if marks is True:
        return [prefix]
    out: list[AttrPath] = []
    if isinstance(marks, dict):
        for k, v in marks.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(marks, list):
        for i, v in enumerate(marks):
            out += _paths(v, (*prefix, i))
    return out


@given(st.dictionaries(keys, values, max_size=5), st.data())
@settings(max_examples=100, deadline=None)
def test_redact_paths_never_leaks_marked_values(attrs: dict[str, Any], data: Any) -> None:
    value, marks = _plant(attrs, data.draw)
    redacted = redact_paths(value, _paths(marks))
    assert CANARY not in json.dumps(redacted)
    # Unmarked top-level attributes keep their values.
    for k, v in value.items():
        if not marks.get(k):
            assert redacted[k] == v


@given(st.binary(max_size=300))
@settings(max_examples=100, deadline=None)
def test_any_bytes_parse_to_an_event(line: bytes) -> None:
    event = parse_event_line(line)
    assert isinstance(event.type, str)
    event.to_json()
    _ = (event.resource_addr, event.action, event.time)


event_types = st.sampled_from(
    [
        "planned_change",
        "apply_start",
        "apply_progress",
        "apply_complete",
        "apply_errored",
        "diagnostic",
        "change_summary",
        "outputs",
        "provision_progress",
        "provision_errored",
        "resource_drift",
        "version",
    ]
)


@given(
    st.lists(
        st.fixed_dictionaries(
            {"type": event_types},
            optional={
                "hook": values,
                "change": values,
                "diagnostic": values,
                "changes": values,
                "outputs": values,
                "@timestamp": st.one_of(st.text(max_size=30), st.just("2026-01-01T00:00:00Z")),
                "@level": values,
            },
        ),
        max_size=12,
    )
)
@settings(max_examples=100, deadline=None)
def test_tracker_survives_any_event_shapes(events: list[dict[str, Any]]) -> None:
    tracker = ProgressTracker()
    for doc in events:
        event = parse_event_line(json.dumps(doc))
        assert event.type == doc["type"]
        json.dumps(event.to_json())
        tracker.feed(event)
    json.dumps(tracker.snapshot().to_json())
