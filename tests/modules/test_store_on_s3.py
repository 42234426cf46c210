"""strands-agent with store_on_s3: the module uploads its zips to S3 and deploys from the uploaded objects.

The fixture root (fixtures/store_on_s3) wires an artifacts bucket (s3-bucket module) and an agent the way
the generator does for packages over Lambda's 50 MB direct-upload limit. It is checked statically (provider
schema, module interfaces, fmt) and then applied with the embedded engine against the emulator provider.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import zipfile
from pathlib import Path
from typing import Any

import hcl2
import pytest

from strands_tf.schema.check import check_hcl_file
from strands_tf.schema.modules import check_module_call, find_output_references, module_interface

from .conftest import FIXTURE_ROOT, MODULES_DIR, run_engine
from .test_emulator_apply import Project, Workspace, emulated_workspace

STORE_ON_S3_ROOT = FIXTURE_ROOT.parent / "store_on_s3"
BUCKET = "demo-dev-artifacts-123456789012"
CODE_KEY = "agents/demo-dev-big/code.zip"
LAYER_KEY = "agents/demo-dev-big/layer.zip"


def _sha256_b64(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


def _write_zip(path: Path, text: str) -> bytes:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("handler.py", text)
    return path.read_bytes()


def _changes(proj: Project) -> set[tuple[str, str]]:
    result = proj.run("plan", "-input=false", "-json")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return {
        (event["change"]["resource"]["addr"], event["change"]["action"])
        for event in map(json.loads, filter(None, result.stdout.splitlines()))
        if event.get("type") == "planned_change"
    }


# --- static checks ------------------------------------------------------------------------------


def test_fixture_root_matches_the_provider_schema() -> None:
    assert [p.format() for p in check_hcl_file(STORE_ON_S3_ROOT / "main.tf")] == []


def test_fixture_root_calls_the_modules_with_their_declared_inputs() -> None:
    text = (STORE_ON_S3_ROOT / "main.tf").read_text(encoding="utf-8")
    calls = {n.strip('"'): b for e in hcl2.loads(text).get("module", []) for n, b in e.items()}
    root = STORE_ON_S3_ROOT
    interfaces = {name: module_interface((root / body["source"].strip('"')).resolve()) for name, body in calls.items()}
    for name, body in calls.items():
        assert check_module_call(interfaces[name], body, where=f"module.{name}") == []
    for module, output in find_output_references(text):
        assert output in interfaces[module].outputs


def test_store_on_s3_inputs_are_optional_typed_and_validated() -> None:
    interface = module_interface(MODULES_DIR / "strands-agent")
    assert {"store_on_s3", "s3_prefix", "s3_kms_key_arn"} <= set(interface.inputs)
    assert {"store_on_s3", "s3_prefix", "s3_kms_key_arn"}.isdisjoint(interface.required)
    with (MODULES_DIR / "strands-agent" / "variables.tf").open() as fh:
        variables = {n.strip('"'): b for e in hcl2.load(fh)["variable"] for n, b in e.items()}
    assert variables["store_on_s3"]["default"] is False and variables["store_on_s3"]["type"] == "bool"
    assert variables["s3_prefix"]["validation"] and variables["s3_kms_key_arn"]["validation"]


def test_fixture_root_is_formatted() -> None:
    result = run_engine(["fmt", "-check", "-diff", "-recursive", str(STORE_ON_S3_ROOT)], cwd=STORE_ON_S3_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr


# --- on the emulator --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, moto_server: Any) -> Workspace:
    """modules/ and the emulator provider against the shared moto server (the emulator's, which evaluates
    the s3-bucket module's TLS-only policy as AWS does)."""
    return emulated_workspace(tmp_path_factory.mktemp("store-on-s3"), moto_server.endpoint)


def test_upload_deploy_replan_reupload_and_destroy(workspace: Workspace) -> None:
    proj = workspace.project("store_on_s3", (STORE_ON_S3_ROOT / "main.tf").read_text(encoding="utf-8"))
    code = (proj.root / "build" / "support.zip").read_bytes()
    try:
        proj.ok("apply", "-input=false", "-auto-approve")
        s3, lam = proj.client("s3"), proj.client("lambda")
        versions = s3.list_object_versions(Bucket=BUCKET)["Versions"]
        assert sorted(v["Key"] for v in versions) == [CODE_KEY, LAYER_KEY]
        assert s3.get_object(Bucket=BUCKET, Key=CODE_KEY)["Body"].read() == code
        fn = lam.get_function(FunctionName="demo-dev-big")
        assert fn["Configuration"]["CodeSha256"] == _sha256_b64(code)
        state = json.loads(proj.ok("show", "-json"))["values"]["root_module"]
        agent = next(m for m in state["child_modules"] if m["address"] == "module.big")
        by_address = {r["address"]: r["values"] for r in agent["resources"]}
        function = by_address["module.big.aws_lambda_function.this"]
        code_object = by_address["module.big.aws_s3_object.code[0]"]
        assert (function["filename"], function["s3_bucket"], function["s3_key"]) == (None, BUCKET, CODE_KEY)
        assert function["s3_object_version"] == code_object["version_id"] != ""
        layer = by_address["module.big.aws_lambda_layer_version.this[0]"]
        assert (layer["s3_key"], layer["s3_object_version"]) == (
            LAYER_KEY,
            by_address["module.big.aws_s3_object.layer[0]"]["version_id"],
        )
        assert [x["Arn"] for x in fn["Configuration"]["Layers"]] == [layer["arn"]]

        assert _changes(proj) == set(), "a second plan after apply must show no changes"

        new_code = _write_zip(proj.root / "build" / "support.zip", "def handler(event, context):\n    return 2\n")
        assert _changes(proj) == {
            ("module.big.aws_s3_object.code[0]", "update"),
            ("module.big.aws_lambda_function.this", "update"),
        }
        proj.ok("apply", "-input=false", "-auto-approve")
        assert len(s3.list_object_versions(Bucket=BUCKET, Prefix=CODE_KEY)["Versions"]) == 2
        assert lam.get_function(FunctionName="demo-dev-big")["Configuration"]["CodeSha256"] == _sha256_b64(new_code)
        assert _changes(proj) == set()
    finally:
        proj.ok("destroy", "-auto-approve", "-input=false")
    assert BUCKET not in {b["Name"] for b in proj.client("s3").list_buckets()["Buckets"]}
    assert "demo-dev-big" not in {f["FunctionName"] for f in proj.client("lambda").list_functions()["Functions"]}


KMS_ROOT = """
provider "aws" {
  region = "eu-west-1"
}

resource "aws_kms_key" "artifacts" {
  description         = "artifacts"
  enable_key_rotation = true
}

module "artifacts" {
  source = "../../../../modules/s3-bucket"

  bucket        = "kms-artifacts-123456789012"
  force_destroy = true
}

module "agent" {
  source = "../../../../modules/strands-agent"

  name             = "kms-agent"
  handler          = "handler.handler"
  runtime          = "python3.12"
  role_arn         = "arn:aws:iam::123456789012:role/kms-agent"
  filename         = "build/agent.zip"
  store_on_s3      = true
  s3_bucket        = module.artifacts.bucket_name
  s3_kms_key_arn   = aws_kms_key.artifacts.arn
}
"""


def test_customer_managed_key_and_hash_from_the_file(workspace: Workspace) -> None:
    """s3_kms_key_arn encrypts the uploaded object; without source_code_hash the module hashes the file."""
    proj = workspace.project("store_on_s3_kms", KMS_ROOT)
    iam = proj.client("iam")
    statement = {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    trust = {"Version": "2012-10-17", "Statement": [statement]}
    iam.create_role(RoleName="kms-agent", AssumeRolePolicyDocument=json.dumps(trust))
    try:
        proj.ok("apply", "-input=false", "-auto-approve")
        head = proj.client("s3").head_object(Bucket="kms-artifacts-123456789012", Key="kms-agent/code.zip")
        key_arn = proj.client("kms").list_keys()["Keys"]
        assert head["ServerSideEncryption"] == "aws:kms"
        assert head["SSEKMSKeyId"] in {k["KeyArn"] for k in key_arn}
        state = json.loads(proj.ok("show", "-json"))["values"]["root_module"]
        agent = next(m for m in state["child_modules"] if m["address"] == "module.agent")
        obj = next(r for r in agent["resources"] if r["address"] == "module.agent.aws_s3_object.code[0]")
        assert obj["values"]["source_hash"] == _sha256_b64((proj.root / "build" / "agent.zip").read_bytes())
        assert _changes(proj) == set()
    finally:
        proj.ok("destroy", "-auto-approve", "-input=false")
        iam.delete_role(RoleName="kms-agent")


AGENT_CALL = """
provider "aws" {
  region = "eu-west-1"
}

module "agent" {
  source = "../../../../modules/strands-agent"

  name        = "pre-s3-agent"
  handler     = "handler.handler"
  runtime     = "python3.12"
  role_arn    = "arn:aws:iam::123456789012:role/pre"
  store_on_s3 = true
%s
}
"""


@pytest.mark.parametrize(
    "name, arguments, message",
    [
        (
            "no_bucket",
            'filename = "build/agent.zip"',
            "store_on_s3 = true needs filename (the local zip) and s3_bucket",
        ),
        ("no_file", 's3_bucket = "b"\n  source_code_hash = "x"', "store_on_s3 = true needs filename"),
        (
            "own_key",
            'filename = "build/agent.zip"\n  s3_bucket = "b"\n  s3_key = "k.zip"',
            "leave s3_key and s3_object_version null",
        ),
        (
            "layer_in_s3_too",
            'filename = "build/agent.zip"\n  s3_bucket = "b"\n  layer_s3_bucket = "b"\n  layer_s3_key = "l.zip"',
            "leave layer_s3_bucket and layer_s3_key null",
        ),
    ],
)
def test_wrong_combinations_stop_the_plan_with_a_clear_message(
    workspace: Workspace,
    name: str,
    arguments: str,
    message: str,
) -> None:
    proj = workspace.project(f"pre_s3_{name}", AGENT_CALL % f"  {arguments}")
    result = proj.run("plan", "-input=false")
    output = re.sub(r"\s+", " ", result.stderr + result.stdout)
    assert result.returncode == 1
    assert "Resource precondition failed" in output
    assert message in output


@pytest.mark.parametrize(
    "index, value, ok",
    [(0, "agents/", True), (1, "a/b/", True), (2, "/agents/", False), (3, "agents", False), (4, "a b/", False)],
)
def test_s3_prefix_validation(workspace: Workspace, index: int, value: str, ok: bool) -> None:
    arguments = f'filename = "build/agent.zip"\n  s3_bucket = "b"\n  s3_prefix = "{value}"'
    proj = workspace.project(f"prefix_{index}", AGENT_CALL % f"  {arguments}")
    result = proj.run("validate")
    output = re.sub(r"\s+", " ", result.stderr + result.stdout)
    assert (result.returncode == 0) is ok, output
    assert ("s3_prefix must be empty or a key prefix ending in /" in output) is not ok
