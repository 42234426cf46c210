"""Compare two records: configuration, resources (from the state after each), duration and cost."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Any

from strands_tf.errors import NotFoundError
from strands_tf.history import layout
from strands_tf.history.models import RecordMetadata
from strands_tf.history.service import History


@dataclass
class RecordDiff:
    """What changed from record A to record B."""

    a: str
    b: str
    config: dict[str, str] = field(default_factory=dict)  # object name → unified diff
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[str]] = field(default_factory=dict)  # resource → changed attribute names
    duration_delta: float | None = None
    cost_delta: float | None = None
    cost: dict[str, Any] | None = None  # before/after/delta, by service and by owner (cost.deployed.cost_change)

    def to_json(self) -> dict[str, Any]:
        return {
            "a": self.a,
            "b": self.b,
            "config": self.config,
            "resources": {"added": self.added, "removed": self.removed, "changed": self.changed},
            "duration_delta_seconds": self.duration_delta,
            "cost_delta": self.cost_delta,
            "cost": self.cost,
        }


def _config_objects(meta: RecordMetadata) -> list[str]:
    return sorted(n for n in meta.objects if n.startswith(layout.CONFIG_DIR + "/"))


def _read(history: History, meta: RecordMetadata, name: str) -> bytes | None:
    if name not in meta.objects:
        return None
    try:
        return history.read_object(meta, name)
    except NotFoundError:
        return None


def _resources(state: bytes | None) -> dict[str, dict[str, Any]]:
    if not state:
        return {}
    try:
        doc = json.loads(state)
    except (ValueError, RecursionError):
        return {}
    out: dict[str, dict[str, Any]] = {}
    # a record comes from a shared bucket or a local directory: a part of the wrong shape counts as absent
    stacks = doc.get("stacks") if isinstance(doc, dict) else None
    for stack_name, stack in (stacks if isinstance(stacks, dict) else {}).items():
        resources = stack.get("resources") if isinstance(stack, dict) else None
        for record in (resources if isinstance(resources, dict) else {}).values():
            if isinstance(record, dict):
                address = record.get("tf_address") or record.get("logical_id")
                out[f"{stack_name}/{address}"] = record
    return out


def _attributes(record: dict[str, Any]) -> dict[str, Any]:
    attrs = record.get("attributes")
    return attrs if isinstance(attrs, dict) else {}


def _changed_fields(a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    names: list[str] = []
    for key in ("physical_id", "arn", "cfn_type", "tags", "status"):
        if a.get(key) != b.get(key):
            names.append(key)
    attrs_a, attrs_b = _attributes(a), _attributes(b)
    for key in sorted(set(attrs_a) | set(attrs_b)):
        if attrs_a.get(key) != attrs_b.get(key):
            names.append(f"attributes.{key}")
    return names


def _cost_total(meta: RecordMetadata) -> float | None:
    from strands_tf.cost.deployed import recorded_amount

    cost = meta.cost or {}
    for key in ("monthly_total", "total", "monthly"):
        value = recorded_amount(cost.get(key))
        if value is not None:
            return float(value)
    return None


def diff_records(history: History, a: RecordMetadata, b: RecordMetadata) -> RecordDiff:
    """Config diff per file, resources added/removed/changed between the states, duration and cost deltas."""
    result = RecordDiff(a.id, b.id)
    for name in sorted(set(_config_objects(a)) | set(_config_objects(b))):
        before = (_read(history, a, name) or b"").decode("utf-8", errors="replace").splitlines(keepends=True)
        after = (_read(history, b, name) or b"").decode("utf-8", errors="replace").splitlines(keepends=True)
        if before != after:
            result.config[name] = "".join(
                difflib.unified_diff(before, after, fromfile=f"{a.id}/{name}", tofile=f"{b.id}/{name}")
            )
    res_a = _resources(_read(history, a, layout.STATE))
    res_b = _resources(_read(history, b, layout.STATE))
    result.added = sorted(set(res_b) - set(res_a))
    result.removed = sorted(set(res_a) - set(res_b))
    for key in sorted(set(res_a) & set(res_b)):
        fields = _changed_fields(res_a[key], res_b[key])
        if fields:
            result.changed[key] = fields
    if a.duration_seconds is not None and b.duration_seconds is not None:
        result.duration_delta = b.duration_seconds - a.duration_seconds
    cost_a, cost_b = _cost_total(a), _cost_total(b)
    if cost_a is not None and cost_b is not None:
        result.cost_delta = round(cost_b - cost_a, 6)
    from strands_tf.cost.deployed import cost_change

    result.cost = cost_change(a.cost, b.cost)
    return result
