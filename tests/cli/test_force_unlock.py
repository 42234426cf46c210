"""`strands force-unlock`: the project lock and Terraform state locks (local and S3 backends)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import asdict
from pathlib import Path
from typing import Any

import boto3
import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy.unlock import (
    StackBackend,
    find_state_lock,
    read_state_lock,
    release_local_lock,
    stack_backends,
    unlock_with_terraform,
)
from strands_tf.errors import NotFoundError, StateError
from strands_tf.generators.synth import synthesize
from strands_tf.scaffold import scaffold
from strands_tf.state.lock import LockHolder, ProjectLock, _proc_start
from strands_tf.terraform.diagnostics import TerraformError
from strands_tf.terraform.engine import Engine, discover_engine
from strands_tf.terraform.runner import TerraformRunner
from tests.cli.helpers import run_cli
from tests.helpers.tfstacks import Res, S3Backend, write_stack


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "demo"
    scaffold(root, "simple", name="demo")
    return root


@pytest.fixture
def sleeper() -> Iterator[subprocess.Popen[bytes]]:
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


def plant_project_lock(root: Path, *, pid: int, host: str | None = None, command: str = "strands apply -e dev") -> Path:
    holder = LockHolder(
        pid=pid,
        host=host or socket.gethostname(),
        command=command,
        started="2026-01-02T03:04:05+00:00",
        token=uuid.uuid4().hex,
        proc_start=_proc_start(pid),
    )
    lock = ProjectLock(root, "test")
    lock.dir.mkdir(parents=True, exist_ok=True)
    lock.path.write_text(json.dumps(asdict(holder)))
    return lock.path


def unlock(root: Path, args: list[str], monkeypatch: pytest.MonkeyPatch, capsys) -> Any:
    return run_cli(["-C", str(root), "force-unlock", *args], monkeypatch, capsys)


# --- the project lock -----------------------------------------------------------------------------


def test_a_free_project_lock_is_reported(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    result = unlock(project, ["--json"], monkeypatch, capsys)
    assert result.code == 0
    assert json.loads(result.out) == {**json.loads(result.out), "held": False, "released": False}


def test_a_running_holder_is_refused_unless_forced(
    project: Path, sleeper: subprocess.Popen[bytes], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    path = plant_project_lock(project, pid=sleeper.pid)
    result = unlock(project, [], monkeypatch, capsys)
    assert result.code == 3
    assert f"pid {sleeper.pid}" in result.out and "strands apply -e dev" in result.out and "still running" in result.out
    assert "still running" in result.err and "--force" in result.err
    assert path.exists()

    forced = unlock(project, ["--force", "--json"], monkeypatch, capsys)
    assert forced.code == 0, forced.err
    report = json.loads(forced.out)
    assert report["released"] is True and report["running"] is True and report["holder"]["pid"] == sleeper.pid
    assert not path.exists()
    with ProjectLock(project, "strands apply"):  # the next command gets the lock
        pass


def test_a_dead_holder_is_released_at_once(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    path = plant_project_lock(project, pid=gone.pid)
    result = unlock(project, [], monkeypatch, capsys)
    assert result.code == 0, result.err
    assert "gone" in result.out and "released" in result.out
    assert not path.exists()


def test_another_hosts_holder_needs_confirmation(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    path = plant_project_lock(project, pid=4242, host="build-agent-7")
    result = unlock(project, [], monkeypatch, capsys)  # stdin is not a terminal under pytest
    assert result.code == 1 and "--force" in result.err
    assert "build-agent-7" in result.out and "cannot be checked" in result.out
    assert path.exists()
    assert unlock(project, ["--force"], monkeypatch, capsys).code == 0
    assert not path.exists()


def test_the_lock_error_points_at_force_unlock(project: Path, sleeper: subprocess.Popen[bytes]) -> None:
    plant_project_lock(project, pid=sleeper.pid)
    with pytest.raises(StateError) as info:
        ProjectLock(project, "strands apply").acquire()
    assert "strands force-unlock" in (info.value.hint or "")


# --- Terraform state locks: local backend ---------------------------------------------------------

HOLD_LOCK = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX)
print("locked", flush=True)
time.sleep(120)
"""


def local_stack(project: Path, environment: str = "local") -> StackBackend:
    loaded = load_project(project)
    out = project.parent / "synth-for-test"
    synthesize(loaded, resolve(loaded, environment), out, packager=None)
    [backend] = stack_backends(out)
    assert backend.kind == "local"
    return backend


def test_a_live_local_lock_is_refused_and_a_stale_one_cleared(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    backend = local_stack(project)
    state_file = backend.local_state_file
    assert state_file.parent == project.resolve() / ".strands" / "tfstate" / "local"
    state_file.parent.mkdir(parents=True)
    info_file = state_file.with_name(f".{state_file.name}.lock.info")
    lock_id = str(uuid.uuid4())
    info_file.write_text(json.dumps({"ID": lock_id, "Operation": "OperationTypeApply", "Who": "alice@laptop"}))
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(state_file)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == b"locked"
        refused = unlock(project, ["-e", "local", lock_id], monkeypatch, capsys)
        assert refused.code == 3
        assert "alice@laptop" in refused.out and lock_id in refused.out
        assert "still running" in refused.err
        assert info_file.exists()
    finally:
        holder.kill()
        holder.wait()
    cleared = unlock(project, [lock_id, "-e", "local"], monkeypatch, capsys)
    assert cleared.code == 0, cleared.err
    assert not info_file.exists()
    # nothing under .strands/ was rebuilt, and the emulator was not started for this
    assert not (project / ".strands" / "build").exists() and not (project / ".strands" / "emulator.json").exists()


def test_an_unknown_lock_id_names_what_was_searched(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    result = unlock(project, ["-e", "local", "no-such-id"], monkeypatch, capsys)
    assert result.code == 3
    assert "no lock ID no-such-id" in result.err and "environment 'local'" in result.err and "-e ENV" in result.err
    stack = local_stack(project).stack
    free = unlock(project, ["-e", "local", "--stack", stack], monkeypatch, capsys)
    assert free.code == 3 and f"no state lock on stack {stack}" in free.err
    unknown = unlock(project, ["-e", "local", "--stack", "nope"], monkeypatch, capsys)
    assert unknown.code == 1 and f"its stacks: {stack}" in unknown.err


@pytest.mark.engine
def test_terraforms_own_local_lock_is_seen_while_it_runs(tmp_path: Path, engine: Engine) -> None:
    work = write_stack(tmp_path, "app", [Res("a", sleep=6)])
    rc = tmp_path / "terraform.rc"
    rc.write_text("")
    runner = TerraformRunner(engine, work, data_dir=tmp_path / "data", cli_config=rc)
    runner.init()
    plan = runner.plan(tmp_path / "app.tfplan")
    started = threading.Event()
    errors: list[BaseException] = []

    def apply() -> None:
        try:
            runner.apply(plan.plan_file, on_event=lambda e: e.type == "apply_start" and started.set())
        except BaseException as exc:
            errors.append(exc)

    thread = threading.Thread(target=apply)
    thread.start()
    try:
        assert started.wait(60)
        backend = StackBackend("app", "local", {}, work)
        lock = read_state_lock(backend)
        assert lock is not None and lock.held_by_running_process is True
        assert lock.info.operation == "OperationTypeApply" and lock.id
        found, same = find_state_lock([backend], lock.id, environment="dev")
        assert found is backend and same is not None and same.id == lock.id
        with pytest.raises(StateError, match="still running"):
            release_local_lock(lock, backend)
    finally:
        thread.join(120)
    assert not errors, errors
    assert read_state_lock(StackBackend("app", "local", {}, work)) is None  # Terraform released it


# --- Terraform state locks: S3 backend (moto) -----------------------------------------------------

CREDS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


@pytest.fixture
def engine() -> Engine:
    return discover_engine()


@pytest.mark.moto
@pytest.mark.engine
def test_an_s3_lock_file_is_found_by_id_and_released_with_terraform(
    aws_env: Any, tmp_path: Path, engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    bucket = f"tfstate-{uuid.uuid4().hex[:12]}"
    s3 = boto3.client("s3", endpoint_url=aws_env.endpoint)
    s3.create_bucket(Bucket=bucket)
    stacks = [
        StackBackend(name, "s3", S3Backend(aws_env.endpoint, bucket, key=f"dev/{name}.tfstate").block(), tmp_path)
        for name in ("demo-dev", "demo-dev-support")
    ]
    lock_id = str(uuid.uuid4())
    planted = {"ID": lock_id, "Operation": "OperationTypeApply", "Who": "carol@ci", "Created": "2026-01-02T03:04:05Z"}
    s3.put_object(Bucket=bucket, Key="dev/demo-dev-support.tfstate.tflock", Body=json.dumps(planted).encode())
    client_for: Callable[[StackBackend], Any] = lambda _backend: s3  # noqa: E731

    with pytest.raises(NotFoundError):
        find_state_lock(stacks, "another-id", environment="dev", s3_client_for=client_for)
    backend, lock = find_state_lock(stacks, lock_id, environment="dev", s3_client_for=client_for)
    assert backend.stack == "demo-dev-support" and lock is not None
    assert lock.info.who == "carol@ci" and lock.location == f"s3://{bucket}/dev/demo-dev-support.tfstate.tflock"
    with pytest.raises(TerraformError):  # Terraform checks the ID itself
        unlock_with_terraform(backend, "wrong-" + lock_id, engine=engine, env=CREDS)
    unlock_with_terraform(backend, lock_id, engine=engine, env=CREDS)
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    assert keys == []
    assert read_state_lock(backend, s3_client_for=client_for) is None


def test_os_lock_probe_does_not_disturb_the_state_file(project: Path) -> None:
    backend = local_stack(project)
    state_file = backend.local_state_file
    state_file.parent.mkdir(parents=True)
    state_file.write_text('{"version": 4}')
    before = os.stat(state_file)
    assert read_state_lock(backend) is None
    assert state_file.read_text() == '{"version": 4}' and os.stat(state_file).st_mtime_ns == before.st_mtime_ns
