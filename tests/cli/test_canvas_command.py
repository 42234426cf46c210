"""`strands canvas` refuses what every other command refuses before it starts serving."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from strands_tf.canvas.app import front_end_built

from .helpers import STRANDS

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple-assistant"


@pytest.mark.skipif(not front_end_built(), reason="the canvas front end is not built (make canvas)")
def test_an_unknown_environment_is_refused_instead_of_silently_showing_another(tmp_path) -> None:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    env = {k: v for k, v in os.environ.items() if k != "STRANDS_ENV"}
    try:
        done = subprocess.run(
            [str(STRANDS), "canvas", "--no-browser", "-e", "prdo"], cwd=root, env=env,
            capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail("strands canvas -e prdo started serving (showing another environment) instead of refusing")
    assert done.returncode == 1, done
    assert "unknown environment 'prdo'" in done.stderr, done.stderr
    assert "open http" not in done.stderr + done.stdout
