"""Nothing lost: S3 stops mid-upload → the record is spooled → S3 is back → synced with identical hashes."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from strands_tf.aws import session as session_module
from strands_tf.aws.retry import ClientSettings
from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import target_for_environment
from strands_tf.config import load_project, resolve
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import record_deployment
from strands_tf.history.service import SPOOL_DIR, open_history
from tests.conftest import MotoServer, free_port
from tests.history.cli import strands
from tests.history.world import ENV, World, configure

pytestmark = [pytest.mark.engine, pytest.mark.moto]

PREFIX = "teams/ai/demo/dev/deployments"


@pytest.fixture
def own_moto(monkeypatch: pytest.MonkeyPatch) -> Iterator[MotoServer]:
    """A moto server this test may stop and start again on the same port."""
    server = MotoServer(free_port())
    server.start()
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    try:
        yield server
    finally:
        server.stop()


def new_factory(monkeypatch: pytest.MonkeyPatch) -> AwsSessionFactory:
    made = AwsSessionFactory(ClientSettings(max_attempts=2, connect_timeout=1, read_timeout=10))
    monkeypatch.setattr(session_module, "_default", made)
    return made


def create_bucket(bucket: str) -> None:
    client = boto3.client("s3", region_name="us-east-1")
    init_bucket(client, BucketSettings(bucket, "us-east-1", 90, "teams/ai"))


def spool_hashes(root: Path) -> dict[str, str]:
    spool = root / SPOOL_DIR
    return {
        p.relative_to(spool).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in spool.rglob("*")
        if p.is_file() and not p.name.startswith(".")
    }


def bucket_hashes(bucket: str) -> dict[str, str]:
    client = boto3.client("s3", region_name="us-east-1")
    out = {}
    for obj in client.list_objects_v2(Bucket=bucket).get("Contents", []):
        body = client.get_object(Bucket=bucket, Key=obj["Key"])["Body"].read()
        out[obj["Key"]] = hashlib.sha256(body).hexdigest()
    return out


def test_s3_stopped_mid_upload_spools_the_record_and_sync_uploads_identical_bytes(
    world: World, own_moto: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = "spool-test-history"
    configure(world.root, bucket=bucket)
    create_bucket(bucket)
    factory = new_factory(monkeypatch)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    client = factory.client("s3", target_for_environment(resolved))
    uploads: list[str] = []
    stopped = threading.Event()

    def stop_after_two(**kwargs: object) -> None:
        uploads.append(str(kwargs["params"]["Key"]))  # type: ignore[index]
        if len(uploads) == 2 and not stopped.is_set():
            stopped.set()
            own_moto.stop()  # S3 goes away between two objects of the same record

    client.meta.events.register("provide-client-params.s3.PutObject", stop_after_two)
    result = record_deployment(loaded, resolved, world.deployment_dir(world.first), factory=factory)
    client.meta.events.unregister("provide-client-params.s3.PutObject", stop_after_two)

    assert stopped.is_set() and not result.uploaded and result.spooled
    assert result.warnings and "strands history sync" in result.warnings[0]
    spooled = spool_hashes(world.root)
    assert f"{PREFIX}/{world.first}/metadata.json" in spooled and f"{PREFIX}/{world.first}/stacks.tar.gz" in spooled

    own_moto.start()  # same port; moto starts empty, as a new region or account would
    create_bucket(bucket)
    listed = strands(["history", "list", "--json"], world.root, monkeypatch, capsys).json()
    assert listed["records"] == [] and listed["spooled"] == [f"{PREFIX}/{world.first}"]

    synced = strands(["history", "sync"], world.root, monkeypatch, capsys)
    assert synced.code == 0, synced.out + synced.err
    assert "uploaded 1 spooled record" in synced.out
    stored = bucket_hashes(bucket)
    assert stored == spooled  # every object, byte for byte, under the same keys
    assert not (world.root / SPOOL_DIR / "teams").exists()
    meta = open_history(loaded, resolved, factory=new_factory(monkeypatch)).find(world.first)
    for name, info in meta.objects.items():
        assert stored[f"{PREFIX}/{world.first}/{name}"] == info.sha256
    assert strands(["history", "verify", world.first], world.root, monkeypatch, capsys).code == 0


def test_a_spooled_record_is_uploaded_by_the_next_deployment(
    world: World, own_moto: MotoServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    bucket = "next-command-history"
    configure(world.root, bucket=bucket)
    factory = new_factory(monkeypatch)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    # the bucket does not exist yet (`strands history init` not run): the record waits in the spool
    first = record_deployment(loaded, resolved, world.deployment_dir(world.first), factory=factory)
    assert first.spooled and not first.uploaded
    assert "the history bucket next-command-history does not exist" in first.warnings[0]
    create_bucket(bucket)
    second = record_deployment(loaded, resolved, world.deployment_dir(world.second), factory=factory)
    assert second.uploaded and not second.warnings
    assert second.synced == [f"{PREFIX}/{world.first}"]
    ids = [m.id for m in open_history(loaded, resolved, factory=factory).list()]
    assert ids == [world.second, world.first]


def test_a_failed_sync_keeps_the_record_and_reports_why(
    world: World, own_moto: MotoServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    bucket = "unreachable-history"
    configure(world.root, bucket=bucket)
    create_bucket(bucket)
    factory = new_factory(monkeypatch)
    own_moto.stop()
    loaded = load_project(world.root)
    result = record_deployment(loaded, resolve(loaded, ENV), world.deployment_dir(world.first), factory=factory)
    assert result.spooled and result.warnings
    before = spool_hashes(world.root)
    synced = strands(["history", "sync"], world.root, monkeypatch, capsys)
    assert synced.code == 3 and "still spooled" in synced.out
    assert spool_hashes(world.root) == before  # nothing lost, nothing changed
