"""With no bucket: records in .strands/history/ (same layout), every command works; push moves them to S3."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from strands_tf.aws.session import AwsSessionFactory
from strands_tf.config import load_project, resolve
from strands_tf.deploy.workspace import Workspace
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import record_deployment
from strands_tf.history.service import HISTORY_DIR, SPOOL_DIR, emulator_bucket_name, open_history
from tests.conftest import MotoServer
from tests.history.cli import strands
from tests.history.world import ENV, World, configure

# aws_env: the caller identity is asked from STS, here moto's, never a real account
pytestmark = [pytest.mark.engine, pytest.mark.moto]


def record_local(world: World, deployment_id: str) -> None:
    loaded = load_project(world.root)
    result = record_deployment(loaded, resolve(loaded, ENV), world.deployment_dir(deployment_id))
    assert result.uploaded and not result.warnings, result.warnings


def test_local_history_supports_every_command(world: World, aws_env: MotoServer, monkeypatch, capsys) -> None:
    configure(world.root, bucket=None)
    record_local(world, world.first)
    record_local(world, world.second)
    record_dir = world.root / HISTORY_DIR / "teams/ai/demo/dev/deployments" / world.first
    assert (record_dir / "metadata.json").is_file() and (record_dir / "stacks.tar.gz").is_file()
    assert not (world.root / SPOOL_DIR / "teams").exists()

    listed = strands(["history", "list", "--json"], world.root, monkeypatch, capsys)
    assert listed.code == 0 and [r["id"] for r in listed.json()["records"]] == [world.second, world.first]
    assert listed.json()["store"].endswith(".strands/history")
    shown = strands(["history", "show", world.second, "--json"], world.root, monkeypatch, capsys).json()
    assert {c["address"] for c in shown["changes"]["created"]} == {"terraform_data.queue"}
    assert {c["address"] for c in shown["changes"]["updated"]} == {"terraform_data.function"}
    diff = strands(["history", "diff", world.first, world.second, "--json"], world.root, monkeypatch, capsys).json()
    assert diff["resources"]["added"] == ["demo-dev-app/terraform_data.queue"] and diff["config"] == {}
    human_diff = strands(["history", "diff", world.first, world.second], world.root, monkeypatch, capsys)
    assert "configuration: unchanged" in human_diff.out and "+ demo-dev-app/terraform_data.queue" in human_diff.out
    logs = strands(
        ["history", "logs", world.first, "--resource", "demo-dev-data/terraform_data.table"],
        world.root,
        monkeypatch,
        capsys,
    )
    assert logs.code == 0 and "terraform_data.table" in logs.out
    assert strands(["history", "verify", world.first], world.root, monkeypatch, capsys).code == 0

    (record_dir / "state.json").write_text("{}")
    broken = strands(["history", "verify", world.first, "--json"], world.root, monkeypatch, capsys)
    assert broken.code == 3 and broken.json()["mismatched"] == ["state.json"]

    kept = strands(["history", "prune", "--older-than", "1", "--dry-run", "--json"], world.root, monkeypatch, capsys)
    assert kept.json()["records"] == []  # both are from today
    hist = open_history(load_project(world.root), resolve(load_project(world.root), ENV))
    later = datetime.now(UTC) + timedelta(days=2)
    assert hist.prune(1, dry_run=True, now=later) == [f"dev/{world.second}", f"dev/{world.first}"]
    assert len(hist.list()) == 2
    assert hist.prune(1, now=later) == [f"dev/{world.second}", f"dev/{world.first}"]
    assert hist.list() == [] and not (world.root / HISTORY_DIR / "teams").exists()


def test_push_moves_local_records_to_the_bucket(
    world: World, factory: AwsSessionFactory, bucket_name: str, monkeypatch, capsys
) -> None:
    configure(world.root, bucket=None)
    record_local(world, world.first)
    configure(world.root, bucket=bucket_name)
    loaded = load_project(world.root)
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    init_bucket(hist.store.client, BucketSettings(bucket_name, "us-east-1", 90, "teams/ai"))
    pushed = strands(["history", "push", "--json"], world.root, monkeypatch, capsys)
    assert pushed.code == 0, pushed.err
    assert pushed.json()["pushed"] == [f"dev/{world.first}"]
    again = strands(["history", "push", "--json"], world.root, monkeypatch, capsys).json()
    assert again["pushed"] == [] and again["already_present"] == [f"dev/{world.first}"]
    assert [m.id for m in hist.list()] == [world.first]
    assert strands(["history", "verify", world.first], world.root, monkeypatch, capsys).code == 0


def test_emulator_environments_keep_records_in_a_bucket_inside_the_emulator(
    world: World, factory: AwsSessionFactory, aws_env: MotoServer, monkeypatch, capsys
) -> None:
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    local_env = resolve(loaded, "local")
    assert local_env.environment.target == "emulator"
    deployment = world.deployment_dir(world.first)
    checkpoint = json.loads((deployment / "checkpoint.json").read_text())
    (deployment / "checkpoint.json").write_text(json.dumps({**checkpoint, "environment": "local"}))
    result = record_deployment(loaded, local_env, deployment, factory=factory, endpoint_url=aws_env.endpoint)
    assert result.uploaded, result.warnings
    bucket = emulator_bucket_name("demo")
    assert result.location.startswith(f"s3://{bucket}/")
    s3 = boto3.client("s3", region_name="us-east-1")
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    hist = open_history(loaded, local_env, factory=factory, endpoint_url=aws_env.endpoint)
    assert [m.id for m in hist.list()] == [world.first]
    # without a running emulator the records are read from their copy on disk
    offline = open_history(loaded, local_env, factory=factory)
    assert offline.store.kind == "local"
    assert offline.store.location == str(Workspace(world.root).emulator_history_dir())
    assert [m.id for m in offline.list()] == [world.first]
    # the CLI learns the endpoint of the running emulator from STRANDS_EMULATOR_ENDPOINT
    monkeypatch.setenv("STRANDS_EMULATOR_ENDPOINT", aws_env.endpoint)
    listed = strands(["-e", "local", "history", "list", "--json"], world.root, monkeypatch, capsys).json()
    assert listed["store"] == f"s3://{bucket}" and [r["id"] for r in listed["records"]] == [world.first]


def test_recording_never_raises(world: World, aws_env: MotoServer, tmp_path: Path) -> None:
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    missing = record_deployment(loaded, resolved, tmp_path / "no-such-deployment")
    assert not missing.uploaded and "could not be built" in missing.warnings[0]
    (world.root / ".strands" / "state" / f"{ENV}.json").write_text("{not json")
    damaged = record_deployment(loaded, resolved, world.root / ".strands" / "deployments" / world.first)
    assert not damaged.uploaded and "not valid JSON" in damaged.warnings[0]
    assert not list((world.root / SPOOL_DIR).rglob("metadata.json"))  # no half-built record left behind


def test_concurrent_recordings_all_land(world: World, aws_env: MotoServer) -> None:
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    dirs = [world.deployment_dir(world.first), world.root / ".strands" / "deployments" / world.second]
    results: list[object] = []
    threads = [
        threading.Thread(target=lambda d=d: results.append(record_deployment(loaded, resolved, d))) for d in dirs
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    hist = open_history(loaded, resolved)
    hist.sync()  # a recording that found the other one syncing left its record for the next command
    assert sorted(m.id for m in hist.list()) == sorted([world.first, world.second])
    assert not hist.spooled()
    meta = json.loads(
        (world.root / HISTORY_DIR / "teams/ai/demo/dev/deployments" / world.second / "metadata.json").read_text()
    )
    assert meta["id"] == world.second


def _empty_bucket(s3: object, bucket: str) -> None:
    """What a new emulator has: no history bucket at all."""
    versions = s3.list_object_versions(Bucket=bucket)  # type: ignore[attr-defined]
    for item in versions.get("Versions", []) + versions.get("DeleteMarkers", []):
        s3.delete_object(Bucket=bucket, Key=item["Key"], VersionId=item["VersionId"])  # type: ignore[attr-defined]
    s3.delete_bucket(Bucket=bucket)  # type: ignore[attr-defined]


def test_emulator_records_outlive_the_emulator(world: World, factory: AwsSessionFactory, aws_env: MotoServer) -> None:
    """Regression: emulator records lived only in the emulator's memory; a restart erased every one."""
    configure(world.root, bucket=None)
    loaded = load_project(world.root)
    local_env = resolve(loaded, "local")
    for deployment_id in (world.first, world.second):
        result = record_deployment(
            loaded, local_env, world.deployment_dir(deployment_id), factory=factory, endpoint_url=aws_env.endpoint
        )
        assert result.uploaded, result.warnings
    bucket = emulator_bucket_name("demo")
    s3 = boto3.client("s3", region_name="us-east-1")
    _empty_bucket(s3, bucket)  # the emulator was stopped and started again

    hist = open_history(loaded, local_env, factory=factory, endpoint_url=aws_env.endpoint)
    assert [m.id for m in hist.list()] == [world.second, world.first]  # given back to the new bucket
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"  # a bucket as `history init` makes
    assert hist.verify(hist.find(world.first), world.root / "scratch").ok
    # every record is restored once: opening again uploads nothing
    again = open_history(loaded, local_env, factory=factory, endpoint_url=aws_env.endpoint)
    assert again.restore_from(Workspace(world.root).emulator_history_dir()) == []

    # pruning removes a record from the bucket and from the copy, so it never comes back
    later = datetime.now(UTC) + timedelta(days=2)
    assert hist.prune(1, now=later) == [f"{ENV}/{world.second}", f"{ENV}/{world.first}"]
    offline = open_history(loaded, local_env, factory=factory)
    assert offline.list() == [] and hist.list() == []


def test_a_crafted_cost_summary_in_a_record_is_not_estimated(
    world: World, aws_env: MotoServer, monkeypatch, capsys
) -> None:
    configure(world.root, bucket=None)
    record_local(world, world.first)
    record_local(world, world.second)
    metadata = world.root / HISTORY_DIR / "teams/ai/demo/dev/deployments" / world.second / "metadata.json"
    doc = json.loads(metadata.read_text())
    doc["cost"].update({"monthly_total": 1e308, "by_owner": [None], "by_service": {"Lambda": True}})
    metadata.write_text(json.dumps(doc))

    shown = strands(["history", "show", world.second], world.root, monkeypatch, capsys)
    assert shown.code == 0 and "cost          not estimated" in shown.out, shown.err
    diff = strands(["history", "diff", world.first, world.second, "--json"], world.root, monkeypatch, capsys)
    assert diff.code == 0 and diff.json()["cost"] is None and diff.json()["cost_delta"] is None, diff.err
    doc["cost"]["monthly_total"] = 2.5
    metadata.write_text(json.dumps(doc))
    human = strands(["history", "diff", world.first, world.second], world.root, monkeypatch, capsys)
    assert human.code == 0 and "cost: $0.00 → $2.50 a month (+$2.50)" in human.out, human.err


def test_history_logs_never_writes_control_characters(world: World, aws_env: MotoServer, monkeypatch, capsys) -> None:
    configure(world.root, bucket=None)
    record_local(world, world.first)
    events = world.root / HISTORY_DIR / "teams/ai/demo/dev/deployments" / world.first / "events.jsonl"
    crafted = {"stack": "s\x1b[2J", "phase": "apply", "event": {"@timestamp": "t", "@message": "x\x1b]0;t\x07 \x9b1m"}}
    with events.open("a", encoding="utf-8") as out:
        out.write(json.dumps(crafted, ensure_ascii=False) + "\n")
        out.write("not JSON \x1b]8;;http://evil\x07\n")
        out.write("[" * 100_000 + "]" * 100_000 + "\n")  # nested too deeply for the decoder: not JSON either

    text = strands(["history", "logs", world.first], world.root, monkeypatch, capsys)
    assert text.code == 0 and "x\\x1b]0;t\\x07 \\x9b1m" in text.out
    as_json = strands(["history", "logs", world.first, "--json"], world.root, monkeypatch, capsys)
    assert as_json.code == 0
    lines = [json.loads(line) for line in as_json.out.splitlines()]  # JSON lines only: the damaged one is left out
    assert lines[-1] == crafted and "line" in as_json.err and "not JSON" in as_json.err
    for output in (text.out, as_json.out, as_json.err):
        assert not any(c in output for c in "\x1b\x07\x9b"), output[-300:]


@pytest.mark.parametrize(
    "crafted",
    [
        None,
        [],
        {"stacks": []},
        {"stacks": {"demo-dev-app": None}},
        {"stacks": {"demo-dev-app": {"resources": [None]}}},
        {"stacks": {"demo-dev-app": {"resources": {"x": "y", "z": {"tf_address": "a", "attributes": [None, "k"]}}}}},
        "[" * 100_000 + "]" * 100_000,  # raw text: nested too deeply for the decoder
    ],
)
def test_history_diff_of_a_record_with_a_crafted_state(
    world: World, aws_env: MotoServer, monkeypatch, capsys, crafted: object
) -> None:
    configure(world.root, bucket=None)
    record_local(world, world.first)
    record_local(world, world.second)
    state = world.root / HISTORY_DIR / "teams/ai/demo/dev/deployments" / world.second / "state.json"
    state.write_text(crafted if isinstance(crafted, str) else json.dumps(crafted))
    for form in ([], ["--json"]):
        diff = strands(["history", "diff", world.first, world.second, *form], world.root, monkeypatch, capsys)
        assert diff.code == 0 and "internal" not in diff.out + diff.err, diff.out + diff.err
    removed = strands(["history", "diff", world.first, world.second, "--json"], world.root, monkeypatch, capsys)
    assert "demo-dev-app/terraform_data.function" in removed.json()["resources"]["removed"]
