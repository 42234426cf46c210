"""The emulator target's runtime: builtin provider mirror by default, the registry provider when asked."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy import emulator_target
from strands_tf.deploy.workspace import Workspace
from strands_tf.scaffold import scaffold


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    root = tmp_path / "demo"
    scaffold(root, "simple", name="demo")
    return root


def _runtime(root: Path):  # type: ignore[no-untyped-def]
    workspace = Workspace(root)
    try:
        return emulator_target.emulator_runtime(resolve(load_project(root), "local"), workspace)
    finally:
        emulator_target.stop_emulator(workspace)


def test_builtin_provider_uses_the_mirror(project: Path) -> None:
    runtime = _runtime(project)
    assert runtime.cli_config is not None and runtime.cli_config.is_file()
    assert "filesystem_mirror" in runtime.cli_config.read_text()
    assert runtime.env["AWS_ACCESS_KEY_ID"] == "test"
    assert runtime.variables["emulator_endpoint"].startswith("http://127.0.0.1:")
    assert runtime.env["AWS_ENDPOINT_URL"] == runtime.variables["emulator_endpoint"]
    # an exported profile or session token of the real identity is removed from Terraform's environment
    assert {"AWS_PROFILE", "AWS_SESSION_TOKEN"} <= runtime.unset
    assert runtime.stack_session is not None  # one reattached provider per stack phase


def test_reattach_can_be_switched_off(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(emulator_target.REATTACH_SWITCH, "0")
    runtime = _runtime(project)
    assert runtime.stack_session is None
    assert runtime.cli_config is not None  # Terraform launches the provider from the mirror


def test_registry_provider_uses_terraforms_own_installation(project: Path) -> None:
    config = project / "strands.yaml"
    config.write_text(config.read_text() + "emulator: {provider: registry}\n")
    runtime = _runtime(project)
    assert runtime.cli_config is None  # the runner's default CLI config: providers come from the registry
    assert runtime.variables["emulator_endpoint"].startswith("http://127.0.0.1:")


def test_the_emulator_is_reused_and_a_stale_record_is_dropped(project: Path) -> None:
    workspace = Workspace(project)
    try:
        first = emulator_target.ensure_emulator(workspace)
        assert emulator_target.ensure_emulator(workspace).pid == first.pid
    finally:
        assert emulator_target.stop_emulator(workspace)
    record = emulator_target.pid_file(workspace)
    record.write_text('{"pid": 999999, "port": 1, "started_at": 0}')  # nothing answers on port 1
    assert emulator_target.running_emulator(workspace) is None
    assert not record.exists()


def test_an_ipam_vpc_gets_its_pool_declared_in_the_project(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from strands_tf.emulator.ipam import IPAM_FILE_ENV, IpamRegistry

    monkeypatch.delenv(IPAM_FILE_ENV, raising=False)
    config = project / "strands.yaml"
    pool = "ipam-pool-0123456789abcdef0"
    config.write_text(
        config.read_text().replace(
            "environments:\n",
            "environments:\n  sandbox:\n    target: emulator\n"
            f"    vpc: {{ipam_pool_id: {pool}, netmask_length: 20, nat: none}}\n",
            1,
        )
    )
    workspace = Workspace(project)
    resolved = resolve(load_project(project), "sandbox")
    env = emulator_target.ipam_env(resolved, workspace)
    registry = project / ".strands" / emulator_target.IPAM_REGISTRY_FILE
    assert env == {IPAM_FILE_ENV: str(registry)}
    allocation = IpamRegistry(registry).allocate(pool, netmask_length=20)
    assert allocation.cidr == "10.0.0.0/20"  # from the emulator's range for the pool
    assert emulator_target.ipam_env(resolved, workspace) == env  # declared once; allocations kept
    assert IpamRegistry(registry).allocate(pool, netmask_length=20).cidr == "10.0.16.0/20"
    # the user's own registry wins, and environments without an IPAM VPC need none
    monkeypatch.setenv(IPAM_FILE_ENV, str(project / "mine.json"))
    assert emulator_target.ipam_env(resolved, workspace) == {}
    monkeypatch.delenv(IPAM_FILE_ENV)
    assert emulator_target.ipam_env(resolve(load_project(project), "local"), workspace) == {}


def test_a_slow_emulator_is_waited_for_not_replaced(project: Path) -> None:
    """Regression: a health check that took over 1 s declared a live emulator dead and started a second one."""
    import os
    import signal
    import threading

    workspace = Workspace(project)
    first = emulator_target.ensure_emulator(workspace)
    try:
        os.kill(first.pid, signal.SIGSTOP)  # alive but answering nothing, like a machine under heavy load
        resume = threading.Timer(3.0, os.kill, (first.pid, signal.SIGCONT))
        resume.start()
        try:
            again = emulator_target.ensure_emulator(workspace)
        finally:
            resume.cancel()
            os.kill(first.pid, signal.SIGCONT)
        assert again.pid == first.pid and again.token == first.token
        assert emulator_target.pid_file(workspace).is_file()
    finally:
        assert emulator_target.stop_emulator(workspace)


def test_a_hung_emulator_is_an_error_not_a_second_emulator(project: Path) -> None:
    import os
    import signal

    from strands_tf.errors import NetworkError

    workspace = Workspace(project)
    first = emulator_target.ensure_emulator(workspace)
    os.kill(first.pid, signal.SIGSTOP)
    try:
        with pytest.raises(NetworkError) as err:
            emulator_target.running_emulator(workspace, deadline=1.5)
        assert f"pid {first.pid}" in err.value.summary and "emulator stop" in (err.value.hint or "")
        assert emulator_target.emulator_status(workspace, deadline=1.0)[0] == "unhealthy"
    finally:
        os.kill(first.pid, signal.SIGCONT)
        assert emulator_target.stop_emulator(workspace)


def _dead_pid() -> int:
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_another_projects_emulator_is_never_taken_as_ours(project: Path, tmp_path: Path) -> None:
    """Regression: a dead record whose port another project's emulator now uses was taken as the project's own."""
    from strands_tf.emulator import server

    other = Workspace(tmp_path / "other")
    theirs = emulator_target.ensure_emulator(other)
    workspace = Workspace(project)
    record = emulator_target.pid_file(workspace)
    try:
        # our emulator died; theirs took its port
        server.ServerInfo(pid=_dead_pid(), port=theirs.port, started_at=0, token="ours").save(record)
        assert emulator_target.running_emulator(workspace) is None
        assert not record.exists()
        # a record naming their live process with another token (a recycled pid) is not ours either
        server.ServerInfo(pid=theirs.pid, port=theirs.port, started_at=0, token="ours").save(record)
        assert emulator_target.running_emulator(workspace) is None
        server.ServerInfo(pid=theirs.pid, port=theirs.port, started_at=0, token="ours").save(record)
        assert emulator_target.stop_emulator(workspace) is False  # and stopping ours never stops theirs
        assert emulator_target.running_emulator(other) == theirs
    finally:
        assert emulator_target.stop_emulator(other)


def test_stop_is_refused_while_a_command_holds_the_project_lock(project: Path) -> None:
    from strands_tf.errors import ConflictError
    from strands_tf.state.lock import ProjectLock

    workspace = Workspace(project)
    info = emulator_target.ensure_emulator(workspace)
    try:
        with ProjectLock(project, "strands apply -e local"):
            with pytest.raises(ConflictError) as err:
                emulator_target.stop_emulator(workspace)
            assert "strands apply -e local" in err.value.summary and f"pid {os.getpid()}" in err.value.summary
            assert "--force" in (err.value.hint or "")
            assert emulator_target.running_emulator(workspace) == info
            assert emulator_target.stop_emulator(workspace, force=True)
        assert emulator_target.running_emulator(workspace) is None
        info = emulator_target.ensure_emulator(workspace)
        assert emulator_target.stop_emulator(workspace)  # once the command is done, stop works again
        assert not (project / ".strands" / "project.lock").exists()  # and leaves no lock behind
    finally:
        emulator_target.stop_emulator(workspace, force=True)


def test_a_state_older_than_the_emulator_is_reported_lost(tmp_path: Path) -> None:
    import json

    from strands_tf.emulator import server

    workspace = Workspace(tmp_path)
    states = workspace.tfstate_dir("local")
    states.mkdir(parents=True)
    assert emulator_target.lost_resources_warning(workspace, "local", None) is None  # nothing deployed
    doc = {
        "version": 4,
        "resources": [
            {"mode": "managed", "type": "aws_sqs_queue", "name": "q", "instances": [{}, {}]},
            {"mode": "data", "type": "aws_region", "name": "r", "instances": [{}]},
        ],
    }
    (states / "demo-local.tfstate").write_text(json.dumps(doc))
    (states / "demo-local-api.tfstate").write_text(json.dumps({"version": 4, "resources": []}))
    (states / "demo-local.tfstate.backup").write_text("{not json")
    written = (states / "demo-local.tfstate").stat().st_mtime

    stopped = emulator_target.lost_resources_warning(workspace, "local", None)
    assert stopped and "not running" in stopped and "2 resource(s)" in stopped
    assert "strands apply -e local" in stopped
    newer = server.ServerInfo(pid=1, port=1, started_at=written + 60)
    restarted = emulator_target.lost_resources_warning(workspace, "local", newer)
    assert restarted and "after the last apply" in restarted and "2 resource(s)" in restarted
    older = server.ServerInfo(pid=1, port=1, started_at=written - 60)
    assert emulator_target.lost_resources_warning(workspace, "local", older) is None  # written by this emulator
