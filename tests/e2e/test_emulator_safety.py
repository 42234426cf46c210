"""End to end on the offline target: nothing lost when a deployment is damaged, interrupted or killed.

`strands` runs in child processes as a user runs it; boto3 checks what exists in the emulator afterwards.
Covers a damaged state file repaired by the next apply, Ctrl-C mid-apply (list/outputs show what was applied,
the resumed deployment is one record covering both attempts) and a SIGKILLed apply (the next command marks it
interrupted and it reaches history).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import STRANDS, Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "tests" / "config" / "data" / "sample"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("strands-cache")


@pytest.fixture
def project(tmp_path: Path, cache_dir: Path) -> Iterator[Project]:
    """The sample project with one stack per agent (a shared stack first, then the agents' stacks)."""
    root = tmp_path / "support-desk"
    shutil.copytree(SAMPLE, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    config = root / "strands.yaml"
    config.write_text(
        config.read_text().replace("project: support-desk\n", "project: support-desk\nstacks: per_agent\n")
    )
    made = Project(root, cache_dir)
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def _deployments(project: Project) -> list[Path]:
    return sorted((project.root / ".strands" / "deployments").glob("*/checkpoint.json"))


def _apply_in_background(project: Project, *extra: str) -> subprocess.Popen[str]:
    project.run("emulator", "start")
    return subprocess.Popen(
        [STRANDS, "-C", str(project.root), "apply", "-e", "local", "--auto-approve", *extra],
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )


def _wait_for(proc: subprocess.Popen[str], seen: Callable[[list[dict[str, Any]]], bool], project: Project) -> bool:
    """Wait until the running deployment's events.jsonl satisfies `seen` (False if the apply ended first)."""
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and proc.poll() is None:
        logs = list((project.root / ".strands" / "deployments").glob("*/events.jsonl"))
        if logs:
            lines = []
            for line in logs[0].read_text().splitlines():
                try:
                    lines.append(json.loads(line))
                except ValueError:
                    continue  # a line being written
            if seen(lines):
                return True
        time.sleep(0.05)
    return False


def _agent_stack_created_something(lines: list[dict[str, Any]]) -> bool:
    return any(
        line["stack"] == "support-desk-local-support"
        and line["phase"] == "apply"
        and line["event"].get("type") == "apply_complete"
        for line in lines
    )


def _listed(project: Project) -> dict[str, set[str]]:
    """Terraform addresses per stack in `strands list --json`."""
    rows = json.loads(project.run("list", "-e", "local", "--json").stdout)
    rows = rows["resources"] if isinstance(rows, dict) else rows
    out: dict[str, set[str]] = {}
    for row in rows:
        out.setdefault(row["stack"], set()).add(row["tf_address"])
    return out


def _records(project: Project) -> list[dict[str, Any]]:
    listed = json.loads(project.run("history", "list", "-e", "local", "--json").stdout)
    return listed["records"] if isinstance(listed, dict) else listed


def test_a_damaged_state_file_is_rebuilt_by_the_next_apply(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve")
    before = _listed(project)
    state = project.root / ".strands" / "state" / "local.json"
    state.write_text(state.read_text()[:200])  # cut off mid-write
    broken = project.run("list", "-e", "local", ok=(3,))
    assert "not valid JSON" in broken.stderr and "strands apply" in broken.stderr

    applied = project.run("apply", "-e", "local", "--auto-approve")
    assert "damaged" in applied.stdout + applied.stderr
    assert list(state.parent.glob("local.json.damaged-*")), "the damaged file is kept aside"
    assert _listed(project) == before  # every stack's entry is back, though nothing changed
    outputs = project.outputs()
    table = project.client("dynamodb").describe_table(TableName="support-desk-local-tickets")["Table"]
    assert table["TableStatus"] == "ACTIVE" and outputs["queue_inbound_url"]
    # and the deployment that repaired it reached history
    records = _records(project)
    assert len(records) == 2 and records[0]["status"] == "succeeded"


def test_ctrl_c_mid_apply_shows_what_was_applied_and_the_resume_is_one_record(project: Project) -> None:
    proc = _apply_in_background(project)
    reached = _wait_for(proc, _agent_stack_created_something, project)
    assert reached, "the apply ended before the support agent's stack started creating resources"
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=300)
    assert proc.returncode in (1, 3), f"{out}\n{err}"
    [checkpoint_path] = _deployments(project)
    checkpoint = json.loads(checkpoint_path.read_text())
    assert checkpoint["status"] == "cancelled"
    assert checkpoint["stacks"]["support-desk-local"]["status"] == "applied"

    # without a resume, list and outputs show what was applied: the shared stack and the agent's finished part
    listed = _listed(project)
    assert "module.table_tickets.aws_dynamodb_table.this" in listed["support-desk-local"]
    assert listed.get("support-desk-local-support"), "the cancelled stack's finished resources are listed"
    iam = project.client("iam")
    for address in listed["support-desk-local-support"]:
        if address.endswith("aws_iam_role.this"):
            assert iam.get_role(RoleName="support-desk-local-support")["Role"]
    assert project.outputs()["queue_inbound_url"]

    project.run("apply", "-e", "local", "--auto-approve", "--resume")
    [same] = _deployments(project)
    resumed = json.loads(same.read_text())
    assert resumed["id"] == checkpoint["id"] and resumed["status"] == "succeeded"
    assert [a["status"] for a in resumed["attempts"]] == ["cancelled", "succeeded"]
    assert project.client("lambda").get_function(FunctionName="support-desk-local-support")["Configuration"]

    # one record for the deployment, covering both attempts: the shared stack was created in the first
    [record] = _records(project)
    assert record["id"] == checkpoint["id"] and record["status"] == "succeeded"
    shown = json.loads(project.run("history", "show", record["id"], "-e", "local", "--json").stdout)
    meta = shown.get("metadata", shown)
    assert [a["status"] for a in meta["attempts"]] == ["cancelled", "succeeded"]
    created = {(c["stack"], c["address"]) for c in meta["changes"]["created"]}
    assert ("support-desk-local", "module.table_tickets.aws_dynamodb_table.this") in created
    assert ("support-desk-local-support", "module.agent_support.aws_lambda_function.this") in created
    assert {r["attempt"] for r in meta["resources"]} == {1, 2}


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            text = stat.read_text()
        except OSError:
            continue
        fields = text[text.rfind(")") + 2 :].split()
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def test_a_sigkilled_apply_is_marked_interrupted_and_reaches_history(project: Project) -> None:
    proc = _apply_in_background(project)
    reached = _wait_for(proc, _agent_stack_created_something, project)
    assert reached, "the apply ended before the support agent's stack started creating resources"
    # like a power loss: strands and everything it started die at once, nothing gets to clean up
    tree = [proc.pid, *_descendants(proc.pid)]
    for pid in tree:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    [checkpoint_path] = _deployments(project)
    assert json.loads(checkpoint_path.read_text())["status"] == "running"
    assert (project.root / ".strands" / "project.lock").is_file()  # left behind by the killed process

    synced = json.loads(project.run("history", "sync", "-e", "local", "--json").stdout)
    checkpoint = json.loads(checkpoint_path.read_text())
    assert synced["interrupted"] == [checkpoint["id"]] and synced["built"] == [checkpoint["id"]]
    assert checkpoint["status"] == "interrupted" and checkpoint["record"] == "spooled"
    assert checkpoint["stacks"]["support-desk-local-support"]["status"] == "interrupted"
    [record] = _records(project)
    assert record["id"] == checkpoint["id"] and record["status"] == "interrupted"
    # the shared stack finished before the kill: its resources exist and the record says it created them
    shown = json.loads(project.run("history", "show", record["id"], "-e", "local", "--json").stdout)
    meta = shown.get("metadata", shown)
    created = {(c["stack"], c["address"]) for c in meta["changes"]["created"]}
    assert ("support-desk-local", "module.table_tickets.aws_dynamodb_table.this") in created
    assert project.client("dynamodb").describe_table(TableName="support-desk-local-tickets")["Table"]


def test_old_deployments_are_pruned_and_unchanged_agent_code_is_stored_once(project: Project) -> None:
    config = project.root / "strands.yaml"
    config.write_text(config.read_text().replace("history: {", "history: {keep_local: 2, "))
    ids = []
    for _ in range(3):
        project.run("apply", "-e", "local", "--auto-approve")
        ids.append(json.loads(_deployments(project)[-1].read_text())["id"])
    left = [json.loads(p.read_text())["id"] for p in _deployments(project)]
    assert left == ids[1:], "the oldest deployment beyond history.keep_local is pruned after a success"
    zips = sorted((project.root / ".strands" / "deployments").glob("*/cdktf.out/stacks/*/assets/*-code.zip"))
    assert len(zips) == 4  # two agents, two deployments
    assert len({z.stat().st_ino for z in zips}) == 2, "each agent's unchanged zip is one stored object"
    objects = [p for p in (project.root / ".strands" / "objects").rglob("*") if p.is_file()]
    assert {p.stat().st_ino for p in objects} == {z.stat().st_ino for z in zips}
    # the kept deployments still roll back: their stacks and code are whole
    project.run("rollback", ids[1], "-e", "local", "--auto-approve")


ASSUME = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})  # fmt: skip


@pytest.fixture
def simple(tmp_path: Path, cache_dir: Path) -> Iterator[Project]:
    root = tmp_path / "simple-assistant"
    shutil.copytree(
        REPO / "examples" / "simple-assistant", root, ignore=shutil.ignore_patterns(".strands", "cdktf.out")
    )
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    made = Project(root, cache_dir)
    yield made
    made.run("emulator", "stop", ok=(0, 1, 3))


def test_orphans_left_by_a_killed_apply_are_named_then_adopted_or_deleted(simple: Project) -> None:
    """What a killed apply leaves (created in AWS, not in the tfstate) is made here out of band, with our tags."""
    simple.run("emulator", "start")
    ours = [{"Key": "strands:project", "Value": "simple-assistant"}, {"Key": "strands:environment", "Value": "local"}]
    iam, ddb, logs = simple.client("iam"), simple.client("dynamodb"), simple.client("logs")
    role_id = iam.create_role(RoleName="simple-assistant-local-assistant", AssumeRolePolicyDocument=ASSUME,
                              Tags=ours)["Role"]["RoleId"]  # fmt: skip
    ddb.create_table(
        TableName="simple-assistant-local-conversations", BillingMode="PAY_PER_REQUEST",
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}], Tags=ours,
    )  # fmt: skip
    # the same name as a log group strands would create, but someone else's: never adopted, never deleted
    logs.create_log_group(logGroupName="/aws/lambda/simple-assistant-local-assistant")
    logs.put_retention_policy(logGroupName="/aws/lambda/simple-assistant-local-assistant", retentionInDays=7)

    failed = simple.run("apply", "-e", "local", "--auto-approve", ok=(3,))
    said = failed.stdout + failed.stderr
    assert "already exist" in said and "module.role_assistant.aws_iam_role.this" in said
    assert "strands orphans -e local --adopt" in said
    as_json = json.loads(simple.run("apply", "-e", "local", "--auto-approve", "--json", ok=(3,)).stdout)
    assert any("strands orphans -e local --adopt" in step for step in as_json["next_steps"])

    found = json.loads(simple.run("orphans", "-e", "local", "--json").stdout)
    by_address = {o["address"]: o for o in found["orphans"]}
    role = by_address["module.role_assistant.aws_iam_role.this"]
    table = by_address["module.table_conversations.aws_dynamodb_table.this"]
    group = by_address["module.agent_assistant.aws_cloudwatch_log_group.this"]
    assert (role["ours"], table["ours"], group["ours"]) == (True, True, False)
    assert role["name"] == "simple-assistant-local-assistant" and "strands:project" in group["reason"]

    refused = simple.run("orphans", "-e", "local", "--adopt", "--auto-approve", group["address"], ok=(1,))
    assert "not tagged" in refused.stdout
    no_terminal = simple.run("orphans", "-e", "local", "--delete", ok=(1,))
    assert "--auto-approve" in no_terminal.stderr

    deleted = json.loads(simple.run("orphans", "-e", "local", "--delete", "--auto-approve", "--json",
                                    table["address"]).stdout)  # fmt: skip
    assert [o["address"] for o in deleted["deleted"]] == [table["address"]]
    assert ddb.list_tables()["TableNames"] == []
    adopted = json.loads(simple.run("orphans", "-e", "local", "--adopt", "--auto-approve", "--json").stdout)
    assert [o["address"] for o in adopted["adopted"]] == [role["address"]]
    assert [o["address"] for o in adopted["refused"]] == [group["address"]]
    assert group["address"] not in _listed(simple).get("simple-assistant-local", set())
    [untouched] = logs.describe_log_groups(logGroupNamePrefix=group["name"])["logGroups"]
    assert untouched["retentionInDays"] == 7

    logs.delete_log_group(logGroupName=group["name"])  # its owner moves it out of the way
    simple.run("apply", "-e", "local", "--auto-approve")
    assert iam.get_role(RoleName="simple-assistant-local-assistant")["Role"]["RoleId"] == role_id  # adopted, kept
    assert ddb.describe_table(TableName="simple-assistant-local-conversations")["Table"]["TableStatus"] == "ACTIVE"
    assert json.loads(simple.run("orphans", "-e", "local", "--json").stdout)["orphans"] == []
    assert simple.changes() == [], "a second plan after apply must report no changes"
