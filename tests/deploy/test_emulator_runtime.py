"""The emulator target's runtime: builtin provider mirror by default, the registry provider when asked."""

from __future__ import annotations

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
