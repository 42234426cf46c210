"""End to end on the emulator: a change of `stacks:` leaves deployed stacks that no synth makes any more.

Found by QA: after `stacks: per_agent` → `single`, plan, apply and destroy did nothing about the two deployed
stacks they no longer made; apply then failed on a name clash ('exists outside this deployment') and destroy
reported success with their resources still running. Such stacks are planned away now, from the copy of them
the last deployment recorded (same backend, same provider), before the new layout creates the same names.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from .project import Project, changes

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

OLD_STACKS = {"layout-local-helper", "layout-local-api"}


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    root = tmp_path / "layout"
    (root / "agents" / "helper").mkdir(parents=True)
    (root / "agents" / "helper" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "strands.yaml").write_text(CONFIG.format(stacks="per_agent"))
    made = Project(root, tmp_path_factory.mktemp("strands-cache"))
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def deployed_stacks(project: Project) -> set[str]:
    return {r["stack"] for r in json.loads(project.run("list", "-e", "local", "--json").stdout)}


def tfstate_resources(project: Project, stack: str) -> list[str]:
    path = project.root / ".strands" / "tfstate" / "local" / f"{stack}.tfstate"
    if not path.is_file():
        return []
    raw = json.loads(path.read_text())
    return [f"{r.get('module', '')}.{r['type']}.{r['name']}" for r in raw["resources"] if r["mode"] == "managed"]


def emulator_inventory(project: Project) -> dict[str, list[str]]:
    return {
        "functions": sorted(f["FunctionName"] for f in project.client("lambda").list_functions()["Functions"]),
        "tables": sorted(project.client("dynamodb").list_tables()["TableNames"]),
        "apis": sorted(a["Name"] for a in project.client("apigatewayv2").get_apis()["Items"]),
        "roles": sorted(r["RoleName"] for r in project.client("iam").list_roles()["Roles"]),
    }


def test_stacks_left_behind_by_a_layout_change_are_destroyed_before_the_new_layout_applies(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    assert deployed_stacks(project) == {"layout-local", *OLD_STACKS}
    before = emulator_inventory(project)
    assert len(before["functions"]) == 1 and len(before["apis"]) == 1 and len(before["tables"]) == 1

    (project.root / "strands.yaml").write_text(CONFIG.format(stacks="single"))
    plan = project.plan()
    # the old stacks are planned for destruction, shown under their own names and mapped to strands.yaml elements
    for stack in OLD_STACKS:
        summary = plan["stacks"][stack]
        assert summary["counts"]["delete"] > 0 and summary["counts"]["create"] == 0, summary["counts"]
    helper_groups = {g["key"] for g in plan["stacks"]["layout-local-helper"]["groups"]}
    assert "agent:helper" in helper_groups, helper_groups
    assert any("layout-local-api" in n and "no longer" in n for n in plan["selection"]["notes"]), plan["selection"]

    applied = project.run("apply", "-e", "local", "--auto-approve", "--json")
    deployment = json.loads(applied.stdout)["deployment"]
    assert deployment["status"] == "succeeded"
    assert {name: s["status"] for name, s in deployment["stacks"].items() if name in OLD_STACKS} == {
        name: "applied" for name in OLD_STACKS
    }
    for stack in OLD_STACKS:
        assert tfstate_resources(project, stack) == [], stack
    assert deployed_stacks(project) == {"layout-local"}
    after = emulator_inventory(project)
    # the same names, now made by the single stack, once each
    assert after == before, (before, after)

    assert changes(project.plan()) == []  # a second plan is clean: nothing left over, nothing planned again

    project.run("destroy", "-e", "local", "--auto-approve")
    assert deployed_stacks(project) == set()
    assert emulator_inventory(project) == {"functions": [], "tables": [], "apis": [], "roles": []}


TWO_AGENTS = """\
version: 1
project: layout
stacks: per_agent
agents:
  helper:
    path: agents/helper
    api: {routes: ["POST /chat"]}
{other}"""
OTHER = """\
  other:
    path: agents/helper
    api: {routes: ["POST /other"]}
"""


def test_an_agent_removed_with_its_own_stack_is_destroyed_and_the_api_keeps_serving_the_rest(project: Project) -> None:
    (project.root / "strands.yaml").write_text(TWO_AGENTS.replace("{other}", OTHER))
    project.run("apply", "-e", "local", "--auto-approve")
    assert "layout-local-other" in deployed_stacks(project)
    assert len(emulator_inventory(project)["functions"]) == 2

    (project.root / "strands.yaml").write_text(TWO_AGENTS.replace("{other}", ""))
    plan = project.plan()
    assert plan["stacks"]["layout-local-other"]["counts"]["delete"] > 0
    applied = json.loads(project.run("apply", "-e", "local", "--auto-approve", "--json").stdout)
    assert applied["deployment"]["status"] == "succeeded", applied
    assert "layout-local-other" not in deployed_stacks(project)
    assert tfstate_resources(project, "layout-local-other") == []
    inventory = emulator_inventory(project)
    assert inventory["functions"] == ["layout-local-helper"] and len(inventory["apis"]) == 1
    routes = project.client("apigatewayv2").get_routes(
        ApiId=project.client("apigatewayv2").get_apis()["Items"][0]["ApiId"]
    )
    assert [r["RouteKey"] for r in routes["Items"]] == ["POST /chat"]
    assert changes(project.plan()) == []
