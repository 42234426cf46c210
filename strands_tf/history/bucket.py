"""`strands history init`: create the history bucket with every protection on, idempotently."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from botocore import exceptions as bx

from strands_tf.aws.errors import CONVERTIBLE, convert_aws_error
from strands_tf.aws.target import AwsTarget

log = logging.getLogger(__name__)

# S3 moves objects to STANDARD_IA no earlier than 30 days after creation.
IA_MIN_DAYS = 30
NONCURRENT_DAYS = 30
ABORT_MULTIPART_DAYS = 7


@dataclass
class BucketSettings:
    """What the history bucket gets."""

    bucket: str
    region: str
    retention_days: int
    prefix: str = ""
    kms_key: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)


@dataclass
class BucketReport:
    """What init did: created or found, and each setting applied."""

    bucket: str
    created: bool
    applied: list[str]


def tls_only_policy(bucket: str) -> dict[str, Any]:
    """Deny every request not made over TLS 1.2+."""
    resources = [f"arn:aws:s3:::{bucket}", f"arn:aws:s3:::{bucket}/*"]
    return {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyInsecureTransport",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
            {
                "Sid": "DenyOutdatedTls",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": resources,
                "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
            },
        ],
    }


def lifecycle_rules(retention_days: int, prefix: str = "") -> list[dict[str, Any]]:
    """Expire records after the retention, move aging ones to STANDARD_IA, abort stale multipart uploads."""
    scope = {"Prefix": prefix.strip("/") + "/" if prefix.strip("/") else ""}
    rules: list[dict[str, Any]] = [
        {
            "ID": "strands-history-expire",
            "Status": "Enabled",
            "Filter": dict(scope),
            "Expiration": {"Days": retention_days},
            "NoncurrentVersionExpiration": {"NoncurrentDays": min(NONCURRENT_DAYS, retention_days)},
        },
        {
            "ID": "strands-history-abort-multipart",
            "Status": "Enabled",
            "Filter": dict(scope),
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": ABORT_MULTIPART_DAYS},
        },
    ]
    # a transition must come before expiry and no earlier than S3's 30-day minimum for STANDARD_IA
    transition_day = max(IA_MIN_DAYS, retention_days // 2)
    if transition_day < retention_days:
        rules.append(
            {
                "ID": "strands-history-infrequent-access",
                "Status": "Enabled",
                "Filter": dict(scope),
                "Transitions": [{"Days": transition_day, "StorageClass": "STANDARD_IA"}],
            }
        )
    return rules


def encryption_rule(kms_key: str | None) -> dict[str, Any]:
    """Default encryption: the given KMS key, else SSE-S3."""
    if kms_key:
        default = {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": kms_key}
        return {"ApplyServerSideEncryptionByDefault": default, "BucketKeyEnabled": True}
    return {"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}, "BucketKeyEnabled": True}


def init_bucket(client: Any, settings: BucketSettings, *, target: AwsTarget | None = None) -> BucketReport:
    """Create (or update) the bucket: public access block, ownership, versioning, encryption, TLS-only
    policy, tags and lifecycle. Safe to run again: every setting is put, not toggled."""
    bucket = settings.bucket
    applied: list[str] = []

    def call(operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(client, operation)(**kwargs)
        except CONVERTIBLE as exc:
            raise convert_aws_error(exc, target=target, operation=f"s3:{operation} {bucket}") from exc

    # HeadBucket first: in us-east-1 CreateBucket answers 200 for a bucket the caller already owns
    created = not _exists(client, bucket, target)
    if created:
        kwargs: dict[str, Any] = {"Bucket": bucket, "ObjectOwnership": "BucketOwnerEnforced"}
        if settings.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": settings.region}
        try:
            client.create_bucket(**kwargs)
        except bx.ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "BucketAlreadyOwnedByYou":
                raise convert_aws_error(exc, target=target, operation=f"s3:CreateBucket {bucket}") from exc
            created = False
        except CONVERTIBLE as exc:
            raise convert_aws_error(exc, target=target, operation=f"s3:CreateBucket {bucket}") from exc
    # the public access block first: nothing below may ever open the bucket, even for a moment
    call(
        "put_public_access_block",
        Bucket=bucket,
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True,
            "IgnorePublicAcls": True,
            "BlockPublicPolicy": True,
            "RestrictPublicBuckets": True,
        },
    )
    applied.append("public access block")
    call(
        "put_bucket_ownership_controls",
        Bucket=bucket,
        OwnershipControls={"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]},
    )
    applied.append("ownership controls (BucketOwnerEnforced)")
    call("put_bucket_versioning", Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    applied.append("versioning")
    call(
        "put_bucket_encryption",
        Bucket=bucket,
        ServerSideEncryptionConfiguration={"Rules": [encryption_rule(settings.kms_key)]},
    )
    applied.append(f"default encryption ({'KMS ' + settings.kms_key if settings.kms_key else 'SSE-S3'})")
    call("put_bucket_policy", Bucket=bucket, Policy=json.dumps(tls_only_policy(bucket)))
    applied.append("TLS-only bucket policy")
    tags = {"managed-by": "strands-tf", "strands:purpose": "deployment-history", **dict(settings.tags)}
    call(
        "put_bucket_tagging",
        Bucket=bucket,
        Tagging={"TagSet": [{"Key": k, "Value": v} for k, v in sorted(tags.items())]},
    )
    applied.append("tags")
    call(
        "put_bucket_lifecycle_configuration",
        Bucket=bucket,
        LifecycleConfiguration={"Rules": lifecycle_rules(settings.retention_days, settings.prefix)},
    )
    applied.append(f"lifecycle (expire after {settings.retention_days} days)")
    log.info("history bucket %s: %s", bucket, ", ".join(applied))
    return BucketReport(bucket, created, applied)


def _exists(client: Any, bucket: str, target: AwsTarget | None) -> bool:
    """Whether the bucket exists and is ours (404 → False; 403 means someone else's: an error)."""
    try:
        client.head_bucket(Bucket=bucket)
    except bx.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchBucket", "NotFound"):
            return False
        raise convert_aws_error(exc, target=target, operation=f"s3:HeadBucket {bucket}") from exc
    except CONVERTIBLE as exc:
        raise convert_aws_error(exc, target=target, operation=f"s3:HeadBucket {bucket}") from exc
    return True


def bucket_exists(client: Any, bucket: str, target: AwsTarget | None = None) -> bool:
    """Whether `bucket` exists (and the caller may see it)."""
    return _exists(client, bucket, target)
