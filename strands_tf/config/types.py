"""Constrained scalar types shared by the strands.yaml models, with messages a user can act on."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, Field, StrictBool, StrictInt, WithJsonSchema
from pydantic_core import PydanticCustomError

__all__ = [
    "AccountId",
    "AgentName",
    "Cidr",
    "EnvVarName",
    "IamRoleArn",
    "KeyPrefix",
    "KmsKeyRef",
    "LogRetentionDays",
    "ProjectName",
    "Region",
    "ResourceName",
    "S3BucketName",
    "StrictBool",
    "TagMap",
    "bounded",
]

# Values CloudWatch Logs accepts for a log group's retention (PutRetentionPolicy).
LOG_RETENTION_VALUES = (
    1,
    3,
    5,
    7,
    14,
    30,
    60,
    90,
    120,
    150,
    180,
    365,
    400,
    545,
    731,
    1096,
    1827,
    2192,
    2557,
    2922,
    3288,
    3653,
)

# the shape of a region name; whether the region exists is checked against botocore's data by the loader
_REGION_RE = re.compile(r"^[a-z]{2,5}(-[a-z]+){1,2}-\d{1,2}$")
_NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_PROJECT_RE = re.compile(r"^[a-z][a-z0-9-]*[a-z0-9]$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ROLE_ARN_RE = re.compile(r"^arn:aws(-cn|-us-gov)?:iam::\d{12}:role/[\w+=,.@/-]{1,512}$")
_KMS_RE = re.compile(
    r"^(arn:aws(-cn|-us-gov)?:kms:[a-z0-9-]+:\d{12}:(key|alias)/[\w/+=,.@-]+"
    r"|alias/[\w/+=,.@-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|mrk-[0-9a-f]{32})$"
)
_BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
_ENV_VAR_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Lambda sets these itself; a function that sets them fails to create.
RESERVED_LAMBDA_ENV = frozenset(
    {
        "_HANDLER",
        "_X_AMZN_TRACE_ID",
        "AWS_DEFAULT_REGION",
        "AWS_REGION",
        "AWS_EXECUTION_ENV",
        "AWS_LAMBDA_FUNCTION_NAME",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
        "AWS_LAMBDA_FUNCTION_VERSION",
        "AWS_LAMBDA_INITIALIZATION_TYPE",
        "AWS_LAMBDA_LOG_GROUP_NAME",
        "AWS_LAMBDA_LOG_STREAM_NAME",
        "AWS_ACCESS_KEY",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_LAMBDA_RUNTIME_API",
        "LAMBDA_TASK_ROOT",
        "LAMBDA_RUNTIME_DIR",
    }
)


def _fail(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx)


def bounded(lo: int, hi: int, what: str) -> Any:
    """An integer in [lo, hi]; out-of-range messages name the limit, e.g. 'the Lambda maximum 10240'."""

    def check(value: int) -> int:
        if value < lo:
            raise _fail(
                "below_minimum", "{value} is below the {what} minimum {limit}", value=value, what=what, limit=lo
            )
        if value > hi:
            raise _fail(
                "above_maximum", "{value} is above the {what} maximum {limit}", value=value, what=what, limit=hi
            )
        return value

    return Annotated[StrictInt, AfterValidator(check), Field(json_schema_extra={"minimum": lo, "maximum": hi})]


def _pattern(regex: re.Pattern[str], kind: str, message: str, example: str) -> Any:
    def check(value: str) -> str:
        if not regex.match(value):
            raise _fail(kind, message + " (for example {example})", value=value, example=example)
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": regex.pattern})]


def _check_account(value: Any) -> Any:
    if isinstance(value, int) and not isinstance(value, bool):
        raise _fail(
            "account_not_quoted",
            "account ids must be quoted strings: YAML reads {value} as a number and drops leading zeros; "
            'write account: "{padded}"',
            value=value,
            padded=str(value).zfill(12),
        )
    return value


AccountId = Annotated[
    _pattern(_ACCOUNT_RE, "account_id", "'{value}' is not an AWS account id: expected 12 digits", "'123456789012'"),
    BeforeValidator(_check_account),
]
Region = _pattern(_REGION_RE, "region", "'{value}' is not an AWS region", "us-east-1")


def is_region_shaped(value: str) -> bool:
    """True when `value` looks like a region name (`xx-word-1`); whether it exists is another question."""
    return bool(_REGION_RE.match(value))


AgentName = _pattern(
    _NAME_RE,
    "name",
    "'{value}' is not a valid name: use lowercase letters, digits, '-' and '_', starting with a letter",
    "support-bot",
)
ResourceName = AgentName
ProjectName = _pattern(
    _PROJECT_RE,
    "project_name",
    "'{value}' is not a valid project name: use 2-30 lowercase letters, digits and '-', starting with a letter",
    "support-desk",
)
IamRoleArn = _pattern(
    _ROLE_ARN_RE, "role_arn", "'{value}' is not an IAM role ARN", "arn:aws:iam::123456789012:role/strands-deploy"
)
KmsKeyRef = _pattern(
    _KMS_RE,
    "kms_key",
    "'{value}' is not a KMS key ARN, key id or alias",
    "alias/strands or arn:aws:kms:us-east-1:123456789012:key/…",
)
S3BucketName = _pattern(
    _BUCKET_RE,
    "bucket_name",
    "'{value}' is not a valid S3 bucket name: 3-63 lowercase letters, digits, '.' and '-'",
    "acme-tfstate",
)


# characters AWS documents as safe in object keys; '/' separates the segments
_KEY_SEGMENT_RE = re.compile(r"^[A-Za-z0-9!_.*'()-]+$")


def _check_key_prefix(value: str) -> str:
    """A key prefix as '/'-joined names: leading, trailing and doubled '/' dropped; no '.'/'..' or odd characters.

    The history spools records under `.strands/history-spool/<prefix>/...` and local history directories mirror
    the keys: a '..' segment would write outside them. Terraform's S3 backend refuses keys with '//' or a
    leading '/'.
    """
    segments = [s for s in value.split("/") if s]
    example = "team-a/agents"
    if any(s in (".", "..") for s in segments):
        raise _fail(
            "key_prefix",
            "'{value}' has a '{segment}' segment: a key prefix is a path of names inside the bucket "
            "(for example {example})",
            value=value,
            segment=next(s for s in segments if s in (".", "..")),
            example=example,
        )
    if not all(_KEY_SEGMENT_RE.match(s) for s in segments):
        raise _fail(
            "key_prefix",
            "'{value}' has characters S3 keys should not hold: use letters, digits and ! - _ . * ' ( ) between "
            "the '/' (for example {example})",
            value=value,
            example=example,
        )
    return "/".join(segments)


KeyPrefix = Annotated[str, AfterValidator(_check_key_prefix)]


def _check_env_var(name: str) -> str:
    if not _ENV_VAR_RE.match(name):
        raise _fail("env_var_name", "'{value}' is not a valid environment variable name", value=name)
    if name in RESERVED_LAMBDA_ENV:
        raise _fail("env_var_reserved", "'{value}' is reserved by AWS Lambda and cannot be set", value=name)
    return name


EnvVarName = Annotated[str, AfterValidator(_check_env_var)]


def _check_retention(value: int) -> int:
    if value not in LOG_RETENTION_VALUES:
        nearest = min(LOG_RETENTION_VALUES, key=lambda v: abs(v - value))
        raise _fail(
            "log_retention",
            "{value} is not a retention CloudWatch Logs accepts; the nearest is {nearest} "
            "(allowed: 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, ...)",
            value=value,
            nearest=nearest,
        )
    return value


LogRetentionDays = Annotated[
    StrictInt, AfterValidator(_check_retention), Field(json_schema_extra={"enum": list(LOG_RETENTION_VALUES)})
]


def _check_cidr(value: str) -> str:
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise _fail(
            "cidr", "'{value}' is not a valid IPv4 CIDR block ({reason})", value=value, reason=str(exc)
        ) from None
    if net.version != 4:
        raise _fail("cidr", "'{value}' is not an IPv4 CIDR block", value=value)
    if not 16 <= net.prefixlen <= 28:
        raise _fail("cidr_size", "a VPC CIDR must be between /16 and /28, got /{prefix}", prefix=net.prefixlen)
    return value


Cidr = Annotated[str, AfterValidator(_check_cidr)]


def _coerce_scalar_to_str(value: Any) -> Any:
    """Numbers become strings (tag values like 4411); booleans stay an error (YAML 'yes' is True)."""
    if isinstance(value, bool):
        raise _fail(
            "bool_not_string",
            "expected a string, got the boolean {value}; quote it (YAML reads yes/no/on/off as booleans)",
            value=str(value).lower(),
        )
    if isinstance(value, int | float):
        return str(value)
    return value


# numbers are accepted and become strings, so editors must not flag `cost-center: 4411`
ScalarString = Annotated[
    str, BeforeValidator(_coerce_scalar_to_str), WithJsonSchema({"type": ["string", "number"]}, mode="validation")
]


def _check_tag_key(key: str) -> str:
    from strands_tf.cost.tags import key_problem  # the tag manager owns AWS's tag rules

    problem = key_problem(key)
    if problem is not None:
        raise _fail("tag_key", "{problem}", problem=problem)
    return key


def _check_tag_value(value: str) -> str:
    from strands_tf.cost.tags import value_problem

    problem = value_problem("", value)
    if problem is not None:
        raise _fail("tag_value", "{problem}", problem=problem.replace("the value of tag ''", "a tag value"))
    return value


# checked key by key and value by value, so each bad tag is reported at its own line
TagKey = Annotated[str, AfterValidator(_check_tag_key)]
TagValue = Annotated[ScalarString, AfterValidator(_check_tag_value)]
TagMap = dict[TagKey, TagValue]
EnvVarMap = dict[EnvVarName, ScalarString]
