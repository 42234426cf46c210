"""Project-level operations behind `strands plan`, `apply`, `destroy` and `rollback`."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject
from strands_tf.deploy.checkpoint import CheckpointStore, raw_checkpoints, resumable_deployment
from strands_tf.deploy.events import Subscriber
from strands_tf.deploy.executor import (
    Confirm,
    DeployContext,
    DeploymentResult,
    StackPlan,
    StackSpec,
    TargetRuntime,
    deployment_stacks,
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
from strands_tf.terraform.runner import Cancellation

if TYPE_CHECKING:
    from strands_tf.deploy.gone import GoneStack
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
    selection: Selection | None = None  # what `select` chose (stacks, targets, what is left alone and why)
    # every stack of the environment's build, whatever `select` chose: a damaged state file is rebuilt for all
    environment_stacks: list[StackSpec] = field(default_factory=list)
    # deployed stacks the configuration no longer makes (destroyed from their recorded copies): include_gone_stacks
    gone: list[GoneStack] | None = None


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
    from strands_tf.deploy.watchers import canvas_watching
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
        parallel=parallel,
        aws_calls=canvas_watching(workspace),
    )
    if reporter is not None:
        ctx.events.subscribe(reporter)
    warnings = [*synth.warnings, *runtime.warnings]
    return Operation(loaded, resolved, workspace, synth, stacks, ctx, warnings, environment_stacks=list(stacks))


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


def stacks_left_behind(op: Operation, *, resuming: bool = False) -> list[str]:
    """Deployed stacks the configuration no longer makes, for the commands that leave them alone (rollback,
    orphans, resume: only plan, apply and destroy plan them away). A resume still destroys those its own
    deployment was destroying, so they are not left behind by it."""
    names = TerraformDeployed(op, op.stacks).unknown_stacks()
    if resuming and names:
        try:
            store = resumable_deployment(op.workspace, op.resolved.environment.name)
        except StrandsError:
            return names  # nothing to resume: the resume itself says why
        destroying = {name for name, entry in store.checkpoint.stacks.items() if entry.gone}
        names = [name for name in names if name not in destroying]
    return names


def include_gone_stacks(op: Operation) -> list[GoneStack]:
    """Add the deployed stacks the configuration no longer makes to `op.stacks`, to be destroyed (once).

    Each runs from the newest copy a deployment recorded of it; a stack without one stops here with the way
    out (see deploy/gone.py). Their changes are grouped under what strands.yaml named them.
    """
    from strands_tf.deploy.gone import find_gone_stacks, with_recorded_owners

    if op.gone is None:
        made = {s.name for s in op.environment_stacks} | {s.name for s in op.stacks}
        op.gone = find_gone_stacks(op.workspace, op.loaded.root, op.resolved.environment.name, made)
        specs = [g.spec for g in op.gone]
        op.stacks = [*op.stacks, *specs]
        op.environment_stacks = [*op.environment_stacks, *specs]
        op.ctx.owner_of = with_recorded_owners(op.ctx.owner_of, op.gone)
    return op.gone


def gone_note(gone: Sequence[GoneStack], environment: str) -> str | None:
    """What plan, apply and destroy say about stacks no longer in the configuration, or None."""
    if not gone:
        return None
    copies = ", ".join(sorted({g.source for g in gone}))
    return (
        f"stack(s) {', '.join(g.spec.name for g in gone)} of environment {environment} are deployed but no longer "
        f"in the configuration: they are destroyed first (from the copies recorded by deployment {copies})"
    )


def select(
    op: Operation,
    agents: Sequence[str] | None,
    operation: Command,
    *,
    include_shared: bool = False,
) -> Selection:
    """Narrow `op.stacks` to what `operation` works on for the `--agent` selection (None: every agent).

    Deployed stacks the configuration no longer makes take part like the others (to be destroyed).
    """
    from strands_tf.deploy.selection import Layout, read_stack_info

    gone = include_gone_stacks(op) if operation != "synth" else []
    deployed = TerraformDeployed(op, op.stacks) if agents is not None else None
    layout = layout_of_stacks(op.synth.stacks)
    layout = Layout({**layout.stacks, **{g.spec.name: read_stack_info(g.spec) for g in gone}})
    selection = select_stacks(layout, agents, operation, deployed=deployed, include_shared=include_shared)
    chosen_gone = [g for g in gone if g.spec.name in selection.stacks]
    note = gone_note(chosen_gone, op.resolved.environment.name)
    if note is not None:
        selection.notes.insert(0, note)
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
    # stacks no longer in the configuration first, all of them: a destroy reads nothing from what it deletes
    for wave in reversed(waves([s for s in op.stacks if s.gone])):
        results.extend(plan_stack(op.ctx, stack, plans_dir) for stack in wave)
    live = [s for s in op.stacks if not s.gone]
    ordered = waves(live)
    if destroy:
        ordered = list(reversed(ordered))
    for wave in ordered:
        for stack in wave:
            related = [s.name for s in live if stack.name in s.dependencies] if destroy else list(stack.dependencies)
            blocking = [d for d in related if d in changed or d in deferred]
            if blocking:
                deferred[stack.name] = blocking
                continue
            plan = plan_stack(op.ctx, stack, plans_dir, destroy=destroy)
            results.append(plan)
            if plan.has_changes:
                changed.add(stack.name)
    return ProjectPlan(results, deferred)


def state_sync(op: Operation, *, destroy: bool = False) -> StateSync:
    """The executor's after-stack hook that keeps the environment's state file in step with tfstate."""
    from strands_tf.deploy.state_sync import StateSync

    return StateSync(op.ctx, op.loaded.root, op.resolved.project, op.resolved.environment.name, destroy=destroy)


def _run(
    op: Operation, store: CheckpointStore, stacks: list[StackSpec], sync: StateSync, **kw: Any
) -> DeploymentResult:
    """One attempt under the project lock, the state file mapped after every stack (rebuilt if it was damaged)."""
    try:
        result = run_deployment(op.ctx, store, stacks, after_stack=sync, **kw)
    finally:
        # a damaged state file is rebuilt for every stack, also those this deployment did not reach or select
        everything = {s.name: s for s in [*op.environment_stacks, *op.stacks, *stacks]}
        sync.complete(list(everything.values()))
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
        sync = state_sync(op, destroy=destroy)
        sync.check()  # before anything starts: a state file of a newer strands-tf stops here
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
        try:
            snapshot_config(op.loaded, op.resolved, store.dir)
        except OSError as exc:  # the record then shows the configuration as it is when it is built
            logger.warning("could not keep the configuration with deployment %s: %s", store.dir.name, exc)
        # stacks run from the deployment's own copy, so a later synth cannot change a running deployment
        chosen = [dataclasses.replace(s, workdir=store.dir / "cdktf.out" / "stacks" / s.name) for s in chosen]
        result = _run(op, store, chosen, sync, destroy=destroy, confirm=confirm)
        if result.ok:
            result.warnings.extend(prune(op))
    result.warnings[:0] = [_interrupted_warning(i) for i in interrupted]
    return result


def record_outcome(
    op: Operation, result: DeploymentResult, *, history: Any = None, config_override: Any = None
) -> list[str]:
    """Record a finished deployment in history (a cancel before anything ran is not recorded); the warnings.

    A history problem is a warning, never a failed deployment. Used by the CLI and the canvas alike.
    """
    from strands_tf.history import record_deployment

    if result.checkpoint.status == "cancelled" and not result.errors:
        return []
    endpoint = op.ctx.runtime.env.get("AWS_ENDPOINT_URL") if op.resolved.environment.target == "emulator" else None
    record = record_deployment(
        op.loaded,
        op.resolved,
        op.workspace.deployment_dir(result.checkpoint.id),
        endpoint_url=endpoint,
        history=history,
        config_override=config_override,
    )
    return list(record.warnings)


def next_steps(result: DeploymentResult, environment: str) -> list[str]:
    """What to do about the errors: a resource that already exists is most likely an orphan of ours."""
    exists = sorted(
        {
            diag.address or name
            for name, error in result.errors.items()
            if getattr(getattr(error, "classification", None), "kind", None) == "already_exists"
            for diag in getattr(error, "diagnostics", []) or []
            if diag.is_error
        }
    )
    if not exists:
        return []
    return [
        f"{', '.join(exists)} already exist(s) in AWS but not in the Terraform state (an apply killed mid-way "
        f"leaves such orphans): `strands orphans -e {environment}` lists them, "
        f"`strands orphans -e {environment} --adopt` imports them (then apply again), `--delete` removes them"
    ]


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


def destroy_project(op: Operation, *, confirm: Confirm | None, deployment_id: str | None = None) -> DeploymentResult:
    """Destroy the selected stacks (dependents first), every wave planned before one confirmation.

    The state file follows every stack as for an apply: a stack whose Terraform state is empty leaves it,
    a targeted destroy (`--agent` in a shared stack) maps what stays.
    """
    return apply_project(op, confirm=confirm, destroy=True, command="destroy", deployment_id=deployment_id)


def resume_project(op: Operation, *, confirm: Confirm | None, agents: Sequence[str] | None = None) -> DeploymentResult:
    """Continue the environment's latest deployment when it was interrupted or failed (see resumable_deployment)."""
    from strands_tf.state.lock import ProjectLock

    # the lock first: a `running` checkpoint found while holding it belongs to a process that is gone
    with ProjectLock(op.loaded.root, "strands apply --resume"):
        interrupted = recover(op)  # a killed deployment is `interrupted` now, and its record due
        store = resumable_deployment(op.workspace, op.resolved.environment.name)
        check_resume_selection(store.checkpoint.agents, agents)
        if store.checkpoint.command == "rollback":
            from strands_tf.history.trust import check_recorded_stacks

            # its stacks are a recorded deployment's (maybe from a bucket): checked like any rollback
            check_recorded_stacks(
                store.dir / "cdktf.out", op.resolved, op.loaded.root, source=f"deployment {store.dir.name}"
            )
        pending = set(store.checkpoint.pending_stacks())
        # the deployment's own stacks, with the targets it was made with (`--agent` in a shared stack, --code-only),
        # and those it destroys because the configuration no longer made them
        todo = [s for s in deployment_stacks(store) if s.name in pending]
        sync = state_sync(op)
        sync.check()
        # the next attempt of the same deployment (run_deployment begins it): one record covers every attempt
        result = _run(op, store, todo, sync, confirm=confirm)  # never a destroy: resumable_deployment refuses it
    result.warnings[:0] = [_interrupted_warning(i) for i in interrupted]
    return result


def previous_success(op: Operation, *, before: str | None = None) -> Path | None:
    """The newest succeeded apply (or rollback) of the environment, optionally older than a deployment id."""
    env = op.resolved.environment.name
    for candidate, raw in reversed(raw_checkpoints(op.workspace)):
        if before is not None and candidate.name >= before:
            continue
        succeeded = raw.get("status") == "succeeded" and raw.get("command") in ("apply", "rollback")
        if succeeded and raw.get("environment") == env:
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
    deployment_id: str | None = None,
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
    return apply_project(
        op, confirm=confirm, command="rollback", stacks=chosen, rollback_of=source.name, deployment_id=deployment_id
    )


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

    plans_dir = private_mkdir(op.workspace.plans_dir(op.resolved.environment.name))
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
