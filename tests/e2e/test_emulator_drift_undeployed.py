"""`strands drift` before anything was deployed: every stack is `not_deployed`, not an error (QA round 2: the
refresh-only plan of a stack with no state failed with "Invalid index", and drift exited 3)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


def test_drift_of_an_environment_never_deployed(tmp_path: Path) -> None:
    root = tmp_path / "simple-assistant"
    shutil.copytree(
        REPO / "examples" / "simple-assistant", root, ignore=shutil.ignore_patterns(".strands", "__pycache__")
    )
    project = Project(root, tmp_path / "strands-cache")
    try:
        proc = project.run("drift", "-e", "local", "--json", "--no-package", "--detailed-exitcode")
        report = json.loads(proc.stdout)
        assert report["status"] == "clean" and report["elements"] == []
        assert {stack["status"] for stack in report["stacks"].values()} == {"not_deployed"}
        assert "Traceback" not in proc.stderr
    finally:
        project.run("emulator", "stop", ok=(0, 1, 3))
