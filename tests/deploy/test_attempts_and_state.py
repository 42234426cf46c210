"""The state file follows every stack outcome (Ctrl-C included), is rebuilt when damaged, and a resumed
deployment is one deployment: its checkpoint, event log and history record cover every attempt."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy.executor import read_manifest
from strands_tf.history.record import build_record
from strands_tf.state.manager import StateManager
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.runner import Cancellation
from tests.helpers.deployments import (
    ENV,
    cancel_when,
    context,
    deploy,
    resume,
    state_sync,
    write_layout,
    write_slow_layout,
)
from tests.helpers.tfstacks import Res
from tests.history.world import write_project

pytestmark = pytest.mark.engine


@pytest.fixture(scope="module")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


def addresses(root: Path, stack: str) -> set[str]:
    """Terraform addresses the state file lists for a stack (tainted ones are on their way out: left out)."""
    return {v.record.tf_address for v in StateManager(root, ENV).list_resources(stack=stack) if not v.record.status}


def test_ctrl_c_mid_apply_maps_what_terraform_finished_into_the_state_file(tmp_path: Path, engine: Engine) -> None:
    out, started = write_slow_layout(tmp_path)
    cancellation = Cancellation(grace_period=30)
    ctx = context(tmp_path, engine, cancellation=cancellation)
    watcher = cancel_when(started, cancellation)
    store, _result = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    watcher.join()
    assert store.checkpoint.status == "cancelled"
    # `strands list` / `outputs` read this file: what was applied before Ctrl-C is there without a resume
    assert addresses(tmp_path, "app") == {"terraform_data.quick"}


def test_a_stack_cancelled_before_it_applied_keeps_or_gets_its_entry(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("a")], ())})
    ctx = context(tmp_path, engine)
    deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    StateManager(tmp_path, ENV).remove_stack("app")  # e.g. a state file from before a Ctrl-C
    out = write_layout(tmp_path, {"app": ([Res("a"), Res("b")], ())})
    store, _ = deploy(
        tmp_path, engine, out, ctx=ctx, confirm=lambda plans: False, after_stack=state_sync(tmp_path, ctx)
    )
    assert store.checkpoint.stacks["app"].status == "cancelled"
    assert addresses(tmp_path, "app") == {"terraform_data.a"}


def test_failure_then_resume_is_one_deployment_and_its_record_covers_both_attempts(
    tmp_path: Path, engine: Engine
) -> None:
    write_project(tmp_path, bucket=None)
    flag = tmp_path / "fixed"
    out = write_layout(
        tmp_path,
        {
            "app": ([Res("first"), Res("flaky", command=f"test -f {flag} || exit 1", depends_on=["first"])], ()),
            "after": ([Res("later")], ("app",)),
        },
    )
    ctx = context(tmp_path, engine)
    store, first = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    assert first.checkpoint.status == "failed"
    assert addresses(tmp_path, "app") == {"terraform_data.first"}  # the failed stack's finished half is mapped

    flag.touch()
    resumed, second = resume(tmp_path, engine, store, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    assert second.ok, second.errors
    checkpoint = json.loads((store.dir / "checkpoint.json").read_text())
    assert [(a["number"], a["status"]) for a in checkpoint["attempts"]] == [(1, "failed"), (2, "succeeded")]
    assert checkpoint["attempts"][0]["stacks"]["app"]["status"] == "failed"
    assert checkpoint["attempts"][0]["stacks"]["after"]["status"] == "skipped"
    assert checkpoint["attempts"][1]["stacks"]["app"]["status"] == "applied"
    assert all(a["owner"]["pid"] for a in checkpoint["attempts"])
    lines = [json.loads(line) for line in (store.dir / "events.jsonl").read_text().splitlines()]
    assert {line["attempt"] for line in lines} == {1, 2}
    assert (store.dir / "plans" / "app.summary.json").is_file()
    assert (store.dir / "plans" / "attempt-2" / "app.summary.json").is_file()

    loaded = load_project(tmp_path)
    record = build_record(loaded, resolve(loaded, ENV), store.dir, tmp_path / "record")
    created = {(c.stack, c.address) for c in record.metadata.changes.created}
    # the first half (attempt 1 created `first` before `flaky` failed) and the second half are both recorded
    assert created == {("app", "terraform_data.first"), ("after", "terraform_data.later")}
    # `flaky` was left tainted by attempt 1 and replaced by attempt 2
    assert {(c.stack, c.address) for c in record.metadata.changes.replaced} == {("app", "terraform_data.flaky")}
    assert [(a.number, a.status) for a in record.metadata.attempts] == [(1, "failed"), (2, "succeeded")]
    assert record.metadata.attempts[0].stacks == {"app": "failed", "after": "skipped"}
    timed = {(r.attempt, r.stack, r.address) for r in record.metadata.resources}
    assert (1, "app", "terraform_data.first") in timed and (2, "after", "terraform_data.later") in timed
    assert {"plans/app.summary.json", "plans/attempt-2/app.summary.json"} <= set(record.metadata.objects)
    assert record.metadata.status == "succeeded"
    assert resumed.checkpoint.attempt == 2


def test_a_damaged_state_file_is_set_aside_and_rebuilt_for_every_stack(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"shared": ([Res("base")], ()), "app": ([Res("svc")], ("shared",))})
    ctx = context(tmp_path, engine)
    deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    state_path = tmp_path / ".strands" / "state" / f"{ENV}.json"
    state_path.write_text('{"format_version": 1, "stacks": {"app": ')  # a crash mid-write by another tool
    assert StateManager(tmp_path, ENV).damage() is not None

    # nothing changed: no stack is applied, yet the file comes back whole
    sync = state_sync(tmp_path, ctx)
    sync.check()
    store, result = deploy(tmp_path, engine, out, ctx=ctx, after_stack=sync)
    assert result.ok and {s.status for s in store.checkpoint.stacks.values()} == {"no_changes"}
    assert addresses(tmp_path, "shared") == {"terraform_data.base"}
    assert addresses(tmp_path, "app") == {"terraform_data.svc"}
    set_aside = list(state_path.parent.glob(f"{ENV}.json.damaged-*"))
    assert len(set_aside) == 1 and set_aside[0].read_text().endswith('"app": ')
    assert sync.warnings and "damaged" in sync.warnings[0] and str(set_aside[0]) in sync.warnings[0]
    outputs = json.loads((state_path.parent / f"{ENV}.outputs.json").read_text())
    assert set(outputs) == {"shared", "app"}


def test_stacks_outside_the_deployment_are_rebuilt_too(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"one": ([Res("a")], ()), "two": ([Res("b")], ())})
    ctx = context(tmp_path, engine)
    store, _ = deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    (tmp_path / ".strands" / "state" / f"{ENV}.json").write_text("not json at all")
    sync = state_sync(tmp_path, ctx)
    sync.check()
    sync.complete(read_manifest(store.dir / "cdktf.out"))  # e.g. `--agent` deployed only other stacks
    assert addresses(tmp_path, "one") == {"terraform_data.a"} and addresses(tmp_path, "two") == {"terraform_data.b"}


def test_damage_during_a_deployment_is_repaired_by_the_next_mapping(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("a")], ())})
    ctx = context(tmp_path, engine)
    deploy(tmp_path, engine, out, ctx=ctx, after_stack=state_sync(tmp_path, ctx))
    state_path = tmp_path / ".strands" / "state" / f"{ENV}.json"
    out = write_layout(tmp_path, {"app": ([Res("a"), Res("b")], ())})
    sync = state_sync(tmp_path, ctx)
    sync.check()  # fine at the start
    state_path.write_text("[]")  # then damaged while the deployment runs
    _store, result = deploy(tmp_path, engine, out, ctx=ctx, after_stack=sync)
    assert result.ok
    assert addresses(tmp_path, "app") == {"terraform_data.a", "terraform_data.b"}
    assert sync.rebuilt and any("damaged" in w for w in sync.warnings)


def test_a_state_file_of_a_newer_strands_tf_is_refused_not_rebuilt(tmp_path: Path, engine: Engine) -> None:
    from strands_tf.errors import StateError

    state_path = tmp_path / ".strands" / "state" / f"{ENV}.json"
    state_path.parent.mkdir(parents=True)
    newer = json.dumps({"format_version": 99, "environment": ENV, "stacks": {}})
    state_path.write_text(newer)
    with pytest.raises(StateError, match="newer"):
        state_sync(tmp_path, context(tmp_path, engine)).check()
    assert state_path.read_text() == newer and not list(state_path.parent.glob("*.damaged-*"))
