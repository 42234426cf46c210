"""Deployments against the real embedded Terraform engine, with stacks of `terraform_data` resources.

Covers waves of dependent and independent stacks, checkpoints, the JSONL event log, a failure then
--resume, Ctrl-C mid-apply, two concurrent applies, and rollback to an earlier deployment.
"""

from __future__ import annotations

import json
import os
import time
from datetime import datetime
from pathlib import Path

import pytest

from strands_tf.deploy.checkpoint import CheckpointStore
from strands_tf.deploy.executor import (
    StackSpec,
    read_manifest,
    run_deployment,
    start_deployment,
    waves,
)
from strands_tf.deploy.workspace import new_deployment_id
from strands_tf.errors import StateError
from strands_tf.state.lock import ProjectLock
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.runner import Cancellation
from tests.helpers.deployments import cancel_when, context, deploy, instances, state_of, write_layout, write_slow_layout
from tests.helpers.tfstacks import Res

pytestmark = pytest.mark.engine


@pytest.fixture(scope="session")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


def test_waves_group_independent_stacks() -> None:
    specs = [
        StackSpec("api", Path("."), ("a", "b")),
        StackSpec("a", Path("."), ("shared",)),
        StackSpec("b", Path("."), ("shared",)),
        StackSpec("shared", Path(".")),
    ]
    assert [[s.name for s in w] for w in waves(specs)] == [["shared"], ["a", "b"], ["api"]]


def test_waves_refuse_a_cycle() -> None:
    with pytest.raises(Exception, match="cycle"):
        waves([StackSpec("a", Path("."), ("b",)), StackSpec("b", Path("."), ("a",))])


def test_dependent_stacks_apply_in_order_with_checkpoint_and_event_log(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(
        tmp_path,
        {"shared": ([Res("base", input="v1")], ()), "app": ([Res("svc", depends_on=[])], ("shared",))},
    )
    store, result = deploy(tmp_path, engine, out)
    assert result.ok, result.errors
    checkpoint = json.loads((store.dir / "checkpoint.json").read_text())
    assert checkpoint["status"] == "succeeded"
    assert {s["name"]: s["status"] for s in checkpoint["stacks"].values()} == {"shared": "applied", "app": "applied"}
    assert instances(tmp_path, "shared")["base"]["input"]["value"] == "v1"
    events = [json.loads(line) for line in (store.dir / "events.jsonl").read_text().splitlines()]
    applied = [e for e in events if e["phase"] == "apply" and e["event"].get("type") == "apply_complete"]
    order = [e["stack"] for e in applied]
    assert order.index("shared") < order.index("app")
    planned = [e for e in events if e["phase"] == "apply" and e["event"].get("type") == "planned_change"]
    assert {e["stack"] for e in planned} == {"shared", "app"}
    assert result.trackers["shared"].snapshot().done == 1


def test_no_changes_second_time(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"only": ([Res("a")], ())})
    _, first = deploy(tmp_path, engine, out)
    assert first.ok
    store, second = deploy(tmp_path, engine, out)
    assert second.ok
    assert store.checkpoint.stacks["only"].status == "no_changes"


def test_failure_then_resume(tmp_path: Path, engine: Engine) -> None:
    flag = tmp_path / "fixed"
    out = write_layout(
        tmp_path,
        {
            "app": (
                [Res("first"), Res("flaky", command=f"test -f {flag} || exit 1", depends_on=["first"])],
                (),
            ),
            "after": ([Res("later")], ("app",)),
        },
    )
    store, result = deploy(tmp_path, engine, out)
    assert not result.ok
    assert store.checkpoint.status == "failed"
    assert store.checkpoint.stacks["app"].status == "failed"
    assert store.checkpoint.stacks["after"].status == "skipped"
    assert "first" in instances(tmp_path, "app")
    assert store.checkpoint.pending_stacks() == ["app", "after"]

    flag.touch()
    resumed = CheckpointStore.load(store.dir)
    todo = [s for s in read_manifest(store.dir / "cdktf.out") if s.name in resumed.checkpoint.pending_stacks()]
    result2 = run_deployment(context(tmp_path, engine), resumed, todo)
    assert result2.ok, result2.errors
    assert json.loads((store.dir / "checkpoint.json").read_text())["status"] == "succeeded"
    assert set(instances(tmp_path, "app")) == {"first", "flaky"}
    assert "later" in instances(tmp_path, "after")


def test_ctrl_c_mid_apply_leaves_consistent_state_and_a_resumable_checkpoint(tmp_path: Path, engine: Engine) -> None:
    out, started = write_slow_layout(tmp_path)
    cancellation = Cancellation(grace_period=30)
    ctx = context(tmp_path, engine, cancellation=cancellation)
    watcher = cancel_when(started, cancellation)
    began = time.monotonic()
    store, _result = deploy(tmp_path, engine, out, ctx=ctx)
    watcher.join()
    assert time.monotonic() - began < 28, "the cancel must stop the 30 s provisioner"
    assert store.checkpoint.status == "cancelled"
    assert store.checkpoint.stacks["app"].status == "cancelled"
    state = state_of(tmp_path, "app")  # readable JSON: Terraform wrote it before exiting
    assert "quick" in {r["name"] for r in state["resources"]}
    assert CheckpointStore.load(store.dir).checkpoint.pending_stacks() == ["app"]


def test_a_second_concurrent_apply_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    first = ProjectLock(tmp_path, "strands apply")
    first.acquire()
    try:
        began = time.monotonic()
        with pytest.raises(StateError) as info:
            ProjectLock(tmp_path, "strands apply").acquire()
        assert time.monotonic() - began < 5
        assert str(os.getpid()) in info.value.summary
        assert "strands apply" in info.value.summary
    finally:
        first.release()


def test_rollback_reapplies_an_earlier_deployment(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("config", input="v1")], ())})
    good, result = deploy(tmp_path, engine, out)
    assert result.ok
    out = write_layout(tmp_path, {"app": ([Res("config", input="v2"), Res("broken", fail=True)], ())})
    _, failed = deploy(tmp_path, engine, out)
    assert not failed.ok
    assert instances(tmp_path, "app")["config"]["input"]["value"] == "v2"
    recorded = good.dir / "cdktf.out"
    ctx = context(tmp_path, engine)
    store = start_deployment(
        ctx.workspace, new_deployment_id(), "rollback", "demo", "dev", read_manifest(recorded), recorded,
        rollback_of=good.checkpoint.id,
    )  # fmt: skip
    rolled = run_deployment(ctx, store, read_manifest(store.dir / "cdktf.out"))
    assert rolled.ok, rolled.errors
    assert instances(tmp_path, "app")["config"]["input"]["value"] == "v1"
    assert "broken" not in instances(tmp_path, "app")
    assert store.checkpoint.rollback_of == good.checkpoint.id


def test_independent_stacks_apply_concurrently(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {f"s{i}": ([Res("work", sleep=2)], ()) for i in range(3)})
    store, result = deploy(tmp_path, engine, out)
    assert result.ok
    spans = []
    for line in (store.dir / "events.jsonl").read_text().splitlines():
        record = json.loads(line)
        event = record["event"]
        if record["phase"] == "apply" and event.get("type") in ("apply_start", "apply_complete"):
            spans.append((record["stack"], event["type"], datetime.fromisoformat(event["@timestamp"])))
    start = {s: t for s, kind, t in spans if kind == "apply_start"}
    end = {s: t for s, kind, t in spans if kind == "apply_complete"}
    # every pair of stacks overlapped in time: they ran side by side, not one after another
    assert all(start[a] < end[b] and start[b] < end[a] for a in start for b in start if a != b)


def test_declined_confirmation_applies_nothing(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("a")], ())})
    store, _result = deploy(tmp_path, engine, out, confirm=lambda plans: False)
    assert store.checkpoint.status == "cancelled"
    assert not (tmp_path / ".strands" / "tfstate" / "dev" / "app.tfstate").exists() or not instances(tmp_path, "app")
