"""Plan and apply stacks in dependency waves, with checkpoints, an event log, state mapping and rollback."""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from strands_tf.deploy.assets import AssetStore
from strands_tf.deploy.checkpoint import Checkpoint, CheckpointStore, StackCheckpoint
from strands_tf.deploy.events import AwsCallEvent, AwsCallLog, EventLog, EventStream, StackDone, StackEvent, StackPhase
from strands_tf.deploy.workspace import (
    AWS_CALLS_FILE,
    EVENTS_FILE,
    PROVIDER_LOGS_DIR,
    Workspace,
    summaries_dir,
    summary_file,
)
from strands_tf.errors import StrandsError, UserError
from strands_tf.fsutil import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    atomic_write_text,
    private_mkdir,
)
from strands_tf.inputfile import loads_json
from strands_tf.terraform.engine import Engine
from strands_tf.terraform.events import PlannedChange, ProgressTracker, plan_from_changes
from strands_tf.terraform.plan import Plan, parse_plan_dict
from strands_tf.terraform.plan_summary import OwnerResolver, PlanSummary, summarize
from strands_tf.terraform.provider_log import ProviderLogTail, provider_log_env
from strands_tf.terraform.runner import Cancellation, TerraformRunner

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StackSpec:
    """A synthesized stack: its name, working directory, the stacks it reads from, and `-target`s if partial."""

    name: str
    workdir: Path
    dependencies: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # Terraform addresses to limit the plan to (empty: the whole stack)
    # deployed, but no longer made by the configuration: destroyed from a deployment's recorded copy of it
    gone: bool = False


def read_synthesized(path: Path) -> Any:
    """A JSON file of a CDKTF output directory, with a clear error when it is missing or not JSON."""
    try:
        return loads_json(path.read_text("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{path} not found", hint="run `strands synth` first") from None
    except ValueError as exc:
        raise UserError(f"{path} is not valid JSON: {exc}", hint="run `strands synth` again") from None


def read_manifest(out_dir: Path) -> list[StackSpec]:
    """Stacks of a CDKTF output directory (manifest.json), in the order written."""
    manifest = read_synthesized(out_dir / "manifest.json")
    return [
        StackSpec(name, out_dir / entry["workingDirectory"], tuple(entry.get("dependencies", [])))
        for name, entry in manifest.get("stacks", {}).items()
    ]


def waves(stacks: list[StackSpec]) -> list[list[StackSpec]]:
    """Stacks grouped so each group depends only on earlier groups (independent stacks share a wave)."""
    names = {s.name for s in stacks}
    remaining = {s.name: s for s in stacks}
    done: set[str] = set()
    out: list[list[StackSpec]] = []
    while remaining:
        ready = [s for s in remaining.values() if all(d in done or d not in names for d in s.dependencies)]
        if not ready:
            raise UserError(f"stacks depend on each other in a cycle: {', '.join(sorted(remaining))}")
        ready.sort(key=lambda s: s.name)
        out.append(ready)
        for s in ready:
            done.add(s.name)
            del remaining[s.name]
    return out


# (stack, environment for the provider: its debug log) → the stack's extra environment for Terraform
StackSession = Callable[["StackSpec", Mapping[str, str]], AbstractContextManager[dict[str, str]]]


@dataclass
class TargetRuntime:
    """How Terraform reaches the target: extra child environment and an optional CLI config file.

    `stack_session`, when set, wraps all Terraform work on one stack in one phase (plan, or apply) and
    adds environment for it: the emulator runs its provider once per stack phase that way (reattached).
    `warnings` are what reaching the target found for the user (the emulator lost its resources).
    """

    env: dict[str, str] = field(default_factory=dict)
    # inherited variables Terraform must not see (exported keys that would win over the configured profile)
    unset: frozenset[str] = frozenset()
    cli_config: Path | None = None
    variables: dict[str, str] = field(default_factory=dict)
    stack_session: StackSession | None = None
    warnings: list[str] = field(default_factory=list)

    def session(
        self, stack: StackSpec, provider_env: Mapping[str, str] | None = None
    ) -> AbstractContextManager[dict[str, str]]:
        """The per-stack environment for one phase (empty when the target needs none).

        `provider_env` reaches a provider the target runs itself (the emulator's reattached one), which does
        not inherit Terraform's environment.
        """
        if self.stack_session is None:
            return nullcontext({})
        return self.stack_session(stack, provider_env or {})


@dataclass
class StackPlan:
    """A planned stack: the plan file, the parsed plan and its summary."""

    stack: StackSpec
    plan_file: Path | None  # None: planned and applied in one Terraform run (OneStepApply), no saved plan
    plan: Plan
    summary: PlanSummary

    @property
    def has_changes(self) -> bool:
        return self.summary.has_changes


def _always(changes: list[PlannedChange]) -> bool:
    return True


@dataclass(frozen=True)
class OneStepApply:
    """Plan and apply each stack in one Terraform run (`apply` without a saved plan) instead of plan → confirm →
    apply, for a caller that has the approval already (`apply --code-only --auto-approve`).

    There is no confirmation and no plan file: the stack's plan summary (and what the history record shows)
    is built from the `planned_change` events Terraform prints before it applies anything. `settle(changes)`
    says whether what was applied needs settle_state's refresh-only run afterwards.
    """

    settle: Callable[[list[PlannedChange]], bool] = _always


@dataclass
class DeployContext:
    """Everything a deployment needs that does not change from stack to stack."""

    workspace: Workspace
    project: str
    environment: str
    engine: Engine
    runtime: TargetRuntime = field(default_factory=TargetRuntime)
    cancellation: Cancellation = field(default_factory=Cancellation)
    owner_of: OwnerResolver | None = None
    events: EventStream = field(default_factory=EventStream)
    parallel: bool = True
    # False: plan from the recorded state without reading every resource again (`apply --code-only`)
    plan_refresh: bool = True
    # set: every stack of an apply is planned and applied in one Terraform run (see OneStepApply)
    one_step: OneStepApply | None = None
    # True: applies write the provider's debug log, publish its AWS calls (AwsCallEvent) and keep them in the
    # deployment's aws-calls.jsonl; set by the canvas, and by `prepare` while a canvas watches the project
    aws_calls: bool = False
    # who runs the deployment, kept in its checkpoint (the canvas names its own after a restart)
    source: Literal["cli", "canvas"] = "cli"

    def runner(
        self,
        stack: StackSpec,
        extra_env: Mapping[str, str] | None = None,
        *,
        cancellation: Cancellation | None = None,
        timeout: float | None = None,
    ) -> TerraformRunner:
        """A runner for one stack with its own data dir (so stacks run side by side).

        It follows the deployment's cancellation unless given its own (reading the state of a cancelled
        deployment must still work).
        """
        return TerraformRunner(
            self.engine,
            stack.workdir,
            data_dir=self.workspace.data_dir(self.environment, stack.name),
            cli_config=self.runtime.cli_config,
            env={**self.runtime.env, **(extra_env or {})},
            unset=self.runtime.unset,
            cancellation=cancellation or self.cancellation,
            timeout=timeout,
        )


def plan_stack(
    ctx: DeployContext, stack: StackSpec, plans_dir: Path, *, destroy: bool = False, attempt: int = 1
) -> StackPlan:
    """init (skipped when unchanged) → plan -out → show -json → parsed plan and summary."""
    publish = ctx.events.publish
    with ctx.runtime.session(stack) as extra_env:
        runner = ctx.runner(stack, extra_env)
        publish(StackPhase(stack.name, "init", attempt))
        runner.init()
        publish(StackPhase(stack.name, "plan", attempt))
        plan_file = plans_dir / f"{stack.name}.tfplan"
        runner.plan(
            plan_file,
            destroy=destroy or stack.gone,
            targets=stack.targets,
            refresh=ctx.plan_refresh,
            variables=ctx.runtime.variables,
            on_event=lambda event: publish(StackEvent(stack.name, "plan", event, attempt)),
        )
        doc = runner.show_plan(plan_file)
    plan = parse_plan_dict(doc, source=f"{stack.name} plan")
    return StackPlan(stack, plan_file, plan, summarize(plan, ctx.owner_of))


def _run_wave(ctx: DeployContext, wave: list[StackSpec], work: Callable[[StackSpec], Any]) -> dict[str, Any]:
    """Run `work` for each stack of a wave, concurrently unless the context is sequential."""
    results: dict[str, Any] = {}
    if not wave:
        return results
    if not ctx.parallel or len(wave) == 1:
        for stack in wave:
            results[stack.name] = _capture(work, stack)
        return results
    with ThreadPoolExecutor(max_workers=min(len(wave), 8), thread_name_prefix="stack") as pool:
        futures = {stack.name: pool.submit(_capture, work, stack) for stack in wave}
        for name, future in futures.items():
            results[name] = future.result()
    return results


def _capture(work: Callable[[StackSpec], Any], stack: StackSpec) -> Any:
    try:
        return work(stack)
    except BaseException as exc:  # a stack's failure is reported per stack, never lost in a thread
        return exc


@dataclass
class DeploymentResult:
    """How a deployment ended, per stack, with the plans that were applied."""

    checkpoint: Checkpoint
    plans: dict[str, StackPlan]
    trackers: dict[str, ProgressTracker]
    errors: dict[str, BaseException]
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.checkpoint.status == "succeeded"


Confirm = Callable[[list[StackPlan]], bool]


@dataclass(frozen=True)
class StackOutcome:
    """How a stack ended in an attempt; `applied` when Terraform's apply ran (its state may have changed)."""

    stack: StackSpec
    status: str
    applied: bool


# called after every stack outcome (applied, failed, cancelled, no changes, not confirmed), in the stack's
# thread: the state file is mapped from tfstate there
AfterStack = Callable[[StackOutcome], None]


@dataclass
class _Run:
    """One attempt of a deployment in progress."""

    ctx: DeployContext
    store: CheckpointStore
    attempt: int
    plans_dir: Path
    after_stack: AfterStack | None
    destroy: bool
    plans: dict[str, StackPlan] = field(default_factory=dict)
    errors: dict[str, BaseException] = field(default_factory=dict)
    failed: set[str] = field(default_factory=set)

    def done(self, stack: StackSpec, status: str, error: str | None, *, applied: bool = False) -> None:
        """Tell the stream, then map the stack's state."""
        self.ctx.events.publish(StackDone(stack.name, status, error, self.attempt))
        if self.after_stack is not None:
            try:
                self.after_stack(StackOutcome(stack, status, applied))
            except Exception as exc:  # mapping state is bookkeeping: it never changes a stack's outcome
                logger.warning("could not update the state file for %s: %s", stack.name, _message(exc))


def run_deployment(
    ctx: DeployContext,
    store: CheckpointStore,
    stacks: list[StackSpec],
    *,
    destroy: bool = False,
    confirm: Confirm | None = None,
    after_stack: AfterStack | None = None,
) -> DeploymentResult:
    """Run one attempt of a deployment: plan and apply `stacks` wave by wave (reverse order for destroy).

    The checkpoint follows every step and keeps the attempt (a resume is the next attempt of the same
    deployment); every Terraform event goes to the deployment's events.jsonl with its attempt number.
    A stack whose dependency failed is skipped; the deployment then ends `failed` and can be resumed.
    `confirm` is asked once per wave before anything of it is applied; a destroy plans every wave first
    and asks once for all of them.
    """
    attempt = store.begin_attempt(ctx.source)
    run = _Run(ctx, store, attempt, summaries_dir(store.dir, attempt), after_stack, destroy)
    private_mkdir(run.plans_dir)
    log = EventLog(store.dir / EVENTS_FILE)
    unsubscribe = ctx.events.subscribe(log)
    # kept with the deployment for a canvas opened now or later (the page of a running one tails the file)
    calls = AwsCallLog(store.dir / AWS_CALLS_FILE) if ctx.aws_calls else None
    unsubscribe_calls = ctx.events.subscribe(calls) if calls is not None else None
    ordered, ahead = _ordered_waves(stacks, destroy)
    try:
        # a destroy reads nothing from the stacks it deletes first: those waves are planned up front, so one
        # confirmation shows everything that will be deleted before anything is (with, for an apply, its first
        # wave: stacks no longer in the configuration go first, and the question shows what replaces them)
        planned_ahead: dict[str, StackPlan] | None = None
        if ahead:
            planned_ahead = {}
            for wave in ordered[:ahead]:
                if ctx.cancellation.requested:
                    break
                runnable = [s for s in wave if not _blocked(s, run.failed, stacks, destroy)]
                planned_ahead.update((p.stack.name, p) for p in _plan_wave(run, runnable))
            to_apply = [p for p in planned_ahead.values() if p.has_changes]
            if not ctx.cancellation.requested and _declined(run, confirm, to_apply):
                return _result(run, log)
        for index, wave in enumerate(ordered):
            if ctx.cancellation.requested:
                break
            runnable = [s for s in wave if not _blocked(s, run.failed, stacks, destroy)]
            for s in wave:
                if s not in runnable and s.name not in run.failed:
                    why = _blocked_reason(s, run.failed, stacks)
                    store.update_stack(s.name, status="skipped", error=why)
                    run.done(s, "skipped", why)
            if planned_ahead is None and ctx.one_step is not None:
                _plan_and_apply_wave(run, runnable, ctx.one_step)
                continue
            if planned_ahead is None or index >= ahead:
                planned = _plan_wave(run, runnable)
                if _declined(run, confirm, [p for p in planned if p.has_changes]):
                    return _result(run, log)
            else:
                planned = [planned_ahead[s.name] for s in runnable if s.name in planned_ahead]
            _apply_wave(run, [p for p in planned if p.has_changes])
        if ctx.cancellation.requested:
            status = "cancelled"
        else:
            status = "failed" if run.failed or run.errors else "succeeded"
        store.finish(status)  # type: ignore[arg-type]
    except BaseException:
        store.finish("cancelled" if ctx.cancellation.requested else "failed")
        raise
    finally:
        unsubscribe()
        log.close()
        if calls is not None and unsubscribe_calls is not None:
            unsubscribe_calls()
            calls.close()
    return _result(run, log)


def _ordered_waves(stacks: list[StackSpec], destroy: bool) -> tuple[list[list[StackSpec]], int]:
    """The waves of a deployment, and how many of the first are planned before the first question.

    Stacks no longer in the configuration are destroyed first (dependents first, as in a destroy): the new
    layout may create resources with the names they hold (`stacks: per_agent` becoming `single`), and nothing
    that stays reads them any more. A destroy then takes the other stacks in reverse order, an apply in order.
    """
    gone = [s for s in stacks if s.gone]
    live = waves([s for s in stacks if not s.gone])
    retired = list(reversed(waves(gone)))
    ordered = retired + (list(reversed(live)) if destroy else live)
    if destroy:
        return ordered, len(ordered)
    return ordered, (len(retired) + min(1, len(live))) if retired else 0


def _declined(run: _Run, confirm: Confirm | None, to_apply: list[StackPlan]) -> bool:
    """Ask before applying `to_apply`; when declined, those stacks and the attempt end `cancelled`."""
    if not to_apply or confirm is None or confirm(to_apply):
        return False
    for p in to_apply:
        run.store.update_stack(p.stack.name, status="cancelled", error="not confirmed", finished_at=_now())
        run.done(p.stack, "cancelled", "not confirmed")
    run.store.finish("cancelled")
    run.store.skip_record()
    return True


def _result(run: _Run, log: EventLog) -> DeploymentResult:
    trackers = {name: t for name, t in run.ctx.events.trackers().items() if name in run.store.checkpoint.stacks}
    warnings = [log.failed] if log.failed else []
    return DeploymentResult(run.store.checkpoint, run.plans, trackers, run.errors, warnings)


def _blocked(stack: StackSpec, failed: set[str], stacks: list[StackSpec], destroy: bool) -> bool:
    if not stack.gone and any(s.gone and s.name in failed for s in stacks):
        return True  # what replaces a stack that could not be destroyed would clash with it
    if not (destroy or stack.gone):
        return any(d in failed for d in stack.dependencies)
    dependents = [s.name for s in stacks if stack.name in s.dependencies]
    return any(d in failed for d in dependents)


def _blocked_reason(stack: StackSpec, failed: set[str], stacks: list[StackSpec]) -> str:
    if not stack.gone and any(s.gone and s.name in failed for s in stacks):
        return "a stack no longer in the configuration could not be destroyed first"
    return "a stack it depends on failed"


def _plan_wave(run: _Run, wave: list[StackSpec]) -> list[StackPlan]:
    ctx, store = run.ctx, run.store

    def work(stack: StackSpec) -> StackPlan:
        store.update_stack(stack.name, status="pending", started_at=_now())
        result = plan_stack(ctx, stack, run.plans_dir, destroy=run.destroy, attempt=run.attempt)
        atomic_write_text(
            summary_file(store.dir, stack.name, run.attempt),
            json.dumps(result.summary.to_json(), indent=2, default=str),
            mode=PRIVATE_FILE_MODE,
        )
        store.update_stack(
            stack.name,
            status="planned" if result.has_changes else "no_changes",
            plan_file=str(result.plan_file),
            changes=dict(result.summary.counts),
        )
        return result

    out: list[StackPlan] = []
    by_name = {s.name: s for s in wave}
    for name, result in _run_wave(ctx, wave, work).items():
        if isinstance(result, BaseException):
            run.errors[name] = result
            run.failed.add(name)
            status = "cancelled" if ctx.cancellation.requested else "failed"
            store.update_stack(name, status=status, error=_message(result), finished_at=_now())
            run.done(by_name[name], status, _message(result))
        else:
            run.plans[name] = result
            out.append(result)
            if not result.has_changes:
                store.update_stack(name, finished_at=_now())
                run.done(result.stack, "no_changes", None)
    return out


def _apply_wave(run: _Run, planned: list[StackPlan]) -> None:
    ctx, store = run.ctx, run.store
    by_name = {p.stack.name: p for p in planned}
    publish = ctx.events.publish

    def work(stack: StackSpec) -> None:
        plan = by_name[stack.name]
        store.update_stack(stack.name, status="applying")
        publish(StackPhase(stack.name, "apply", run.attempt))
        with _aws_calls(run, stack) as provider_env, ctx.runtime.session(stack, provider_env) as extra_env:
            runner = ctx.runner(stack, {**extra_env, **provider_env})
            runner.apply(
                plan.plan_file,
                on_event=lambda event: publish(StackEvent(stack.name, "apply", event, run.attempt)),
            )
            if not (run.destroy or stack.gone):
                settle_state(ctx, stack, runner)  # before the outcome maps the stack's state

    results = _run_wave(ctx, [p.stack for p in planned], work)
    for name, result in results.items():
        stack = by_name[name].stack
        if isinstance(result, BaseException):
            run.errors[name] = result
            run.failed.add(name)
            status = "cancelled" if ctx.cancellation.requested else "failed"
            store.update_stack(name, status=status, error=_message(result), finished_at=_now())
            # whatever happened, Terraform wrote state for what it finished: the outcome maps it
            run.done(stack, status, _message(result), applied=True)
        else:
            store.update_stack(name, status="applied", finished_at=_now())
            run.done(stack, "destroyed" if run.destroy or stack.gone else "applied", None, applied=True)


@contextmanager
def _aws_calls(run: _Run, stack: StackSpec) -> Iterator[dict[str, str]]:
    """With `DeployContext.aws_calls`: the provider's environment for a debug log whose AWS calls are published
    (AwsCallEvent) while the stack applies; {} otherwise."""
    if not run.ctx.aws_calls:
        yield {}
        return
    path = run.store.dir / PROVIDER_LOGS_DIR / f"{stack.name}-{run.attempt}.log"
    private_mkdir(path.parent)
    publish = run.ctx.events.publish
    tail = ProviderLogTail(path, lambda call: publish(AwsCallEvent(stack.name, call, run.attempt))).start()
    try:
        yield provider_log_env(path)
    finally:
        tail.stop()  # the calls are published; the raw log (request bodies) is deleted


def _plan_and_apply_wave(run: _Run, wave: list[StackSpec], one_step: OneStepApply) -> None:
    """Plan and apply each stack of the wave in one Terraform run; the outcome is recorded as for _apply_wave."""
    ctx, store = run.ctx, run.store
    publish = ctx.events.publish
    planned: dict[str, list[PlannedChange]] = {s.name: [] for s in wave}
    versions: dict[str, str] = {}

    def work(stack: StackSpec) -> None:
        changes = planned[stack.name]

        def on_event(event: Any) -> None:
            if isinstance(event, PlannedChange):
                changes.append(event)
            elif event.type == "version" and isinstance(event.data.get("terraform"), str):
                versions[stack.name] = event.data["terraform"]
            publish(StackEvent(stack.name, "apply", event, run.attempt))

        store.update_stack(stack.name, status="applying", started_at=_now())
        with _aws_calls(run, stack) as provider_env, ctx.runtime.session(stack, provider_env) as extra_env:
            runner = ctx.runner(stack, {**extra_env, **provider_env})
            publish(StackPhase(stack.name, "init", run.attempt))
            runner.init()  # skipped when nothing it depends on changed
            publish(StackPhase(stack.name, "apply", run.attempt))
            runner.plan_and_apply(
                refresh=ctx.plan_refresh, targets=stack.targets, variables=ctx.runtime.variables, on_event=on_event
            )
            if changes and one_step.settle(changes):
                settle_state(ctx, stack, runner)  # before the outcome maps the stack's state

    results = _run_wave(ctx, wave, work)
    for stack in wave:
        name = stack.name
        # what Terraform planned (and, unless it failed, applied): the stack's plan, as a two-step apply keeps it
        plan = plan_from_changes(planned[name], terraform_version=versions.get(name), complete=not stack.targets)
        summary = summarize(plan, ctx.owner_of)
        run.plans[name] = StackPlan(stack, None, plan, summary)
        atomic_write_text(
            summary_file(store.dir, name, run.attempt),
            json.dumps(summary.to_json(), indent=2, default=str),
            mode=PRIVATE_FILE_MODE,
        )
        result = results[name]
        if isinstance(result, BaseException):
            run.errors[name] = result
            run.failed.add(name)
            status = "cancelled" if ctx.cancellation.requested else "failed"
            store.update_stack(name, status=status, error=_message(result), changes=dict(summary.counts),
                               finished_at=_now())  # fmt: skip
            # Terraform wrote state for what it finished: the outcome maps it
            run.done(stack, status, _message(result), applied=True)
        elif not summary.has_changes:
            store.update_stack(name, status="no_changes", changes=dict(summary.counts), finished_at=_now())
            run.done(stack, "no_changes", None)
        else:
            store.update_stack(name, status="applied", changes=dict(summary.counts), finished_at=_now())
            run.done(stack, "applied", None, applied=True)


def settle_state(ctx: DeployContext, stack: StackSpec, runner: TerraformRunner) -> None:
    """Read the stack's resources again after a successful apply, so its state records what the apply made.

    When one resource sets a property of another (a queue policy on its queue, an encryption configuration
    on its bucket, an inline policy on its role, a route in its route table, a rule in its security group),
    Terraform keeps the other resource's state from before that happened, and the next plan lists every such
    pair as changed outside Terraform. A refresh-only apply right after the apply records the final values.
    It changes no resource, so a failure leaves only that stale view behind: a warning, not a failed stack.
    A targeted plan (`apply --code-only`) is followed by a refresh of the same targets only.
    """
    if ctx.cancellation.requested:
        return
    try:
        runner.refresh_state(targets=stack.targets, variables=ctx.runtime.variables)
    except StrandsError as exc:
        logger.warning("could not read %s back after applying it: %s", stack.name, exc.summary)


def _message(exc: BaseException) -> str:
    if isinstance(exc, StrandsError):
        return exc.summary
    return f"{type(exc).__name__}: {exc}"


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def start_deployment(
    workspace: Workspace,
    deployment_id: str,
    command: str,
    project: str,
    environment: str,
    stacks: list[StackSpec],
    synth_dir: Path,
    *,
    rollback_of: str | None = None,
    agents: list[str] | None = None,
) -> CheckpointStore:
    """Create the deployment directory: a copy of the synthesized stacks (for rollback) and the checkpoint.

    Agent zips and layers in the copy are hard links into the workspace's content-addressed asset store:
    an apply that changed no code adds no asset bytes.
    """
    deployment_dir = workspace.deployment_dir(deployment_id)
    private_mkdir(deployment_dir.parent)
    # exist_ok=False: a deployment id is used once
    os.mkdir(deployment_dir, PRIVATE_DIR_MODE)
    os.chmod(deployment_dir, PRIVATE_DIR_MODE)
    copy = deployment_dir / "cdktf.out"
    # the copy holds every configured value (environment variables included): private like the rest of .strands
    assets = AssetStore(workspace.objects_dir())
    assets.copy_tree(synth_dir, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    for spec in stacks:
        if spec.gone:
            # beside the new stacks (same depth: relative local backends resolve alike), not in the manifest: a
            # rollback to this deployment never re-creates it; a resume finds it through the checkpoint
            target = copy / "stacks" / spec.name
            shutil.rmtree(target, ignore_errors=True)
            assets.copy_tree(spec.workdir, target, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    checkpoint = Checkpoint(
        id=deployment_id,
        command=command,  # type: ignore[arg-type]
        project=project,
        environment=environment,
        stacks={
            s.name: StackCheckpoint(
                name=s.name, dependencies=list(s.dependencies), targets=list(s.targets), gone=s.gone
            )
            for s in stacks
        },
        rollback_of=rollback_of,
        agents=agents,
        record="pending",
    )
    store = CheckpointStore(deployment_dir, checkpoint)
    store.save()
    return store


def deployment_stacks(store: CheckpointStore) -> list[StackSpec]:
    """Every stack of a deployment, from its own copy, with the targets it was made with.

    The manifest's stacks, then those it destroys because the configuration no longer made them (their
    copies sit beside the others, outside the manifest).
    """
    out_dir = store.dir / "cdktf.out"
    recorded = store.checkpoint.stacks
    specs = [replace(s, targets=tuple(recorded[s.name].targets)) for s in read_manifest(out_dir) if s.name in recorded]
    listed = {s.name for s in specs}
    for name, entry in recorded.items():
        if entry.gone and name not in listed:
            specs.append(
                StackSpec(name, out_dir / "stacks" / name, tuple(entry.dependencies), tuple(entry.targets), gone=True)
            )
    return specs


def stacks_in(deployment_dir: Path) -> list[StackSpec]:
    """Stacks of a recorded deployment's synthesized copy."""
    return read_manifest(deployment_dir / "cdktf.out")


def owner_resolver_from(owners: Mapping[str, Any]) -> OwnerResolver:
    """An OwnerResolver from a module-id → owner table."""
    from strands_tf.terraform.plan_summary import module_owner_resolver

    return module_owner_resolver(dict(owners))
