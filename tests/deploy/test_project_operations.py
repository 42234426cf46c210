"""Project-level apply, destroy and resume where the stack selection, the confirmation, the attempts of a
deployment and the state file meet (real embedded engine, terraform_data stacks)."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.deploy.checkpoint import CheckpointStore, Owner
from strands_tf.deploy.executor import read_manifest
from strands_tf.deploy.project import apply_project, destroy_project, resume_project
from strands_tf.errors import UserError
from strands_tf.state.manager import StateManager
from strands_tf.terraform.engine import Engine, discover_engine
from tests.helpers.deployments import ENV, instances, operation, state_of, write_layout
from tests.helpers.tfstacks import Res

pytestmark = pytest.mark.engine

YES = lambda plans: True  # noqa: E731


@pytest.fixture(scope="module")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


def prepared(root: Path, engine: Engine, out: Path, *, only: list[str] | None = None) -> object:
    """An operation on the build `out`, narrowed to `only` (as `--agent` narrows it) when given."""
    op = operation(root, engine)
    op.synth.out_dir = out
    op.environment_stacks = read_manifest(out)
    op.stacks = [s for s in op.environment_stacks if only is None or s.name in only]
    return op


def state_file_stacks(root: Path) -> set[str]:
    return set(StateManager(root, ENV).load().stacks)


def test_a_destroy_plans_every_wave_before_its_one_confirmation(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"shared": ([Res("table")], ()), "app": ([Res("fn")], ("shared",))})
    assert apply_project(prepared(tmp_path, engine, out), confirm=YES).ok
    assert state_file_stacks(tmp_path) == {"shared", "app"}

    asked: list[list[str]] = []

    def decline(plans: list) -> bool:
        asked.append(sorted(p.stack.name for p in plans))
        return False

    declined = destroy_project(prepared(tmp_path, engine, out), confirm=decline)
    # one question listing both waves (the reader first would be the only one shown if waves were asked apart)
    assert asked == [["app", "shared"]]
    assert declined.checkpoint.status == "cancelled"
    assert {s.status for s in declined.checkpoint.stacks.values()} == {"cancelled"}
    assert declined.checkpoint.record is None  # nothing happened: no history record is due
    assert set(instances(tmp_path, "shared")) == {"table"} and set(instances(tmp_path, "app")) == {"fn"}
    assert state_file_stacks(tmp_path) == {"shared", "app"}

    asked.clear()
    done = destroy_project(prepared(tmp_path, engine, out), confirm=lambda plans: asked.append(["yes"]) or True)
    assert done.ok, done.errors
    assert asked == [["yes"]]
    assert state_of(tmp_path, "shared")["resources"] == [] and state_of(tmp_path, "app")["resources"] == []
    assert state_file_stacks(tmp_path) == set()  # the state file follows every destroyed stack


def test_a_destroy_with_nothing_left_to_delete_drops_a_stale_state_file_entry(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": ([Res("fn")], ())})
    assert apply_project(prepared(tmp_path, engine, out), confirm=YES).ok
    stale = (tmp_path / ".strands" / "state" / f"{ENV}.json").read_text()
    assert destroy_project(prepared(tmp_path, engine, out), confirm=YES).ok
    (tmp_path / ".strands" / "state" / f"{ENV}.json").write_text(stale)  # e.g. restored from a backup

    again = destroy_project(prepared(tmp_path, engine, out), confirm=YES)
    assert again.ok and again.checkpoint.stacks["app"].status == "no_changes"
    assert state_file_stacks(tmp_path) == set()


def test_a_damaged_state_file_is_rebuilt_for_the_stacks_a_selection_leaves_out(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"one": ([Res("a")], ()), "two": ([Res("b")], ())})
    assert apply_project(prepared(tmp_path, engine, out), confirm=YES).ok
    (tmp_path / ".strands" / "state" / f"{ENV}.json").write_text("not json")

    result = apply_project(prepared(tmp_path, engine, out, only=["one"]), confirm=YES)  # `--agent` chose `one`
    assert result.ok and list(result.checkpoint.stacks) == ["one"]
    assert state_file_stacks(tmp_path) == {"one", "two"}
    assert any("damaged" in w for w in result.warnings)


def _kill_mid_apply(store: CheckpointStore) -> None:
    """Leave the checkpoint as a SIGKILL mid-apply does: `running`, its owner a process that is gone."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    store.checkpoint.status = "running"
    store.checkpoint.finished_at = None
    store.checkpoint.attempts[-1].status = "running"
    store.checkpoint.attempts[-1].owner = Owner(pid=proc.pid, host=socket.gethostname())
    store.checkpoint.stacks["app"].status = "applying"
    store.save()


def test_a_killed_deployment_is_marked_interrupted_then_resumed_as_its_next_attempt(
    tmp_path: Path, engine: Engine
) -> None:
    flag = tmp_path / "fixed"
    out = write_layout(tmp_path, {"app": ([Res("a"), Res("flaky", command=f"test -f {flag} || exit 1")], ())})
    first = apply_project(prepared(tmp_path, engine, out), confirm=YES)
    assert first.checkpoint.status == "failed"
    store = CheckpointStore.load(tmp_path / ".strands" / "deployments" / first.checkpoint.id)
    _kill_mid_apply(store)
    flag.touch()

    result = resume_project(operation(tmp_path, engine), confirm=YES)
    assert result.ok, result.errors
    assert result.checkpoint.id == first.checkpoint.id
    assert any(first.checkpoint.id in w and "interrupted" in w for w in result.warnings)
    checkpoint = json.loads((store.dir / "checkpoint.json").read_text())
    assert [(a["number"], a["status"]) for a in checkpoint["attempts"]] == [(1, "interrupted"), (2, "succeeded")]
    assert set(instances(tmp_path, "app")) == {"a", "flaky"}


def test_a_killed_deployment_superseded_by_a_later_one_is_marked_but_not_resumed(
    tmp_path: Path, engine: Engine
) -> None:
    out = write_layout(tmp_path, {"app": ([Res("a"), Res("flaky", fail=True)], ())})
    killed = apply_project(prepared(tmp_path, engine, out), confirm=YES)
    _kill_mid_apply(CheckpointStore.load(tmp_path / ".strands" / "deployments" / killed.checkpoint.id))
    fixed = write_layout(tmp_path, {"app": ([Res("a"), Res("b")], ())})
    later = apply_project(prepared(tmp_path, engine, fixed), confirm=YES)
    assert later.ok
    assert any(killed.checkpoint.id in w for w in later.warnings)  # the later apply marked it

    with pytest.raises(UserError, match="nothing to resume"):
        resume_project(operation(tmp_path, engine), confirm=YES)
    raw = json.loads((tmp_path / ".strands" / "deployments" / killed.checkpoint.id / "checkpoint.json").read_text())
    assert raw["status"] == "interrupted"
    assert set(instances(tmp_path, "app")) == {"a", "b"}
