"""Stacks that are deployed but no longer made by the configuration (deploy/gone.py) are destroyed first.

Found by QA: after `stacks: per_agent` became `single`, plan, apply and destroy worked on the synthesized
stacks only; the old stacks' resources kept running, apply failed on a name clash and destroy reported
success. Real embedded engine on `terraform_data` stacks: a resource that holds a "name" (a lock file made
on create, removed on destroy) shows the clash a real AWS name would cause.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from strands_tf.deploy.executor import read_manifest
from strands_tf.deploy.gone import find_gone_stacks
from strands_tf.deploy.project import (
    apply_project,
    destroy_project,
    include_gone_stacks,
    plan_project,
    resume_project,
    stacks_left_behind,
)
from strands_tf.deploy.retention import prune_deployments
from strands_tf.deploy.selection import Layout, ModuleInfo, StackInfo, StaticDeployed, select_stacks
from strands_tf.deploy.workspace import Workspace
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


def holder(name: str, lock: Path) -> Res:
    """A resource holding the "name" `lock`: creating it fails while another holds it."""
    return Res(name, command=f"test ! -e {lock} && touch {lock}")


def add_release_on_destroy(out: Path, stack: str, name: str, lock: Path, *, only_if: Path | None = None) -> None:
    """Give `name` a destroy-time provisioner that frees the lock (failing unless `only_if` exists, when given)."""
    path = out / "stacks" / stack / "cdk.tf.json"
    doc = json.loads(path.read_text())
    command = f"rm -f {lock}" if only_if is None else f"test -e {only_if} && rm -f {lock}"
    doc["resource"]["terraform_data"][name]["provisioner"].append(
        {"local-exec": {"command": command, "when": "destroy"}}
    )
    path.write_text(json.dumps(doc, indent=2))


def build(root: Path, stacks: dict) -> Path:
    """A fresh build of the environment (synth replaces the whole directory)."""
    shutil.rmtree(root / ".strands" / "build", ignore_errors=True)
    return write_layout(root, stacks)


def prepared(root: Path, engine: Engine, out: Path) -> object:
    op = operation(root, engine)
    op.synth.out_dir = out
    op.environment_stacks = read_manifest(out)
    op.stacks = list(op.environment_stacks)
    return op


def state_file_stacks(root: Path) -> set[str]:
    return set(StateManager(root, ENV).load().stacks)


def per_agent_then_single(root: Path, engine: Engine, *, only_if: Path | None = None) -> tuple[Path, Path, str]:
    """Apply {shared, app (reads shared)}, then build the single layout that makes app's resource in shared."""
    lock = root / "fn.lock"
    old = build(root, {"shared": ([Res("table")], ()), "app": ([holder("fn", lock)], ("shared",))})
    add_release_on_destroy(old, "app", "fn", lock, only_if=only_if)
    first = apply_project(prepared(root, engine, old), confirm=YES)
    assert first.ok, first.errors
    assert lock.exists()
    new = build(root, {"shared": ([Res("table"), holder("fn", lock)], ())})
    return new, lock, first.checkpoint.id


def test_a_stack_the_configuration_no_longer_makes_is_destroyed_before_the_new_layout_takes_its_names(
    tmp_path: Path, engine: Engine
) -> None:
    new, _lock, first = per_agent_then_single(tmp_path, engine)
    op = prepared(tmp_path, engine, new)
    gone = include_gone_stacks(op)
    assert [(g.spec.name, g.source) for g in gone] == [("app", first)]

    planned = plan_project(prepared_with_gone(tmp_path, engine, new))
    counts = {p.stack.name: p.summary.counts for p in planned.plans}
    assert counts["app"]["delete"] == 1 and counts["app"]["create"] == 0
    assert counts["shared"]["create"] == 1

    asked: list[list[str]] = []
    result = apply_project(op, confirm=lambda plans: asked.append(sorted(p.stack.name for p in plans)) or True)
    assert result.ok, result.errors
    # one question shows the deletes and what replaces them, before anything is changed
    assert asked == [["app", "shared"]]
    assert state_of(tmp_path, "app")["resources"] == []
    assert set(instances(tmp_path, "shared")) == {"table", "fn"}
    assert state_file_stacks(tmp_path) == {"shared"}  # the state file drops the destroyed stack
    stacks = result.checkpoint.stacks
    assert stacks["app"].gone and stacks["app"].status == "applied" and not stacks["shared"].gone
    # the deployment keeps its own copy of what it destroyed (a resume needs it), outside the manifest
    copy = tmp_path / ".strands" / "deployments" / result.checkpoint.id / "cdktf.out"
    assert (copy / "stacks" / "app" / "cdk.tf.json").is_file()
    assert "app" not in json.loads((copy / "manifest.json").read_text())["stacks"]

    # nothing is left over: the next plan has no stack to destroy, and changes nothing
    again = prepared_with_gone(tmp_path, engine, new)
    assert again.gone == []
    assert not plan_project(again).has_changes


def prepared_with_gone(root: Path, engine: Engine, out: Path) -> object:
    op = prepared(root, engine, out)
    include_gone_stacks(op)
    return op


def test_pruning_keeps_the_only_copy_of_a_gone_stack_that_later_deployments_did_not_touch(
    tmp_path: Path, engine: Engine
) -> None:
    """Applies that leave the gone stack alone (an `--agent` selection) never copy it: old deployments pruned
    after them must not take its last copy, or nothing could destroy it any more."""
    _new, _lock, first = per_agent_then_single(tmp_path, engine)
    for i in range(3):
        new = build(tmp_path, {"shared": ([Res("table"), Res(f"extra{i}")], ())})
        result = apply_project(prepared(tmp_path, engine, new), confirm=YES)  # `shared` only: `app` not selected
        assert result.ok, result.errors
    for checkpoint in Workspace(tmp_path).deployments_dir().glob("*/checkpoint.json"):  # records built (CLI's job)
        checkpoint.write_text(json.dumps({**json.loads(checkpoint.read_text()), "record": "spooled"}))
    report = prune_deployments(Workspace(tmp_path), ENV, keep=1)
    assert first in report.protected and "app" in report.protected[first]
    assert len(report.removed) == 2
    op = prepared(tmp_path, engine, new)
    assert [(g.spec.name, g.source) for g in include_gone_stacks(op)] == [("app", first)]
    result = apply_project(op, confirm=YES)
    assert result.ok, result.errors
    assert state_file_stacks(tmp_path) == {"shared"}
    # destroyed: its copy is free to go now
    assert first not in prune_deployments(Workspace(tmp_path), ENV, keep=1).protected


def test_a_failed_destroy_of_a_gone_stack_skips_what_would_clash_and_resumes(tmp_path: Path, engine: Engine) -> None:
    allowed = tmp_path / "allowed"
    new, _lock, _ = per_agent_then_single(tmp_path, engine, only_if=allowed)
    failed = apply_project(prepared_with_gone(tmp_path, engine, new), confirm=YES)
    assert failed.checkpoint.status == "failed"
    stacks = failed.checkpoint.stacks
    assert stacks["app"].status == "failed"
    assert stacks["shared"].status == "skipped"
    assert "could not be destroyed first" in (stacks["shared"].error or "")
    assert set(instances(tmp_path, "shared")) == {"table"}  # nothing created over what still holds the name
    assert state_file_stacks(tmp_path) == {"shared", "app"}

    # the resume destroys it (its deployment's own copy): no warning that it would be left alone
    assert stacks_left_behind(prepared(tmp_path, engine, new)) == ["app"]
    assert stacks_left_behind(prepared(tmp_path, engine, new), resuming=True) == []
    allowed.touch()
    resumed = resume_project(operation(tmp_path, engine), confirm=YES)
    assert resumed.ok, resumed.errors
    assert resumed.checkpoint.id == failed.checkpoint.id
    assert state_of(tmp_path, "app")["resources"] == []
    assert set(instances(tmp_path, "shared")) == {"table", "fn"}
    assert state_file_stacks(tmp_path) == {"shared"}


def test_destroy_takes_the_gone_stacks_too(tmp_path: Path, engine: Engine) -> None:
    new, lock, _ = per_agent_then_single(tmp_path, engine)
    result = destroy_project(prepared_with_gone(tmp_path, engine, new), confirm=YES)
    assert result.ok, result.errors
    assert set(result.checkpoint.stacks) == {"app", "shared"}
    assert state_of(tmp_path, "app")["resources"] == [] and state_of(tmp_path, "shared")["resources"] == []
    assert state_file_stacks(tmp_path) == set()
    assert not lock.exists()
    assert prepared_with_gone(tmp_path, engine, new).gone == []


def test_a_gone_stack_without_a_recorded_copy_is_refused_with_the_way_out(tmp_path: Path, engine: Engine) -> None:
    new, _lock, _ = per_agent_then_single(tmp_path, engine)
    shutil.rmtree(tmp_path / ".strands" / "deployments")
    with pytest.raises(UserError) as caught:
        find_gone_stacks(prepared(tmp_path, engine, new).workspace, tmp_path, ENV, {"shared"})
    assert "app" in caught.value.summary and "no deployment" in caught.value.summary
    assert f"strands apply -e {ENV}" in (caught.value.hint or "")


def test_the_latest_deployment_names_gone_stacks_when_the_state_file_is_damaged(tmp_path: Path, engine: Engine) -> None:
    new, _lock, _ = per_agent_then_single(tmp_path, engine)
    (tmp_path / ".strands" / "state" / f"{ENV}.json").write_text("{not json")
    found = find_gone_stacks(prepared(tmp_path, engine, new).workspace, tmp_path, ENV, {"shared"})
    assert [g.spec.name for g in found] == ["app"]


def _module(module_id: str, agent: str | None = None, *, api: bool = False, uses: tuple[str, ...] = ()) -> ModuleInfo:
    return ModuleInfo(module_id, agent, api, frozenset(uses))


# per_agent (old): main <- helper <- api, and other; single (new): main holds everything
LAYOUT = Layout(
    {
        "main": StackInfo("main", (), {"table": _module("table"), "agent_helper": _module("agent_helper", "helper")}),
        "old-helper": StackInfo(
            "old-helper", ("main",), {"agent_helper": _module("agent_helper", "helper")}, gone=True
        ),
        "old-other": StackInfo("old-other", ("main",), {"agent_other": _module("agent_other", "other")}, gone=True),
        "old-api": StackInfo("old-api", ("old-helper", "old-other"), {"api": _module("api", api=True)}, gone=True),
    }
)


def test_apply_of_one_agent_destroys_its_gone_stack_and_pulls_in_nothing_the_stack_read() -> None:
    deployed = StaticDeployed({name: frozenset({"x"}) for name in LAYOUT.stacks})
    selection = select_stacks(LAYOUT, ["helper"], "apply", deployed=deployed)
    assert selection.stacks == {"main": ("module.agent_helper",), "old-helper": ()}
    # the old API also routes to `other`, which stays deployed: it stays, with the reason
    assert "old-api" in selection.left_alone and "other" in selection.left_alone["old-api"]


def test_destroy_of_one_agent_follows_the_selection_rules_for_gone_stacks() -> None:
    deployed = StaticDeployed(
        {name: frozenset({"x"}) for name in LAYOUT.stacks} | {"main": frozenset({"agent_helper", "table"})}
    )
    with pytest.raises(UserError, match="would break what stays deployed") as caught:
        select_stacks(LAYOUT, ["helper"], "destroy", deployed=deployed)
    assert "old-api" in (caught.value.detail or "") and "other" in (caught.value.detail or "")  # the API routes there
    selection = select_stacks(LAYOUT, ["helper", "other"], "destroy", deployed=deployed)
    assert {"old-helper", "old-other", "old-api"} <= set(selection.stacks)
