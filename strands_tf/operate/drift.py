"""Drift: what changed in AWS outside Terraform, per stack, mapped to the strands.yaml elements and settings.

A refresh-only plan per stack (`terraform plan -refresh-only`) reads every deployed object and compares
it with the state; its `resource_drift` is the drift. Nothing is changed. The report is kept in
`.strands/drift/<env>.json` so `strands env list` can say when the environment was last checked and
`strands reconcile` can name what it is about to revert or accept.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from strands_tf.deploy.events import StackDone, StackPhase
from strands_tf.errors import StrandsError
from strands_tf.fsutil import atomic_write_json, read_file_bytes
from strands_tf.operate.settings import DERIVED, AttributeVerdict, attribute_verdict
from strands_tf.terraform.plan import Plan, ResourceChange, parse_plan_dict
from strands_tf.terraform.plan_summary import Owner, module_prefixes

if TYPE_CHECKING:
    from strands_tf.deploy.executor import DeployContext, StackSpec
    from strands_tf.deploy.project import Operation
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.model.graph import InfraGraph

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DriftStatus = Literal["changed", "missing"]


@dataclass(frozen=True)
class DriftedResource:
    """One object that differs from the state: changed in place, or deleted out of band (missing)."""

    stack: str
    address: str
    type: str
    status: DriftStatus
    module: str | None  # the HCL module that made it (strands-agent, sqs-queue...), None outside modules
    owner: Owner | None
    attributes: tuple[str, ...] = ()
    verdicts: tuple[AttributeVerdict, ...] = ()

    @property
    def acceptable(self) -> bool:
        """True when strands.yaml can express what AWS has now (every changed attribute has a setting)."""
        return self.owner is not None and all(v.expressible for v in self.verdicts)

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {
            "stack": self.stack,
            "address": self.address,
            "type": self.type,
            "status": self.status,
            "owner": self.owner.to_json() if self.owner else None,
            "attributes": list(self.attributes),
            "settings": [c.to_json() for v in self.verdicts for c in v.changes],
            "not_in_config": {v.attribute: v.reason for v in self.verdicts if not v.expressible},
            "acceptable": self.acceptable,
        }


@dataclass(frozen=True)
class StackDrift:
    """How checking one stack went."""

    name: str
    status: Literal["clean", "drifted", "not_deployed", "error"]
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        return {"status": self.status, "error": self.error}


@dataclass
class DriftReport:
    """The drift of one environment at one moment."""

    project: str
    environment: str
    checked_at: str
    stacks: dict[str, StackDrift] = field(default_factory=dict)
    resources: list[DriftedResource] = field(default_factory=list)

    @property
    def status(self) -> Literal["clean", "drifted", "incomplete"]:
        """`drifted` when anything drifted, else `incomplete` when a stack could not be checked, else `clean`."""
        if self.resources:
            return "drifted"
        if any(s.status == "error" for s in self.stacks.values()):
            return "incomplete"
        return "clean"

    @property
    def counts(self) -> dict[str, int]:
        """Drifted objects by status."""
        return {
            "changed": sum(1 for r in self.resources if r.status == "changed"),
            "missing": sum(1 for r in self.resources if r.status == "missing"),
        }

    def elements(self) -> list[tuple[Owner | None, list[DriftedResource]]]:
        """Drifted objects grouped by their strands.yaml element, in file order (unowned ones last)."""
        groups: dict[str, tuple[Owner | None, list[DriftedResource]]] = {}
        for resource in self.resources:
            key = resource.owner.key if resource.owner else "other"
            groups.setdefault(key, (resource.owner, []))[1].append(resource)
        return sorted(groups.values(), key=lambda g: (g[0] is None, (g[0].line or 0) if g[0] else 0))

    def to_json(self) -> dict[str, Any]:
        """The `strands drift --json` document (and the saved report)."""
        return {
            "schema_version": SCHEMA_VERSION,
            "project": self.project,
            "environment": self.environment,
            "checked_at": self.checked_at,
            "status": self.status,
            "counts": self.counts,
            "stacks": {name: stack.to_json() for name, stack in self.stacks.items()},
            "elements": [
                {"owner": owner.to_json() if owner else None, "resources": [r.to_json() for r in items]}
                for owner, items in self.elements()
            ],
        }

    def brief(self) -> dict[str, Any]:
        """The verdict in a few fields (what `strands env list` shows)."""
        return {"checked_at": self.checked_at, "status": self.status, **self.counts}


def refresh_only_plan(
    ctx: DeployContext, stack: StackSpec, plan_file: Path, *, targets: Sequence[str] = ()
) -> Plan | None:
    """init → `plan -refresh-only` (limited to `targets` when given) → the parsed plan.

    A stack with nothing deployed has nothing to refresh: no plan (None); planning it would evaluate the
    configuration against an empty state, which can fail (an index into what does not exist yet).
    """
    with ctx.runtime.session(stack) as extra_env:
        runner = ctx.runner(stack, extra_env)
        runner.init()
        tfstate = runner.state_pull()
        if not _deployed(tfstate):
            return None
        runner.plan(plan_file, refresh_only=True, targets=targets, variables=ctx.runtime.variables)
        doc = runner.show_plan(plan_file)
    return parse_plan_dict(doc, source=f"{stack.name} refresh-only plan")


def _deployed(tfstate: dict[str, Any] | None) -> bool:
    return any(r.get("mode") == "managed" and r.get("instances") for r in (tfstate or {}).get("resources", []) or [])


def drifted_resource(stack: str, change: ResourceChange, graph: InfraGraph, owner_of: Any) -> DriftedResource | None:
    """A refresh difference as a DriftedResource (None for data sources and entries that change nothing)."""
    if change.mode != "managed" or change.action not in ("update", "delete"):
        return None
    prefixes = module_prefixes(change.address)
    node = graph.nodes.get(prefixes[0].split(".", 1)[1].split("[")[0]) if prefixes else None
    module = node.module if node is not None else None
    owner = owner_of(change.address) if owner_of is not None else None
    if change.action == "delete":
        return DriftedResource(stack, change.address, change.type, "missing", module, owner)
    changed = change.changed_attributes()
    if not changed:
        return None  # Terraform 1.0 listed refreshed objects that did not change
    meaningful = [a for a in changed if a not in DERIVED] or changed
    before = change.before if isinstance(change.before, dict) else {}
    after = change.after if isinstance(change.after, dict) else {}
    kind = owner.kind if owner is not None else ""
    verdicts = tuple(
        attribute_verdict(kind, module, change.type, name, before.get(name), after.get(name)) for name in meaningful
    )
    return DriftedResource(stack, change.address, change.type, "changed", module, owner, tuple(meaningful), verdicts)


def detect_drift(op: Operation, *, plans_dir: Path | None = None) -> tuple[DriftReport, dict[str, Path]]:
    """Refresh-only plan every stack of `op` (side by side unless sequential) and collect what drifted.

    Returns the report and the refresh-only plan file of each drifted stack (what `reconcile` applies).
    """
    directory = plans_dir or op.workspace.plans_dir(op.resolved.environment.name) / "drift"
    directory.mkdir(parents=True, exist_ok=True)
    graph = op.synth.graph
    report = DriftReport(op.resolved.project, op.resolved.environment.name, _now())
    plan_files: dict[str, Path] = {}

    def check(stack: StackSpec) -> tuple[StackDrift, list[DriftedResource]]:
        plan_file = directory / f"{stack.name}.tfplan"
        op.ctx.events.publish(StackPhase(stack.name, "refresh"))
        try:
            plan = refresh_only_plan(op.ctx, stack, plan_file)
        except StrandsError as exc:
            return StackDrift(stack.name, "error", exc.summary), []
        if plan is None:
            return StackDrift(stack.name, "not_deployed"), []
        found = [
            item
            for change in plan.resource_drift
            if (item := drifted_resource(stack.name, change, graph, op.ctx.owner_of)) is not None
        ]
        if found:
            plan_files[stack.name] = plan_file
        return StackDrift(stack.name, "drifted" if found else "clean"), found

    workers = min(len(op.stacks), 4) if op.ctx.parallel else 1
    with ThreadPoolExecutor(max_workers=max(workers, 1), thread_name_prefix="drift") as pool:
        results = list(pool.map(check, op.stacks))
    for stack_drift, found in results:
        report.stacks[stack_drift.name] = stack_drift
        report.resources.extend(found)
        op.ctx.events.publish(StackDone(stack_drift.name, stack_drift.status, stack_drift.error))
    return report, plan_files


def save_report(workspace: Workspace, report: DriftReport) -> Path:
    """Keep the report as the environment's latest (`.strands/drift/<env>.json`)."""
    path = workspace.drift_report(report.environment)
    atomic_write_json(path, report.to_json())
    return path


def read_drift_brief(workspace: Workspace, environment: str, *, full: bool = False) -> dict[str, Any] | None:
    """The last drift verdict of an environment (the whole saved report with `full`), None when never checked."""
    path = workspace.drift_report(environment)
    try:
        doc = json.loads(read_file_bytes(path).decode("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the unreadable drift report %s: %s", path, exc)
        return None
    if not isinstance(doc, dict) or doc.get("schema_version") != SCHEMA_VERSION:
        return None
    if full:
        return doc
    counts = doc.get("counts") if isinstance(doc.get("counts"), dict) else {}
    return {"checked_at": doc.get("checked_at"), "status": doc.get("status"), **counts}


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
