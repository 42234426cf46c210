"""Estimates tied to deployments: what a deployment left running, recorded with it, and read back as a baseline."""

from __future__ import annotations

import json
import logging
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

from strands_tf.config.resolve import ResolvedProject
from strands_tf.cost.estimate import (
    Estimate,
    Owner,
    estimate_resources,
    owners_from_graph,
    resources_from_state,
)

log = logging.getLogger(__name__)

COST_FILE = "cost.json"
# no project spends this much a month: a larger recorded amount is damage (and would overflow cent rounding)
_MAX_AMOUNT = 10**12
# module id prefixes the generator uses (model/build.py module_id, network, artifacts): the owner of a module
# when no graph is at hand
_PREFIXES = {
    "agent_": "agent",
    "role_": "agent",
    "dlq_": "agent",
    "table_": "resource",
    "bucket_": "resource",
    "queue_": "resource",
    "topic_": "resource",
}


def owner_of_module(module_id: str) -> Owner:
    """The owner of a module id by the generator's naming (`agent_support` → agent support)."""
    for prefix, kind in _PREFIXES.items():
        if module_id.startswith(prefix):
            return Owner(kind, module_id[len(prefix) :])
    if module_id == "api":
        return Owner("api", "api")
    if module_id == "vpc":
        return Owner("vpc", "vpc")
    if module_id == "artifacts":
        return Owner("project", "artifacts")
    return Owner("other", module_id)


def project_owners(project: ResolvedProject, modules: list[str]) -> dict[str, Owner]:
    """Owners of the given module ids: from the project's graph when it builds, else by naming."""
    owners = {m: owner_of_module(m) for m in modules}
    try:
        from strands_tf.model.build import build_graph

        owners.update(owners_from_graph(build_graph(project)))
    except Exception as exc:  # a graph problem must never stop a record; naming is a fine fallback
        log.debug("cost owners from module names: %s", exc)
    return owners


def estimate_state(project: ResolvedProject, state: Any) -> Estimate:
    """What the resources in a state file cost a month with the project's usage."""
    resources = resources_from_state(state)
    owners = project_owners(project, sorted({r.module for r in resources if r.module}))
    return estimate_resources(resources, project, owners=owners, basis="state")


def summary(estimate_json: dict[str, Any]) -> dict[str, Any]:
    """The part of an estimate kept in a record's metadata (the lines go to their own object)."""
    return {k: v for k, v in estimate_json.items() if k != "lines"}


def write_cost_file(directory: Path, estimate_json: dict[str, Any]) -> Path:
    """Keep an estimate beside a deployment (`.strands/deployments/<id>/cost.json`), atomically."""
    from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text

    path = directory / COST_FILE
    # private like everything else of the deployment (.strands/ holds nothing for other users)
    atomic_write_text(path, json.dumps(estimate_json, indent=2, sort_keys=True) + "\n", mode=PRIVATE_FILE_MODE)
    return path


def read_cost_file(directory: Path) -> dict[str, Any] | None:
    """The estimate kept beside a deployment, or None (older deployments have none; a damaged one is ignored)."""
    path = directory / COST_FILE
    try:
        doc = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError, RecursionError):
        return None
    return doc if isinstance(doc, dict) and monthly_total(doc) is not None else None


def recorded_amount(value: Any) -> Decimal | None:
    """An amount of money read from a record or cost file, or None when it is not a plausible number.

    Records come from a shared bucket and files anyone can edit: booleans, strings, NaN, infinities and
    absurd magnitudes are refused here, once, instead of failing deep inside the cent rounding.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    if not math.isfinite(value) or abs(value) >= _MAX_AMOUNT:
        return None
    return Decimal(str(value))


def monthly_total(doc: dict[str, Any] | None) -> Decimal | None:
    """The monthly total of an estimate document, if it has a readable one."""
    if not isinstance(doc, dict):
        return None
    return recorded_amount(doc.get("monthly_total"))


def _amounts(value: Any) -> dict[str, Decimal]:
    """The readable amounts of a `by_service`/`by_owner` map (anything else in it counts as nothing)."""
    if not isinstance(value, dict):
        return {}
    return {str(k): amount for k, v in value.items() if (amount := recorded_amount(v)) is not None}


def _delta_map(a: Any, b: Any) -> dict[str, float]:
    amounts_a, amounts_b = _amounts(a), _amounts(b)
    out: dict[str, float] = {}
    for key in sorted(set(amounts_a) | set(amounts_b)):
        before = amounts_a.get(key, Decimal(0))
        after = amounts_b.get(key, Decimal(0))
        if before != after:
            out[key] = float(after - before)
    return out


def cost_change(a: dict[str, Any] | None, b: dict[str, Any] | None) -> dict[str, Any] | None:
    """The monthly cost change from estimate summary `a` to `b` (None when either was not estimated)."""
    total_a, total_b = monthly_total(a), monthly_total(b)
    if a is None or b is None or total_a is None or total_b is None:
        return None
    currency = b.get("currency")
    return {
        "before": float(total_a),
        "after": float(total_b),
        "delta": float(total_b - total_a),
        "currency": currency if isinstance(currency, str) else "USD",
        "by_service": _delta_map(a.get("by_service"), b.get("by_service")),
        "by_owner": _delta_map(a.get("by_owner"), b.get("by_owner")),
    }


def estimate_plan(
    project: ResolvedProject,
    plans: list[Any],
    graph: Any,
    previous: Path | None,
    *,
    complete: bool = True,
    destroy: bool = False,
) -> tuple[Estimate, Any]:
    """The monthly cost a plan leaves running and its change against what is deployed.

    The baseline is the estimate recorded by the last successful deployment when every stack was planned
    (so a change of `usage:` shows too); otherwise the plan's own `before` side priced with today's usage.
    """
    from strands_tf.cost.estimate import CostDelta, resources_from_plan

    owners = owners_from_graph(graph) if graph is not None else {}
    after_resources = [] if destroy else [r for p in plans for r in resources_from_plan(p)]
    for module in {r.module for r in after_resources if r.module} - set(owners):
        owners[module] = owner_of_module(module)
    after = estimate_resources(after_resources, project, owners=owners, basis="plan")
    recorded = monthly_total(read_cost_file(previous)) if previous is not None and complete else None
    if recorded is not None:
        return after, CostDelta(recorded, after.total, f"deployment {previous.name}")  # type: ignore[union-attr]
    before_resources = [r for p in plans for r in resources_from_plan(p, side="before")]
    if not before_resources:
        return after, CostDelta(Decimal(0), after.total, "nothing deployed")
    for module in {r.module for r in before_resources if r.module} - set(owners):
        owners[module] = owner_of_module(module)
    before = estimate_resources(before_resources, project, owners=owners, basis="plan")
    return after, CostDelta(before.total, after.total, "what is deployed now, priced with today's usage")
