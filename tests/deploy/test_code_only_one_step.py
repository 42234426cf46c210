"""`apply --code-only --auto-approve`: each stack planned and applied in one Terraform run (OneStepApply).

Against the real embedded engine with `terraform_data` stacks: the deployment is recorded like a two-step one
(checkpoint, events.jsonl, plan summary from the `planned_change` events), the next plan is clean, a failure
or a Ctrl-C leaves a deployment `--resume` finishes, and the refresh-only run after the apply is skipped only
when every applied change is an in-place update of a function or its package object.
"""

from __future__ import annotations

import dataclasses
import json
import time
from pathlib import Path
from typing import Any

import pytest

from strands_tf.deploy import executor
from strands_tf.deploy.checkpoint import CheckpointStore
from strands_tf.deploy.code_only import apply_code_only, needs_settle
from strands_tf.deploy.executor import OneStepApply, plan_stack, read_manifest, run_deployment, start_deployment
from strands_tf.deploy.workspace import new_deployment_id, summary_file
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.events import parse_event_line
from strands_tf.terraform.runner import Cancellation
from tests.helpers.deployments import (
    cancel_when,
    context,
    deploy,
    instances,
    resume,
    state_sync,
    write_layout,
    write_slow_layout,
)
from tests.helpers.tfstacks import Res

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


def _events(store_dir: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (store_dir / "events.jsonl").read_text().splitlines()]


def test_one_step_apply_is_recorded_like_a_two_step_one_and_leaves_a_clean_plan(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("code", input="v1"), Res("other", input="o1")], ())})
    first = deploy(tmp_path, engine, out)[1]
    assert first.ok, first.errors
    out = write_layout(tmp_path, {"app": ([Res("code", input="v2"), Res("other", input="o1")], ())})

    ctx = context(tmp_path, engine, one_step=OneStepApply(), plan_refresh=False)
    store, result = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))

    assert result.ok, result.errors
    assert store.checkpoint.status == "succeeded"
    stack = store.checkpoint.stacks["app"]
    assert stack.status == "applied"
    assert stack.plan_file is None, "no saved plan: planned and applied in one run"
    assert stack.changes["update"] == 1
    assert instances(tmp_path, "app")["code"]["input"]["value"] == "v2"
    # the record's plan summary comes from the planned_change events
    summary = json.loads(summary_file(store.dir, "app").read_text())
    changes = [c for g in summary["groups"] for c in g["changes"]]
    assert [(c["address"], c["action"], c["changed_attributes"]) for c in changes] == [
        ("terraform_data.code", "update", None)
    ]
    assert summary["terraform_version"], "the version event of the run names the engine"
    events = _events(store.dir)
    assert {e["phase"] for e in events} == {"apply"}, "one Terraform run: no plan phase"
    planned = [e for e in events if e["event"].get("type") == "planned_change"]
    assert [e["event"]["change"]["resource"]["addr"] for e in planned] == ["terraform_data.code"]
    # the state file followed the stack
    state = json.loads((tmp_path / ".strands" / "state" / "dev.json").read_text())
    assert "app" in state["stacks"]
    # Terraform's state is consistent: the next full plan (with refresh) has nothing to do
    general = context(tmp_path, engine)
    plans = tmp_path / "check-plans"
    again = plan_stack(general, result.plans["app"].stack, plans)
    assert not again.has_changes, again.summary.to_json()


def test_one_step_apply_with_targets_leaves_the_rest_alone(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("code", input="v1"), Res("other", input="o1")], ())})
    assert deploy(tmp_path, engine, out)[1].ok
    out = write_layout(tmp_path, {"app": ([Res("code", input="v2"), Res("other", input="o2")], ())})
    ctx = context(tmp_path, engine, one_step=OneStepApply(), plan_refresh=False)
    code_only = ("terraform_data.code",)
    stacks = [dataclasses.replace(s, targets=code_only) for s in read_manifest(out)]
    store = start_deployment(ctx.workspace, new_deployment_id(), "apply", "demo", "dev", stacks, out)
    copied = [dataclasses.replace(s, targets=code_only) for s in read_manifest(store.dir / "cdktf.out")]
    result = run_deployment(ctx, store, copied)
    assert result.ok, result.errors
    values = instances(tmp_path, "app")
    assert values["code"]["input"]["value"] == "v2"
    assert values["other"]["input"]["value"] == "o1", "outside the targets: not applied"
    assert store.checkpoint.stacks["app"].targets == ["terraform_data.code"]
    summary = json.loads(summary_file(store.dir, "app").read_text())
    assert summary["complete"] is False, "a targeted plan is incomplete"


def test_a_failed_one_step_apply_is_recorded_and_resume_finishes_it(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("code", input="v1")], ())})
    assert deploy(tmp_path, engine, out)[1].ok
    allowed = tmp_path / "allowed"
    flaky = Res("flaky", command=f"test -f {allowed}", depends_on=["code"])
    out = write_layout(tmp_path, {"app": ([Res("code", input="v2"), flaky], ())})
    ctx = context(tmp_path, engine, one_step=OneStepApply(), plan_refresh=False)

    store, result = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))

    assert not result.ok
    assert store.checkpoint.status == "failed"
    assert store.checkpoint.stacks["app"].status == "failed"
    assert store.checkpoint.record == "pending", "the failed deployment is recorded in history"
    summary = json.loads(summary_file(store.dir, "app").read_text())
    assert summary["counts"]["create"] == 1 and summary["counts"]["update"] == 1, "what was planned is kept"
    # what Terraform finished before the failure is in its state and in the state file
    assert instances(tmp_path, "app")["code"]["input"]["value"] == "v2"
    assert "app" in json.loads((tmp_path / ".strands" / "state" / "dev.json").read_text())["stacks"]

    allowed.touch()
    resumed, second = resume(tmp_path, engine, store)  # a resume plans as usual (a new process, no one-step)
    assert second.ok, second.errors
    assert resumed.checkpoint.status == "succeeded"
    assert len(resumed.checkpoint.attempts) == 2
    assert {e["attempt"] for e in _events(store.dir)} == {1, 2}, "one events.jsonl for every attempt"


def test_ctrl_c_during_a_one_step_apply_ends_cancelled_and_resumable(tmp_path: Path, engine: Engine) -> None:
    out, started = write_slow_layout(tmp_path)
    cancellation = Cancellation(grace_period=30)
    ctx = context(tmp_path, engine, cancellation=cancellation, one_step=OneStepApply(), plan_refresh=False)
    watcher = cancel_when(started, cancellation)
    began = time.monotonic()
    store, _ = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    watcher.join()
    assert time.monotonic() - began < 28, "the cancel must stop the 30 s provisioner"
    assert store.checkpoint.status == "cancelled"
    assert store.checkpoint.stacks["app"].status == "cancelled"
    assert "quick" in instances(tmp_path, "app"), "finished before the Ctrl-C: in the state"
    # mapped at once, without a resume
    assert "app" in json.loads((tmp_path / ".strands" / "state" / "dev.json").read_text())["stacks"]
    assert CheckpointStore.load(store.dir).checkpoint.pending_stacks() == ["app"], "resumable"


def _change(module: str, resource: str, action: str = "update") -> Any:
    """A decoded planned_change of `module.<module>.<resource>` as Terraform prints it."""
    kind, name = resource.removeprefix("data.").split(".")
    addr = {"addr": f"module.{module}.{resource}", "module": f"module.{module}", "resource": resource,
            "resource_type": kind, "resource_name": name, "implied_provider": "aws"}  # fmt: skip
    change = {
        "type": "planned_change",
        "@level": "info",
        "@message": "",
        "change": {"resource": addr, "action": action},
    }
    return parse_event_line(json.dumps(change))


def test_settle_is_left_out_only_for_updates_of_functions_and_package_objects() -> None:
    function = _change("agent_a", "aws_lambda_function.this")
    assert not needs_settle([function])
    assert not needs_settle([function, _change("agent_a", "aws_s3_object.code")])
    assert needs_settle([_change("agent_a", "aws_lambda_function.this", "replace")])
    assert needs_settle([_change("agent_a", "aws_lambda_function.this", "create")])
    assert needs_settle([function, _change("role_a", "aws_iam_role.this")])
    assert needs_settle([function, _change("agent_a", "data.aws_lambda_function.this", "update")])


@pytest.mark.parametrize("settle", [False, True])
def test_the_refresh_after_a_one_step_apply_follows_the_settle_policy(
    tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch, settle: bool
) -> None:
    out = write_layout(tmp_path, {"app": ([Res("code", input="v1")], ())})
    assert deploy(tmp_path, engine, out)[1].ok
    out = write_layout(tmp_path, {"app": ([Res("code", input="v2")], ())})
    settled: list[str] = []
    seen: list[list[str]] = []
    original = executor.settle_state

    def recording(ctx: Any, stack: Any, runner: Any) -> None:
        settled.append(stack.name)
        original(ctx, stack, runner)

    monkeypatch.setattr(executor, "settle_state", recording)

    def policy(changes: list[Any]) -> bool:
        seen.append([c.resource.addr for c in changes])
        return settle

    ctx = context(tmp_path, engine, one_step=OneStepApply(settle=policy), plan_refresh=False)
    _, result = deploy(tmp_path, engine, out, ctx=ctx)
    assert result.ok, result.errors
    assert seen == [["terraform_data.code"]], "the policy is asked with what Terraform planned"
    assert settled == (["app"] if settle else [])


def test_a_one_step_apply_without_changes_is_no_changes_and_asks_no_policy(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("code", input="v1")], ())})
    assert deploy(tmp_path, engine, out)[1].ok
    asked: list[Any] = []
    ctx = context(tmp_path, engine, one_step=OneStepApply(settle=lambda c: asked.append(c) or True))
    store, result = deploy(tmp_path, engine, out, ctx=ctx)
    assert result.ok
    assert store.checkpoint.stacks["app"].status == "no_changes"
    assert asked == []


def test_apply_code_only_gives_the_one_step_mode_only_with_the_approval_and_only_for_its_own_run(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from types import SimpleNamespace

    from strands_tf.deploy import project
    from strands_tf.deploy.code_only import CodeOnlyDecision
    from strands_tf.deploy.executor import DeployContext, StackSpec
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.terraform.engine import Engine as EngineType
    from strands_tf.terraform.engine import EngineKind

    seen: list[DeployContext] = []
    monkeypatch.setattr(project, "apply_project", lambda op, **kw: seen.append(op.ctx) or "result")
    general = DeployContext(Workspace(tmp_path), "p", "e", EngineType(EngineKind.EMBEDDED, ("tf",), "1.15.0", "tf"))
    op = SimpleNamespace(ctx=general, stacks=[StackSpec("p-e", tmp_path)])
    decision = CodeOnlyDecision(True, "only code", "base", {"p-e": ["module.agent_a"]}, ["a"])

    assert apply_code_only(op, decision, confirm=None, approved=True) == "result"
    assert seen[-1].one_step is not None and seen[-1].plan_refresh is False
    assert op.ctx is general, "what runs next in the command (--rollback-on-failure) plans as usual"
    apply_code_only(op, decision, confirm=None, approved=False)
    assert seen[-1].one_step is None, "without --auto-approve: plan, confirm, then apply that plan"
    assert seen[-1].plan_refresh is False
    assert seen[0].events is general.events, "the same event stream (the terminal view, the canvas)"


def test_mapping_a_stack_starts_no_provider_session_unless_it_inits(tmp_path: Path, engine: Engine) -> None:
    """`state pull` reads the backend only: the emulator's provider process is started for an init alone."""
    from contextlib import contextmanager

    out = write_layout(tmp_path, {"app": ([Res("code")], ())})
    assert deploy(tmp_path, engine, out)[1].ok
    sessions: list[str] = []

    @contextmanager
    def session(stack: Any, provider_env: Any) -> Any:
        sessions.append(stack.name)
        yield {}

    ctx = context(tmp_path, engine)
    ctx.runtime.stack_session = session
    sync = state_sync(tmp_path, ctx)
    stack = read_manifest(out)[0]
    sync.map_stack(stack)
    assert sessions == []
    assert "app" in json.loads((tmp_path / ".strands" / "state" / "dev.json").read_text())["stacks"]
    sync.map_stack(stack, init=True)
    assert sessions == ["app"]


def test_starting_the_emulator_provider_does_not_import_the_provider() -> None:
    """The command that starts the reattached provider must not pay for importing it (grpc, every resource)."""
    import subprocess
    import sys

    code = "import sys, strands_tf.emulator.provider.reattach; print(sorted(m for m in ('grpc', 'strands_tf.emulator.provider.plugin') if m in sys.modules))"  # noqa: E501
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
