"""What `apply --resume` and `rollback` may touch, against the real embedded engine (terraform_data stacks).

Resume continues only the environment's latest deployment, only when nothing came after it, with the
same operation and the same targets; rollback validates its id and re-creates nothing that is not
deployed now unless asked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest

from strands_tf.deploy.executor import (
    StackSpec,
    read_manifest,
    run_deployment,
    start_deployment,
)
from strands_tf.deploy.project import resume_project, rollback_project
from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StateError, UserError
from strands_tf.history.trust import UntrustedStacksError
from strands_tf.state.lock import ProjectLock
from strands_tf.terraform.engine import Engine, discover_engine
from tests.helpers.deployments import operation
from tests.helpers.tfstacks import Res, Stack

pytestmark = pytest.mark.engine

YES = lambda plans: True  # noqa: E731


@pytest.fixture(scope="session")
def engine() -> Engine:
    return discover_engine(prefer="embedded")


def write_layout(root: Path, stacks: dict[str, list[Res]]) -> Path:
    """Independent stacks in a CDKTF layout under .strands/build, local state in .strands/tfstate/dev."""
    out = root / ".strands" / "build" / "dev" / "cdktf.out"
    manifest: dict[str, Any] = {"version": "0.21.0", "stacks": {}}
    for name, resources in stacks.items():
        workdir = out / "stacks" / name
        workdir.mkdir(parents=True, exist_ok=True)
        doc = Stack(name, resources).document()
        state_dir = os.path.relpath(root / ".strands" / "tfstate" / "dev", workdir)
        doc["terraform"]["backend"] = {"local": {"path": f"{state_dir}/{name}.tfstate"}}
        (workdir / "cdk.tf.json").write_text(json.dumps(doc, indent=2))
        manifest["stacks"][name] = {"name": name, "workingDirectory": f"stacks/{name}", "dependencies": []}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2))
    return out


def names(root: Path, stack: str) -> set[str]:
    path = root / ".strands" / "tfstate" / "dev" / f"{stack}.tfstate"
    if not path.is_file():
        return set()
    return {r["name"] for r in json.loads(path.read_text()).get("resources", []) if r["instances"]}


def deploy(
    root: Path, engine: Engine, out: Path, *, command: str = "apply", only: Sequence[str] | None = None, **kw: Any
) -> Any:
    op = operation(root, engine)
    stacks = [s for s in read_manifest(out) if only is None or s.name in only]
    targets = kw.pop("targets", {})
    stacks = [StackSpec(s.name, s.workdir, s.dependencies, tuple(targets.get(s.name, ()))) for s in stacks]
    store = start_deployment(op.workspace, op.workspace.next_deployment_id(), command, "demo", "dev", stacks, out)
    copied = [StackSpec(s.name, store.dir / "cdktf.out" / "stacks" / s.name, s.dependencies, s.targets) for s in stacks]
    run_deployment(op.ctx, store, copied, destroy=command == "destroy", **kw)
    return store


def test_resume_refuses_when_a_later_deployment_succeeded(tmp_path: Path, engine: Engine) -> None:
    """Resuming the old failed deployment would re-apply its configuration and delete what came after."""
    failing = write_layout(tmp_path, {"app": [Res("kept"), Res("flaky", fail=True)]})
    assert deploy(tmp_path, engine, failing).checkpoint.status == "failed"
    fixed = write_layout(tmp_path, {"app": [Res("kept"), Res("added")]})
    assert deploy(tmp_path, engine, fixed).checkpoint.status == "succeeded"

    with pytest.raises(UserError) as info:
        resume_project(operation(tmp_path, engine), confirm=YES)
    assert "nothing to resume" in info.value.summary and "succeeded" in info.value.summary
    assert names(tmp_path, "app") == {"kept", "added"}


def test_resume_after_a_cancelled_destroy_refuses_and_points_to_destroy(tmp_path: Path, engine: Engine) -> None:
    """A destroy never continues under an apply's confirmation."""
    out = write_layout(tmp_path, {"app": [Res("one"), Res("two")]})
    assert deploy(tmp_path, engine, out).checkpoint.status == "succeeded"
    declined = deploy(tmp_path, engine, out, command="destroy", confirm=lambda plans: False)
    assert declined.checkpoint.status == "cancelled"

    with pytest.raises(UserError) as info:
        resume_project(operation(tmp_path, engine), confirm=YES)
    assert "destroy" in info.value.summary
    assert "strands destroy" in (info.value.hint or "")
    assert names(tmp_path, "app") == {"one", "two"}


def test_an_unreadable_newest_checkpoint_is_an_error_naming_it(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": [Res("a"), Res("flaky", fail=True)]})
    failed = deploy(tmp_path, engine, out)
    damaged = tmp_path / ".strands" / "deployments" / Workspace(tmp_path).next_deployment_id()
    damaged.mkdir()
    (damaged / "checkpoint.json").write_text('{"id": "trunc')

    with pytest.raises(StateError) as info:
        resume_project(operation(tmp_path, engine), confirm=YES)
    assert damaged.name in info.value.summary
    assert str(damaged) in (info.value.hint or "")
    assert json.loads((failed.dir / "checkpoint.json").read_text())["status"] == "failed"


def test_stacks_fetched_from_history_are_not_a_deployment_resume_stops_at(tmp_path: Path, engine: Engine) -> None:
    """`strands history rollback ID` downloads a record's stacks into .strands/deployments/ID (no checkpoint: it
    ran nothing here); a rollback refused after that leaves it behind, and a record from another machine can be
    newer than every local deployment. Resume still finds the latest deployment that ran."""
    flag = tmp_path / "fixed"
    out = write_layout(tmp_path, {"app": [Res("a"), Res("flaky", command=f"test -f {flag} || exit 1")]})
    failed = deploy(tmp_path, engine, out)
    assert failed.checkpoint.status == "failed"
    fetched = tmp_path / ".strands" / "deployments" / Workspace(tmp_path).next_deployment_id() / "cdktf.out"
    fetched.mkdir(parents=True)
    (fetched / "manifest.json").write_text((out / "manifest.json").read_text())
    flag.touch()

    result = resume_project(operation(tmp_path, engine), confirm=YES)
    assert result.ok, result.errors
    assert result.checkpoint.id == failed.checkpoint.id
    assert names(tmp_path, "app") == {"a", "flaky"}


def test_a_running_deployment_whose_command_still_holds_the_lock_is_not_resumed(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": [Res("a"), Res("flaky", fail=True)]})
    store = deploy(tmp_path, engine, out)
    store.checkpoint.status = "running"
    store.save()
    holder = ProjectLock(tmp_path, "strands apply")
    holder.acquire()
    try:
        with pytest.raises(StateError, match="holds the project lock"):
            resume_project(operation(tmp_path, engine), confirm=YES)
    finally:
        holder.release()
    assert json.loads((store.dir / "checkpoint.json").read_text())["status"] == "running"


def test_resume_keeps_the_targets_of_the_interrupted_deployment(tmp_path: Path, engine: Engine) -> None:
    flag = tmp_path / "fixed"
    out = write_layout(
        tmp_path,
        {"app": [Res("mine"), Res("flaky", command=f"test -f {flag} || exit 1"), Res("someone_elses")]},
    )
    store = deploy(tmp_path, engine, out, targets={"app": ["terraform_data.mine", "terraform_data.flaky"]})
    assert store.checkpoint.status == "failed"
    assert store.checkpoint.stacks["app"].targets == ["terraform_data.mine", "terraform_data.flaky"]
    flag.touch()
    result = resume_project(operation(tmp_path, engine), confirm=YES)
    assert result.ok, result.errors
    assert names(tmp_path, "app") == {"mine", "flaky"}


def test_resume_refuses_another_agent_selection(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": [Res("a"), Res("flaky", fail=True)]})
    store = deploy(tmp_path, engine, out)
    store.checkpoint.agents = ["triage"]
    store.save()
    with pytest.raises(UserError, match="made for --agent triage"):
        resume_project(operation(tmp_path, engine), confirm=YES, agents=["support"])


def test_resuming_a_rollback_runs_the_trust_check_before_terraform(tmp_path: Path, engine: Engine) -> None:
    """A rollback's stacks are a record's (maybe from a bucket): its next attempt is checked like the first."""
    flag = tmp_path / "fixed"
    out = write_layout(tmp_path, {"app": [Res("kept"), Res("flaky", command=f"test -f {flag} || exit 1")]})
    store = deploy(tmp_path, engine, out, command="rollback")
    assert store.checkpoint.status == "failed"
    flag.touch()  # the provisioner would succeed now: only the trust check stands in its way
    tfstate = tmp_path / ".strands" / "tfstate" / "dev" / "app.tfstate"
    before = tfstate.read_bytes()

    with pytest.raises(UntrustedStacksError) as info:
        resume_project(operation(tmp_path, engine), confirm=YES)
    assert info.value.refusal.stack == "app" and "provisioner" in info.value.refusal.reason
    assert store.dir.name in info.value.summary
    assert tfstate.read_bytes() == before, "Terraform never ran on the refused stacks"
    assert json.loads((store.dir / "checkpoint.json").read_text())["status"] == "failed"


def test_rollback_refuses_a_path_as_deployment_id(tmp_path: Path, engine: Engine) -> None:
    project = tmp_path / "project"
    project.mkdir()
    # stacks planted where `.strands/deployments/../../../x` points
    (tmp_path / "x").mkdir()
    write_layout(tmp_path / "elsewhere", {"planted": [Res("x", marker=str(tmp_path / "ran"))]}).rename(
        tmp_path / "x" / "cdktf.out"
    )
    with pytest.raises(UserError, match="is not a deployment id"):
        rollback_project(operation(project, engine), "../../../x", confirm=YES)
    assert not (tmp_path / "ran").exists()


def test_rollback_recreates_no_stack_that_is_not_deployed_now(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": [Res("config", input="v1")], "extra": [Res("thing")]})
    first = deploy(tmp_path, engine, out)
    assert first.checkpoint.status == "succeeded"
    changed = write_layout(tmp_path, {"app": [Res("config", input="v2")], "extra": [Res("thing")]})
    assert deploy(tmp_path, engine, changed, only=["app"]).checkpoint.status == "succeeded"
    assert deploy(tmp_path, engine, changed, command="destroy", only=["extra"]).checkpoint.status == "succeeded"
    assert names(tmp_path, "extra") == set()

    op = operation(tmp_path, engine)
    result = rollback_project(op, first.checkpoint.id, confirm=YES)
    assert result.ok, result.errors
    assert list(result.checkpoint.stacks) == ["app"]
    assert op.selection.missing == ["extra"]
    assert names(tmp_path, "extra") == set(), "a rollback must not re-create a stack that is not deployed"
    state = json.loads((tmp_path / ".strands" / "tfstate" / "dev" / "app.tfstate").read_text())
    assert state["resources"][0]["instances"][0]["attributes"]["input"]["value"] == "v1"

    again = rollback_project(operation(tmp_path, engine), first.checkpoint.id, confirm=YES, create_missing=True)
    assert again.ok, again.errors
    assert names(tmp_path, "extra") == {"thing"}


def test_rollback_with_nothing_deployed_says_so_and_changes_nothing(tmp_path: Path, engine: Engine) -> None:
    out = write_layout(tmp_path, {"app": [Res("a")]})
    assert deploy(tmp_path, engine, out).checkpoint.status == "succeeded"
    assert deploy(tmp_path, engine, out, command="destroy").checkpoint.status == "succeeded"
    before = sorted(p.name for p in (tmp_path / ".strands" / "deployments").iterdir())
    with pytest.raises(UserError) as info:
        rollback_project(operation(tmp_path, engine), None, confirm=YES)
    assert "app" in info.value.summary and "--create-missing" in (info.value.hint or "")
    assert sorted(p.name for p in (tmp_path / ".strands" / "deployments").iterdir()) == before
    assert names(tmp_path, "app") == set()
