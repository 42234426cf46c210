"""Reconcile drift: per drifted object, revert it (apply the configuration) or accept it (keep what AWS has).

Revert is a targeted apply of the objects' stacks (a recorded deployment like any apply); a missing object
is created again. Accept records what AWS has in the state (a refresh-only apply limited to the objects)
and changes strands.yaml to say the same, so the next apply does not undo it: a changed setting becomes
its new value, an element whose main object was deleted is removed from the configuration with every
reference to it. The strands.yaml change is a ConfigPatch: checked by the loader, shown as a diff and
written only when confirmed.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from strands_tf.config.models import AgentOverride
from strands_tf.deploy.events import StackDone, StackPhase
from strands_tf.errors import StrandsError, UserError
from strands_tf.operate.drift import DriftedResource, DriftReport, refresh_only_plan
from strands_tf.operate.patch import ConfigPatch, PatchOp, plan_patch, validate_patch

if TYPE_CHECKING:
    from strands_tf.config.models import ProjectConfig
    from strands_tf.deploy.executor import Confirm, DeploymentResult
    from strands_tf.deploy.project import Operation

Decision = Literal["revert", "accept", "skip"]

# the object that *is* an element: when it is gone, accepting means the element leaves strands.yaml
PRIMARY: dict[tuple[str, str], str] = {
    ("agent", "strands-agent"): "aws_lambda_function",
    ("resource", "sqs-queue"): "aws_sqs_queue",
    ("resource", "dynamodb-table"): "aws_dynamodb_table",
    ("resource", "s3-bucket"): "aws_s3_bucket",
    ("resource", "sns-topic"): "aws_sns_topic",
}


def key_of(resource: DriftedResource) -> str:
    """`<stack>:<address>`: a drifted object's key in decisions."""
    return f"{resource.stack}:{resource.address}"


def matches(selector: str, resource: DriftedResource) -> bool:
    """Whether `--revert/--accept SELECTOR` names this object: `*`, an address, `kind:name` or a bare name."""
    if selector in ("*", "all", resource.address, key_of(resource)):
        return True
    owner = resource.owner
    if owner is None:
        return False
    return selector in (owner.key, owner.name)


def _element_removal(resource: DriftedResource, report: DriftReport) -> bool:
    """True when the element's main object is among the missing ones (accepting removes the element)."""
    owner = resource.owner
    if owner is None or resource.status != "missing":
        return False
    return any(
        other.owner == owner
        and other.status == "missing"
        and other.module is not None
        and PRIMARY.get((owner.kind, other.module)) == other.type
        for other in report.resources
    )


def why_not_acceptable(resource: DriftedResource, report: DriftReport) -> str | None:
    """Why accepting this object is impossible (None when it is possible)."""
    if resource.owner is None:
        return "it belongs to no strands.yaml element"
    if resource.status == "missing":
        if resource.owner.kind not in ("agent", "resource"):
            return f"a missing part of {resource.owner.kind} '{resource.owner.name}' can only be created again"
        if not _element_removal(resource, report):
            return (
                f"{resource.owner.kind} '{resource.owner.name}' itself still exists; a missing part of it can only "
                "be created again (revert)"
            )
        return None
    reasons = [v.reason for v in resource.verdicts if v.reason]
    return "; ".join(r for r in reasons if r) or None


# ------------------------------------------------------------------------------------- the patch


def _override_sets(config: ProjectConfig, env: str, section: str, name: str, path: tuple[str | int, ...]) -> bool:
    environment = config.environments.get(env)
    if environment is None:
        return False
    if section == "agents":
        override = environment.overrides.agents.get(name)
        if override is None or path[0] not in override.model_fields_set:
            return False
        value: Any = getattr(override, str(path[0]))
    else:
        body = environment.overrides.resources.get(name)
        if body is None or path[0] not in body:
            return False
        value = body[path[0]]
    for part in path[1:]:
        if not isinstance(value, dict) or part not in value:
            return False
        value = value[part]
    return True


def setting_path(
    config: ProjectConfig, env: str, section: str, name: str, path: tuple[str | int, ...]
) -> tuple[str | int, ...]:
    """Where a setting of one element is written so it holds in environment `env`.

    Where the environment's override already sets it, there. Otherwise in the element itself when
    `env` is the only declared environment (or the built-in `local`), else in the environment's
    override, so other environments keep their values.
    """
    base = (section, name, *path)
    override = ("environments", env, "overrides", section, name, *path)
    if _override_sets(config, env, section, name, path):
        return override
    if env not in config.environments or len(config.environments) == 1:
        return base
    if section == "agents" and str(path[0]) not in AgentOverride.model_fields:
        return base  # handler, path, permissions...: not something an environment may change
    return override


def _element_tags(config: ProjectConfig, env: str, section: str, name: str) -> tuple[dict[str, str], dict[str, str]]:
    """(the element's own tags, the environment override's tags for it)."""
    own = dict(getattr((config.agents if section == "agents" else config.resources).get(name), "tags", {}) or {})
    environment = config.environments.get(env)
    over: dict[str, str] = {}
    if environment is not None:
        if section == "agents":
            override = environment.overrides.agents.get(name)
            over = dict(override.tags or {}) if override is not None else {}
        else:
            over = dict(environment.overrides.resources.get(name, {}).get("tags") or {})
    return own, over


class NotAcceptable(UserError):
    """Drift that strands.yaml cannot express."""


def _tag_ops(config: ProjectConfig, env: str, section: str, name: str, changes: Iterable[Any]) -> list[PatchOp]:
    own, over = _element_tags(config, env, section, name)
    where = setting_path(config, env, section, name, ("tags",))
    in_override = where[0] == "environments"
    ops: list[PatchOp] = []
    target = dict(over if in_override else own)
    for change in changes:
        key = str(change.path[1])
        if change.after is None:
            if key in over:
                target = dict(over)
                in_override, where = True, ("environments", env, "overrides", section, name, "tags")
            elif key not in own:
                raise NotAcceptable(
                    f"tag '{key}' was removed from {section[:-1]} '{name}' but comes from the project's or the "
                    "environment's tags",
                    hint="remove it there by hand if it should go everywhere, or revert",
                )
            target.pop(key, None)
        else:
            target[key] = change.after
    if section == "resources" and in_override:
        # a resource override replaces whole settings (a shallow merge): write the complete tag map
        ops.append(PatchOp("set", where, {**own, **target}))
    elif not target:
        ops.append(PatchOp("delete", where))
    else:
        ops.append(PatchOp("set", where, dict(sorted(target.items()))))
    return ops


def accept_ops(
    config: ProjectConfig, env: str, resources: Iterable[DriftedResource], report: DriftReport
) -> list[PatchOp]:
    """The strands.yaml operations that make the configuration say what AWS has for accepted objects."""
    ops: list[PatchOp] = []
    removed: set[tuple[str, str]] = set()
    for resource in resources:
        reason = why_not_acceptable(resource, report)
        if reason is not None:
            raise NotAcceptable(f"{resource.address} cannot be accepted: {reason}", hint="revert it instead")
        owner = resource.owner
        assert owner is not None
        section = "agents" if owner.kind == "agent" else "resources"
        if resource.status == "missing":
            if (owner.kind, owner.name) not in removed:
                removed.add((owner.kind, owner.name))
                ops.append(PatchOp("remove", kind=owner.kind, name=owner.name))
            continue
        changes = [c for v in resource.verdicts for c in v.changes]
        tag_changes = [c for c in changes if c.path[0] == "tags"]
        for change in changes:
            if change.path[0] == "tags":
                continue
            where = setting_path(config, env, section, owner.name, change.path)
            ops.append(PatchOp("delete", where) if change.after is None else PatchOp("set", where, change.after))
        if tag_changes:
            ops.extend(_tag_ops(config, env, section, owner.name, tag_changes))
    # one element's settings may come from several objects (function and log group): keep the last of each path
    unique: dict[Any, PatchOp] = {}
    for op in ops:
        unique[(op.op, op.path, op.kind, op.name)] = op
    return list(unique.values())


def accept_patch(op: Operation, resources: list[DriftedResource], report: DriftReport) -> ConfigPatch:
    """The checked strands.yaml change for accepted objects (ConfigError when the loader refuses it)."""
    ops = accept_ops(op.loaded.config, op.resolved.environment.name, resources, report)
    patch = plan_patch(op.loaded.root, ops)
    validate_patch(patch)
    return patch


# ------------------------------------------------------------------------------------ doing it


@dataclass
class ReconcileResult:
    """What reconcile did: objects accepted into the state per stack, the files written, the revert deployment."""

    accepted: dict[str, list[str]] = field(default_factory=dict)
    written: list[str] = field(default_factory=list)
    reverted: DeploymentResult | None = None
    errors: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors and (self.reverted is None or self.reverted.ok)


def accept_in_state(op: Operation, resources: list[DriftedResource]) -> dict[str, list[str]]:
    """Refresh-only apply limited to the accepted objects, stack by stack; the state file follows each stack."""
    from strands_tf.deploy.project import state_sync
    from strands_tf.state.lock import ProjectLock

    by_stack: dict[str, list[str]] = {}
    for resource in resources:
        by_stack.setdefault(resource.stack, []).append(resource.address)
    specs = {s.name: s for s in op.stacks}
    plans_dir = op.workspace.plans_dir(op.resolved.environment.name) / "reconcile"
    plans_dir.mkdir(parents=True, exist_ok=True)
    sync = state_sync(op)
    done: dict[str, list[str]] = {}
    with ProjectLock(op.loaded.root, "strands reconcile"):
        for stack_name, addresses in by_stack.items():
            spec = specs[stack_name]
            plan_file = plans_dir / f"{stack_name}.tfplan"
            op.ctx.events.publish(StackPhase(stack_name, "accept"))
            refresh_only_plan(op.ctx, spec, plan_file, targets=sorted(addresses))
            with op.ctx.runtime.session(spec) as extra_env:
                runner = op.ctx.runner(spec, extra_env)
                runner.apply(plan_file)
            sync.map_stack(spec)  # the state file follows the stack's tfstate
            done[stack_name] = sorted(addresses)
            op.ctx.events.publish(StackDone(stack_name, "accepted", None))
    return done


def revert(op: Operation, resources: list[DriftedResource], *, confirm: Confirm | None) -> DeploymentResult:
    """A targeted apply of the reverted objects (missing ones are created again), recorded as a deployment."""
    from strands_tf.deploy.project import apply_project

    targets: dict[str, set[str]] = {}
    for resource in resources:
        targets.setdefault(resource.stack, set()).add(resource.address)
    stacks = [dataclasses.replace(s, targets=tuple(sorted(targets[s.name]))) for s in op.stacks if s.name in targets]
    return apply_project(op, confirm=confirm, stacks=stacks)


def reconcile(
    op: Operation,
    report: DriftReport,
    decisions: dict[str, Decision],
    *,
    patch: ConfigPatch | None,
    confirm_revert: Confirm | None,
    on_step: Callable[[str], None] = lambda _text: None,
) -> ReconcileResult:
    """Carry out the decisions: write the patch, accept in the state, then revert; each step said to `on_step`."""
    from strands_tf.operate.patch import write_patch

    result = ReconcileResult()
    accepted = [r for r in report.resources if decisions.get(key_of(r)) == "accept"]
    reverted = [r for r in report.resources if decisions.get(key_of(r)) == "revert"]
    if accepted:
        if patch is not None and not patch.empty:
            result.written = write_patch(patch)
            on_step(f"wrote {', '.join(result.written)}")
        try:
            result.accepted = accept_in_state(op, accepted)
        except StrandsError as exc:
            result.errors["accept"] = exc.summary
            raise
        on_step(f"accepted {sum(len(a) for a in result.accepted.values())} object(s) into the state")
    if reverted:
        result.reverted = revert(op, reverted, confirm=confirm_revert)
        on_step(f"revert: deployment {result.reverted.checkpoint.id} {result.reverted.checkpoint.status}")
    return result


def decide(
    report: DriftReport, reverts: Iterable[str], accepts: Iterable[str]
) -> tuple[dict[str, Decision], list[str]]:
    """Decisions from `--revert` / `--accept` selectors; also the selectors that named nothing."""
    decisions: dict[str, Decision] = {}
    unused: list[str] = []
    for decision, selectors in (("revert", list(reverts)), ("accept", list(accepts))):
        for selector in selectors:
            hit = [r for r in report.resources if matches(selector, r)]
            if not hit:
                unused.append(selector)
            if decision == "accept" and not any(selector in (r.address, key_of(r)) for r in hit):
                # a whole element (or '*'): accept what can be accepted, leave the rest to be asked or skipped
                hit = [r for r in hit if why_not_acceptable(r, report) is None]
            for resource in hit:
                key = key_of(resource)
                if decisions.get(key, decision) != decision:
                    raise UserError(
                        f"{resource.address} is both reverted and accepted", hint="name each object in one option only"
                    )
                decisions[key] = decision  # type: ignore[assignment]
    return together(report, decisions), unused


def skipped(report: DriftReport, decisions: dict[str, Decision]) -> list[tuple[str, str]]:
    """(address, why) of each drifted object left as it is: it is still drifted after the reconcile."""
    out = []
    for resource in report.resources:
        if decisions.get(key_of(resource), "skip") != "skip":
            continue
        reason = why_not_acceptable(resource, report)
        out.append((resource.address, f"only revert is possible: {reason}" if reason else "not selected"))
    return out


def together(report: DriftReport, decisions: dict[str, Decision]) -> dict[str, Decision]:
    """Accepting one missing object of an element whose main object is gone accepts all its missing objects:
    the element leaves strands.yaml as a whole."""
    out = dict(decisions)
    for resource in report.resources:
        if out.get(key_of(resource)) != "accept" or not _element_removal(resource, report):
            continue
        owner = resource.owner
        assert owner is not None
        for other in report.resources:
            if other.owner == resource.owner and other.status == "missing":
                if out.get(key_of(other), "accept") != "accept":
                    raise UserError(
                        f"{other.address} is reverted, but accepting {resource.address} removes {owner.kind} "
                        f"'{owner.name}' from strands.yaml",
                        hint="accept or revert every missing object of one element together",
                    )
                out[key_of(other)] = "accept"
    return out
