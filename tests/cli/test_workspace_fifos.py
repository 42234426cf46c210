"""A FIFO planted under .strands/ (where strands keeps its own files) never hangs a command.

Found by QA: the state file, a deployment's checkpoint, the drift report and the emulator record were read
with a plain open, which blocks on a FIFO until a writer comes; `list`, `history list`, `env list` and
`analyze` hung. They are read through fsutil.read_file_bytes, which refuses anything but a regular file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.deploy.workspace import Workspace

STRANDS = str(Path(sys.executable).with_name("strands"))
DEPLOYMENT = "20261203T090000Z-abcdef"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "fifo-demo"
    subprocess.run([STRANDS, "init", str(root), "--name", "fifo-demo"], check=True, capture_output=True, timeout=120)
    return root


def _plant(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)


@pytest.mark.parametrize(
    ("planted", "command"),
    [
        (".strands/state/local.json", ["list", "-e", "local"]),
        (f".strands/deployments/{DEPLOYMENT}/checkpoint.json", ["history", "list", "-e", "local"]),
        (f".strands/deployments/{DEPLOYMENT}/checkpoint.json", ["env", "list"]),
        (".strands/drift/local.json", ["env", "list"]),
        (".strands/emulator.json", ["list", "-e", "local"]),
    ],
)
def test_a_fifo_under_strands_never_hangs_a_command(project: Path, planted: str, command: list[str]) -> None:
    Workspace(project).secure()
    _plant(project / planted)
    env = {**os.environ, "NO_COLOR": "1"}
    for var in ("AWS_PROFILE", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        env.pop(var, None)
    try:
        proc = subprocess.run(
            [STRANDS, "-C", str(project), *command], capture_output=True, text=True, timeout=60, env=env,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"strands {' '.join(command)} blocked on the FIFO {planted}")
    assert "Traceback" not in proc.stderr, proc.stderr
    # skipped where a scan reads what it can, or a state error (exit 3) naming the file
    assert proc.returncode == 0 or (proc.returncode == 3 and Path(planted).name in proc.stderr), (
        proc.stdout + proc.stderr
    )
