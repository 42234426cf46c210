"""Plan and apply stacks in dependency waves, with checkpoints, an event log, state mapping and rollback."""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Protocol

from strands_tf.deploy.checkpoint import Checkpoint, CheckpointStore, StackCheckpoint
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StrandsError, UserError
from strands_tf.fsutil import (
    PRIVATE_DIR_MODE,
    PRIVATE_FILE_MODE,
    atomic_write_text,
    make_tree_private,
    open_private,
    private_mkdir,
)
from strands_tf.terraform.engine import Engine
from strands_tf.terraform.events import ProgressTracker, parse_event_line, redact_event_data
from strands_tf.terraform.plan import Plan, parse_plan_dict
from strands_tf.terraform.plan_summary import OwnerResolver, PlanSummary, summarize
from strands_tf.terraform.runner import Cancellation, TerraformRunner

logger = logging.getLogger(__name__)

EVENTS_FILE = "events.jsonl"


@dataclass(frozen=True)
class StackSpec:
    """A synthesized stack: its name, working directory, the stacks it reads from, and `-target`s if partial."""

    name: str
    workdir: Path
    dependencies: tuple[str, ...] = ()
    targets: tuple[str, ...] = ()  # Terraform addresses to limit the plan to (empty: the whole stack)


def read_manifest(out_dir: Path) -> list[StackSpec]:
    """Stacks of a CDKTF output directory (manifest.json), in the order written."""
    manifest_path = out_dir / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text("utf-8"))
    except FileNotFoundError:
        raise UserError(f"{manifest_path} not found", hint="run `strands synth` first") from None
    except ValueError as exc:
        raise UserError(f"{manifest_path} is not valid JSON: {exc}", hint="run `strands synth` again") from None
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


class Reporter(Protocol):
    """What the CLI (or the canvas) hears while stacks are planned and applied."""

    def stack_phase(self, stack: str, phase: str) -> None: ...

    def stack_event(self, stack: str, event: dict[str, Any]) -> None: ...

    def stack_done(self, stack: str, status: str, error: str | None) -> None: ...


class SilentReporter:
    """A Reporter that ignores everything (library use, tests)."""

    def stack_phase(self, stack: str, phase: str) -> None:
        return None

    def stack_event(self, stack: str, event: dict[str, Any]) -> None:
        return None

    def stack_done(self, stack: str, status: str, error: str | None) -> None:
        return None


StackSession = Callable[["StackSpec"], AbstractContextManager[dict[str, str]]]


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

    def session(self, stack: StackSpec) -> AbstractContextManager[dict[str, str]]:
        """The per-stack environment for one phase (empty when the target needs none)."""
        return self.stack_session(stack) if self.stack_session is not None else nullcontext({})


@dataclass
class StackPlan:
    """A planned stack: the plan file, the parsed plan and its summary."""

    stack: StackSpec
    plan_file: Path
    plan: Plan
    summary: PlanSummary

    @property
    def has_changes(self) -> bool:
        return self.summary.has_changes


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
    reporter: Reporter = field(default_factory=SilentReporter)
    parallel: bool = True
    # False: plan from the recorded state without reading every resource again (`apply --code-only`)
    plan_refresh: bool = True

    def runner(self, stack: StackSpec, extra_env: Mapping[str, str] | None = None) -> TerraformRunner:
        """A runner for one stack with its own data dir (so stacks run side by side)."""
        return TerraformRunner(
            self.engine,
            stack.workdir,
            data_dir=self.workspace.data_dir(self.environment, stack.name),
            cli_config=self.runtime.cli_config,
            env={**self.runtime.env, **(extra_env or {})},
            unset=self.runtime.unset,
            cancellation=self.cancellation,
        )


def plan_stack(ctx: DeployContext, stack: StackSpec, plans_dir: Path, *, destroy: bool = False) -> StackPlan:
    """init (skipped when unchanged) → plan -out → show -json → parsed plan and summary."""
    with ctx.runtime.session(stack) as extra_env:
        runner = ctx.runner(stack, extra_env)
        ctx.reporter.stack_phase(stack.name, "init")
        runner.init()
        ctx.reporter.stack_phase(stack.name, "plan")
        plan_file = plans_dir / f"{stack.name}.tfplan"
        runner.plan(
            plan_file,
            destroy=destroy,
            targets=stack.targets,
            refresh=ctx.plan_refresh,
            variables=ctx.runtime.variables,
            on_event=lambda event: ctx.reporter.stack_event(stack.name, event),
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

    @property
    def ok(self) -> bool:
        return self.checkpoint.status == "succeeded"


@dataclass
class _LoggingReporter:
    """A Reporter that also writes every event to the deployment's event log."""

    inner: Reporter
    log: EventLog
    phase: str

    def stack_phase(self, stack: str, phase: str) -> None:
        self.inner.stack_phase(stack, phase)

    def stack_event(self, stack: str, event: dict[str, Any]) -> None:
        self.log.write(stack, self.phase, event)
        self.inner.stack_event(stack, event)

    def stack_done(self, stack: str, status: str, error: str | None) -> None:
        self.inner.stack_done(stack, status, error)


class EventLog:
    """The JSONL execution log of a deployment: every Terraform event with its stack, secrets redacted."""

    def __init__(self, path: Path) -> None:
        private_mkdir(path.parent)
        self._file = open_private(path, "a")
        self._lock = threading.Lock()

    def write(self, stack: str, phase: str, event: dict[str, Any]) -> None:
        record = {"stack": stack, "phase": phase, "event": redact_event_data(event)}
        line = json.dumps(record, ensure_ascii=False, default=str)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


Confirm = Callable[[list[StackPlan]], bool]
AfterApply = Callable[[StackSpec, TerraformRunner], None]


def run_deployment(
    ctx: DeployContext,
    store: CheckpointStore,
    stacks: list[StackSpec],
    *,
    destroy: bool = False,
    confirm: Confirm | None = None,
    after_apply: AfterApply | None = None,
) -> DeploymentResult:
    """Plan and apply `stacks` wave by wave (reverse order for destroy); the checkpoint follows every step.

    A stack whose dependency failed is skipped; the deployment then ends `failed` and can be resumed.
    """
    deployment_dir = store.dir
    plans_dir = deployment_dir / "plans"
    log = EventLog(deployment_dir / EVENTS_FILE)
    plans: dict[str, StackPlan] = {}
    trackers: dict[str, ProgressTracker] = {}
    errors: dict[str, BaseException] = {}
    ordered = waves(stacks)
    if destroy:
        ordered = list(reversed(ordered))
    failed: set[str] = set()

    def declined(to_apply: list[StackPlan]) -> bool:
        if not to_apply or confirm is None or confirm(to_apply):
            return False
        for p in to_apply:
            store.update_stack(p.stack.name, status="cancelled", error="not confirmed")
        store.finish("cancelled")
        return True

    try:
        # a destroy reads nothing from the stacks it deletes first: every wave is planned up front, so one
        # confirmation shows everything that will be deleted before anything is
        planned_ahead: dict[str, StackPlan] | None = None
        if destroy:
            planned_ahead = {}
            for wave in ordered:
                runnable = [s for s in wave if not _blocked(s, failed, stacks, destroy)]
                for p in _plan_wave(ctx, store, runnable, plans_dir, destroy, log, plans, errors, failed):
                    planned_ahead[p.stack.name] = p
            if declined([p for p in planned_ahead.values() if p.has_changes]):
                return DeploymentResult(store.checkpoint, plans, trackers, errors)
        for wave in ordered:
            if ctx.cancellation.requested:
                break
            runnable = [s for s in wave if not _blocked(s, failed, stacks, destroy)]
            for s in wave:
                if s not in runnable and s.name not in failed:
                    store.update_stack(s.name, status="skipped", error="a stack it depends on failed")
                    ctx.reporter.stack_done(s.name, "skipped", "a stack it depends on failed")
            if planned_ahead is None:
                planned = _plan_wave(ctx, store, runnable, plans_dir, destroy, log, plans, errors, failed)
                if declined([p for p in planned if p.has_changes]):
                    return DeploymentResult(store.checkpoint, plans, trackers, errors)
            else:
                planned = [planned_ahead[s.name] for s in runnable if s.name in planned_ahead]
            to_apply = [p for p in planned if p.has_changes]
            _apply_wave(ctx, store, to_apply, log, trackers, errors, failed, after_apply, destroy=destroy)
        if ctx.cancellation.requested:
            status = "cancelled"
        else:
            status = "failed" if failed or errors else "succeeded"
        store.finish(status)  # type: ignore[arg-type]
    except BaseException:
        store.finish("cancelled" if ctx.cancellation.requested else "failed")
        raise
    finally:
        log.close()
    return DeploymentResult(store.checkpoint, plans, trackers, errors)


def _blocked(stack: StackSpec, failed: set[str], stacks: list[StackSpec], destroy: bool) -> bool:
    if not destroy:
        return any(d in failed for d in stack.dependencies)
    dependents = [s.name for s in stacks if stack.name in s.dependencies]
    return any(d in failed for d in dependents)


def _plan_wave(
    ctx: DeployContext,
    store: CheckpointStore,
    wave: list[StackSpec],
    plans_dir: Path,
    destroy: bool,
    log: EventLog,
    plans: dict[str, StackPlan],
    errors: dict[str, BaseException],
    failed: set[str],
) -> list[StackPlan]:
    logged = replace(ctx, reporter=_LoggingReporter(ctx.reporter, log, "plan"))

    def work(stack: StackSpec) -> StackPlan:
        store.update_stack(stack.name, status="pending", started_at=_now())
        result = plan_stack(logged, stack, plans_dir, destroy=destroy)
        summary_path = plans_dir / f"{stack.name}.summary.json"
        atomic_write_text(
            summary_path, json.dumps(result.summary.to_json(), indent=2, default=str), mode=PRIVATE_FILE_MODE
        )
        store.update_stack(
            stack.name,
            status="planned" if result.has_changes else "no_changes",
            plan_file=str(result.plan_file),
            changes=dict(result.summary.counts),
        )
        return result

    out: list[StackPlan] = []
    for name, result in _run_wave(ctx, wave, work).items():
        if isinstance(result, BaseException):
            errors[name] = result
            failed.add(name)
            cancelled = ctx.cancellation.requested
            store.update_stack(name, status="cancelled" if cancelled else "failed", error=_message(result),
                               finished_at=_now())  # fmt: skip
            ctx.reporter.stack_done(name, "failed", _message(result))
        else:
            plans[name] = result
            out.append(result)
            if not result.has_changes:
                ctx.reporter.stack_done(name, "no_changes", None)
    return out


def _apply_wave(
    ctx: DeployContext,
    store: CheckpointStore,
    planned: list[StackPlan],
    log: EventLog,
    trackers: dict[str, ProgressTracker],
    errors: dict[str, BaseException],
    failed: set[str],
    after_apply: AfterApply | None,
    *,
    destroy: bool = False,
) -> None:
    by_name = {p.stack.name: p for p in planned}

    def work(stack: StackSpec) -> None:
        plan = by_name[stack.name]
        tracker = ProgressTracker()
        trackers[stack.name] = tracker
        store.update_stack(stack.name, status="applying")
        ctx.reporter.stack_phase(stack.name, "apply")

        def on_event(event: dict[str, Any]) -> None:
            log.write(stack.name, "apply", event)
            ctx.reporter.stack_event(stack.name, event)

        with ctx.runtime.session(stack) as extra_env:
            runner = ctx.runner(stack, extra_env)
            try:
                runner.apply(
                    plan.plan_file, on_event=on_event, on_raw=lambda line: tracker.feed(parse_event_line(line))
                )
                if not destroy:
                    settle_state(ctx, stack, runner)
            finally:
                # whatever happened, Terraform wrote state for what it finished: map it
                if after_apply is not None:
                    try:
                        after_apply(stack, runner)
                    except StrandsError as exc:
                        logger.warning("could not update the state file for %s: %s", stack.name, exc.summary)

    results = _run_wave(ctx, [p.stack for p in planned], work)
    for name, result in results.items():
        if isinstance(result, BaseException):
            errors[name] = result
            failed.add(name)
            status = "cancelled" if ctx.cancellation.requested else "failed"
            store.update_stack(name, status=status, error=_message(result), finished_at=_now())
            ctx.reporter.stack_done(name, status, _message(result))
        else:
            store.update_stack(name, status="applied", finished_at=_now())
            ctx.reporter.stack_done(name, "destroyed" if destroy else "applied", None)


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
    """Create the deployment directory: a copy of the synthesized stacks (for rollback) and the checkpoint."""
    deployment_dir = workspace.deployment_dir(deployment_id)
    private_mkdir(deployment_dir.parent)
    # exist_ok=False: a deployment id is used once
    os.mkdir(deployment_dir, PRIVATE_DIR_MODE)
    os.chmod(deployment_dir, PRIVATE_DIR_MODE)
    copy = deployment_dir / "cdktf.out"
    shutil.copytree(synth_dir, copy, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    # the copy holds every configured value (environment variables included): private like the rest of .strands
    make_tree_private(copy)
    checkpoint = Checkpoint(
        id=deployment_id,
        command=command,  # type: ignore[arg-type]
        project=project,
        environment=environment,
        stacks={
            s.name: StackCheckpoint(name=s.name, dependencies=list(s.dependencies), targets=list(s.targets))
            for s in stacks
        },
        rollback_of=rollback_of,
        agents=agents,
    )
    store = CheckpointStore(deployment_dir, checkpoint)
    store.save()
    return store


def stacks_in(deployment_dir: Path) -> list[StackSpec]:
    """Stacks of a recorded deployment's synthesized copy."""
    return read_manifest(deployment_dir / "cdktf.out")


def owner_resolver_from(owners: Mapping[str, Any]) -> OwnerResolver:
    """An OwnerResolver from a module-id → owner table."""
    from strands_tf.terraform.plan_summary import module_owner_resolver

    return module_owner_resolver(dict(owners))
