"""`strands emulator env`: what plain Terraform needs to use the emulator, for pipelines and `cdktn diff`."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

SAMPLE = Path(__file__).resolve().parents[1] / "generators" / "data" / "sample"
STRANDS = Path(sys.executable).with_name("strands")


def _env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "STRANDS_ENV"}
    env.setdefault("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    return env


def test_refuses_an_aws_environment(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SAMPLE, root)
    proc = subprocess.run([str(STRANDS), "-C", str(root), "emulator", "env", "-e", "dev"], capture_output=True,
                          text=True, env=_env(tmp_path), timeout=120, check=False)  # fmt: skip
    assert proc.returncode == 1 and "deploys to AWS" in proc.stderr and "Traceback" not in proc.stderr


@pytest.mark.moto
def test_shell_lines_evaluate_to_the_running_emulator(tmp_path: Path) -> None:
    root = tmp_path / "p"
    shutil.copytree(SAMPLE, root)
    env = _env(tmp_path)
    try:
        script = f'eval "$("{STRANDS}" -C "{root}" -e local emulator env --shell)" && env'
        proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=300, check=False)
        assert proc.returncode == 0, proc.stderr
        seen = dict(line.split("=", 1) for line in proc.stdout.splitlines() if "=" in line)
        assert seen["TF_VAR_emulator_endpoint"].startswith("http://127.0.0.1:")
        assert Path(seen["TF_CLI_CONFIG_FILE"]).is_file() and seen["AWS_ACCESS_KEY_ID"] == "test"
        status = subprocess.run([str(STRANDS), "-C", str(root), "emulator", "status", "--json"], capture_output=True,
                                text=True, env=env, timeout=120, check=False)  # fmt: skip
        assert seen["TF_VAR_emulator_endpoint"] in status.stdout
    finally:
        subprocess.run([str(STRANDS), "-C", str(root), "emulator", "stop"], env=env, timeout=120, check=False,
                       capture_output=True)  # fmt: skip
