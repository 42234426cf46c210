"""Project-level operations behind `strands plan`, `apply`, `destroy` and `rollback`."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.checkpoint import CheckpointStore, latest_checkpoint
from strands_tf.deploy.executor import (
    Confirm,
    DeployContext,
    DeploymentResult,
    Reporter,
    SilentReporter,
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
from strands_tf.model.graph import InfraGraph
from strands_tf.terraform.plan_summary import Owner, OwnerResolver, module_owner_resolver
from strands_tf.terraform.runner import Cancellation, TerraformRunner

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
    return graph_owner_resolver(synth.graph, loaded)


def graph_owner_resolver(graph: InfraGraph, loaded: LoadedProject) -> OwnerResolver:
    """`owner_resolver` from the infrastructure graph alone (no synth output needed: `strands show`)."""
    locations = element_locations(loaded)
    owners: dict[str, Owner] = {}
    for node in graph.nodes.values():
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
    reporter: Reporter | None = None,
    parallel: bool = True,
    engine: Any = None,
    runtime_factory: RuntimeFactory = default_runtime,
    package: bool = True,
    cancellation: Cancellation | None = None,
) -> Operation:
    """Synthesize into `.strands/build/<env>`, find the engine and reach the target."""
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
        reporter=reporter or SilentReporter(),
        parallel=parallel,
    )
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


def _state_updater(op: Operation) -> Callable[[StackSpec, TerraformRunner], None]:
    from strands_tf.state.manager import StateManager
    from strands_tf.terraform.tfstate import parse_tfstate_dict

    manager = StateManager(op.loaded.root, op.resolved.environment.name)

    def update(stack: StackSpec, runner: TerraformRunner) -> None:
        raw = runner.state_pull()
        synth_doc = json.loads((stack.workdir / "cdk.tf.json").read_text("utf-8"))
        if not raw or not raw.get("resources"):
            manager.remove_stack(stack.name)
            return
        tfstate = parse_tfstate_dict(raw, source=f"{stack.name} state")
        manager.record_apply(stack.name, tfstate, synth_doc, project=op.resolved.project)

    return update


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
    from strands_tf.state.lock import ProjectLock

    chosen = stacks if stacks is not None else op.stacks
    with ProjectLock(op.loaded.root, f"strands {command}"):
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
        # stacks run from the deployment's own copy, so a later synth cannot change a running deployment
        chosen = [StackSpec(s.name, store.dir / "cdktf.out" / "stacks" / s.name, s.dependencies) for s in chosen]
        return run_deployment(op.ctx, store, chosen, destroy=destroy, confirm=confirm, after_apply=_state_updater(op))


def resume_project(op: Operation, *, confirm: Confirm | None) -> DeploymentResult:
    """Continue the newest interrupted or failed deployment of the environment from its own stacks."""
    from strands_tf.state.lock import ProjectLock

    env = op.resolved.environment.name
    found = latest_checkpoint(op.workspace.deployments_dir(), env, status={"failed", "cancelled", "running"})
    if found is None:
        raise StateError(f"no interrupted or failed deployment of '{env}' to resume",
                         hint="run `strands apply` to start a new one")  # fmt: skip
    with ProjectLock(op.loaded.root, "strands apply --resume"):
        store = CheckpointStore.load(found)
        store.checkpoint.status = "running"
        store.save()
        all_stacks = read_manifest(found / "cdktf.out")
        pending = set(store.checkpoint.pending_stacks())
        todo = [s for s in all_stacks if s.name in pending]
        return run_deployment(
            op.ctx, store, todo, destroy=store.checkpoint.command == "destroy", confirm=confirm,
            after_apply=_state_updater(op),
        )  # fmt: skip


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
