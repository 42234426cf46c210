"""Real Terraform (embedded engine) against moto through the emulator provider: S3 buckets."""

from __future__ import annotations

import json

import boto3
import pytest

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def s3(endpoint: str):
    return boto3.client(
        "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
    )


BUCKET = """
data "aws_caller_identity" "me" {}
data "aws_region" "here" {}
data "aws_partition" "p" {}

resource "aws_s3_bucket" "b" {
  bucket = "%s"
  tags   = { team = "agents" }
}

output "arn" { value = aws_s3_bucket.b.arn }
output "account" { value = data.aws_caller_identity.me.account_id }
output "region" { value = data.aws_region.here.region }
output "partition" { value = data.aws_partition.p.partition }
"""


def test_bucket_lifecycle_drift_and_recreate(tf_project, moto_server) -> None:
    tf = tf_project(BUCKET % "emu-lifecycle-1")
    tf.init()
    plan = tf.run("plan", "-input=false", "-no-color", "-detailed-exitcode", check=False)
    assert plan.rc == 2, plan.stdout + plan.stderr
    assert "arn                         = (known after apply)" in plan.stdout
    tf.run("apply", "-auto-approve", "-input=false", "-no-color")

    outputs = json.loads(tf.run("output", "-json").stdout)
    assert outputs["arn"]["value"] == "arn:aws:s3:::emu-lifecycle-1"
    assert outputs["account"]["value"] == "123456789012"
    assert outputs["region"]["value"] == "us-east-1"
    assert outputs["partition"]["value"] == "aws"
    client = s3(moto_server.endpoint)
    assert client.get_bucket_tagging(Bucket="emu-lifecycle-1")["TagSet"] == [{"Key": "team", "Value": "agents"}]

    # second plan: nothing to do
    again = tf.run("plan", "-input=false", "-no-color", "-detailed-exitcode", check=False)
    assert again.rc == 0, again.stdout + again.stderr

    # out-of-band change shows as drift in a refresh-only plan
    client.put_bucket_tagging(Bucket="emu-lifecycle-1", Tagging={"TagSet": [{"Key": "team", "Value": "ops"}]})
    drift = tf.run("plan", "-refresh-only", "-input=false", "-no-color", "-json")
    drifted = [e for e in drift.json_lines() if e.get("type") == "resource_drift"]
    assert [d["change"]["resource"]["addr"] for d in drifted] == ["aws_s3_bucket.b"]
    # and a normal plan puts the configured tags back in place
    fix = tf.run("plan", "-input=false", "-no-color", "-json")
    changes = [e["change"] for e in fix.json_lines() if e.get("type") == "planned_change"]
    assert [(c["resource"]["addr"], c["action"]) for c in changes] == [("aws_s3_bucket.b", "update")]
    tf.run("apply", "-auto-approve", "-input=false", "-no-color")
    assert client.get_bucket_tagging(Bucket="emu-lifecycle-1")["TagSet"] == [{"Key": "team", "Value": "agents"}]

    # deleted behind Terraform's back: planned for creation again
    client.delete_bucket(Bucket="emu-lifecycle-1")
    gone = tf.run("plan", "-input=false", "-no-color", "-json")
    changes = [e["change"] for e in gone.json_lines() if e.get("type") == "planned_change"]
    assert [(c["resource"]["addr"], c["action"]) for c in changes] == [("aws_s3_bucket.b", "create")]
    tf.run("apply", "-auto-approve", "-input=false", "-no-color")
    client.head_bucket(Bucket="emu-lifecycle-1")

    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")
    names = [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert "emu-lifecycle-1" not in names


def test_bucket_rename_plans_replace(tf_project) -> None:
    tf = tf_project(BUCKET % "emu-rename-a", reattach=True)
    tf.init()
    tf.run("apply", "-auto-approve", "-input=false", "-no-color")
    (tf.workdir / "main.tf").write_text((tf.workdir / "main.tf").read_text().replace("emu-rename-a", "emu-rename-b"))
    plan = tf.run("plan", "-input=false", "-no-color", "-json")
    changes = [e["change"] for e in plan.json_lines() if e.get("type") == "planned_change"]
    assert [(c["resource"]["addr"], c["action"]) for c in changes] == [("aws_s3_bucket.b", "replace")]
    tf.run("destroy", "-auto-approve", "-input=false", "-no-color")


def test_bucket_inline_policy_and_versioning(tf_project, moto_server) -> None:
    tf = tf_project(
        """
resource "aws_s3_bucket" "legacy" {
  bucket = "emu-inline-settings"
  policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{
      Effect = "Deny", Principal = "*", Action = "s3:DeleteBucket", Resource = "arn:aws:s3:::emu-inline-settings"
    }]
  })
  versioning {
    enabled = true
  }
}
""",
        reattach=True,
    )
    tf.init()
    tf.apply()
    client = s3(moto_server.endpoint)
    assert client.get_bucket_versioning(Bucket="emu-inline-settings")["Status"] == "Enabled"
    assert (
        json.loads(client.get_bucket_policy(Bucket="emu-inline-settings")["Policy"])["Statement"][0]["Effect"] == "Deny"
    )
    assert tf.changes() == []
    tf.destroy()
