"""What a deployment leaves on disk is private: every file under `.strands/` is 0600 (a stored asset 0400) and
every directory 0700.

Run end to end on the emulator (subprocesses, embedded engine) so the files Terraform itself writes
(tfstate, plan files, `.terraform/`) are covered as well as strands' own.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers.modes import private_mode_violations

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "simple-assistant"
    shutil.copytree(
        REPO / "examples" / "simple-assistant", root, ignore=shutil.ignore_patterns(".strands", "__pycache__")
    )
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def test_every_file_under_strands_is_private_after_apply_plan_and_rollback(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    project.run("plan", "-e", "local")
    first = sorted((project.root / ".strands" / "deployments").iterdir())[0].name
    project.run("rollback", first, "-e", "local", "--auto-approve")
    project.run("history", "list", "-e", "local")
    strands_dir = project.root / ".strands"
    names = {p.name for p in strands_dir.rglob("*")}
    # the files that hold values are there: the walk below checks them, not an empty tree
    assert {"local.json", "events.jsonl", "checkpoint.json", "cdk.tf.json"} <= names
    assert any(n.endswith(".tfstate") for n in names) and any(n.endswith(".tfplan") for n in names)
    assert private_mode_violations(strands_dir) == []
