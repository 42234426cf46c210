"""Least-privilege IAM statements from permission edges, per resource type and access template."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

logger = logging.getLogger(__name__)

# Actions per (resource kind, access template). Reads never include writes and vice versa.
ACTIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("dynamodb", "read"): (
        "dynamodb:BatchGetItem", "dynamodb:ConditionCheckItem", "dynamodb:DescribeTable", "dynamodb:GetItem",
        "dynamodb:Query", "dynamodb:Scan",
    ),
    ("dynamodb", "write"): (
        "dynamodb:BatchWriteItem", "dynamodb:DeleteItem", "dynamodb:DescribeTable", "dynamodb:PutItem",
        "dynamodb:UpdateItem",
    ),
    ("s3", "read"): ("s3:GetObject", "s3:GetObjectVersion", "s3:ListBucket"),
    ("s3", "write"): ("s3:AbortMultipartUpload", "s3:DeleteObject", "s3:PutObject"),
    ("sqs", "consume"): (
        "sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
        "sqs:ReceiveMessage",
    ),
    ("sqs", "publish"): ("sqs:GetQueueAttributes", "sqs:GetQueueUrl", "sqs:SendMessage"),
    ("sns", "publish"): ("sns:Publish",),
    ("agent", "invoke"): ("lambda:InvokeFunction",),
}  # fmt: skip
ACTIONS[("dynamodb", "read_write")] = tuple(sorted({*ACTIONS[("dynamodb", "read")], *ACTIONS[("dynamodb", "write")]}))
ACTIONS[("s3", "read_write")] = tuple(sorted({*ACTIONS[("s3", "read")], *ACTIONS[("s3", "write")]}))
ACTIONS[("sqs", "read_write")] = tuple(sorted({*ACTIONS[("sqs", "consume")], *ACTIONS[("sqs", "publish")]}))

# Bucket-level S3 actions apply to the bucket ARN; everything else to objects (bucket/*).
S3_BUCKET_ACTIONS = frozenset({"s3:ListBucket", "s3:GetBucketLocation", "s3:ListBucketVersions"})

BEDROCK_ACTIONS = ("bedrock:InvokeModel", "bedrock:InvokeModelWithResponseStream")

# Regions a geographic cross-region inference profile routes requests to (Bedrock documentation).
INFERENCE_PROFILE_REGIONS: dict[str, tuple[str, ...]] = {
    "us": ("us-east-1", "us-east-2", "us-west-2"),
    "us-gov": ("us-gov-east-1", "us-gov-west-1"),
    "eu": ("eu-central-1", "eu-north-1", "eu-south-1", "eu-south-2", "eu-west-1", "eu-west-3"),
    "apac": (
        "ap-northeast-1", "ap-northeast-2", "ap-northeast-3", "ap-south-1", "ap-south-2", "ap-southeast-1",
        "ap-southeast-2", "ap-southeast-4",
    ),
    "ca": ("ca-central-1", "us-east-1", "us-east-2", "us-west-2"),
    "jp": ("ap-northeast-1", "ap-northeast-3"),
    "au": ("ap-southeast-2", "ap-southeast-4"),
}  # fmt: skip


@dataclass(frozen=True)
class Statement:
    """One Allow statement: sorted actions on sorted resources (strings that may contain ${...})."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effect: str = "Allow"

    def to_dict(self) -> dict[str, object]:
        """The execution-role module's policy_statements element."""
        return {
            "sid": self.sid,
            "effect": self.effect,
            "actions": list(self.actions),
            "resources": list(self.resources),
        }


@dataclass
class PolicyBuilder:
    """Collects statements for one role; identical (actions, resources) pairs are kept once."""

    statements: list[Statement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(self, sid: str, actions: tuple[str, ...] | list[str], resources: tuple[str, ...] | list[str]) -> None:
        """Add a statement with a readable sid (letters and digits only, as IAM requires)."""
        clean_sid = "".join(ch for ch in sid.title() if ch.isalnum())[:100]
        self.statements.append(Statement(clean_sid, tuple(sorted(set(actions))), tuple(sorted(set(resources)))))


def model_resources(model_id: str, *, partition: str, region: str, account: str) -> tuple[list[str], str]:
    """Resource ARNs that `bedrock:InvokeModel*` needs for a model or inference profile id; and a kind label."""
    if model_id.startswith("arn:"):
        return [model_id], "arn"
    prefix, _, base = model_id.partition(".")
    if prefix == "global" and base:
        # global profiles route to any commercial region; AWS documents a region-less foundation-model ARN
        return [
            f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}",
            f"arn:{partition}:bedrock:::foundation-model/{base}",
            f"arn:{partition}:bedrock:*::foundation-model/{base}",
        ], "global-profile"
    if prefix in INFERENCE_PROFILE_REGIONS and base:
        arns = [f"arn:{partition}:bedrock:{region}:{account}:inference-profile/{model_id}"]
        arns += [f"arn:{partition}:bedrock:{r}::foundation-model/{base}" for r in INFERENCE_PROFILE_REGIONS[prefix]]
        return arns, "inference-profile"
    return [f"arn:{partition}:bedrock:{region}::foundation-model/{model_id}"], "foundation-model"


def resource_arns_for(kind: str, arn: str, actions: tuple[str, ...] | list[str]) -> list[str]:
    """ARNs a set of actions must be scoped to for one resource (object and index ARNs where needed)."""
    if kind == "s3":
        out: list[str] = []
        if any(a in S3_BUCKET_ACTIONS or a == "s3:*" for a in actions):
            out.append(arn)
        if any(a not in S3_BUCKET_ACTIONS for a in actions):
            out.append(f"{arn}/*")
        return out
    if kind == "dynamodb":
        reads_indexes = any(a in ("dynamodb:Query", "dynamodb:Scan", "dynamodb:*") for a in actions)
        return [arn, f"{arn}/index/*"] if reads_indexes else [arn]
    if kind == "agent":
        return [arn, f"{arn}:*"]
    return [arn]
