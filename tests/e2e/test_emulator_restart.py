"""End to end on the offline target: what survives `strands emulator stop` and a new emulator.

Regression: the emulator's history bucket lived only in the emulator's memory, so `emulator stop` (or any
restart) erased every `-e local` record; and after a restart the state still listed resources the new,
empty emulator did not have, without a word. Records are now kept on disk too and given back to the next
emulator's bucket; commands that read the state (and `plan`) say that its resources are gone.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from strands_tf.scaffold import scaffold

from .project import Project, changes

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "restart"
    scaffold(root, "simple", name="restart")
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", "--force", ok=(0, 1, 3))


def _records(project: Project) -> list[str]:
    listed = json.loads(project.run("history", "list", "-e", "local", "--json").stdout)
    return [r["id"] for r in listed["records"]]


def test_history_and_state_survive_an_emulator_restart(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    first = _records(project)
    assert len(first) == 1
    assert project.run("list", "-e", "local").stderr.count("warning") == 0

    project.run("emulator", "stop")
    # no emulator: the records are read from the copy on disk
    assert _records(project) == first
    offline = project.run("list", "-e", "local")
    assert "emulator is not running" in offline.stderr and "strands apply -e local" in offline.stderr

    project.run("emulator", "start")
    # a new, empty emulator: its history bucket gets the records back
    assert _records(project) == first
    s3 = project.client("s3")
    keys = [
        o["Key"]
        for bucket in s3.list_buckets()["Buckets"]
        for o in s3.list_objects_v2(Bucket=bucket["Name"]).get("Contents", [])
    ]
    assert any(key.endswith(f"{first[0]}/metadata.json") for key in keys), keys
    # the state's resources are gone with the old emulator: said by list, outputs and plan
    for command in (["list"], ["outputs"]):
        stderr = project.run(*command, "-e", "local").stderr
        assert "after the last apply" in stderr and "strands apply -e local" in stderr, command
    plan = project.plan()
    assert any("strands apply -e local" in w for w in plan["warnings"])
    assert ("module.agent_assistant.aws_lambda_function.this", "create") in changes(plan)

    # apply creates them again; both records are listed; nothing is reported lost any more
    project.run("apply", "-e", "local", "--auto-approve")
    assert project.client("lambda").list_functions()["Functions"]
    after = _records(project)
    assert len(after) == 2 and after[1] == first[0]
    assert "warning" not in project.run("list", "-e", "local").stderr
    assert project.plan()["warnings"] == []
