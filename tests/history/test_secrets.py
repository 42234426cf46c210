"""Secrets never leave: scan every byte of every uploaded object (inside the tar.gz too) for canaries."""

from __future__ import annotations

import gzip
import io
import json
import tarfile
import zipfile
from pathlib import Path

import boto3
import pytest

from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import target_for_environment
from strands_tf.config import load_project, resolve
from strands_tf.history.bucket import BucketSettings, init_bucket
from strands_tf.history.recorder import record_deployment
from strands_tf.history.secrets import harvest_secrets
from tests.history.world import (
    CANARIES,
    CANARY_LAMBDA_ENV,
    CANARY_OUTPUT,
    CANARY_TFSTATE,
    ENV,
    REDACT_VALUE,
    World,
    configure,
)

pytestmark = [pytest.mark.engine, pytest.mark.moto]

AWS_KEY_ID = "AKIAQWERTYUIOPASDFGH"


def every_blob(name: str, data: bytes) -> list[tuple[str, bytes]]:
    """The object itself plus, for archives, every member (tar.gz members, zip members), recursively."""
    out = [(name, data)]
    if name.endswith(".tar.gz"):
        raw = gzip.decompress(data)
        out.append((name + "!tar", raw))
        with tarfile.open(fileobj=io.BytesIO(raw)) as tar:
            for member in tar.getmembers():
                fh = tar.extractfile(member)
                if fh is not None:
                    out.extend(every_blob(f"{name}!{member.name}", fh.read()))
    elif name.endswith(".zip") and data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                for entry in archive.namelist():
                    out.extend(every_blob(f"{name}!{entry}", archive.read(entry)))
        except zipfile.BadZipFile:
            pass  # the test's agent zip is opaque bytes: scanned as is above
    return out


def leak_into_the_deployment(deployment_dir: Path) -> None:
    """What a careless provider or a future bug could write: raw secrets in logs, summaries and the stacks."""
    with (deployment_dir / "events.jsonl").open("a") as fh:
        for secret in CANARIES:
            event = {"@level": "debug", "@message": f"provider debug: password={secret}", "type": "log"}
            fh.write(json.dumps({"stack": "demo-dev-data", "phase": "apply", "event": event}) + "\n")
        # a sensitive output printed in clear, as Terraform < 1.4 did, with JSON escaping around it
        outputs = {"token": {"sensitive": True, "value": {"nested": [CANARY_OUTPUT]}}}
        leaked_outputs = {"type": "log", "outputs": outputs, "@message": "x"}
        fh.write(json.dumps({"stack": "demo-dev-app", "phase": "apply", "event": leaked_outputs}) + "\n")
        diagnostic = {
            "type": "diagnostic",
            "@message": f"error with key {AWS_KEY_ID}",
            "diagnostic": {"address": "terraform_data.function", "detail": f"API_TOKEN={CANARY_LAMBDA_ENV}"},
        }
        fh.write(json.dumps({"stack": "demo-dev-app", "phase": "apply", "event": diagnostic}) + "\n")
    summary = deployment_dir / "plans" / "demo-dev-app.summary.json"
    doc = json.loads(summary.read_text())
    doc["outputs"].append(
        {"name": "leaked", "action": "create", "sensitive": False, "before": None, "after": CANARY_OUTPUT}
    )
    summary.write_text(json.dumps(doc))
    # Terraform's default local backend writes terraform.tfstate next to the configuration: never archived
    stack = deployment_dir / "cdktf.out" / "stacks" / "demo-dev-data"
    (stack / "terraform.tfstate").write_text(json.dumps({"secret": CANARY_TFSTATE}))
    (stack / ".terraform").mkdir(exist_ok=True)
    (stack / ".terraform" / "terraform.tfstate").write_text(json.dumps({"secret": CANARY_TFSTATE}))


def test_canary_secrets_never_reach_any_uploaded_object(
    world: World, factory: AwsSessionFactory, bucket_name: str
) -> None:
    configure(world.root, bucket=bucket_name)
    loaded = load_project(world.root)
    resolved = resolve(loaded, ENV)
    client = factory.client("s3", target_for_environment(resolved))
    init_bucket(client, BucketSettings(bucket_name, "us-east-1", 90, "teams/ai"))

    # the canaries are real: Terraform holds them (local state, plan files), so a leak would be possible
    tfstate = b"".join(p.read_bytes() for p in (world.root / ".strands" / "tfstate").rglob("*.tfstate"))
    for secret in CANARIES:
        assert secret.encode() in tfstate
    first_dir = world.deployment_dir(world.first)
    assert set(CANARIES) <= harvest_secrets(first_dir)
    leak_into_the_deployment(first_dir)

    for deployment_id in (world.first, world.second):
        result = record_deployment(loaded, resolved, world.deployment_dir(deployment_id), factory=factory)
        assert result.uploaded, result.warnings

    s3 = boto3.client("s3", region_name="us-east-1")
    keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket_name)["Contents"]]
    assert len(keys) > 20
    assert not [k for k in keys if k.endswith((".tfstate", ".tfplan"))]
    scanned = 0
    members: list[str] = []
    for key in keys:
        data = s3.get_object(Bucket=bucket_name, Key=key)["Body"].read()
        for name, blob in every_blob(key, data):
            scanned += 1
            members.append(name)
            for needle in (*CANARIES, REDACT_VALUE, AWS_KEY_ID):
                assert needle.encode() not in blob, f"{needle} leaked into {name}"
                assert json.dumps(needle)[1:-1].encode() not in blob
    assert any(m.endswith("!cdktf.out/stacks/demo-dev-app/cdk.tf.json") for m in members)
    assert not [m for m in members if "tfstate" in m.rsplit("/", 1)[-1] or "/.terraform/" in m]
    assert scanned > len(keys)

    meta_key = f"teams/ai/demo/dev/deployments/{world.first}/metadata.json"
    meta = json.loads(s3.get_object(Bucket=bucket_name, Key=meta_key)["Body"].read())
    assert meta["objects"]["events.jsonl"]["redactions"] >= 5
    # the environment values of the configuration are masked before the redactor sees them
    for name in ("config/strands.yaml", "config/resolved.json"):
        text = s3.get_object(Bucket=bucket_name, Key=f"teams/ai/demo/dev/deployments/{world.first}/{name}")
        assert "(sensitive)" in text["Body"].read().decode(), name
    events = s3.get_object(Bucket=bucket_name, Key=f"teams/ai/demo/dev/deployments/{world.first}/events.jsonl")
    text = events["Body"].read().decode()
    assert "password=(sensitive)" in text and "(redacted)" in text
    # the rest of each line survives: redaction replaces values, it does not drop events
    assert all(json.loads(line) for line in text.splitlines())
