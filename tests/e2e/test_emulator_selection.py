"""End to end on the emulator: what `--agent` destroy/rollback/apply and `apply --resume` leave standing.

Every check reads the emulator with boto3 after running `strands` as a user would (issue 11 items 1, 2,
3 and 20): an agent's destroy never takes what another deployed agent uses, a rollback touches only the
selected agent and re-creates nothing undeployed, a resume never undoes a later deployment or turns a
destroy into an apply, and `--agent` works on one-stack projects (the monorepo example and template).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "config" / "data" / "sample"
MONOREPO = REPO / "examples" / "agents-monorepo"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("strands-cache")


@pytest.fixture
def projects(tmp_path: Path, cache_dir: Path) -> Iterator[list[Project]]:
    made: list[Project] = []
    yield made
    for project in made:
        project.run("emulator", "stop", ok=(0, 1, 3))


def _project(source: Path, dest: Path, cache: Path, made: list[Project]) -> Project:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    for requirements in dest.glob("agents/*/requirements.txt"):
        requirements.unlink()  # no layer: pip downloads would only slow this down
    project = Project(dest, cache)
    made.append(project)
    return project


def functions(project: Project) -> dict[str, int]:
    """Function name -> memory size, of every function in the emulator."""
    return {f["FunctionName"]: f["MemorySize"] for f in project.client("lambda").list_functions()["Functions"]}


def tables(project: Project) -> set[str]:
    return set(project.client("dynamodb").list_tables()["TableNames"])


def deployment_ids(project: Project) -> list[str]:
    return sorted(p.name for p in (project.root / ".strands" / "deployments").iterdir())


def checkpoint(project: Project, deployment: str) -> dict[str, Any]:
    return json.loads((project.root / ".strands" / "deployments" / deployment / "checkpoint.json").read_text())


def set_memory(project: Project, agent_line: str, memory: int) -> None:
    """Give one agent of the sample a `memory:` right under its `path:` line."""
    config = project.root / "strands.yaml"
    lines = [line for line in config.read_text().splitlines() if not line.startswith("    memory:")]
    out: list[str] = []
    for line in lines:
        out.append(line)
        if line.strip() == agent_line:
            out.append(f"    memory: {memory}")
    config.write_text("\n".join(out) + "\n")


def test_per_agent_destroy_and_rollback_touch_only_the_selected_agent(
    tmp_path: Path, cache_dir: Path, projects: list[Project]
) -> None:
    project = _project(SAMPLE, tmp_path / "sample", cache_dir, projects)
    config = project.root / "strands.yaml"
    per_agent = config.read_text().replace("project: support-desk\n", "project: support-desk\nstacks: per_agent\n")
    config.write_text(per_agent)
    project.run("apply", "-e", "local", "--auto-approve")
    first = deployment_ids(project)[-1]
    support, triage = "support-desk-local-support", "support-desk-local-triage"
    assert functions(project) == {support: 512, triage: 512}
    config.write_text(config.read_text().replace("memory: 512", "memory: 1024"))
    set_memory(project, "path: agents/triage", 768)
    project.run("apply", "-e", "local", "--auto-approve")
    assert functions(project) == {support: 1024, triage: 768}

    # destroying triage leaves support, the shared stack (table, queue, bucket) and the API
    shared = tables(project)
    assert "support-desk-local-tickets" in shared
    destroyed = project.run("--agent", "triage", "destroy", "-e", "local", "--auto-approve", "--json")
    report = json.loads(destroyed.stdout)
    assert list(report["deployment"]["stacks"]) == [triage]
    assert support in report["selection"]["left_alone"]["support-desk-local"]
    # what goes and what stays were listed before the go-ahead
    assert "- module.agent_triage.aws_lambda_function.this" in destroyed.stderr
    assert "kept support-desk-local:" in destroyed.stderr
    assert functions(project) == {support: 1024}
    assert tables(project) == shared
    queues = project.client("sqs").list_queues().get("QueueUrls", [])
    assert any(url.endswith("support-desk-local-inbound") for url in queues)
    assert project.client("apigatewayv2").get_apis()["Items"]

    # a rollback re-creates nothing that is not deployed now, unless asked; and touches only the selection
    refused = project.run("--agent", "triage", "rollback", first, "-e", "local", "--auto-approve", ok=(1,))
    assert "not deployed now" in refused.stderr and "--create-missing" in refused.stderr
    assert functions(project) == {support: 1024}
    project.run("--agent", "triage", "rollback", first, "-e", "local", "--auto-approve", "--create-missing")
    assert functions(project) == {support: 1024, triage: 512}
    rollback = checkpoint(project, deployment_ids(project)[-1])
    assert rollback["command"] == "rollback" and list(rollback["stacks"]) == [triage]

    # the shared stack goes with the last agent that reads it
    project.run("--agent", "support", "destroy", "-e", "local", "--auto-approve")
    assert set(functions(project)) == {triage}
    assert tables(project) == shared
    project.run("--agent", "triage", "destroy", "-e", "local", "--auto-approve")
    assert functions(project) == {}
    assert tables(project) == set()


def test_resume_never_undoes_a_later_deployment_nor_turns_a_destroy_into_an_apply(
    tmp_path: Path, cache_dir: Path, projects: list[Project]
) -> None:
    project = _project(SAMPLE, tmp_path / "sample", cache_dir, projects)
    project.run("emulator", "start")
    ddb = project.client("dynamodb")
    # a table with the name strands wants makes the first apply fail (partially applied, resumable)
    ddb.create_table(
        TableName="support-desk-local-tickets",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    project.run("apply", "-e", "local", "--auto-approve", ok=(3,))
    failed = deployment_ids(project)[-1]
    assert checkpoint(project, failed)["status"] == "failed"
    ddb.delete_table(TableName="support-desk-local-tickets")
    config = project.root / "strands.yaml"
    config.write_text(config.read_text().replace("memory: 512", "memory: 768"))
    project.run("apply", "-e", "local", "--auto-approve")
    after = functions(project)
    assert after["support-desk-local-support"] == 768

    refused = project.run("apply", "-e", "local", "--auto-approve", "--resume", ok=(1,))
    assert "nothing to resume" in refused.stderr
    assert functions(project) == after, "resuming the older failed deployment would have undone the later one"
    assert len(deployment_ids(project)) == 2

    # a destroy that fails (a bucket that is not empty) is finished by `strands destroy`, never by apply
    bucket = project.outputs()["bucket_attachments_name"]
    s3 = project.client("s3")
    s3.put_object(Bucket=bucket, Key="keep.txt", Body=b"data")
    project.run("destroy", "-e", "local", "--auto-approve", ok=(3,))
    assert checkpoint(project, deployment_ids(project)[-1])["command"] == "destroy"
    left = functions(project)
    refused = project.run("apply", "-e", "local", "--auto-approve", "--resume", ok=(1,))
    assert "strands destroy" in refused.stderr
    assert functions(project) == left
    assert s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 1
    for version in s3.list_object_versions(Bucket=bucket).get("Versions", []):
        s3.delete_object(Bucket=bucket, Key=version["Key"], VersionId=version["VersionId"])
    project.run("destroy", "-e", "local", "--auto-approve")
    assert functions(project) == {}
    assert bucket not in {b["Name"] for b in s3.list_buckets()["Buckets"]}


def _monorepo_from_template(tmp_path: Path, cache_dir: Path, projects: list[Project]) -> Project:
    root = tmp_path / "agents-monorepo"
    project = Project(root, cache_dir)
    project.root.mkdir()
    project.run("init", str(root), "--template", "monorepo", "--name", "agents-monorepo")
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    projects.append(project)
    return project


@pytest.mark.parametrize("source", ["example", "template"])
def test_agent_selection_on_a_single_stack_project(
    source: str, tmp_path: Path, cache_dir: Path, projects: list[Project]
) -> None:
    """The monorepo example and template keep one stack: --agent targets the agent's modules in it."""
    if source == "example":
        project = _project(MONOREPO, tmp_path / "agents-monorepo", cache_dir, projects)
    else:
        project = _monorepo_from_template(tmp_path, cache_dir, projects)
    assert "stacks:" not in (project.root / "strands.yaml").read_text()
    triage, assistant = "agents-monorepo-local-triage", "agents-monorepo-local-assistant"

    plan = json.loads(project.run("--agent", "triage", "plan", "-e", "local", "--json").stdout)
    targets = plan["selection"]["stacks"]["agents-monorepo-local"]["targets"]
    assert "module.agent_triage" in targets and "module.table_tickets" in targets
    assert "module.agent_assistant" not in targets and "module.table_conversations" not in targets
    project.run("--agent", "triage", "apply", "-e", "local", "--auto-approve")
    assert set(functions(project)) == {triage}
    assert tables(project) == {"agents-monorepo-local-tickets"}

    project.run("--agent", "assistant", "apply", "-e", "local", "--auto-approve")
    assert set(functions(project)) == {triage, assistant}
    assert project.client("apigatewayv2").get_apis()["Items"]
    counts = json.loads(project.run("plan", "-e", "local", "--json").stdout)["stacks"]["agents-monorepo-local"]
    assert counts["counts"]["create"] == counts["counts"]["delete"] == 0

    # destroy --agent triage: only triage's own modules; what the assistant uses (and shared data) stays
    project.run("--agent", "triage", "destroy", "-e", "local", "--auto-approve")
    assert set(functions(project)) == {assistant}
    assert tables(project) == {"agents-monorepo-local-conversations", "agents-monorepo-local-tickets"}
    assert project.client("apigatewayv2").get_apis()["Items"]
    roles = {r["RoleName"] for r in project.client("iam").list_roles()["Roles"]}
    assert assistant in roles and triage not in roles
