"""Least-privilege IAM statements from permission edges, per resource type and access template."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

from strands_tf.config.secrets import SECRET_ARN_RE, SSM_ARN_RE, SecretRef

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
class Condition:
    """An IAM condition: `test` (StringEquals...) on `variable` (kms:ViaService...) with sorted values."""

    test: str
    variable: str
    values: tuple[str, ...]

    def to_dict(self) -> dict[str, object]:
        return {"test": self.test, "variable": self.variable, "values": list(self.values)}


@dataclass(frozen=True)
class Statement:
    """One Allow statement: sorted actions on sorted resources (strings that may contain ${...})."""

    sid: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    effect: str = "Allow"
    conditions: tuple[Condition, ...] = ()

    def to_dict(self) -> dict[str, object]:
        """The execution-role module's policy_statements element (`conditions` only when there are some)."""
        out: dict[str, object] = {
            "sid": self.sid,
            "effect": self.effect,
            "actions": list(self.actions),
            "resources": list(self.resources),
        }
        if self.conditions:
            out["conditions"] = [c.to_dict() for c in self.conditions]
        return out


@dataclass
class PolicyBuilder:
    """Collects statements for one role; identical (actions, resources) pairs are kept once."""

    statements: list[Statement] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def add(
        self,
        sid: str,
        actions: tuple[str, ...] | list[str],
        resources: tuple[str, ...] | list[str],
        conditions: tuple[Condition, ...] = (),
    ) -> None:
        """Add a statement with a readable sid (letters and digits only, as IAM requires)."""
        clean_sid = "".join(ch for ch in sid.title() if ch.isalnum())[:100]
        self.statements.append(
            Statement(clean_sid, tuple(sorted(set(actions))), tuple(sorted(set(resources))), conditions=conditions)
        )


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


SSM_READ_ACTIONS = ("ssm:GetParameter", "ssm:GetParameters")
SECRETS_MANAGER_READ_ACTIONS = ("secretsmanager:GetSecretValue",)
# Secrets Manager appends "-" and 6 random characters to a secret's name in its ARN
_SECRET_SUFFIX = re.compile(r"-[A-Za-z0-9]{6}$")


@dataclass(frozen=True)
class SecretGrant:
    """What an agent's role needs to read one secret: the ARN to read, and the KMS key and service if any."""

    store: str  # "ssm" | "secretsmanager"
    arn: str
    kms_key: str | None
    via_service: str  # e.g. ssm.us-east-1.amazonaws.com (may contain ${...})


def secret_grant(ref: SecretRef, *, partition: str, region: str, account: str, dns_suffix: str) -> SecretGrant:
    """The exact ARN (with `-??????` for a secret named without its suffix) and the service decrypting it."""
    if ref.ssm is not None:
        match = SSM_ARN_RE.match(ref.ssm)
        if match:
            arn, where = ref.ssm, match["region"]
        else:
            arn, where = f"arn:{partition}:ssm:{region}:{account}:parameter/{ref.ssm.lstrip('/')}", region
        return SecretGrant("ssm", arn, ref.kms_key, f"ssm.{where}.{dns_suffix}")
    secret = str(ref.secretsmanager)
    match = SECRET_ARN_RE.match(secret)
    if match:
        # a partial ARN (no suffix) matches the real one only with the documented "-??????" wildcard
        arn = secret if _SECRET_SUFFIX.search(match["name"]) else f"{secret}-??????"
        where = match["region"]
    else:
        arn, where = f"arn:{partition}:secretsmanager:{region}:{account}:secret:{secret}-??????", region
    return SecretGrant("secretsmanager", arn, ref.kms_key, f"secretsmanager.{where}.{dns_suffix}")


def add_secret_statements(policy: PolicyBuilder, grants: list[SecretGrant]) -> None:
    """Read exactly these parameters and secrets; decrypt with a customer key only through those services."""
    ssm = [g.arn for g in grants if g.store == "ssm"]
    if ssm:
        policy.add("Secrets Ssm", SSM_READ_ACTIONS, ssm)
    manager = [g.arn for g in grants if g.store == "secretsmanager"]
    if manager:
        policy.add("Secrets Manager", SECRETS_MANAGER_READ_ACTIONS, manager)
    services: dict[str, set[str]] = {}
    for grant in grants:
        if grant.kms_key:
            services.setdefault(grant.kms_key, set()).add(grant.via_service)
    for index, (key, via) in enumerate(sorted(services.items()), start=1):
        policy.add(
            f"Secrets Kms {index}" if len(services) > 1 else "Secrets Kms",
            ["kms:Decrypt"],
            [key],
            conditions=(Condition("StringEquals", "kms:ViaService", tuple(sorted(via))),),
        )
