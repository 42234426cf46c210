"""Project-level operations behind `strands plan`, `apply`, `destroy` and `rollback`."""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.checkpoint import resumable_deployment
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
from strands_tf.deploy.selection import (
    Command,
    Selection,
    check_resume_selection,
    layout_of_stacks,
    read_layout,
    select_stacks,
)
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StateError, StrandsError, UserError
from strands_tf.fsutil import private_mkdir
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
    selection: Selection | None = None  # what `select` chose (stacks, targets, what is left alone and why)


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


def owner_resolver(graph: InfraGraph, loaded: LoadedProject) -> OwnerResolver:
    """Map `module.<id>...` addresses to the strands.yaml element (with file and line) that made them."""
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


def project_owner_resolver(loaded: LoadedProject, resolved: ResolvedProject) -> OwnerResolver:
    """The owner resolver of a project's environment without synthesizing, packaging or reaching AWS."""
    from strands_tf.generators.synth import infra_graph

    return owner_resolver(infra_graph(loaded, resolved), loaded)


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
    workspace.secure()
    synth = synthesize(
        loaded,
        resolved,
        workspace.build_dir(resolved.environment.name),
        packager=package_agents if package else None,
        private=True,
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
        owner_of=owner_resolver(synth.graph, loaded),
        reporter=reporter or SilentReporter(),
        parallel=parallel,
    )
    return Operation(loaded, resolved, workspace, synth, stacks, ctx, [*synth.warnings, *runtime.warnings])


def modules_in_tfstate(raw: dict[str, Any] | None) -> frozenset[str]:
    """Top-level module ids holding managed resources in a raw tfstate ('' for resources outside modules)."""
    out: set[str] = set()
    for resource in (raw or {}).get("resources", []) or []:
        if resource.get("mode") != "managed" or not resource.get("instances"):
            continue
        module = str(resource.get("module") or "")
        out.add(module.split(".")[1].split("[")[0] if module.startswith("module.") else "")
    return frozenset(out)


class TerraformDeployed:
    """What is deployed now, from each stack's Terraform state (read on demand, once per stack).

    The tfstate is the truth (a teammate may have deployed from another machine); the local state file
    only adds stacks the synthesized layout no longer knows.
    """

    def __init__(self, op: Operation, specs: Sequence[StackSpec]) -> None:
        self._op = op
        self._specs = {s.name: s for s in specs}
        self._cache: dict[str, frozenset[str]] = {}

    def modules(self, stack: str) -> frozenset[str]:
        """Module ids with resources in the stack's tfstate now."""
        if stack not in self._cache:
            spec = self._specs.get(stack)
            self._cache[stack] = self._read(spec) if spec is not None else frozenset()
        return self._cache[stack]

    def _read(self, spec: StackSpec) -> frozenset[str]:
        ctx = self._op.ctx
        runner = ctx.runner(spec)
        if runner.needs_init():
            with ctx.runtime.session(spec) as extra_env:
                ctx.runner(spec, extra_env).init()
        return modules_in_tfstate(runner.state_pull())

    def unknown_stacks(self) -> list[str]:
        """Stacks the state file lists with resources that the layout does not know."""
        from strands_tf.state.manager import StateManager

        manager = StateManager(self._op.loaded.root, self._op.resolved.environment.name)
        try:
            state = manager.load()
        except StrandsError as exc:
            # cannot tell what else is deployed: count it as something that still uses the shared stack
            return [f"(stacks the unreadable {manager.path} may list: {exc.summary})"]
        return sorted(name for name, stack in state.stacks.items() if stack.resources and name not in self._specs)


def select(
    op: Operation,
    agents: Sequence[str] | None,
    operation: Command,
    *,
    include_shared: bool = False,
) -> Selection:
    """Narrow `op.stacks` to what `operation` works on for the `--agent` selection (None: every agent)."""
    deployed = TerraformDeployed(op, op.stacks) if agents is not None else None
    selection = select_stacks(
        layout_of_stacks(op.synth.stacks), agents, operation, deployed=deployed, include_shared=include_shared
    )
    op.stacks = selection.specs(op.stacks)
    op.selection = selection
    return selection


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
    plans_dir = private_mkdir(op.workspace.plans_dir(op.resolved.environment.name))
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
            deployment_id or op.workspace.next_deployment_id(),
            command,
            op.resolved.project,
            op.resolved.environment.name,
            chosen,
            op.synth.out_dir,
            rollback_of=rollback_of,
            agents=list(op.selection.agents) if op.selection and op.selection.agents is not None else None,
        )
        # stacks run from the deployment's own copy, so a later synth cannot change a running deployment
        chosen = [dataclasses.replace(s, workdir=store.dir / "cdktf.out" / "stacks" / s.name) for s in chosen]
        return run_deployment(op.ctx, store, chosen, destroy=destroy, confirm=confirm, after_apply=_state_updater(op))


def destroy_project(op: Operation, *, confirm: Confirm | None) -> DeploymentResult:
    """Destroy the selected stacks (dependents first); whole stacks that are gone leave the state file."""
    from strands_tf.state.manager import StateManager

    result = apply_project(op, confirm=confirm, destroy=True, command="destroy")
    if result.ok:
        manager = StateManager(op.loaded.root, op.resolved.environment.name)
        for stack in op.stacks:
            if not stack.targets:  # a targeted destroy left the rest of its stack: the state updater mapped it
                manager.remove_stack(stack.name)
    return result


def resume_project(op: Operation, *, confirm: Confirm | None, agents: Sequence[str] | None = None) -> DeploymentResult:
    """Continue the environment's latest deployment when it was interrupted or failed (see resumable_deployment)."""
    from strands_tf.state.lock import ProjectLock

    # the lock first: a `running` checkpoint found while holding it belongs to a process that is gone
    with ProjectLock(op.loaded.root, "strands apply --resume"):
        store = resumable_deployment(op.workspace.deployments_dir(), op.resolved.environment.name)
        check_resume_selection(store.checkpoint.agents, agents)
        if store.checkpoint.command == "rollback":
            from strands_tf.history.trust import check_recorded_stacks

            # its stacks are a recorded deployment's (maybe from a bucket): checked like any rollback
            check_recorded_stacks(
                store.dir / "cdktf.out", op.resolved, op.loaded.root, source=f"deployment {store.dir.name}"
            )
        store.checkpoint.status = "running"
        store.save()
        recorded = {name: stack for name, stack in store.checkpoint.stacks.items()}
        pending = set(store.checkpoint.pending_stacks())
        todo = [
            dataclasses.replace(s, targets=tuple(recorded[s.name].targets))
            for s in read_manifest(store.dir / "cdktf.out")
            if s.name in pending
        ]
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
    agents: Sequence[str] | None = None,
    create_missing: bool = False,
    on_selected: Callable[[Selection], None] | None = None,
) -> DeploymentResult:
    """Re-apply the synthesized stacks recorded by an earlier successful deployment.

    Only stacks deployed now are re-applied (`create_missing` re-creates the others); with `agents`, only
    those agents' own stacks (or modules, in a stack shared with other agents). `on_selected` hears the
    selection before anything is planned.
    """
    if deployment is None:
        source = previous_success(op, before=failed_deployment)
        if source is None:
            raise StateError(
                f"no earlier successful deployment of '{op.resolved.environment.name}' to roll back to",
                hint="`strands history list` lists recorded deployments",
            )
    else:
        source = op.workspace.deployment_dir(deployment)
        if not (source / "cdktf.out" / "manifest.json").is_file():
            raise UserError(f"deployment {deployment} has no recorded stacks",
                            hint="`strands history list` lists recorded deployments")  # fmt: skip
    from strands_tf.history.trust import check_recorded_stacks

    # recorded stacks may come from a history bucket: apply nothing strands could not have generated (checked
    # before anything runs Terraform on them, reading what is deployed included)
    check_recorded_stacks(source / "cdktf.out", op.resolved, op.loaded.root, source=f"deployment {source.name}")
    recorded = read_manifest(source / "cdktf.out")
    current = {s.name: s for s in op.stacks}
    # what is deployed is read through the current build where it has the stack (same backend either way)
    deployed = TerraformDeployed(op, [current.get(s.name, s) for s in recorded])
    selection = select_stacks(
        read_layout(source / "cdktf.out"), agents, "rollback", deployed=deployed, create_missing=create_missing
    )
    if only_stacks is not None:
        selection.stacks = {name: t for name, t in selection.stacks.items() if name in only_stacks}
        selection.missing = [m for m in selection.missing if m.split(":")[0] in only_stacks]
    op.selection = selection
    if on_selected is not None:
        on_selected(selection)
    chosen = selection.specs(recorded)
    if not chosen:
        raise UserError(
            f"nothing to roll back to {source.name}: " + ("; ".join(selection.notes) or "no recorded stack selected"),
            hint="pass --create-missing to re-create stacks that are not deployed now",
        )
    op.synth = SynthResult(source / "cdktf.out", [], [], op.synth.graph, [])
    return apply_project(op, confirm=confirm, command="rollback", stacks=chosen, rollback_of=source.name)
