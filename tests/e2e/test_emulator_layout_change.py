"""End to end on the emulator: a change of `stacks:` leaves deployed stacks that no synth makes any more.

Found by QA: after `stacks: per_agent` → `single`, plan, apply and destroy said nothing of the two deployed
stacks they no longer touched; apply then failed on a name clash and destroy reported success with their
resources still running. Until the deploy core can plan such stacks away, every command names them.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

CONFIG = """\
version: 1
project: layout
stacks: {stacks}
agents:
  helper:
    path: agents/helper
    api: {{routes: ["POST /chat"]}}
    permissions: [{{resource: notes, access: read}}]
resources:
  notes: {{type: dynamodb, hash_key: id}}
"""


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "layout"
    (root / "agents" / "helper").mkdir(parents=True)
    (root / "agents" / "helper" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "strands.yaml").write_text(CONFIG.format(stacks="per_agent"))
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def test_stacks_left_behind_by_a_layout_change_are_named(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    deployed = {r["stack"] for r in json.loads(project.run("list", "-e", "local", "--json").stdout)}
    assert deployed == {"layout-local", "layout-local-helper", "layout-local-api"}

    (project.root / "strands.yaml").write_text(CONFIG.format(stacks="single"))
    plan = project.plan()
    assert any("layout-local-api, layout-local-helper" in w and "no longer made" in w for w in plan["warnings"])
    destroyed = project.run("destroy", "-e", "local", "--auto-approve")
    assert "layout-local-api, layout-local-helper" in destroyed.stdout, destroyed.stdout
    left = {r["stack"] for r in json.loads(project.run("list", "-e", "local", "--json").stdout)}
    assert left == {"layout-local-helper", "layout-local-api"}  # what the warning said: still there
