"""A deployment whose process was killed (SIGKILL) is marked `interrupted` by the next command, and its record
becomes due; only deployments whose process is certainly gone are touched."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
from pathlib import Path

from strands_tf.deploy.checkpoint import CheckpointStore, Owner
from strands_tf.deploy.executor import StackSpec, start_deployment
from strands_tf.deploy.recovery import mark_interrupted, records_due
from strands_tf.deploy.workspace import Workspace, new_deployment_id
from strands_tf.state.lock import ProjectLock, process_start


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def _running(root: Path, owner: Owner | None, *, environment: str = "dev") -> CheckpointStore:
    """A deployment stopped mid-apply of `app` (as a SIGKILL leaves it), run by `owner`."""
    out = root / "build" / "cdktf.out"
    (out / "stacks" / "app").mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").write_text("{}")
    stacks = [StackSpec("app", out / "stacks" / "app"), StackSpec("api", out / "stacks" / "api", ("app",))]
    store = start_deployment(Workspace(root), new_deployment_id(), "apply", "demo", environment, stacks, out)
    store.begin_attempt()
    store.update_stack("app", status="applying", started_at="2026-01-01T00:00:00+00:00")
    if owner is None:
        store.checkpoint.attempts = []  # a checkpoint written before attempts were kept
    else:
        store.checkpoint.attempts[-1].owner = owner
    store.save()
    return store


def test_a_killed_deployment_is_marked_interrupted_and_its_record_becomes_due(tmp_path: Path) -> None:
    dead = Owner(pid=_dead_pid(), host=socket.gethostname())
    store = _running(tmp_path, dead)
    assert mark_interrupted(Workspace(tmp_path)) == [store.dir.name]
    checkpoint = json.loads((store.dir / "checkpoint.json").read_text())
    assert checkpoint["status"] == "interrupted" and checkpoint["finished_at"]
    assert checkpoint["stacks"]["app"]["status"] == "interrupted"
    assert "killed" in checkpoint["stacks"]["app"]["error"]
    assert checkpoint["stacks"]["api"]["status"] == "pending"
    assert checkpoint["attempts"][-1]["status"] == "interrupted"
    assert checkpoint["attempts"][-1]["stacks"]["app"]["status"] == "interrupted"
    assert CheckpointStore.load(store.dir).checkpoint.pending_stacks() == ["app", "api"]
    assert records_due(Workspace(tmp_path), "dev") == [store.dir]
    assert records_due(Workspace(tmp_path), "prod") == []
    assert mark_interrupted(Workspace(tmp_path)) == []  # marked once


def test_a_reused_pid_counts_as_gone(tmp_path: Path) -> None:
    import os

    me = Owner(pid=os.getpid(), host=socket.gethostname(), proc_start="1")  # this pid, another start time
    store = _running(tmp_path, me)
    assert process_start(os.getpid()) != "1"
    assert mark_interrupted(Workspace(tmp_path)) == [store.dir.name]


def test_a_live_deployment_or_one_on_another_host_is_left_alone(tmp_path: Path) -> None:
    alive = _running(tmp_path / "a", Owner.current())
    elsewhere = _running(tmp_path / "b", Owner(pid=_dead_pid(), host=socket.gethostname() + "-other"))
    assert mark_interrupted(Workspace(tmp_path / "a")) == []
    assert mark_interrupted(Workspace(tmp_path / "b")) == []
    for store in (alive, elsewhere):
        assert json.loads((store.dir / "checkpoint.json").read_text())["status"] == "running"
    assert records_due(Workspace(tmp_path / "a"), "dev") == []  # running: not due yet


def test_a_checkpoint_without_owner_is_interrupted_only_when_no_live_process_holds_the_project_lock(
    tmp_path: Path,
) -> None:
    store = _running(tmp_path, None)
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        lock = tmp_path / ".strands" / "project.lock"
        holder = {"pid": other.pid, "host": socket.gethostname(), "command": "strands apply", "started": "now"}
        lock.write_text(json.dumps({**holder, "token": "t", "proc_start": process_start(other.pid)}))
        assert mark_interrupted(Workspace(tmp_path)) == []
    finally:
        other.kill()
        other.wait()
    assert mark_interrupted(Workspace(tmp_path)) == [store.dir.name]  # holder gone: the lock is stale


def test_the_lock_holder_marks_legacy_running_checkpoints(tmp_path: Path) -> None:
    store = _running(tmp_path, None)
    with ProjectLock(tmp_path, "strands apply"):
        assert mark_interrupted(Workspace(tmp_path)) == [store.dir.name]
