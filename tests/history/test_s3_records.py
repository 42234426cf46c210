"""Records in S3 (moto server over HTTP): written, read back from a second checkout, verified, multipart."""

from __future__ import annotations

import filecmp
import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import pytest

from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import target_for_environment
from strands_tf.config import load_project, resolve
from strands_tf.history import layout
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import RecordResult, record_deployment
from strands_tf.history.rollback import fetch_stacks
from strands_tf.history.service import open_history
from tests.helpers.modes import private_mode_violations
from tests.history.cli import strands
from tests.history.world import ENV, World, configure, second_checkout

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def s3() -> object:
    return boto3.client("s3", region_name="us-east-1")


def make_bucket(world: World, bucket: str, factory: AwsSessionFactory) -> None:
    configure(world.root, bucket=bucket)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    client = factory.client("s3", target_for_environment(resolved))
    init_bucket(client, BucketSettings(bucket, "us-east-1", 90, "teams/ai"))


def record(world: World, deployment_id: str, factory: AwsSessionFactory) -> RecordResult:
    loaded = load_project(world.root)
    return record_deployment(loaded, resolve(loaded, ENV), world.deployment_dir(deployment_id), factory=factory)


def test_records_are_uploaded_and_read_back_from_a_checkout_with_only_strands_yaml(
    world: World, factory: AwsSessionFactory, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    make_bucket(world, bucket_name, factory)
    first = record(world, world.first, factory)
    assert first.uploaded and not first.warnings, first.warnings
    assert first.location == f"s3://{bucket_name}/teams/ai/demo/dev/deployments/{world.first}"
    # the configuration changes between the two deployments: diff shows it
    yaml = (
        (world.root / "strands.yaml")
        .read_text()
        .replace("LOG_LEVEL: info", "LOG_LEVEL: debug")
        .replace("handler: app.handler", "handler: app.handler\n    memory: 1024", 1)
    )
    (world.root / "strands.yaml").write_text(yaml)
    second = record(world, world.second, factory)
    assert second.uploaded and not second.warnings
    assert not (world.root / ".strands" / "history-spool" / "teams").exists(), "uploaded records leave the spool"

    other = second_checkout(world.root, tmp_path / "elsewhere")
    listed = strands(["history", "list", "--json"], other, monkeypatch, capsys)
    assert listed.code == 0, listed.err
    records = listed.json()["records"]
    assert [r["id"] for r in records] == [world.second, world.first]
    assert records[0]["status"] == "succeeded" and records[0]["command"] == "apply"
    assert (
        strands(["history", "list", "-e", "dev", "--limit", "1", "--json"], other, monkeypatch, capsys).json()[
            "records"
        ][0]["id"]
        == world.second
    )
    table = strands(["history", "list"], other, monkeypatch, capsys)
    assert world.first in table.out and "succeeded" in table.out

    shown = strands(["history", "show", world.first, "--json"], other, monkeypatch, capsys).json()
    created = {(c["stack"], c["address"]) for c in shown["changes"]["created"]}
    assert created == {
        ("demo-dev-app", "terraform_data.function"),
        ("demo-dev-app", "terraform_data.role"),
        ("demo-dev-data", "terraform_data.database"),
        ("demo-dev-data", "terraform_data.table"),
    }
    assert shown["terraform_version"].startswith("1.")
    assert shown["caller"]["account"] == "123456789012"  # moto's account: STS was asked
    # the record carries the estimate of what the deployment left running (terraform_data costs nothing)
    assert shown["cost"]["monthly_total"] == 0.0 and shown["cost"]["basis"] == "state"
    assert "lines" not in shown["cost"]
    timings = {r["address"]: r["duration_seconds"] for r in shown["resources"]}
    assert timings["terraform_data.table"] >= 0.9  # `sleep 1` provisioner
    assert shown["stacks"]["demo-dev-app"]["dependencies"] == ["demo-dev-data"]
    assert 0 < shown["stacks"]["demo-dev-data"]["parallel_efficiency"] <= 1
    assert set(shown["objects"]) >= {
        "config/strands.yaml",
        "config/agents/triage/agent.yaml",
        "config/resolved.json",
        "stacks.tar.gz",
        "state.json",
        "cost.json",
        "events.jsonl",
        "plans/demo-dev-app.summary.json",
        "logs/demo-dev-app/terraform_data.function.jsonl",
    }
    human = strands(["history", "show", world.second], other, monkeypatch, capsys)
    assert "terraform_data.queue" in human.out and "updated" in human.out

    diff = strands(["history", "diff", world.first, world.second, "--json"], other, monkeypatch, capsys).json()
    assert diff["resources"]["added"] == ["demo-dev-app/terraform_data.queue"]
    assert diff["resources"]["removed"] == []
    assert "demo-dev-app/terraform_data.function" in diff["resources"]["changed"]
    config_diff = diff["config"]["config/strands.yaml"]
    assert "+    memory: 1024" in config_diff
    # environment values may be secrets: masked in the records, so a diff never shows them (not even "debug")
    assert "debug" not in json.dumps(diff) and '{LOG_LEVEL: "(sensitive)"' in config_diff
    assert isinstance(diff["duration_delta_seconds"], float)
    assert diff["cost_delta"] == 0.0 and diff["cost"]["delta"] == 0.0

    logs = strands(["history", "logs", world.second], other, monkeypatch, capsys)
    assert logs.code == 0 and "demo-dev-app apply" in logs.out
    one = strands(
        ["history", "logs", world.second, "--resource", "terraform_data.queue", "--json"], other, monkeypatch, capsys
    )
    lines = [json.loads(line) for line in one.out.splitlines()]
    assert lines and all(line["stack"] == "demo-dev-app" for line in lines)
    assert {line["event"]["type"] for line in lines} >= {"apply_start", "apply_complete"}
    missing = strands(["history", "logs", world.second, "--resource", "aws_s3_bucket.nope"], other, monkeypatch, capsys)
    assert missing.code == 3 and "no events for aws_s3_bucket.nope" in missing.err

    verified = strands(["history", "verify", world.first], other, monkeypatch, capsys)
    assert verified.code == 0 and "objects match" in verified.out

    # rollback from this checkout: the stacks come back byte for byte
    loaded = load_project_lenient(other)
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    fetched = fetch_stacks(hist, hist.find(world.first), other)
    assert fetched.downloaded
    # downloaded under .strands/ like a deployment's own copy: private all the way down
    assert private_mode_violations(other / ".strands" / "deployments") == []
    original = world.deployment_dir(world.first) / "cdktf.out"
    assert_same_tree(original, fetched.directory)
    assert fetch_stacks(hist, hist.find(world.first), other).downloaded is False  # already there


def load_project_lenient(root: Path) -> object:
    from strands_tf.history.project import load_for_history

    return load_for_history(root)


def assert_same_tree(a: Path, b: Path) -> None:
    files_a = sorted(p.relative_to(a).as_posix() for p in a.rglob("*") if p.is_file())
    files_b = sorted(p.relative_to(b).as_posix() for p in b.rglob("*") if p.is_file())
    assert files_a == files_b
    _match, mismatch, errors = filecmp.cmpfiles(a, b, files_a, shallow=False)
    assert not mismatch and not errors


def test_verify_reports_changed_and_missing_objects(
    world: World, factory: AwsSessionFactory, bucket_name: str, monkeypatch, capsys
) -> None:
    make_bucket(world, bucket_name, factory)
    assert record(world, world.first, factory).uploaded
    prefix = f"teams/ai/demo/dev/deployments/{world.first}"
    client = s3()
    client.put_object(Bucket=bucket_name, Key=f"{prefix}/state.json", Body=b"{}")
    client.delete_object(Bucket=bucket_name, Key=f"{prefix}/events.jsonl")
    result = strands(["history", "verify", world.first, "--json"], world.root, monkeypatch, capsys)
    assert result.code == 3
    report = result.json()
    assert report["mismatched"] == ["state.json"] and report["missing"] == ["events.jsonl"]
    # prune in a versioned bucket: the record's keys go (delete markers; lifecycle expires old versions)
    assert record(world, world.second, factory).uploaded
    loaded = load_project(world.root)
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    cutoff = datetime.now(UTC) + timedelta(days=91)
    assert hist.prune(90, dry_run=True, now=cutoff) == [f"dev/{world.second}", f"dev/{world.first}"]
    assert hist.prune(90, now=cutoff) == [f"dev/{world.second}", f"dev/{world.first}"]
    assert hist.list() == [] and client.list_objects_v2(Bucket=bucket_name)["KeyCount"] == 0


def test_a_50mb_execution_log_is_uploaded_in_parts(world: World, factory: AwsSessionFactory, bucket_name: str) -> None:
    make_bucket(world, bucket_name, factory)
    events = world.deployment_dir(world.first) / "events.jsonl"
    hook = {"resource": {"addr": "terraform_data.function"}, "action": "create", "elapsed_seconds": 10}
    event = {
        "@level": "info",
        "@message": "terraform_data.function: Still creating... " + "x" * 400,
        "@timestamp": "2026-11-25T15:01:02.000000Z",
        "type": "apply_progress",
        "hook": hook,
    }
    line = json.dumps({"stack": "demo-dev-app", "phase": "apply", "event": event})
    with events.open("a") as fh:
        while fh.tell() < 50 * 1024 * 1024:
            fh.write((line + "\n") * 1000)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    client = factory.client("s3", target_for_environment(resolved))
    calls: list[str] = []
    client.meta.events.register(
        "provide-client-params.s3.CreateMultipartUpload", lambda **kw: calls.append(kw["params"]["Key"])
    )
    parts: list[int] = []
    client.meta.events.register(
        "provide-client-params.s3.UploadPart", lambda **kw: parts.append(kw["params"]["PartNumber"])
    )
    result = record_deployment(loaded, resolved, world.deployment_dir(world.first), factory=factory)
    assert result.uploaded, result.warnings
    key = f"teams/ai/demo/dev/deployments/{world.first}/events.jsonl"
    assert key in calls
    assert len(parts) >= 6  # 50 MB in 8 MB parts (plus the per-resource log, also large)
    meta = open_history(loaded, resolved, factory=factory).find(world.first)
    body = s3().get_object(Bucket=bucket_name, Key=key)["Body"].read()
    assert len(body) >= 50 * 1024 * 1024
    assert hashlib.sha256(body).hexdigest() == meta.objects["events.jsonl"].sha256


def test_bucket_init_applies_every_protection(
    world: World, factory: AwsSessionFactory, bucket_name: str, monkeypatch, capsys
) -> None:
    configure(world.root, bucket=bucket_name)
    result = strands(["history", "init", "--json"], world.root, monkeypatch, capsys)
    assert result.code == 0, result.err
    assert result.json()["created"] is True
    client = s3()
    assert client.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    rules = client.get_bucket_encryption(Bucket=bucket_name)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    block = client.get_public_access_block(Bucket=bucket_name)["PublicAccessBlockConfiguration"]
    assert block == {
        "BlockPublicAcls": True,
        "IgnorePublicAcls": True,
        "BlockPublicPolicy": True,
        "RestrictPublicBuckets": True,
    }
    ownership = client.get_bucket_ownership_controls(Bucket=bucket_name)["OwnershipControls"]["Rules"]
    assert ownership == [{"ObjectOwnership": "BucketOwnerEnforced"}]
    policy = json.loads(client.get_bucket_policy(Bucket=bucket_name)["Policy"])
    tls = next(s for s in policy["Statement"] if s["Sid"] == "DenyInsecureTransport")
    assert tls["Effect"] == "Deny" and tls["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert set(tls["Resource"]) == {f"arn:aws:s3:::{bucket_name}", f"arn:aws:s3:::{bucket_name}/*"}
    tags = {t["Key"]: t["Value"] for t in client.get_bucket_tagging(Bucket=bucket_name)["TagSet"]}
    assert tags["managed-by"] == "strands-tf" and tags["strands:purpose"] == "deployment-history"
    lifecycle = {r["ID"]: r for r in client.get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"]}
    assert lifecycle["strands-history-expire"]["Expiration"] == {"Days": 90}
    assert lifecycle["strands-history-expire"]["Filter"] == {"Prefix": "teams/ai/"}
    assert lifecycle["strands-history-expire"]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert lifecycle["strands-history-infrequent-access"]["Transitions"] == [
        {"Days": 45, "StorageClass": "STANDARD_IA"}
    ]
    assert lifecycle["strands-history-abort-multipart"]["AbortIncompleteMultipartUpload"] == {"DaysAfterInitiation": 7}
    again = strands(["history", "init", "--json"], world.root, monkeypatch, capsys)
    assert again.code == 0 and again.json()["created"] is False


def test_bucket_init_with_a_kms_key(world: World, factory: AwsSessionFactory, bucket_name: str) -> None:
    key_arn = boto3.client("kms", region_name="us-east-1").create_key()["KeyMetadata"]["Arn"]
    client = factory.client("s3", target_for_environment(resolve(load_project(world.root), ENV)))
    report = init_bucket(client, BucketSettings(bucket_name, "us-east-1", 20, kms_key=key_arn))
    rule = s3().get_bucket_encryption(Bucket=bucket_name)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": key_arn}
    ids = {r["ID"] for r in s3().get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"]}
    # 20 days is below S3's 30-day minimum for STANDARD_IA: no transition rule, expiry still set
    assert ids == {"strands-history-expire", "strands-history-abort-multipart"}
    assert report.created


def test_history_commands_explain_bad_input(
    world: World, factory: AwsSessionFactory, bucket_name: str, monkeypatch, capsys
) -> None:
    make_bucket(world, bucket_name, factory)
    bad = strands(["history", "show", "not-an-id"], world.root, monkeypatch, capsys)
    assert bad.code == 1 and "is not a deployment id" in bad.err
    unknown = strands(["history", "show", "20200101T000000Z-abcdef"], world.root, monkeypatch, capsys)
    assert unknown.code == 3 and "no deployment record 20200101T000000Z-abcdef" in unknown.err
    configure(world.root, bucket=None)
    push = strands(["history", "push"], world.root, monkeypatch, capsys)
    assert push.code == 1 and "history.bucket is not set" in push.err
    assert layout.is_deployment_id(world.first)
