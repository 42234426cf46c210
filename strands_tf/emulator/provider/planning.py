"""Plan-time rules shared by every resource: unknown computed values, defaults, replacement, diff suppression."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from strands_tf.emulator.provider.resources.base import ResourceHandler
from strands_tf.emulator.provider.values import Unknown


def _is_zero(value: Any) -> bool:
    """Zero values of the legacy SDK: "", 0, false and empty collections."""
    if isinstance(value, (list, dict, str)):
        return len(value) == 0
    return value is not None and value is not Unknown and value in (0, False)


@dataclass
class PlanResult:
    planned: dict[str, Any] | None
    requires_replace: list[str] = field(default_factory=list)


def mark_computed_unknown(block: dict[str, Any], planned: dict[str, Any], config: dict[str, Any] | None) -> None:
    """On create, every computed attribute the configuration leaves null is known only after apply."""
    config = config or {}
    for name, attr in (block.get("attributes") or {}).items():
        if attr.get("computed") and planned.get(name) is None and config.get(name) is None:
            planned[name] = Unknown
    for name, bt in (block.get("block_types") or {}).items():
        inner = bt.get("block", {})
        value, cfg = planned.get(name), config.get(name)
        if isinstance(value, list):
            cfg_items = cfg if isinstance(cfg, list) else []
            for i, item in enumerate(value):
                if isinstance(item, dict):
                    mark_computed_unknown(inner, item, cfg_items[i] if i < len(cfg_items) else None)
        elif isinstance(value, dict) and bt.get("nesting_mode") in ("single", "group"):
            mark_computed_unknown(inner, value, cfg if isinstance(cfg, dict) else None)


def _zero_equivalence(block: dict[str, Any], planned: Any, prior: Any, config: Any) -> None:
    """SDKv2: an unset optional value equals its zero value ("", 0, false, []): keep the prior one, in nested
    list/single blocks too (matched by position)."""
    if not isinstance(planned, dict) or not isinstance(prior, dict):
        return
    config = config if isinstance(config, dict) else {}
    for name, attr in (block.get("attributes") or {}).items():
        if not attr.get("computed") and config.get(name) is None and _is_zero(prior.get(name)):
            planned[name] = prior.get(name)
    for name, bt in (block.get("block_types") or {}).items():
        mode = bt.get("nesting_mode")
        inner = bt.get("block", {})
        p_val, b_val, c_val = planned.get(name), prior.get(name), config.get(name)
        if mode == "list" and isinstance(p_val, list) and isinstance(b_val, list):
            c_items = c_val if isinstance(c_val, list) else []
            for i, item in enumerate(p_val):
                if i < len(b_val):
                    _zero_equivalence(inner, item, b_val[i], c_items[i] if i < len(c_items) else None)
        elif mode in ("single", "group"):
            _zero_equivalence(inner, p_val, b_val, c_val)


def differs(handler: ResourceHandler, name: str, before: Any, after: Any) -> bool:
    """Whether attribute `name` changes between prior and planned state (documents compared semantically)."""
    if after is Unknown:
        return before is not Unknown
    return not handler.equivalent(name, before, after)


def plan_resource(
    handler: ResourceHandler,
    block: dict[str, Any],
    prior: dict[str, Any] | None,
    proposed: dict[str, Any] | None,
    config: dict[str, Any] | None,
) -> PlanResult:
    """The planned new state for a resource, following the real provider's plan-time behaviour."""
    if proposed is None:
        return PlanResult(None)
    config = config or {}
    planned = copy.deepcopy(proposed)
    attrs = block.get("attributes") or {}

    for name, value in handler.defaults.items():
        if name in attrs and config.get(name) is None:
            planned[name] = value

    if "region" in attrs and attrs["region"].get("computed") and config.get("region") is None:
        # provider v6: every regional resource records the region it lives in, known at plan time
        planned["region"] = handler.aws.region

    if prior is None:
        mark_computed_unknown(block, planned, config)
    else:
        _zero_equivalence(block, planned, prior, config)
        for name in handler.document_attrs():
            if name in planned and handler.equivalent(name, prior.get(name), planned.get(name)):
                planned[name] = prior.get(name)
        for name in handler.computed_blocks:
            if not config.get(name):
                planned[name] = copy.deepcopy(prior.get(name))
        for name in handler.keep_prior_when_unset:
            if config.get(name) is None and name in prior:
                planned[name] = copy.deepcopy(prior.get(name))

    if "tags_all" in attrs:
        tags = planned.get("tags")
        if tags is Unknown:
            planned["tags_all"] = Unknown
        else:
            merged = {**handler.aws.default_tags, **(tags or {})}
            planned["tags_all"] = merged

    handler.plan(prior, planned, config)

    if prior is None:
        return PlanResult(planned)

    replace = [
        name
        for name in sorted(handler.force_new)
        if name in attrs and differs(handler, name, prior.get(name), planned.get(name))
    ]
    changed = any(differs(handler, k, prior.get(k), planned.get(k)) for k in planned if k != "timeouts")
    if changed and not replace:
        for name in handler.unknown_on_update:
            if name in attrs:
                planned[name] = Unknown
    return PlanResult(planned, replace)


def resolve_unknowns(value: Any) -> Any:
    """After apply nothing may stay unknown: an unknown the provider did not fill becomes null."""
    if value is Unknown:
        return None
    if isinstance(value, dict):
        return {k: resolve_unknowns(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_unknowns(v) for v in value]
    return value


def keep_null_for_empty(before: dict[str, Any] | None, after: dict[str, Any], block: dict[str, Any]) -> dict[str, Any]:
    """Where an optional (not computed) attribute was null and the emulator reports it empty, keep null."""
    if not before:
        return after
    attrs = block.get("attributes") or {}
    for name, value in after.items():
        attr = attrs.get(name)
        if attr is None or attr.get("computed"):
            continue
        if before.get(name) is None and value in ("", [], {}) and name in before:
            after[name] = None
    return after
