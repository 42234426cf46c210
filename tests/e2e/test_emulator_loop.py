"""End to end on the offline target: `strands plan/apply/destroy -e local` as a user runs them.

Every example project and the configuration issue's sample config are deployed to the emulator with
the embedded Terraform engine and the bundled provider (subprocesses, like a user's shell), then checked
with boto3 against the same emulator. Layers are not built here (requirements files are removed): the
dependency layer has its own tests in tests/packaging, and pip downloads would only slow this down.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import STRANDS, Project, changes

pytestmark = [pytest.mark.engine, pytest.mark.slow]

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = sorted(p for p in (REPO / "examples").iterdir() if (p / "strands.yaml").is_file())
SAMPLE = REPO / "tests" / "config" / "data" / "sample"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("strands-cache")


def _copy(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    for requirements in dest.glob("agents/*/requirements.txt"):
        requirements.unlink()
    return dest


@pytest.fixture
def project_factory(tmp_path: Path, cache_dir: Path) -> Iterator[Any]:
    made: list[Project] = []

    def make(source: Path) -> Project:
        project = Project(_copy(source, tmp_path / source.name), cache_dir)
        made.append(project)
        return project

    yield make
    for project in made:
        project.run("emulator", "stop", ok=(0, 1, 3))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_applies_plans_clean_and_destroys(example: Path, project_factory: Any) -> None:
    project = project_factory(example)
    first = project.plan()
    assert first["has_changes"]
    project.run("apply", "-e", "local", "--auto-approve")
    second = project.plan()
    assert changes(second) == [], "a second plan after apply must report no changes"
    assert [d for stack in second["stacks"].values() for d in stack["drift"]] == [], "and no drift"
    lambda_client = project.client("lambda")
    functions = {f["FunctionName"]: f for f in lambda_client.list_functions()["Functions"]}
    assert functions, "the agents' functions exist in the emulator"
    for function in functions.values():
        assert function["TracingConfig"]["Mode"] == "Active"
        assert function["Architectures"] == ["arm64"]
    from strands_tf.config import load_project, resolve

    resolved = resolve(load_project(project.root), "local", environ={})
    retention = {f"{resolved.project}-local-{name}": a.log_retention_days for name, a in resolved.agents.items()}
    logs = project.client("logs")
    for name in functions:
        groups = logs.describe_log_groups(logGroupNamePrefix=f"/aws/lambda/{name}")["logGroups"]
        assert groups and groups[0]["retentionInDays"] == retention[name]
    project.run("destroy", "-e", "local", "--auto-approve")
    assert lambda_client.list_functions()["Functions"] == []
    assert project.client("dynamodb").list_tables()["TableNames"] == []
    assert [r for r in project.client("iam").list_roles()["Roles"] if r["RoleName"].startswith(example.name)] == []


def test_sample_config_full_lifecycle(project_factory: Any) -> None:
    project = project_factory(SAMPLE)
    project.run("apply", "-e", "local", "--auto-approve")
    assert changes(project.plan()) == []

    # secure settings, read back from the emulator
    ddb = project.client("dynamodb")
    table = ddb.describe_table(TableName="support-desk-local-tickets")["Table"]
    assert table["SSEDescription"]["Status"] == "ENABLED"
    backups = ddb.describe_continuous_backups(TableName="support-desk-local-tickets")
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )
    s3 = project.client("s3")
    bucket = project.outputs()["bucket_attachments_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values())
    encryption = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert encryption["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] in ("AES256", "aws:kms")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    queue_url = project.outputs()["queue_inbound_url"]
    attrs = project.client("sqs").get_queue_attributes(QueueUrl=queue_url, AttributeNames=["All"])["Attributes"]
    assert attrs.get("SqsManagedSseEnabled") == "true" or "KmsMasterKeyId" in attrs
    topic = project.outputs()["topic_escalations_arn"]
    assert project.client("sns").get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"]

    # changing memory plans an in-place update and applies it
    config = project.root / "strands.yaml"
    config.write_text(config.read_text().replace("memory: 512", "memory: 768"))
    plan = project.plan()
    assert ("module.agent_support.aws_lambda_function.this", "update") in changes(plan)
    project.run("apply", "-e", "local", "--auto-approve")
    fn = project.client("lambda").get_function(FunctionName="support-desk-local-support")["Configuration"]
    assert fn["MemorySize"] == 768

    # renaming a table's key plans a replace
    config.write_text(config.read_text().replace("hash_key: ticket_id", "hash_key: ticket_key"))
    plan = project.plan()
    assert ("module.table_tickets.aws_dynamodb_table.this", "replace") in changes(plan)
    config.write_text(config.read_text().replace("hash_key: ticket_key", "hash_key: ticket_id"))

    # a change behind the tool's back shows as drift; a deleted resource is planned again
    project.client("logs").put_retention_policy(logGroupName="/aws/lambda/support-desk-local-triage", retentionInDays=7)
    drift = project.plan()["stacks"]["support-desk-local"]["drift"]
    assert any(d["address"] == "module.agent_triage.aws_cloudwatch_log_group.this" for d in drift)
    project.client("sns").delete_topic(TopicArn=topic)
    assert ("module.topic_escalations.aws_sns_topic.this", "create") in changes(project.plan())

    project.run("destroy", "-e", "local", "--auto-approve")
    assert project.client("lambda").list_functions()["Functions"] == []
    assert project.client("dynamodb").list_tables()["TableNames"] == []
    assert project.client("sqs").list_queues().get("QueueUrls", []) == []
    assert [b for b in project.client("s3").list_buckets()["Buckets"] if b["Name"].startswith("support-desk")] == []


def test_history_rollback_restores_the_first_deployment(project_factory: Any) -> None:
    """apply → change → apply → `strands history rollback <first>`: the resources match the first again."""
    project = project_factory(REPO / "examples" / "simple-assistant")
    project.run("apply", "-e", "local", "--auto-approve")
    records = json.loads(project.run("history", "list", "-e", "local", "--json").stdout)
    first = records["records"][0]["id"] if isinstance(records, dict) else records[0]["id"]
    config = project.root / "strands.yaml"
    config.write_text(config.read_text().replace("memory: 512", "memory: 1024").replace("timeout: 60", "timeout: 90"))
    project.run("apply", "-e", "local", "--auto-approve")
    lam = project.client("lambda")
    changed = lam.get_function(FunctionName="simple-assistant-local-assistant")["Configuration"]
    assert (changed["MemorySize"], changed["Timeout"]) == (1024, 90)

    project.run("history", "rollback", first, "-e", "local", "--auto-approve")
    restored = lam.get_function(FunctionName="simple-assistant-local-assistant")["Configuration"]
    assert (restored["MemorySize"], restored["Timeout"]) == (512, 60)
    after = json.loads(project.run("history", "list", "-e", "local", "--json").stdout)
    listed = after["records"] if isinstance(after, dict) else after
    assert len(listed) == 3
    assert {r["command"] for r in listed} == {"apply", "rollback"}
    project.run("destroy", "-e", "local", "--auto-approve")


def test_emulator_crash_mid_apply_is_a_clear_error_and_resumes(project_factory: Any) -> None:
    """The emulator dies during apply: exit 3 with a network-class error, a failed checkpoint, then --resume."""
    import signal
    import time

    project = project_factory(REPO / "examples" / "simple-assistant")
    project.run("emulator", "start")
    pid = json.loads((project.root / ".strands" / "emulator.json").read_text())["pid"]
    proc = subprocess.Popen(
        [STRANDS, "-C", str(project.root), "apply", "-e", "local", "--auto-approve"],
        env=project.env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 300
    killed = False
    while time.monotonic() < deadline and proc.poll() is None:
        logs = list((project.root / ".strands" / "deployments").glob("*/events.jsonl"))
        if logs and '"apply_start"' in logs[0].read_text():
            os.kill(pid, signal.SIGKILL)
            killed = True
            break
        time.sleep(0.05)
    out, err = proc.communicate(timeout=300)
    assert killed, f"apply finished before the emulator could be stopped\n{out}\n{err}"
    assert proc.returncode == 3, f"{out}\n{err}"
    checkpoint = json.loads(next((project.root / ".strands" / "deployments").glob("*/checkpoint.json")).read_text())
    assert checkpoint["status"] == "failed"
    assert "resume" in (out + err)

    project.run("apply", "-e", "local", "--auto-approve", "--resume")
    assert changes(project.plan()) == []
    assert project.client("lambda").list_functions()["Functions"]
    project.run("destroy", "-e", "local", "--auto-approve")


def test_emulator_port_in_use_is_a_clear_error(project_factory: Any) -> None:
    import socket

    project = project_factory(REPO / "examples" / "simple-assistant")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        proc = project.run("emulator", "start", "--port", str(port), ok=(3,))
    assert f"port {port}" in proc.stderr and "already in use" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert project.run("emulator", "status", ok=(1,)).returncode == 1


def test_per_agent_stacks_wire_cross_stack_references(project_factory: Any) -> None:
    """stacks: per_agent — shared, one stack per agent and the API stack, read through remote state."""
    project = project_factory(SAMPLE)
    config = project.root / "strands.yaml"
    config.write_text(
        config.read_text().replace("project: support-desk\n", "project: support-desk\nstacks: per_agent\n")
    )
    project.run("apply", "-e", "local", "--auto-approve")
    plan = project.plan()
    assert sorted(plan["stacks"]) == [
        "support-desk-local",
        "support-desk-local-api",
        "support-desk-local-support",
        "support-desk-local-triage",
    ]
    assert changes(plan) == []
    # the triage agent (its own stack) was given the queue of the shared stack through remote state
    # moto ignores the FunctionName filter: filter here
    mappings = project.client("lambda").list_event_source_mappings()
    queue_arn = project.client("sqs").get_queue_attributes(
        QueueUrl=project.outputs()["queue_inbound_url"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    triage = [m for m in mappings["EventSourceMappings"] if m["FunctionArn"].endswith(":support-desk-local-triage")]
    assert [m["EventSourceArn"] for m in triage] == [queue_arn]
    records = json.loads(project.run("history", "list", "-e", "local", "--json").stdout)
    assert records  # recorded without redaction warnings blocking a rollback
    project.run("destroy", "-e", "local", "--auto-approve")
    assert project.client("lambda").list_functions()["Functions"] == []


@pytest.mark.parametrize("source", [*EXAMPLES, SAMPLE], ids=[*(p.name for p in EXAMPLES), "sample"])
def test_terraform_validate_passes_on_every_generated_stack(
    source: Path, tmp_path: Path, cache_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`terraform validate` against the provider serving the real hashicorp/aws schema, for every stack."""
    from strands_tf.config import load_project, resolve
    from strands_tf.deploy.emulator_target import ensure_provider
    from strands_tf.generators.synth import synthesize
    from strands_tf.terraform.engine import discover_engine
    from strands_tf.terraform.runner import TerraformRunner

    monkeypatch.setenv("STRANDS_CACHE_DIR", str(cache_dir))
    root = _copy(source, tmp_path / source.name)
    loaded = load_project(root)
    result = synthesize(loaded, resolve(loaded, "local"), packager=None)
    install = ensure_provider()
    engine = discover_engine(prefer="embedded")
    for stack in result.stacks:
        runner = TerraformRunner(
            engine, result.out_dir / "stacks" / stack.name, data_dir=tmp_path / "data" / stack.name,
            cli_config=install.cli_config,
        )  # fmt: skip
        runner.init(backend=False)
        outcome = runner.validate()
        assert outcome.valid, [d.summary for d in outcome.diagnostics]
