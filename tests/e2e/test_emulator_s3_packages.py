"""End to end on the offline target: agent packages deployed through the artifacts bucket.

`strands apply/plan/destroy -e local` in child processes, as a user runs them, then boto3 against the same
emulator: the package is an object in the artifacts bucket, the function runs that object's code, a code
change uploads a new object version and updates the function, destroy leaves nothing behind.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

PROJECT = "bigpkg"
CONFIG = """\
version: 1
project: bigpkg
region: us-east-1
agents:
  big:
    path: agents/big
    handler: app.handler
    package_upload: {upload}
  small:
    path: agents/small
    handler: app.handler
"""
HANDLER = "def handler(event, context):\n    return {{'version': {version}}}\n"


def _write_project(root: Path, upload: str, *, stacks: str | None = None) -> None:
    """strands.yaml with agents `big` (package_upload as given) and `small` (default), and their code."""
    text = CONFIG.format(upload=upload)
    if stacks:
        text = text.replace("region: us-east-1\n", f"region: us-east-1\nstacks: {stacks}\n")
    (root / "strands.yaml").parent.mkdir(parents=True, exist_ok=True)
    (root / "strands.yaml").write_text(text)
    for agent in ("big", "small"):
        (root / "agents" / agent).mkdir(parents=True, exist_ok=True)
        (root / "agents" / agent / "app.py").write_text(HANDLER.format(version=1))


@pytest.fixture
def project(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    made = Project(tmp_path / PROJECT, tmp_path_factory.mktemp("strands-cache"))
    yield made
    if (made.root / ".strands").is_dir():
        made.run("emulator", "stop", ok=(0, 1, 3))


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _deployed_buckets(s3: Any) -> list[str]:
    """Buckets other than the deployment history the tool keeps on the emulator (it outlives a destroy)."""
    return [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] != f"strands-history-{PROJECT}"]


def _artifacts_bucket(s3: Any) -> str:
    (bucket,) = [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"].startswith(f"{PROJECT}-local-artifacts-")]
    return bucket


def test_package_upload_s3_applies_replans_reuploads_and_destroys(project: Project) -> None:
    _write_project(project.root, "s3")
    project.run("apply", "-e", "local", "--auto-approve")
    s3, lam = project.client("s3"), project.client("lambda")
    bucket = _artifacts_bucket(s3)
    assert bucket == f"{PROJECT}-local-artifacts-123456789012"
    key = f"{PROJECT}-local-big/code.zip"
    # only the agent that asked for S3 goes through the bucket
    assert [o["Key"] for o in s3.list_objects_v2(Bucket=bucket)["Contents"]] == [key]
    package = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    function = lam.get_function(FunctionName=f"{PROJECT}-local-big")["Configuration"]
    assert function["CodeSha256"] == _sha256_b64(package)
    assert lam.get_function(FunctionName=f"{PROJECT}-local-small")["Configuration"]["CodeSize"] > 0
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["NoncurrentVersionExpiration"]["NoncurrentDays"] == 30
    assert project.changes() == [], "a second plan after apply must show no changes"
    _code_change_uploads_a_new_version(project, bucket, key, package)
    project.run("destroy", "-e", "local", "--auto-approve")
    assert _deployed_buckets(s3) == []
    assert lam.list_functions()["Functions"] == []
    assert project.client("iam").list_roles()["Roles"] == []
    assert project.client("logs").describe_log_groups()["logGroups"] == []


def _code_change_uploads_a_new_version(project: Project, bucket: str, key: str, package: bytes) -> None:
    s3, lam = project.client("s3"), project.client("lambda")
    (project.root / "agents" / "big" / "app.py").write_text(HANDLER.format(version=2))
    assert project.changes() == [
        ("module.agent_big.aws_lambda_function.this", "update"),
        ("module.agent_big.aws_s3_object.code[0]", "update"),
    ]
    project.run("apply", "-e", "local", "--auto-approve")
    versions = s3.list_object_versions(Bucket=bucket, Prefix=key)["Versions"]
    assert len(versions) == 2
    latest = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert latest != package
    assert lam.get_function(FunctionName=f"{PROJECT}-local-big")["Configuration"]["CodeSha256"] == _sha256_b64(latest)
    assert project.changes() == []


def test_a_zip_over_50_mb_switches_auto_mode_to_s3(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    """A real incompressible file over 50 MB in the agent directory: auto mode deploys it through S3.

    With stacks: per_agent, so the agent's stack reads the bucket of the shared stack through remote state.
    """
    from strands_tf.config import load_project, resolve
    from strands_tf.generators.synth import package_agents, synthesize

    _write_project(project.root, "auto", stacks="per_agent")
    (project.root / "agents" / "big" / "weights.bin").write_bytes(os.urandom(51 * 1024 * 1024))
    monkeypatch.setenv("STRANDS_CACHE_DIR", project.env["STRANDS_CACHE_DIR"])
    loaded = load_project(project.root)
    started = time.monotonic()
    result = synthesize(loaded, resolve(loaded, "local"), packager=package_agents)
    synth_seconds = time.monotonic() - started
    stacks = result.out_dir / "stacks"
    shared = json.loads((stacks / f"{PROJECT}-local" / "cdk.tf.json").read_text())
    big = json.loads((stacks / f"{PROJECT}-local-big" / "cdk.tf.json").read_text())["module"]["agent_big"]
    small = json.loads((stacks / f"{PROJECT}-local-small" / "cdk.tf.json").read_text())["module"]["agent_small"]
    assert big["store_on_s3"] is True
    assert big["s3_bucket"].startswith("${data.terraform_remote_state.cross-stack-reference-input-bigpkg-local.")
    assert (stacks / f"{PROJECT}-local-big" / big["filename"]).stat().st_size > 50 * 1024 * 1024
    assert "store_on_s3" not in small and "s3_bucket" not in small
    assert shared["module"]["artifacts"]["force_destroy"] is True
    print(f"synth with a 51 MB package: {synth_seconds:.1f} s")

    started = time.monotonic()
    project.run("apply", "-e", "local", "--auto-approve")
    apply_seconds = time.monotonic() - started
    s3 = project.client("s3")
    bucket = _artifacts_bucket(s3)
    head = s3.head_object(Bucket=bucket, Key=f"{PROJECT}-local-big/code.zip")
    assert head["ContentLength"] > 50 * 1024 * 1024
    function = project.client("lambda").get_function(FunctionName=f"{PROJECT}-local-big")["Configuration"]
    assert function["CodeSize"] == head["ContentLength"]
    print(f"apply with a 51 MB package: {apply_seconds:.1f} s")
    assert project.changes() == [], "a second plan after apply must show no changes"
    project.run("destroy", "-e", "local", "--auto-approve")
    assert _deployed_buckets(s3) == []


def test_no_package_s3_wiring_passes_terraform_validate(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`synth --no-package` keeps the bucket and S3 wiring of package_upload: s3; every stack still validates."""
    from strands_tf.config import load_project, resolve
    from strands_tf.deploy.emulator_target import ensure_provider
    from strands_tf.generators.synth import synthesize
    from strands_tf.terraform.engine import discover_engine
    from strands_tf.terraform.runner import TerraformRunner

    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path_factory.mktemp("strands-cache")))
    root = tmp_path / PROJECT
    _write_project(root, "s3", stacks="per_agent")
    loaded = load_project(root)
    result = synthesize(loaded, resolve(loaded, "local"), packager=None)
    big = json.loads((result.out_dir / "stacks" / f"{PROJECT}-local-big" / "cdk.tf.json").read_text())
    assert big["module"]["agent_big"]["store_on_s3"] is True and "filename" not in big["module"]["agent_big"]
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
