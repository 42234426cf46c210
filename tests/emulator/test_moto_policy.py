"""The emulator's moto server evaluates bucket-policy conditions the way AWS does for HTTPS requests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from strands_tf.emulator import server
from strands_tf.emulator.moto_main import SECURE_CONTEXT, condition_holds, effective_policy

CONTEXT = {**SECURE_CONTEXT, "aws:PrincipalAccount": "123456789012"}
TLS_ONLY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "s3:*",
    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


@pytest.mark.parametrize(
    "operator, key, expected, result",
    [
        ("Bool", "aws:SecureTransport", "false", False),
        ("Bool", "aws:SecureTransport", ["true"], True),
        ("Bool", "aws:SecureTransport", False, False),
        ("NumericLessThan", "s3:TlsVersion", "1.2", False),
        ("NumericGreaterThanEquals", "s3:TlsVersion", ["1.2"], True),
        ("NumericLessThan", "s3:TlsVersion", "not-a-number", False),
        ("StringEquals", "aws:PrincipalAccount", "123456789012", True),
        ("StringNotEquals", "aws:PrincipalAccount", ["123456789012"], False),
        ("StringEqualsIgnoreCase", "aws:PrincipalAccount", "123456789012", True),
        ("StringLike", "aws:PrincipalAccount", "1234*", True),
        ("StringNotLike", "aws:PrincipalAccount", "9*", True),
        # keys the request does not carry: matching operators fail, negated ones and ...IfExists hold
        ("ArnLike", "aws:SourceArn", "arn:aws:s3:::logs", False),
        ("ArnNotEquals", "aws:SourceArn", "arn:aws:s3:::logs", True),
        ("StringEqualsIfExists", "aws:SourceAccount", "123456789012", True),
        ("Null", "aws:SourceArn", "true", True),
        ("Null", "aws:SecureTransport", "true", False),
        # operators not evaluated here keep moto's own behaviour
        ("DateGreaterThan", "aws:CurrentTime", "2020-01-01T00:00:00Z", None),
        ("ForAnyValue:StringEquals", "aws:TagKeys", ["a"], None),
    ],
)
def test_condition_holds(operator: str, key: str, expected: Any, result: bool | None) -> None:
    assert condition_holds(operator, key, expected, CONTEXT) is result


def test_effective_policy_drops_statements_whose_conditions_fail_and_strips_the_rest() -> None:
    allow = {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
    unknown = {**allow, "Sid": "Dated", "Condition": {"DateGreaterThan": {"aws:CurrentTime": "2020-01-01"}}}
    account = {**TLS_ONLY, "Sid": "OwnAccount", "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}}
    policy = {"Version": "2012-10-17", "Statement": [TLS_ONLY, allow, unknown, account]}
    statements = effective_policy(policy, CONTEXT)["Statement"]
    assert [s.get("Sid") for s in statements] == [None, "Dated", "OwnAccount"]
    assert all("Condition" not in s for s in statements)
    single = effective_policy({"Version": "2012-10-17", "Statement": TLS_ONLY}, CONTEXT)
    assert single["Statement"] == []


@pytest.fixture(scope="module")
def s3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    info = server.start(log_file=Path(tmp_path_factory.mktemp("moto-policy")) / "moto.log")
    try:
        yield boto3.client(
            "s3",
            endpoint_url=info.endpoint,
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )
    finally:
        server.stop(info)


def _policy(bucket: str, *statements: dict[str, Any]) -> str:
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return json.dumps({"Version": "2012-10-17", "Statement": [{**s, "Resource": resources} for s in statements]})


def test_tls_only_bucket_accepts_object_requests(s3: Any) -> None:
    s3.create_bucket(Bucket="tls-only")
    s3.put_bucket_policy(Bucket="tls-only", Policy=_policy("tls-only", TLS_ONLY))
    s3.put_object(Bucket="tls-only", Key="code.zip", Body=b"zip")
    assert s3.get_object(Bucket="tls-only", Key="code.zip")["Body"].read() == b"zip"
    s3.delete_object(Bucket="tls-only", Key="code.zip")
    # the policy itself is stored and returned unchanged
    assert json.loads(s3.get_bucket_policy(Bucket="tls-only")["Policy"])["Statement"][0]["Condition"] == {
        "Bool": {"aws:SecureTransport": "false"}
    }


def test_deny_statements_that_apply_still_deny(s3: Any) -> None:
    s3.create_bucket(Bucket="locked")
    s3.put_object(Bucket="locked", Key="k", Body=b"x")
    deny_own_account = {
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:GetObject",
        "Condition": {"StringEquals": {"aws:PrincipalAccount": "123456789012"}},
    }
    s3.put_bucket_policy(Bucket="locked", Policy=_policy("locked", TLS_ONLY, deny_own_account))
    with pytest.raises(ClientError) as info:
        s3.get_object(Bucket="locked", Key="k")
    assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    s3.put_object(Bucket="locked", Key="k2", Body=b"y")  # PutObject is not denied
