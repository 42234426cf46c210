"""`strands history rollback ID` from a checkout that has only strands.yaml."""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import tarfile
from pathlib import Path
from typing import Any

import boto3
import pytest

from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import target_for_environment
from strands_tf.config import load_project, resolve
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import record_deployment
from strands_tf.history.rollback import fetch_stacks
from strands_tf.history.service import open_history
from tests.history.cli import strands
from tests.history.world import ENV, World, configure, second_checkout

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def without_provisioners(world: World) -> None:
    """Drop the world's `sleep 1` provisioners (there for timing tests) from its recorded stacks.

    A stack with a provisioner is not what strands generates: the rollback trust check refuses it.
    """
    for cdk in (world.root / ".strands").glob("deployments/*/cdktf.out/stacks/*/cdk.tf.json"):
        doc = json.loads(cdk.read_text())
        for resource in doc.get("resource", {}).get("terraform_data", {}).values():
            resource.pop("provisioner", None)
        cdk.write_text(json.dumps(doc, indent=2, sort_keys=True))


def upload(world: World, bucket: str, factory: AwsSessionFactory, *, redact: bool = False) -> None:
    without_provisioners(world)
    configure(world.root, bucket=bucket)
    if redact:  # a value in the synthesized stacks matching history.redact
        cdk = world.root / ".strands" / "deployments" / world.first / "cdktf.out" / "stacks" / "demo-dev-app"
        doc = json.loads((cdk / "cdk.tf.json").read_text())
        doc["resource"]["terraform_data"]["role"]["input"] = "sk-live-SECRETROLE1"
        (cdk / "cdk.tf.json").write_text(json.dumps(doc))
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    init_bucket(
        factory.client("s3", target_for_environment(resolved)),
        BucketSettings(bucket, "us-east-1", 90, "teams/ai"),
    )
    assert record_deployment(loaded, resolved, world.deployment_dir(world.first), factory=factory).uploaded


def test_rollback_downloads_the_recorded_stacks_and_runs_a_recorded_rollback(
    world: World, factory: AwsSessionFactory, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    upload(world, bucket_name, factory)
    other = second_checkout(world.root, tmp_path / "ops")
    (other / "strands.yaml").write_text((other / "strands.yaml").read_text() + "# edited on the ops machine\n")
    # nothing of it is deployed where this checkout's (local) state lives: a rollback creates nothing unasked
    refused = strands(["history", "rollback", world.first, "--auto-approve"], other, monkeypatch, capsys)
    assert refused.code == 1, refused.out + refused.err
    assert "not deployed now" in refused.err and "--create-missing" in refused.err
    assert not (other / ".strands" / "tfstate").exists() or not any((other / ".strands" / "tfstate").rglob("*.tfstate"))
    result = strands(
        ["history", "rollback", world.first, "--auto-approve", "--create-missing"], other, monkeypatch, capsys
    )
    fetched = other / ".strands" / "deployments" / world.first / "cdktf.out"
    assert (fetched / "manifest.json").is_file()
    assert "downloaded the stacks of" in refused.out
    original = world.root / ".strands" / "deployments" / world.first / "cdktf.out" / "stacks" / "demo-dev-app"
    assert (fetched / "stacks" / "demo-dev-app" / "cdk.tf.json").read_bytes() == (original / "cdk.tf.json").read_bytes()
    # the rollback ran as a deployment of its own: checkpoint, rollback_of, and a history record
    runs = [p for p in (other / ".strands" / "deployments").iterdir() if p.name != world.first]
    assert len(runs) == 1
    checkpoint = json.loads((runs[0] / "checkpoint.json").read_text())
    assert checkpoint["command"] == "rollback" and checkpoint["rollback_of"] == world.first
    loaded = load_project_lenient(other)
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    recorded = hist.find(runs[0].name)
    assert recorded.command == "rollback" and recorded.rollback_of == world.first
    # the rollback deployed the first record's configuration, and records that one
    original = hist.find(world.first)
    assert hist.record_config(recorded) == hist.record_config(original)
    assert "edited on the ops machine" not in hist.read_object(recorded, "config/strands.yaml").decode()
    # the stacks' variables fall back to their defaults here: the rollback applies from this checkout alone
    assert result.code == 0, result.out + result.err
    assert recorded.status == "succeeded"
    state = json.loads((other / ".strands" / "state" / f"{ENV}.json").read_text())
    addresses = {r["tf_address"] for stack in state["stacks"].values() for r in stack["resources"].values()}
    assert addresses == {c.address for c in original.changes.created}


def load_project_lenient(root: Path) -> object:
    from strands_tf.history.project import load_for_history

    return load_for_history(root)


def test_rollback_refuses_redacted_stacks(
    world: World, factory: AwsSessionFactory, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    upload(world, bucket_name, factory, redact=True)
    other = second_checkout(world.root, tmp_path / "ops")
    refused = strands(["history", "rollback", world.first, "--auto-approve"], other, monkeypatch, capsys)
    assert refused.code == 1 and "matched history.redact" in refused.err.replace("\n", " ")
    assert not (other / ".strands" / "deployments").exists()
    # where the deployment was made, its own unredacted copy is used: no refusal, no download
    loaded = load_project(world.root)
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    assert fetch_stacks(hist, hist.find(world.first), world.root).downloaded is False


def test_rollback_to_the_first_record_brings_its_resources_back(
    world: World, factory: AwsSessionFactory, bucket_name: str, monkeypatch, capsys
) -> None:
    upload(world, bucket_name, factory)
    loaded = load_project(world.root)
    assert record_deployment(loaded, resolve(loaded, ENV), world.deployment_dir(world.second), factory=factory).uploaded
    result = strands(["history", "rollback", world.first, "--auto-approve"], world.root, monkeypatch, capsys)
    assert result.code == 0, result.out + result.err
    hist = open_history(loaded, resolve(loaded, ENV), factory=factory)
    rollback = hist.list(limit=1)[0]
    assert rollback.command == "rollback" and rollback.status == "succeeded" and rollback.rollback_of == world.first
    assert [c.address for c in rollback.changes.deleted] == ["terraform_data.queue"]
    diff = strands(["history", "diff", world.first, rollback.id, "--json"], world.root, monkeypatch, capsys).json()
    assert diff["resources"]["added"] == [] and diff["resources"]["removed"] == []
    assert diff["config"] == {}
    state = json.loads((world.root / ".strands" / "state" / f"{ENV}.json").read_text())
    addresses = {r["tf_address"] for stack in state["stacks"].values() for r in stack["resources"].values()}
    assert addresses == {"terraform_data.function", "terraform_data.role", "terraform_data.database",
                         "terraform_data.table"}  # fmt: skip


def _plant_in_bucket(bucket: str, world: World, marker: Path) -> None:
    """What someone who can write the bucket could do: a local-exec in the stacks, and hashes to match."""
    s3 = boto3.client("s3", region_name="us-east-1")
    prefix = f"teams/ai/demo/{ENV}/deployments/{world.first}"
    raw = gzip.decompress(s3.get_object(Bucket=bucket, Key=f"{prefix}/stacks.tar.gz")["Body"].read())
    out = io.BytesIO()
    with tarfile.open(fileobj=io.BytesIO(raw)) as source, tarfile.open(fileobj=out, mode="w") as target:
        for member in source.getmembers():
            data = source.extractfile(member).read() if member.isfile() else b""  # type: ignore[union-attr]
            if member.name == "cdktf.out/stacks/demo-dev-app/cdk.tf.json":
                doc: dict[str, Any] = json.loads(data)
                doc["resource"]["terraform_data"]["planted"] = {
                    "input": "x",
                    "provisioner": [{"local-exec": {"command": f"touch {marker}"}}],
                }
                data = json.dumps(doc).encode()
                member.size = len(data)
            target.addfile(member, io.BytesIO(data))
    archive = gzip.compress(out.getvalue())
    s3.put_object(Bucket=bucket, Key=f"{prefix}/stacks.tar.gz", Body=archive)
    meta = json.loads(s3.get_object(Bucket=bucket, Key=f"{prefix}/metadata.json")["Body"].read())
    meta["objects"]["stacks.tar.gz"].update(sha256=hashlib.sha256(archive).hexdigest(), size=len(archive))
    s3.put_object(Bucket=bucket, Key=f"{prefix}/metadata.json", Body=json.dumps(meta).encode())


def test_rollback_refuses_a_record_planted_in_the_bucket_and_runs_nothing(
    world: World, factory: AwsSessionFactory, bucket_name: str, tmp_path: Path, monkeypatch, capsys
) -> None:
    upload(world, bucket_name, factory)
    marker = tmp_path / "PWNED"
    _plant_in_bucket(bucket_name, world, marker)
    other = second_checkout(world.root, tmp_path / "ops")
    # the hashes were rewritten with the archive: verify cannot tell
    assert strands(["history", "verify", world.first], other, monkeypatch, capsys).code == 0
    refused = strands(["history", "rollback", world.first, "--auto-approve"], other, monkeypatch, capsys)
    assert refused.code == 1, refused.out + refused.err
    message = " ".join(refused.err.split())
    assert "demo-dev-app" in message and "resource.terraform_data.planted" in message and "provisioner" in message
    assert not marker.exists()
    # nothing was planned or applied: no deployment of its own, no Terraform state of the ops checkout
    deployments = [p.name for p in (other / ".strands" / "deployments").iterdir()]
    assert deployments == [world.first]  # only the downloaded record
    assert not (other / ".strands" / "tfstate").exists()


def test_local_rollback_checks_the_machines_own_copy_too(
    world: World, factory: AwsSessionFactory, monkeypatch, capsys
) -> None:
    """`strands rollback ID` runs the same check: the world's stacks have provisioners (for timing tests)."""
    refused = strands(["rollback", world.first, "--auto-approve"], world.root, monkeypatch, capsys)
    assert refused.code == 1, refused.err
    assert "provisioner" in refused.err
    runs = [p.name for p in (world.root / ".strands" / "deployments").iterdir()]
    assert sorted(runs) == sorted([world.first, world.second])  # no rollback deployment was started


def test_resuming_an_interrupted_rollback_checks_its_stacks(
    world: World, factory: AwsSessionFactory, monkeypatch, capsys
) -> None:
    checkpoint_path = world.root / ".strands" / "deployments" / world.second / "checkpoint.json"
    checkpoint = json.loads(checkpoint_path.read_text())
    checkpoint.update(command="rollback", status="cancelled", rollback_of=world.first)
    checkpoint_path.write_text(json.dumps(checkpoint))
    refused = strands(["apply", "--resume", "--auto-approve"], world.root, monkeypatch, capsys)
    assert refused.code == 1, refused.err
    assert "provisioner" in refused.err and world.second in refused.err


def test_downloaded_stacks_link_agent_zips_to_the_stored_objects(tmp_path: Path) -> None:
    """A record fetched for a rollback stores its zips once, like a deployment's own copy (no second copy of
    code this machine already has), and the fetched tree is complete and private."""
    from types import SimpleNamespace

    from strands_tf.deploy.assets import AssetStore
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.history import layout

    code = b"PK\x03\x04" + bytes(range(256)) * 512
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for name, data in {
            "cdktf.out/manifest.json": b'{"stacks": {}}',
            "cdktf.out/stacks/app/cdk.tf.json": b"{}",
            "cdktf.out/stacks/app/assets/support/code.zip": code,
        }.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))

    class OneRecord:
        def download_object(self, meta: Any, name: str, path: Path) -> Path:
            assert name == layout.STACKS_ARCHIVE
            path.write_bytes(buffer.getvalue())
            return path

    already = tmp_path / "code.zip"
    already.write_bytes(code)
    stored = AssetStore(Workspace(tmp_path).objects_dir()).put(already)
    meta = SimpleNamespace(
        id="20261201T100000Z-abcdef",
        command="apply",
        objects={layout.STACKS_ARCHIVE: SimpleNamespace(redactions=0)},
    )
    fetched = fetch_stacks(OneRecord(), meta, tmp_path)  # type: ignore[arg-type]
    assert fetched.downloaded
    zip_path = fetched.directory / "stacks" / "app" / "assets" / "support" / "code.zip"
    assert zip_path.read_bytes() == code and zip_path.stat().st_ino == stored.stat().st_ino
    assert json.loads((fetched.directory / "manifest.json").read_text()) == {"stacks": {}}
    assert (fetched.directory.stat().st_mode & 0o077) == 0
    # nothing left beside it from the download
    assert sorted(p.name for p in fetched.directory.parent.iterdir()) == ["cdktf.out"]
