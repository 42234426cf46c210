"""Real Terraform against moto: S3 bucket configuration resources, IAM, log groups, policy documents."""

from __future__ import annotations

import json

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto, pytest.mark.slow]


def test_storage_and_iam_stack(tf_project, moto_server) -> None:
    tf = tf_project("", stacks=("storage_iam.tf",), reattach=True)
    tf.init()
    tf.apply()
    s3, iam, logs = (client(moto_server.endpoint, s) for s in ("s3", "iam", "logs"))

    # the secure settings really are on the emulator
    bucket = "emu-data-bucket"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    rules = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"]
    assert rules[0]["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "AES256"
    pab = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(pab.values()) and len(pab) == 4
    owner = s3.get_bucket_ownership_controls(Bucket=bucket)["OwnershipControls"]["Rules"][0]
    assert owner["ObjectOwnership"] == "BucketOwnerEnforced"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert policy["Statement"][0]["Principal"] == "*"
    logging_cfg = s3.get_bucket_logging(Bucket=bucket)["LoggingEnabled"]
    assert (logging_cfg["TargetBucket"], logging_cfg["TargetPrefix"]) == ("emu-access-logs", "data/")
    lifecycle = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"][0]
    assert lifecycle["Expiration"]["Days"] == 30
    role = iam.get_role(RoleName="emu-agent-role")["Role"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    assert iam.list_role_policies(RoleName="emu-agent-role")["PolicyNames"] == ["read-data"]
    attached = iam.list_attached_role_policies(RoleName="emu-agent-role")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["emu-agent-logs"]
    group = logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/emu-storage-agent")["logGroups"][0]
    assert group["retentionInDays"] == 30
    out = tf.outputs()
    assert out["role_arn"] == role["Arn"]
    assert out["log_group_arn"] == "arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/emu-storage-agent"

    # second plan: no changes (policy JSON compared semantically, defaults filled like the real provider)
    assert tf.changes() == []

    # like the real provider, a refresh sees what dependents changed (attachment count, inline policies,
    # the bucket's encryption); once recorded, nothing is drifting
    tf.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    assert tf.drift() == []

    # out-of-band changes are drift
    logs.put_retention_policy(logGroupName="/aws/lambda/emu-storage-agent", retentionInDays=7)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended"})
    # (the bucket's own read-only versioning block reports the suspension too, as with the real provider)
    assert tf.drift() == [
        "aws_cloudwatch_log_group.agent",
        "aws_s3_bucket.data",
        "aws_s3_bucket_versioning.data",
    ]
    assert tf.changes() == [
        ("aws_cloudwatch_log_group.agent", "update"),
        ("aws_s3_bucket_versioning.data", "update"),
    ]
    tf.apply()
    assert tf.changes() == []

    # a resource deleted behind Terraform's back is planned again
    iam.delete_role_policy(RoleName="emu-agent-role", PolicyName="read-data")
    assert tf.changes() == [("aws_iam_role_policy.read_data", "create")]

    # renaming forces replacement; a retention change is an in-place update
    main = tf.workdir / "main.tf"
    main.write_text(
        main.read_text()
        .replace('"emu-agent-role"', '"emu-agent-role-2"')
        .replace("retention_in_days = 30", "retention_in_days = 90")
    )
    changes = dict(tf.changes())
    assert changes["aws_iam_role.agent"] == "replace"
    assert changes["aws_cloudwatch_log_group.agent"] == "update"
    tf.apply()
    assert tf.changes() == []

    tf.destroy()
    assert [b["Name"] for b in s3.list_buckets()["Buckets"] if b["Name"] in (bucket, "emu-access-logs")] == []
    assert [r["RoleName"] for r in iam.list_roles()["Roles"] if r["RoleName"].startswith("emu-agent-role")] == []
    assert logs.describe_log_groups(logGroupNamePrefix="/aws/lambda/emu-storage-agent")["logGroups"] == []
