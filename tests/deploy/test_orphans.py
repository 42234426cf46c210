"""Orphans: every named resource type strands creates is found by name in AWS (moto server), judged by its
tags and name, and only ours are ever deleted."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from strands_tf.deploy.orphans import FINDERS, Orphan, OrphanReport, _missing, delete, ownership, select
from strands_tf.errors import UserError
from tests.conftest import MotoServer

pytestmark = pytest.mark.moto

ASSUME = json.dumps({"Version": "2012-10-17", "Statement": [
    {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"Service": "lambda.amazonaws.com"}}]})  # fmt: skip


@pytest.fixture
def client(aws_env: MotoServer) -> Callable[[str], Any]:
    made: dict[str, Any] = {}

    def get(service: str) -> Any:
        if service not in made:
            made[service] = boto3.client(service, region_name="us-east-1", endpoint_url=aws_env.endpoint)
        return made[service]

    return get


def _make(client: Callable[[str], Any], kind: str, name: str, tags: dict[str, str]) -> None:
    pairs = [{"Key": k, "Value": v} for k, v in tags.items()]
    if kind == "aws_iam_role":
        client("iam").create_role(RoleName=name, AssumeRolePolicyDocument=ASSUME, Tags=pairs)
        client("iam").put_role_policy(
            RoleName=name,
            PolicyName="inline",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"}],
                }
            ),
        )
    elif kind == "aws_lambda_function":
        role = client("iam").create_role(RoleName=f"{name}-r", AssumeRolePolicyDocument=ASSUME)["Role"]["Arn"]
        import io
        import zipfile

        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w") as zf:
            zf.writestr("app.py", "def handler(e, c):\n    return 1\n")
        client("lambda").create_function(FunctionName=name, Runtime="python3.12", Role=role, Handler="app.handler",
                                         Code={"ZipFile": buf.getvalue()}, Tags=tags)  # fmt: skip
    elif kind == "aws_cloudwatch_log_group":
        client("logs").create_log_group(logGroupName=name, tags=tags)
    elif kind == "aws_dynamodb_table":
        client("dynamodb").create_table(TableName=name, BillingMode="PAY_PER_REQUEST", Tags=pairs or [],
            AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}])  # fmt: skip
    elif kind == "aws_s3_bucket":
        client("s3").create_bucket(Bucket=name)
        client("s3").put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
        client("s3").put_object(Bucket=name, Key="a", Body=b"1")
        client("s3").put_object(Bucket=name, Key="a", Body=b"2")
        if pairs:
            client("s3").put_bucket_tagging(Bucket=name, Tagging={"TagSet": pairs})
    elif kind == "aws_sqs_queue":
        client("sqs").create_queue(QueueName=name, tags=tags)
    elif kind == "aws_sns_topic":
        client("sns").create_topic(Name=name, Tags=pairs)


OURS = {"strands:project": "shop", "strands:environment": "dev", "managed-by": "strands-tf"}


def _absent(lookup: Any, client: Callable[[str], Any], name: str) -> bool:
    """Nothing by that name: the lookup says so, or the service answers not found (what find_orphans skips)."""
    try:
        return lookup(client, name) is None
    except ClientError as exc:
        return _missing(exc)


@pytest.mark.parametrize("kind", sorted(FINDERS))
def test_each_named_type_is_found_judged_and_deleted(kind: str, client: Callable[[str], Any]) -> None:
    name = f"shop-dev-{uuid.uuid4().hex[:8]}"
    lookup = FINDERS[kind][1]
    assert _absent(lookup, client, name)
    _make(client, kind, name, OURS)
    found = lookup(client, name)
    assert found is not None
    import_id, tags = found
    assert tags["strands:project"] == "shop"
    ours, _ = ownership(name, tags, "shop", "dev")
    assert ours
    orphan = Orphan("shop-dev", f"module.x.{kind}.this", kind, name, import_id, tags, ours, "")
    outcome = delete(client, [orphan])
    assert outcome.deleted == [orphan] and not outcome.failed
    assert _absent(lookup, client, name)


def test_ownership_needs_both_tags_and_our_naming() -> None:
    assert ownership("shop-dev-api", OURS, "shop", "dev")[0]
    assert not ownership("shop-dev-api", {**OURS, "strands:environment": "prod"}, "shop", "dev")[0]
    assert not ownership("shop-dev-api", {}, "shop", "dev")[0]
    ours, why = ownership("legacy-api", OURS, "shop", "dev")
    assert not ours and "naming" in why
    assert ownership("/aws/lambda/Shop-Dev-x", OURS, "shop", "dev")[0]  # S3 and log group names vary in case


def test_resources_that_are_not_ours_are_never_deleted(client: Callable[[str], Any]) -> None:
    name = f"shop-dev-{uuid.uuid4().hex[:8]}"
    _make(client, "aws_sqs_queue", name, {"owner": "someone"})
    import_id, tags = FINDERS["aws_sqs_queue"][1](client, name)  # type: ignore[misc]
    ours, reason = ownership(name, tags, "shop", "dev")
    orphan = Orphan("shop-dev", "module.q.aws_sqs_queue.this", "aws_sqs_queue", name, import_id, tags, ours, reason)
    outcome = delete(client, [orphan])
    assert outcome.refused == [orphan] and outcome.deleted == []
    assert client("sqs").get_queue_url(QueueName=name)["QueueUrl"] == import_id


def test_select_by_address_or_stack_address() -> None:
    a = Orphan("s1", "module.a.aws_iam_role.this", "aws_iam_role", "n", "n", {}, True, "")
    b = Orphan("s2", "module.b.aws_sqs_queue.this", "aws_sqs_queue", "q", "u", {}, True, "")
    report = OrphanReport([a, b])
    assert select(report, []) == [a, b]
    assert select(report, ["s2/module.b.aws_sqs_queue.this"]) == [b]
    assert select(report, ["module.a.aws_iam_role.this"]) == [a]
    with pytest.raises(UserError, match=r"no orphan at module\.c"):
        select(report, ["module.c.aws_s3_bucket.this"])
