"""A deployment started in a terminal keeps its AWS calls while a canvas of the project runs (and only then).

The canvas follows terminal deployments through their files; the calls come from the provider's debug log,
which costs time, so `strands apply` writes it only when a canvas announces itself (deploy/watchers.py).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from strands_tf.deploy.watchers import canvas_presence
from strands_tf.deploy.workspace import AWS_CALLS_FILE, PROVIDER_LOGS_DIR, Workspace

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple-assistant"


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "simple-assistant"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def _latest(root: Path) -> Path:
    return Workspace(root).deployment_dirs()[-1]


def test_a_terminal_apply_keeps_its_aws_calls_while_a_canvas_watches(project: Project) -> None:
    workspace = Workspace(project.root)
    with canvas_presence(workspace):
        assert workspace.canvas_server_record().is_file()
        project.run("apply", "-e", "local", "--auto-approve")
    assert not workspace.canvas_server_record().exists()
    deployment = _latest(project.root)
    calls = [json.loads(line) for line in (deployment / AWS_CALLS_FILE).read_text().splitlines()]
    operations = {(c["service"], c["operation"]) for c in calls}
    assert ("lambda", "CreateFunction") in {(s.lower(), o) for s, o in operations}, operations
    assert all(c["stack"] and c["attempt"] == 1 for c in calls)
    # only what the page shows: no request or response bodies, and the raw debug log is gone
    assert not any("body" in c or "Environment" in json.dumps(c) for c in calls)
    assert not any((deployment / PROVIDER_LOGS_DIR).glob("*.log"))

    # no canvas: the destroy writes no debug log and keeps no calls
    project.run("destroy", "-e", "local", "--auto-approve")
    destroyed = _latest(project.root)
    assert destroyed != deployment and not (destroyed / AWS_CALLS_FILE).exists()
