"""Project-level operations behind `strands plan`, `apply`, `destroy` and `rollback`."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.checkpoint import CheckpointStore, latest_checkpoint
from strands_tf.deploy.events import Subscriber
from strands_tf.deploy.executor import (
    Confirm,
    DeployContext,
    DeploymentResult,
    StackPlan,
    StackSpec,
    TargetRuntime,
    plan_stack,
    read_manifest,
    run_deployment,
    start_deployment,
    waves,
)
from strands_tf.deploy.workspace import Workspace, new_deployment_id
from strands_tf.errors import StateError, UserError
from strands_tf.generators.synth import SynthResult, element_locations, synthesize
from strands_tf.terraform.plan_summary import Owner, OwnerResolver, module_owner_resolver
from strands_tf.terraform.runner import Cancellation

if TYPE_CHECKING:
    from strands_tf.deploy.orphans import AdoptOutcome, Orphan, OrphanReport
    from strands_tf.deploy.state_sync import StateSync

logger = logging.getLogger(__name__)


@dataclass
class Operation:
    """A project prepared for Terraform work on one environment."""

    loaded: LoadedProject
    resolved: ResolvedProject
    workspace: Workspace
    synth: SynthResult
    stacks: list[StackSpec]
    ctx: DeployContext
    warnings: list[str] = field(default_factory=list)


RuntimeFactory = Callable[[ResolvedProject, Workspace], TargetRuntime]


def aws_runtime(resolved: ResolvedProject, workspace: Workspace) -> TargetRuntime:
    """Check the AWS identity (account guard, role assumption) and give Terraform the same credentials."""
    from strands_tf.aws.identity import verify_identity
    from strands_tf.aws.target import target_for_environment
    from strands_tf.aws.terraform_env import terraform_aws_env

    target = target_for_environment(resolved)
    verify_identity(target)
    # the provider block assumes role_arn itself (and refreshes it during long applies): hand Terraform
    # the base identity, not the role's keys, or it would try to assume the role from the role
    base_environment = dataclasses.replace(resolved.environment, role_arn=None, external_id=None)
    base = target_for_environment(dataclasses.replace(resolved, environment=base_environment))
    env = terraform_aws_env(base)
    return TargetRuntime(env=dict(env.variables), unset=env.remove)


def default_runtime(resolved: ResolvedProject, workspace: Workspace) -> TargetRuntime:
    """The runtime for the environment's target (real AWS or the offline emulator)."""
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.emulator_target import emulator_runtime

        return emulator_runtime(resolved, workspace)
    return aws_runtime(resolved, workspace)


def owner_resolver(synth: SynthResult, loaded: LoadedProject) -> OwnerResolver:
    """Map `module.<id>...` addresses to the strands.yaml element (with file and line) that made them."""
    locations = element_locations(loaded)
    owners: dict[str, Owner] = {}
    for node in synth.graph.nodes.values():
        if node.block != "module":
            continue
        kind = node.owner.kind
        key = (kind if kind != "role" else "agent", node.owner.name)
        file, line, _col = locations.get(key, (None, None, None))
        label = {"role": "agent", "api": "api"}.get(kind, kind)
        owners[f"module.{node.id}"] = Owner(label, node.owner.name, file, line)
    return module_owner_resolver(owners)


def prepare(
    loaded: LoadedProject,
    resolved: ResolvedProject,
    *,
    reporter: Subscriber | None = None,
    parallel: bool = True,
    engine: Any = None,
    runtime_factory: RuntimeFactory = default_runtime,
    package: bool = True,
    cancellation: Cancellation | None = None,
) -> Operation:
    """Synthesize into `.strands/build/<env>`, find the engine and reach the target.

    `reporter` subscribes to the operation's event stream (the terminal view, the canvas).
    """
    from strands_tf.generators.synth import package_agents
    from strands_tf.terraform.engine import discover_engine

    workspace = Workspace(loaded.root)
    synth = synthesize(
        loaded, resolved, workspace.build_dir(resolved.environment.name), packager=package_agents if package else None
    )
    stacks = read_manifest(synth.out_dir)
    runtime = runtime_factory(resolved, workspace)
    ctx = DeployContext(
        workspace=workspace,
        project=resolved.project,
        environment=resolved.environment.name,
        engine=engine or discover_engine(),
        runtime=runtime,
        cancellation=cancellation or Cancellation(),
        owner_of=owner_resolver(synth, loaded),
        parallel=parallel,
    )
    if reporter is not None:
        ctx.events.subscribe(reporter)
    return Operation(loaded, resolved, workspace, synth, stacks, ctx, list(synth.warnings))


@dataclass
class ProjectPlan:
    """`strands plan`: a plan per stack, and stacks that can only be planned after others are applied."""

    plans: list[StackPlan]
    deferred: dict[str, list[str]]

    @property
    def has_changes(self) -> bool:
        return bool(self.deferred) or any(p.has_changes for p in self.plans)


def plan_project(op: Operation, *, destroy: bool = False) -> ProjectPlan:
    """Plan every stack wave by wave; a stack reading a dependency with pending changes is deferred."""
    plans_dir = op.workspace.plans_dir(op.resolved.environment.name)
    plans_dir.mkdir(parents=True, exist_ok=True)
    results: list[StackPlan] = []
    deferred: dict[str, list[str]] = {}
    changed: set[str] = set()
    ordered = waves(op.stacks)
    if destroy:
        ordered = list(reversed(ordered))
    for wave in ordered:
        for stack in wave:
            related = (
                [s.name for s in op.stacks if stack.name in s.dependencies] if destroy else list(stack.dependencies)
            )
            blocking = [d for d in related if d in changed or d in deferred]
            if blocking:
                deferred[stack.name] = blocking
                continue
            plan = plan_stack(op.ctx, stack, plans_dir, destroy=destroy)
            results.append(plan)
            if plan.has_changes:
                changed.add(stack.name)
    return ProjectPlan(results, deferred)


def state_sync(op: Operation) -> StateSync:
    """The executor's after-stack hook that keeps the environment's state file in step with tfstate."""
    from strands_tf.deploy.state_sync import StateSync

    return StateSync(op.ctx, op.loaded.root, op.resolved.project, op.resolved.environment.name)


def _run(
    op: Operation, store: CheckpointStore, stacks: list[StackSpec], sync: StateSync, **kw: Any
) -> DeploymentResult:
    """One attempt under the project lock, the state file mapped after every stack (rebuilt if it was damaged)."""
    try:
        result = run_deployment(op.ctx, store, stacks, after_stack=sync, **kw)
    finally:
        # a damaged state file is rebuilt for every stack, also those this deployment did not reach
        sync.complete(stacks + [s for s in op.stacks if s.name not in {t.name for t in stacks}])
    result.warnings[:0] = sync.warnings
    return result


def recover(op: Operation) -> list[str]:
    """Mark deployments whose process was killed mid-way `interrupted` (their records become due)."""
    from strands_tf.deploy.recovery import mark_interrupted

    return mark_interrupted(op.workspace)


def apply_project(
    op: Operation,
    *,
    confirm: Confirm | None,
    destroy: bool = False,
    command: str = "apply",
    stacks: list[StackSpec] | None = None,
    rollback_of: str | None = None,
    deployment_id: str | None = None,
) -> DeploymentResult:
    """Record a deployment and run it (plan → confirm → apply per wave), mapping state after each stack."""
    from strands_tf.history.record import snapshot_config
    from strands_tf.state.lock import ProjectLock

    chosen = stacks if stacks is not None else op.stacks
    with ProjectLock(op.loaded.root, f"strands {command}"):
        interrupted = recover(op)
        sync = state_sync(op)
        sync.check()  # before anything starts: a state file of a newer strands-tf stops here
        store = start_deployment(
            op.workspace,
            deployment_id or new_deployment_id(),
            command,
            op.resolved.project,
            op.resolved.environment.name,
            chosen,
            op.synth.out_dir,
            rollback_of=rollback_of,
        )
        try:
            snapshot_config(op.loaded, op.resolved, store.dir)
        except OSError as exc:  # the record then shows the configuration as it is when it is built
            logger.warning("could not keep the configuration with deployment %s: %s", store.dir.name, exc)
        # stacks run from the deployment's own copy, so a later synth cannot change a running deployment
        chosen = [StackSpec(s.name, store.dir / "cdktf.out" / "stacks" / s.name, s.dependencies) for s in chosen]
        result = _run(op, store, chosen, sync, destroy=destroy, confirm=confirm)
        if result.ok:
            result.warnings.extend(prune(op))
    result.warnings[:0] = [_interrupted_warning(i) for i in interrupted]
    return result


def prune(op: Operation) -> list[str]:
    """Keep `history.keep_local` deployments of the environment (the rollback and resume targets always)."""
    from strands_tf.deploy.retention import prune_deployments

    try:
        report = prune_deployments(op.workspace, op.resolved.environment.name, op.loaded.config.history.keep_local)
    except OSError as exc:  # housekeeping: never fails a deployment that succeeded
        return [f"old deployments could not be pruned: {exc}"]
    if report.removed:
        logger.info(
            "pruned %d old deployment(s) of %s (%d bytes of assets freed)",
            len(report.removed), op.resolved.environment.name, report.freed_bytes,
        )  # fmt: skip
    return []


def _interrupted_warning(deployment_id: str) -> str:
    return (
        f"deployment {deployment_id} was killed before it finished; it is marked interrupted and recorded "
        "(`strands apply --resume` continues it if it is the latest)"
    )


def resume_project(op: Operation, *, confirm: Confirm | None) -> DeploymentResult:
    """Continue the newest interrupted or failed deployment of the environment from its own stacks."""
    from strands_tf.state.lock import ProjectLock

    env = op.resolved.environment.name
    with ProjectLock(op.loaded.root, "strands apply --resume"):
        interrupted = recover(op)
        found = latest_checkpoint(
            op.workspace.deployments_dir(), env, status={"failed", "cancelled", "running", "interrupted"}
        )
        if found is None:
            raise StateError(f"no interrupted or failed deployment of '{env}' to resume",
                             hint="run `strands apply` to start a new one")  # fmt: skip
        store = CheckpointStore.load(found)
        all_stacks = read_manifest(found / "cdktf.out")
        pending = set(store.checkpoint.pending_stacks())
        todo = [s for s in all_stacks if s.name in pending]
        sync = state_sync(op)
        sync.check()
        result = _run(op, store, todo, sync, destroy=store.checkpoint.command == "destroy", confirm=confirm)
    result.warnings[:0] = [_interrupted_warning(i) for i in interrupted]
    return result


def previous_success(op: Operation, *, before: str | None = None) -> Path | None:
    """The newest succeeded apply (or rollback) of the environment, optionally older than a deployment id."""
    deployments = op.workspace.deployments_dir()
    if not deployments.is_dir():
        return None
    env = op.resolved.environment.name
    for candidate in sorted(deployments.iterdir(), reverse=True):
        if before is not None and candidate.name >= before:
            continue
        checkpoint = candidate / "checkpoint.json"
        if not checkpoint.is_file():
            continue
        try:
            raw = json.loads(checkpoint.read_text("utf-8"))
        except ValueError:
            continue
        if (
            raw.get("environment") == env
            and raw.get("status") == "succeeded"
            and raw.get("command")
            in (
                "apply",
                "rollback",
            )
        ):
            return candidate
    return None


def rollback_project(
    op: Operation,
    deployment: str | None,
    *,
    confirm: Confirm | None,
    only_stacks: list[str] | None = None,
    failed_deployment: str | None = None,
) -> DeploymentResult:
    """Re-apply the synthesized stacks recorded by an earlier successful deployment."""
    if deployment is None:
        source = previous_success(op, before=failed_deployment)
        if source is None:
            raise StateError(
                f"no earlier successful deployment of '{op.resolved.environment.name}' to roll back to",
                hint="`ls .strands/deployments` lists recorded deployments",
            )
    else:
        source = op.workspace.deployment_dir(deployment)
        if not (source / "cdktf.out" / "manifest.json").is_file():
            raise UserError(f"deployment {deployment} has no recorded stacks",
                            hint="`ls .strands/deployments` lists recorded deployments")  # fmt: skip
    recorded = read_manifest(source / "cdktf.out")
    if only_stacks is not None:
        recorded = [s for s in recorded if s.name in only_stacks]
    op.synth = SynthResult(source / "cdktf.out", [], [], op.synth.graph, [])
    return apply_project(op, confirm=confirm, command="rollback", stacks=recorded, rollback_of=source.name)


def _aws_client(op: Operation) -> Callable[[str], Any]:
    """boto3 clients of the environment's target (the project's emulator for an emulator environment)."""
    from strands_tf.aws.session import default_factory
    from strands_tf.aws.target import target_for_environment

    emulator = op.resolved.environment.target == "emulator"
    endpoint = op.ctx.runtime.env.get("AWS_ENDPOINT_URL") if emulator else None
    target = target_for_environment(op.resolved, endpoint_url=endpoint)
    factory = default_factory()
    return lambda service: factory.client(service, target)


def find_project_orphans(op: Operation) -> OrphanReport:
    """Resources of the environment's stacks that exist in AWS but not in Terraform's state (see deploy/orphans)."""
    from strands_tf.deploy.orphans import find_orphans

    plans_dir = op.workspace.plans_dir(op.resolved.environment.name)
    plans_dir.mkdir(parents=True, exist_ok=True)
    return find_orphans(
        op.ctx, op.stacks, _aws_client(op), project=op.resolved.project, environment=op.resolved.environment.name,
        plans_dir=plans_dir,
    )  # fmt: skip


def adopt_project_orphans(op: Operation, orphans: list[Orphan]) -> AdoptOutcome:
    """Import our orphans into their stacks' state under the project lock; the state file follows."""
    from strands_tf.deploy.orphans import adopt
    from strands_tf.state.lock import ProjectLock

    with ProjectLock(op.loaded.root, "strands orphans --adopt"):
        sync = state_sync(op)
        sync.check()
        plans_dir = op.workspace.plans_dir(op.resolved.environment.name)
        return adopt(op.ctx, op.stacks, orphans, plans_dir=plans_dir, after=sync.map_stack)


def delete_project_orphans(op: Operation, orphans: list[Orphan]) -> AdoptOutcome:
    """Delete our orphans from AWS under the project lock (no Terraform state holds them)."""
    from strands_tf.deploy.orphans import delete
    from strands_tf.state.lock import ProjectLock

    with ProjectLock(op.loaded.root, "strands orphans --delete"):
        return delete(_aws_client(op), orphans)
