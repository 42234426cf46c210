"""Importing existing emulator resources, data sources that read the account, and apply-time failures."""

from __future__ import annotations

import json

import pytest

from strands_tf.emulator.ipam import IPAM_FILE_ENV, IpamRegistry

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto]

ASSUME = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}
        ],
    }
)


def test_import_existing_resources_then_no_changes(tf_project, moto_server) -> None:
    iam, logs = client(moto_server.endpoint, "iam"), client(moto_server.endpoint, "logs")
    iam.create_role(RoleName="emu-imported-role", AssumeRolePolicyDocument=ASSUME)
    logs.create_log_group(logGroupName="/emu/imported")
    logs.put_retention_policy(logGroupName="/emu/imported", retentionInDays=7)
    # the configuration writes the same policy with other key order and spacing
    tf = tf_project(
        """
import {
  to = aws_iam_role.r
  id = "emu-imported-role"
}
import {
  to = aws_cloudwatch_log_group.g
  id = "/emu/imported"
}
resource "aws_iam_role" "r" {
  name = "emu-imported-role"
  assume_role_policy = jsonencode({
    Statement = [{ Principal = { Service = "lambda.amazonaws.com" }, Action = "sts:AssumeRole", Effect = "Allow" }]
    Version   = "2012-10-17"
  })
}
resource "aws_cloudwatch_log_group" "g" {
  name              = "/emu/imported"
  retention_in_days = 7
}
data "aws_availability_zones" "azs" {
  state = "available"
}
output "azs" { value = data.aws_availability_zones.azs.names }
""",
        reattach=True,
    )
    tf.init()
    plan = tf.run("plan", "-input=false", "-no-color", "-json")
    imports = [e for e in plan.json_lines() if e.get("type") == "planned_change"]
    assert sorted((e["change"]["resource"]["addr"], e["change"]["action"]) for e in imports) == [
        ("aws_cloudwatch_log_group.g", "import"),
        ("aws_iam_role.r", "import"),
    ]
    tf.apply()
    assert tf.changes() == []
    azs = tf.outputs()["azs"]
    assert azs and all(name.startswith("us-east-1") for name in azs)
    tf.destroy()
    assert [r for r in iam.list_roles()["Roles"] if r["RoleName"] == "emu-imported-role"] == []


def test_apply_failure_is_a_clear_diagnostic(tf_project, moto_server) -> None:
    tf = tf_project('resource "aws_sqs_queue" "bad" {\n  name       = "not-fifo"\n  fifo_queue = true\n}\n')
    tf.init()
    res = tf.run("apply", "-auto-approve", "-input=false", "-no-color", check=False)
    assert res.rc == 1
    assert "creating SQS Queue (not-fifo): a FIFO queue name must end with .fifo" in res.stderr + res.stdout


def test_ipam_allocation_without_a_registry_is_a_clear_error(tf_project) -> None:
    # moto has no IPAM: the emulator provider simulates it from a registry it must be given
    tf = tf_project('resource "aws_vpc_ipam_pool_cidr_allocation" "a" {\n  ipam_pool_id = "ipam-pool-0abc"\n}\n')
    tf.env.pop("STRANDS_TF_EMULATOR_IPAM_FILE", None)
    tf.init()
    assert tf.changes() == [("aws_vpc_ipam_pool_cidr_allocation.a", "create")]
    res = tf.run("apply", "-auto-approve", "-input=false", "-no-color", check=False)
    assert res.rc == 1
    assert "IPAM is simulated by the emulator provider and no registry is configured" in res.stderr + res.stdout


def test_ipam_allocation_from_a_simulated_pool(tf_project, tmp_path) -> None:
    registry = IpamRegistry(tmp_path / "ipam.json")
    registry.define_pool("ipam-pool-0abc", "10.60.0.0/16")
    tf = tf_project(
        'resource "aws_vpc_ipam_pool_cidr_allocation" "a" {\n  ipam_pool_id = "ipam-pool-0abc"\n'
        '  netmask_length = 20\n}\noutput "cidr" { value = aws_vpc_ipam_pool_cidr_allocation.a.cidr }\n'
    )
    tf.env[IPAM_FILE_ENV] = str(registry.path)
    tf.init()
    tf.apply()
    assert tf.outputs()["cidr"] == "10.60.0.0/20"
    assert tf.changes() == []
    alloc_id = next(iter(json.loads(registry.path.read_text())["allocations"]))
    registry.release(alloc_id)  # released behind Terraform's back: planned again
    assert tf.changes() == [("aws_vpc_ipam_pool_cidr_allocation.a", "create")]
    tf.apply()
    tf.destroy()
    assert json.loads(registry.path.read_text())["allocations"] == {}
