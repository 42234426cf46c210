"""Pydantic models of strands.yaml: the typed boundary between the file a user writes and everything else.

Every field has a description: `strands schema` publishes them for editor completion and
docs/configuration.md is generated from them.
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StrictBool, field_validator, model_validator
from pydantic_core import PydanticCustomError

from strands_tf.config.secrets import SecretRef
from strands_tf.config.types import (
    AccountId,
    AgentName,
    Cidr,
    EnvVarMap,
    EnvVarName,
    IamRoleArn,
    KeyPrefix,
    KmsKeyRef,
    LogRetentionDays,
    ProjectName,
    Region,
    ResourceName,
    S3BucketName,
    TagMap,
    bounded,
)

Runtime = Literal["python3.10", "python3.11", "python3.12", "python3.13"]
Architecture = Literal["arm64", "x86_64"]
Access = Literal["read", "write", "read_write", "publish", "consume", "invoke"]

# Which access templates make sense for which target kind; "agent" is another agent (lambda invoke).
ACCESS_BY_KIND: dict[str, tuple[str, ...]] = {
    "s3": ("read", "write", "read_write"),
    "dynamodb": ("read", "write", "read_write"),
    "sqs": ("consume", "publish", "read_write"),
    "sns": ("publish",),
    "agent": ("invoke",),
}

HTTP_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "ANY")
_ROUTE_RE = re.compile(r"^(?P<method>[A-Z]+) (?P<path>/[A-Za-z0-9._~\-/{}+]*)$")
_HANDLER_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$")
_ORIGIN_RE = re.compile(r"^(\*|https?://[A-Za-z0-9.*-]+(:\d+)?)$")
_IAM_ACTION_RE = re.compile(r"^([a-z0-9-]+:[A-Za-z0-9*]+|\*)$")
VPC_ENDPOINT_SERVICES = (
    "s3",
    "dynamodb",
    "bedrock-runtime",
    "bedrock",
    "bedrock-agent-runtime",
    "sqs",
    "sns",
    "logs",
    "secretsmanager",
    "ssm",
    "kms",
    "sts",
    "lambda",
    "xray",
    "ecr.api",
    "ecr.dkr",
)


def _err(kind: str, message: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(kind, message, ctx)


def _check_route(route: str) -> str:
    if route == "$default":
        return route
    match = _ROUTE_RE.match(route)
    if not match:
        method, _, rest = route.partition(" ")
        if method.upper() in HTTP_METHODS and method != method.upper() and rest.startswith("/"):
            raise _err(
                "route_method_case",
                "'{route}': write the method in capitals, '{fixed}'",
                route=route,
                fixed=f"{method.upper()} {rest}",
            )
        raise _err("route", '\'{route}\' is not a route: expected "METHOD /path", e.g. "POST /chat"', route=route)
    if match["method"] not in HTTP_METHODS:
        raise _err(
            "route_method",
            "'{method}' in '{route}' is not an HTTP method ({allowed})",
            method=match["method"],
            route=route,
            allowed=", ".join(HTTP_METHODS),
        )
    return route


def _check_origin(origin: str) -> str:
    if not _ORIGIN_RE.match(origin):
        raise _err("cors_origin", "'{origin}' is not an origin: expected scheme://host[:port] or '*'", origin=origin)
    return origin


def _check_method(method: str) -> str:
    if method.upper() not in (*HTTP_METHODS, "*"):
        raise _err("cors_method", "'{method}' is not an HTTP method", method=method)
    return method.upper()


def _check_iam_action(action: str) -> str:
    if not _IAM_ACTION_RE.match(action):
        raise _err("iam_action", "'{action}' is not an IAM action: expected service:Action", action=action)
    return action


def _check_exclude(pattern: str) -> str:
    if "\x00" in pattern or "\n" in pattern or "\r" in pattern:
        raise _err("exclude_pattern", "an exclude pattern cannot hold a NUL or line-break character")
    if not pattern.strip().lstrip("!").strip("/"):
        raise _err(
            "exclude_pattern",
            "exclude pattern '{pattern}' is empty: write a gitignore-style glob such as 'docs/', '*.csv' or "
            "'!keep.json'",
            pattern=pattern,
        )
    return pattern


_INDEX_NAME_RE = re.compile(r"^[A-Za-z0-9_.-]+$")


def _check_index_name(name: str) -> str:
    if not _INDEX_NAME_RE.match(name):
        raise _err(
            "index_name", "'{name}' is not a DynamoDB index name: use letters, digits, '_', '-' and '.'", name=name
        )
    return name


# Checked one by one, so each bad item is reported at its own line (routes[1]) and all of them at once.
RouteKey = Annotated[str, AfterValidator(_check_route)]
ExcludePattern = Annotated[str, AfterValidator(_check_exclude)]
Origin = Annotated[str, AfterValidator(_check_origin)]
CorsMethod = Annotated[str, AfterValidator(_check_method)]
IamAction = Annotated[str, AfterValidator(_check_iam_action)]


class StrictModel(BaseModel):
    """Base of every strands.yaml model: unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(extra="forbid", frozen=False, validate_default=False)


# --------------------------------------------------------------------------------------------- agents


class CorsConfig(StrictModel):
    """Cross-origin settings of the HTTP API."""

    allow_origins: list[Origin] = Field(
        min_length=1, description='Origins allowed to call the API, e.g. ["https://app.example.com"].'
    )
    allow_methods: list[CorsMethod] = Field(
        default_factory=lambda: ["GET", "POST", "OPTIONS"], description="HTTP methods allowed from those origins."
    )
    allow_headers: list[str] = Field(
        default_factory=lambda: ["content-type", "authorization"], description="Request headers the browser may send."
    )
    expose_headers: list[str] = Field(default_factory=list, description="Response headers the browser may read.")
    max_age: bounded(0, 86400, "CORS max_age") = Field(300, description="Seconds a preflight answer is cached.")
    allow_credentials: StrictBool = Field(False, description="Allow cookies and authorization headers.")

    @model_validator(mode="after")
    def _credentials_need_origins(self) -> CorsConfig:
        if self.allow_credentials and "*" in self.allow_origins:
            raise _err(
                "cors_credentials_wildcard",
                "allow_credentials: true cannot be combined with allow_origins '*'; list the origins",
            )
        return self


class JwtConfig(StrictModel):
    """A JWT authorizer (Cognito, Auth0, Okta...): who issues tokens and for which audience."""

    issuer: str = Field(pattern=r"^https://", description="Token issuer URL, e.g. https://cognito-idp...")
    audience: list[str] = Field(min_length=1, description="Accepted audiences (client ids).")


class ApiConfig(StrictModel):
    """Routes of the project's HTTP API (API Gateway v2) that invoke this agent."""

    auth: Literal["iam", "jwt", "none"] = Field(
        "iam",
        description="iam: callers sign requests with AWS credentials (the default); jwt: bearer tokens from "
        "`jwt.issuer`; none: anyone on the internet may call the routes.",
    )
    jwt: JwtConfig | None = Field(None, description="The JWT authorizer when auth is jwt.")

    routes: list[RouteKey] = Field(min_length=1, description='Route keys "METHOD /path", e.g. "POST /chat".')
    cors: CorsConfig | None = Field(None, description="CORS for browser clients; omitted means no CORS.")
    throttling_burst_limit: bounded(1, 5000, "API burst limit") = Field(100, description="Burst requests.")
    throttling_rate_limit: bounded(1, 10000, "API rate limit") = Field(50, description="Steady requests/s.")

    @model_validator(mode="after")
    def _jwt_needs_issuer(self) -> ApiConfig:
        if self.auth == "jwt" and self.jwt is None:
            raise _err("api_jwt", "auth: jwt needs jwt: {issuer: https://..., audience: [...]}")
        if self.auth != "jwt" and self.jwt is not None:
            raise _err("api_jwt", "jwt only applies with auth: jwt")
        return self

    @field_validator("routes")
    @classmethod
    def _routes(cls, routes: list[str]) -> list[str]:
        seen: set[str] = set()
        for route in routes:
            if route in seen:
                raise _err("route_duplicate", "route '{route}' is listed twice", route=route)
            seen.add(route)
        return routes


class TriggerConfig(StrictModel):
    """An event source that invokes the agent: messages from an SQS queue of `resources`."""

    queue: ResourceName = Field(description="Name of an sqs resource whose messages invoke the agent.")
    batch_size: bounded(1, 10000, "SQS batch size") = Field(10, description="Messages per invocation.")
    maximum_batching_window: bounded(0, 300, "batching window") = Field(
        0, description="Seconds to gather a batch; must be >= 1 when batch_size > 10."
    )
    enabled: StrictBool = Field(True, description="Turn the trigger off without removing it.")

    @model_validator(mode="after")
    def _window_for_large_batches(self) -> TriggerConfig:
        if self.batch_size > 10 and self.maximum_batching_window < 1:
            raise _err(
                "batch_window",
                "batch_size {size} needs maximum_batching_window of at least 1 second (an AWS rule for "
                "batches over 10)",
                size=self.batch_size,
            )
        return self


class PermissionConfig(StrictModel):
    """Access from the agent to a resource or another agent, turned into least-privilege IAM."""

    resource: str = Field(description="Name of a resource in `resources`, or of another agent (for invoke).")
    access: Access | None = Field(
        None,
        description="Access template: read, write, read_write (s3, dynamodb), consume, publish (sqs), "
        "publish (sns), invoke (agent).",
    )
    actions: list[IamAction] | None = Field(
        None, description='Explicit IAM actions instead of a template, e.g. ["dynamodb:GetItem"].'
    )

    @field_validator("actions")
    @classmethod
    def _actions(cls, actions: list[str] | None) -> list[str] | None:
        if actions is None:
            return None
        if not actions:
            raise _err("actions_empty", "actions must list at least one IAM action")
        return actions

    @model_validator(mode="after")
    def _one_of(self) -> PermissionConfig:
        if (self.access is None) == (self.actions is None):
            raise _err("permission_shape", "give exactly one of access (a template) or actions (a list)")
        return self


class DeadLetterConfig(StrictModel):
    """Failed asynchronous invocations are kept in an SQS queue."""

    enabled: StrictBool = Field(True, description="Create the dead-letter queue.")
    retention_days: bounded(1, 14, "SQS retention") = Field(14, description="Days a failed event is kept.")


_EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")


def _check_email(value: str) -> str:
    if not _EMAIL_RE.match(value):
        raise _err("email", "'{value}' is not an e-mail address", value=value)
    return value


def _check_https(value: str) -> str:
    if not re.match(r"^https://[^\s/$.?#][^\s]*$", value):
        raise _err("https_url", "'{value}' is not an https:// URL (alarms are never sent over plain http)", value=value)
    return value


EmailAddress = Annotated[str, AfterValidator(_check_email)]
HttpsUrl = Annotated[str, AfterValidator(_check_https)]
AlarmPeriod = Literal[60, 300, 900, 3600]


class TracingSampling(StrictModel):
    """An X-Ray sampling rule for the agent's traces (the function's name is the rule's service name)."""

    rate: float = Field(ge=0, le=1, description="Fraction of requests traced beyond the reservoir, e.g. 0.05.")
    reservoir: bounded(0, 100000, "sampling reservoir") = Field(
        1, description="Requests per second traced before the rate applies."
    )
    priority: bounded(1, 9999, "sampling rule priority") = Field(
        1000, description="Rule priority (lower wins; X-Ray's default rule is last)."
    )


class AgentAlarms(StrictModel):
    """CloudWatch alarms on one agent; each threshold can be set, and `enabled: false` turns them off."""

    enabled: StrictBool | None = Field(None, description="Create the agent's alarms (default true).")
    errors: bounded(1, 100000, "alarm threshold") | None = Field(
        None, description="Invocation errors in one period that raise the alarm (default 1)."
    )
    throttles: bounded(1, 100000, "alarm threshold") | None = Field(
        None, description="Throttled invocations in one period that raise the alarm (default 1)."
    )
    duration_p95: float | None = Field(
        None,
        gt=0,
        le=1,
        description="p95 duration, as a fraction of the agent's timeout, that raises the alarm (default 0.8).",
    )
    dead_letter_messages: bounded(1, 100000, "alarm threshold") | None = Field(
        None, description="Messages waiting in the agent's dead-letter queue that raise the alarm (default 1)."
    )
    dead_letter_age: bounded(60, 1209600, "message age") | None = Field(
        None, description="Seconds the oldest dead-letter message may wait (default 3600)."
    )
    queue_age: bounded(1, 1209600, "message age") | None = Field(
        None,
        description="Seconds the oldest message of a trigger queue may wait before the agent takes it (default 300).",
    )
    period: AlarmPeriod | None = Field(
        None, description="Seconds each alarm evaluates: 60, 300, 900 or 3600 (default 300)."
    )
    evaluation_periods: bounded(1, 100, "evaluation periods") | None = Field(
        None,
        description="Periods in a row over the threshold before the alarm fires (default 1); period × "
        "evaluation_periods may be at most one day (7 days with period 3600), CloudWatch's limit.",
    )


class EnvironmentAlarms(StrictModel):
    """Where an environment's alarms go (one SNS topic), its dashboard, and the HTTP API and Bedrock alarms."""

    enabled: StrictBool = Field(True, description="Alarms, alarm topic and dashboard in this environment.")
    email: list[EmailAddress] = Field(
        default_factory=list, description="E-mail addresses subscribed to the alarm topic (each confirms once)."
    )
    https: list[HttpsUrl] = Field(
        default_factory=list, description="HTTPS endpoints subscribed to the alarm topic (chat and paging hooks)."
    )
    dashboard: StrictBool = Field(True, description="A CloudWatch dashboard with every agent's metrics.")
    api_5xx: bounded(1, 1000000, "alarm threshold") | None = Field(
        1, description="HTTP API 5xx responses in one period that raise the alarm (null: no alarm)."
    )
    api_4xx: bounded(1, 1000000, "alarm threshold") | None = Field(
        100, description="HTTP API 4xx responses in one period that raise the alarm (null: no alarm)."
    )
    api_latency_p95: bounded(1, 30000, "API latency") | None = Field(
        25000,
        description="HTTP API p95 latency in ms that raises the alarm (null: no alarm; the API times out at 30 s).",
    )
    bedrock_throttles: bounded(1, 1000000, "alarm threshold") | None = Field(
        1, description="Throttled Bedrock calls per model in one period that raise the alarm (null: no alarm)."
    )
    period: AlarmPeriod = Field(300, description="Seconds the API and Bedrock alarms evaluate.")


def _schema_allows_bool(schema: dict[str, Any]) -> None:
    """`dead_letter: true` is accepted (see _dead_letter_from_bool), so the published schema says so too."""
    schema.setdefault("anyOf", []).insert(0, {"type": "boolean"})


def _dead_letter_from_bool(value: Any) -> Any:
    if isinstance(value, bool):
        return {"enabled": value}
    return value


class AgentSettings(StrictModel):
    """Settings shared by `defaults`, agents and environment overrides (all optional here)."""

    runtime: Runtime | None = Field(None, description="Lambda Python runtime.")
    architecture: Architecture | None = Field(None, description="CPU architecture; arm64 is cheaper.")
    memory: bounded(128, 10240, "Lambda") | None = Field(None, description="Memory in MB (128-10240).")
    timeout: bounded(1, 900, "Lambda") | None = Field(None, description="Timeout in seconds (1-900).")
    ephemeral_storage: bounded(512, 10240, "Lambda /tmp") | None = Field(None, description="/tmp size in MB.")
    log_retention_days: LogRetentionDays | None = Field(None, description="CloudWatch Logs retention.")
    tracing: StrictBool | None = Field(None, description="AWS X-Ray active tracing.")
    tracing_sampling: TracingSampling | None = Field(
        None,
        description="An X-Ray sampling rule for the agent's traces (rate, reservoir); X-Ray's default rule otherwise.",
    )
    reserved_concurrency: bounded(0, 10000, "reserved concurrency") | None = Field(
        None, description="Concurrent executions reserved for the agent; 0 stops it."
    )
    model: str | None = Field(
        None,
        description="Bedrock model or inference profile id the agent calls, e.g. "
        "anthropic.claude-sonnet-4-20250514-v1:0 or us.anthropic.claude-sonnet-4-20250514-v1:0.",
    )
    environment: EnvVarMap | None = Field(
        None,
        description="Environment variables of the function. Their values are stored in the function's "
        "configuration and the Terraform state: put secrets under `secrets` instead.",
    )
    secrets: dict[EnvVarName, SecretRef] | None = Field(
        None,
        description="Secrets the function reads at runtime from SSM Parameter Store or Secrets Manager, by name: "
        "{OPENAI_API_KEY: {ssm: /acme/openai-key}, DB_PASSWORD: {secretsmanager: prod/db, key: password}}. "
        "Only their names and ARNs reach Terraform; the execution role may read exactly these (docs/secrets.md).",
    )
    vpc: StrictBool | None = Field(None, description="Run inside the environment's VPC.")
    dead_letter: DeadLetterConfig | None = Field(
        None,
        description="Dead-letter queue for failed asynchronous invocations: true, false, or its settings.",
        json_schema_extra=_schema_allows_bool,
    )
    package_upload: Literal["auto", "s3"] | None = Field(
        None,
        description="How the code and layer zips reach Lambda: `auto` uploads them with the function and switches "
        "to an S3 artifacts bucket only for a zip over 50 MB; `s3` always goes through the bucket.",
    )
    network: AgentNetwork | None = Field(
        None,
        description="Security group rules of the agent in the VPC, over the environment's (agents with the same "
        "rules share one security group).",
    )
    alarms: AgentAlarms | None = Field(
        None,
        description="CloudWatch alarms on the agent (errors, throttles, p95 duration, dead-letter queue, trigger "
        "queue age): on by default, thresholds here.",
    )
    exclude: list[ExcludePattern] | None = Field(
        None,
        description="gitignore-style patterns of files in the agent's directory to leave out of its package, "
        "e.g. ['docs/', '*.ipynb', '!fixtures/keep.json']. They add to the lists of `defaults` and of environment "
        "overrides and come after the `.gitignore` files, so `!pattern` takes a git-ignored file back. Secrets "
        "and state (.env*, *.tfstate*, *.tfplan, .terraform/, .strands/, .git/) are never packaged.",
    )

    @field_validator("dead_letter", mode="before")
    @classmethod
    def _dead_letter_bool(cls, value: Any) -> Any:
        return _dead_letter_from_bool(value)

    @field_validator("model")
    @classmethod
    def _model_id(cls, value: str | None) -> str | None:
        if (
            value is not None
            and not re.match(r"^[a-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?(:\d+k)?$", value)
            and not (value.startswith("arn:aws"))
        ):
            raise _err(
                "model_id",
                "'{value}' is not a Bedrock model id: expected provider.model-name[:version], e.g. "
                "anthropic.claude-sonnet-4-20250514-v1:0",
                value=value,
            )
        return value


class DefaultsConfig(AgentSettings):
    """Agent settings that apply to every agent unless the agent or an environment overrides them."""


class AgentConfig(AgentSettings):
    """One Strands agent, deployed as a Lambda function."""

    path: str = Field(description="Directory of the agent's code, relative to strands.yaml.")
    handler: str = Field("app.handler", description="module.function of the Lambda handler, e.g. app.handler.")
    description: str = Field("", max_length=256, description="Shown in the Lambda console.")
    requirements: str | None = Field(
        None,
        description="Requirements file relative to the agent path (default: requirements.txt if present).",
    )
    api: ApiConfig | None = Field(None, description="HTTP routes that invoke the agent.")
    triggers: list[TriggerConfig] = Field(default_factory=list, description="Event sources.")
    permissions: list[PermissionConfig] = Field(default_factory=list, description="Access to resources.")
    tags: TagMap = Field(
        default_factory=dict,
        description="Tags on what the agent creates (function, log group, role, queue); over the project's and "
        "environment's tags.",
    )

    @field_validator("handler")
    @classmethod
    def _handler(cls, value: str) -> str:
        if not _HANDLER_RE.match(value):
            raise _err("handler", "'{value}' is not a handler: expected module.function, e.g. app.handler", value=value)
        return value

    @field_validator("path")
    @classmethod
    def _path(cls, value: str) -> str:
        if value.startswith("/") or re.match(r"^[A-Za-z]:[\\/]", value):
            raise _err("abs_path", "path must be relative to strands.yaml, got '{value}'", value=value)
        return value


class AgentOverride(AgentSettings):
    """Per-environment changes to one agent."""

    description: str | None = Field(None, max_length=256, description="Description in this environment.")
    tags: TagMap | None = Field(None, description="Tags added to the agent's own in this environment.")


# ------------------------------------------------------------------------------------------ resources


class ResourceBase(StrictModel):
    tags: TagMap = Field(default_factory=dict, description="Extra tags for this resource.")


class S3Resource(ResourceBase):
    """An S3 bucket: encrypted, versioned, private, TLS-only."""

    type: Literal["s3"] = Field(description="`s3`: an S3 bucket.")
    bucket_name: S3BucketName | None = Field(None, description="Exact bucket name (default: derived).")
    versioning: StrictBool = Field(True, description="Keep previous versions of objects.")
    kms_key: KmsKeyRef | None = Field(None, description="Customer managed KMS key (default: SSE-S3).")
    expire_days: bounded(1, 36500, "S3 expiration") | None = Field(None, description="Delete objects after N days.")
    noncurrent_expire_days: bounded(1, 36500, "S3 expiration") = Field(90, description="Drop old versions.")
    force_destroy: StrictBool = Field(False, description="Allow destroy to delete a non-empty bucket.")


class GlobalSecondaryIndex(StrictModel):
    """A global secondary index: query the table by another key."""

    name: Annotated[str, AfterValidator(_check_index_name)] = Field(
        min_length=3, max_length=255, description="Index name: letters, digits, _ - and ., unique in the table."
    )
    hash_key: str = Field(min_length=1, max_length=255, description="Partition key attribute of the index.")
    hash_key_type: Literal["S", "N", "B"] = Field("S", description="Attribute type of hash_key.")
    range_key: str | None = Field(None, min_length=1, max_length=255, description="Sort key attribute of the index.")
    range_key_type: Literal["S", "N", "B"] = Field("S", description="Attribute type of range_key.")
    projection: Literal["ALL", "KEYS_ONLY"] = Field("ALL", description="Attributes copied into the index.")

    @model_validator(mode="after")
    def _distinct_keys(self) -> GlobalSecondaryIndex:
        if self.range_key is not None and self.range_key == self.hash_key:
            raise _err("range_key", "range_key must differ from hash_key '{key}'", key=self.hash_key)
        return self


class DynamoDbResource(ResourceBase):
    """A DynamoDB table: on-demand, encrypted, point-in-time recovery."""

    type: Literal["dynamodb"] = Field(description="`dynamodb`: a DynamoDB table.")
    hash_key: str = Field(min_length=1, max_length=255, description="Partition key attribute.")
    hash_key_type: Literal["S", "N", "B"] = Field("S", description="S (string), N (number) or B (binary).")
    range_key: str | None = Field(None, min_length=1, max_length=255, description="Sort key attribute.")
    range_key_type: Literal["S", "N", "B"] = Field("S", description="Attribute type of range_key.")
    billing_mode: Literal["on_demand", "provisioned"] = Field("on_demand", description="Capacity mode.")
    read_capacity: bounded(1, 40000, "DynamoDB read capacity") | None = Field(None, description="Provisioned RCU.")
    write_capacity: bounded(1, 40000, "DynamoDB write capacity") | None = Field(None, description="Provisioned WCU.")
    point_in_time_recovery: StrictBool = Field(True, description="Continuous backups for 35 days.")
    ttl_attribute: str | None = Field(
        None, min_length=1, max_length=255, description="Attribute holding an expiry epoch time."
    )
    stream: Literal["keys_only", "new_image", "old_image", "new_and_old_images"] | None = Field(
        None, description="DynamoDB stream view type."
    )
    kms_key: KmsKeyRef | None = Field(None, description="Customer managed KMS key (default: AWS owned key).")
    deletion_protection: StrictBool = Field(False, description="Refuse table deletion.")
    indexes: list[GlobalSecondaryIndex] = Field(default_factory=list, description="Global secondary indexes.")

    @model_validator(mode="after")
    def _capacity(self) -> DynamoDbResource:
        if self.billing_mode == "provisioned" and (self.read_capacity is None or self.write_capacity is None):
            raise _err("capacity", "billing_mode: provisioned needs read_capacity and write_capacity")
        if self.billing_mode == "on_demand" and (self.read_capacity or self.write_capacity):
            raise _err("capacity", "read_capacity/write_capacity only apply to billing_mode: provisioned")
        if self.range_key is not None and self.range_key == self.hash_key:
            raise _err("range_key", "range_key must differ from hash_key '{key}'", key=self.hash_key)
        return self

    @model_validator(mode="after")
    def _indexes(self) -> DynamoDbResource:
        # DynamoDB declares each key attribute once, with one type, and refuses two indexes of one name; the
        # module's precondition would only say so at plan time, without the line
        problems: list[str] = []
        names = [index.name for index in self.indexes]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"index name '{name}' is used twice")
        declared: dict[str, list[tuple[str, str]]] = {}
        keys = [("the table's hash_key", self.hash_key, self.hash_key_type)]
        if self.range_key is not None:
            keys.append(("the table's range_key", self.range_key, self.range_key_type))
        for index in self.indexes:
            keys.append((f"index {index.name}", index.hash_key, index.hash_key_type))
            if index.range_key is not None:
                keys.append((f"index {index.name}", index.range_key, index.range_key_type))
        for owner, attribute, kind in keys:
            declared.setdefault(attribute, []).append((owner, kind))
        for attribute, uses in declared.items():
            if len({kind for _owner, kind in uses}) > 1:
                types = ", ".join(f"{kind} in {owner}" for owner, kind in uses)
                problems.append(f"key attribute '{attribute}' has two types ({types}); give it one type everywhere")
        if problems:
            raise _err("indexes", "{problems}", problems="; ".join(problems))
        return self


class SqsResource(ResourceBase):
    """An SQS queue: encrypted, with an optional dead-letter queue."""

    type: Literal["sqs"] = Field(description="`sqs`: an SQS queue.")
    fifo: StrictBool = Field(False, description="First-in-first-out queue (name gets .fifo).")
    visibility_timeout: bounded(0, 43200, "SQS visibility timeout") = Field(
        30, description="Seconds a received message is hidden; must be >= the timeout of agents it triggers."
    )
    message_retention: bounded(60, 1209600, "SQS retention") = Field(345600, description="Seconds kept.")
    delay_seconds: bounded(0, 900, "SQS delay") = Field(0, description="Delivery delay in seconds.")
    receive_wait_time: bounded(0, 20, "SQS long polling") = Field(0, description="Long-poll seconds.")
    dead_letter: StrictBool = Field(False, description="Move poison messages to a dead-letter queue.")
    max_receive_count: bounded(1, 1000, "SQS max receive count") = Field(
        5, description="Receives before the dead-letter queue (with dead_letter: true)."
    )
    kms_key: KmsKeyRef | None = Field(None, description="Customer managed KMS key (default: SQS-managed SSE).")

    @model_validator(mode="after")
    def _receive_count(self) -> SqsResource:
        if "max_receive_count" in self.model_fields_set and not self.dead_letter:
            raise _err("dead_letter", "max_receive_count only applies with dead_letter: true")
        return self


class SnsResource(ResourceBase):
    """An SNS topic: encrypted with KMS."""

    type: Literal["sns"] = Field(description="`sns`: an SNS topic.")
    fifo: StrictBool = Field(False, description="FIFO topic (name gets .fifo).")
    kms_key: KmsKeyRef = Field("alias/aws/sns", description="KMS key for encryption at rest.")


ResourceConfig = Annotated[S3Resource | DynamoDbResource | SqsResource | SnsResource, Field(discriminator="type")]
RESOURCE_TYPES: dict[str, type[ResourceBase]] = {
    "s3": S3Resource,
    "dynamodb": DynamoDbResource,
    "sqs": SqsResource,
    "sns": SnsResource,
}


# ------------------------------------------------------------------------------------------- usage

# non-negative amounts: counts may be large, sizes fractional
Amount = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class AgentUsage(StrictModel):
    """How much one agent is used in a month: what its cost estimate assumes (defaults in docs/cost.md)."""

    invocations: Amount | None = Field(None, description="Invocations per month (default 10000).")
    duration_ms: Amount | None = Field(None, description="Average duration of one invocation in ms (default 3000).")
    input_tokens: Amount | None = Field(
        None, description="Model input tokens per invocation, every model call of it together (default 2000)."
    )
    output_tokens: Amount | None = Field(None, description="Model output tokens per invocation (default 500).")
    log_kb: Amount | None = Field(None, description="CloudWatch Logs written per invocation in KB (default 4).")


class ResourceUsage(StrictModel):
    """How much one resource is used in a month (defaults derived from the agents that use it)."""

    storage_gb: Amount | None = Field(None, description="s3, dynamodb: data stored in GB (default 1).")
    reads: Amount | None = Field(
        None,
        description="dynamodb: read request units; s3: GET requests, per month (default: one per invocation of "
        "each agent allowed to read it).",
    )
    writes: Amount | None = Field(
        None,
        description="dynamodb: write request units; s3: PUT requests, per month (default: one per invocation of "
        "each agent allowed to write it).",
    )
    requests: Amount | None = Field(
        None,
        description="sqs: API requests; sns: publishes, per month (default: sqs 3 per message, one message per "
        "invocation of each agent it triggers or that publishes to it; sns one per publishing agent invocation).",
    )


class NetworkUsage(StrictModel):
    """Traffic of the environment's VPC in a month."""

    nat_gb: Amount | None = Field(None, description="Data through the NAT gateways in GB (default 10).")
    endpoint_gb: Amount | None = Field(None, description="Data through interface endpoints in GB (default 1).")
    flow_log_gb: Amount | None = Field(None, description="VPC flow logs written in GB (default 1).")


class ApiUsage(StrictModel):
    """The HTTP API's access logs."""

    log_kb: Amount | None = Field(None, description="Access log written per request in KB (default 0.5).")


class UsageConfig(StrictModel):
    """Usage assumptions of the cost estimate, like Infracost's usage file; every estimate line names its own."""

    defaults: AgentUsage = Field(default_factory=AgentUsage, description="Usage of every agent not listed.")
    agents: dict[str, AgentUsage] = Field(default_factory=dict, description="Usage per agent, over defaults.")
    resources: dict[str, ResourceUsage] = Field(default_factory=dict, description="Usage per resource.")
    api: ApiUsage = Field(default_factory=ApiUsage, description="HTTP API access logs.")
    network: NetworkUsage = Field(default_factory=NetworkUsage, description="VPC traffic.")


# ------------------------------------------------------------------------------------- environments


def _check_rule_cidr(value: str) -> str:
    import ipaddress

    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise _err("cidr", "'{value}' is not a valid CIDR block ({reason})", value=value, reason=str(exc)) from None
    if net.version != 4:
        raise _err("cidr", "'{value}' is not an IPv4 CIDR block", value=value)
    return value


def _id_pattern(prefix: str) -> Any:
    regex = re.compile(rf"^{prefix}-[0-9a-f]{{8,17}}$")

    def check(value: str) -> str:
        if not regex.match(value):
            raise _err("aws_id", "'{value}' is not a {prefix} id (for example {prefix}-0a1b2c3d4e5f67890)",
                       value=value, prefix=prefix)  # fmt: skip
        return value

    return Annotated[str, AfterValidator(check), Field(json_schema_extra={"pattern": regex.pattern})]


RuleCidr = Annotated[str, AfterValidator(_check_rule_cidr)]
VpcId = _id_pattern("vpc")
SubnetId = _id_pattern("subnet")
SecurityGroupId = _id_pattern("sg")
PUBLIC_CIDRS = ("0.0.0.0/0",)


class NetworkRule(StrictModel):
    """A security group rule: to (egress) or from (ingress) a CIDR block or another security group."""

    cidr: RuleCidr | None = Field(None, description="IPv4 CIDR block, e.g. 10.0.0.0/8.")
    security_group: SecurityGroupId | None = Field(
        None, description="Another security group, by reference (preferred over a CIDR inside a VPC)."
    )
    protocol: Literal["tcp", "udp", "icmp", "all"] = Field("tcp", description="tcp, udp, icmp or all.")
    port: bounded(0, 65535, "port") | None = Field(None, description="Port (the first of a range with to_port).")
    to_port: bounded(0, 65535, "port") | None = Field(None, description="Last port of a range (default: port).")
    description: str = Field("", max_length=255, description="What the rule is for (shown in the console).")

    @model_validator(mode="after")
    def _shape(self) -> NetworkRule:
        if (self.cidr is None) == (self.security_group is None):
            raise _err("rule_target", "give exactly one of cidr or security_group")
        if self.protocol in ("tcp", "udp") and self.port is None:
            raise _err("rule_port", "a {protocol} rule needs port (and to_port for a range)", protocol=self.protocol)
        if self.protocol in ("icmp", "all") and (self.port is not None or self.to_port is not None):
            raise _err("rule_port", "port and to_port only apply to tcp and udp rules")
        if self.to_port is not None and (self.port is None or self.to_port < self.port):
            raise _err("rule_port", "to_port must be at least port")
        return self


class AgentNetwork(StrictModel):
    """Security group rules of an agent in its environment's VPC, added to the environment's own."""

    egress: list[NetworkRule] = Field(default_factory=list, description="Outbound rules (HTTPS 443 is always there).")
    ingress: list[NetworkRule] = Field(default_factory=list, description="Inbound rules (none by default).")


class VpcConfig(StrictModel):
    """A VPC for agents with `vpc: true`: one strands-tf creates (from a CIDR or an IPAM pool), or the team's own."""

    cidr: Cidr | None = Field(None, description="IPv4 CIDR of the VPC, e.g. 10.20.0.0/16.")
    ipam_pool_id: str | None = Field(
        None, pattern=r"^ipam-pool-[0-9a-f]{8,17}$", description="IPAM pool to allocate the VPC CIDR from."
    )
    netmask_length: bounded(16, 28, "VPC netmask") | None = Field(None, description="Prefix length from IPAM.")
    id: VpcId | None = Field(None, description="An existing VPC to place the agents in (with subnet_ids).")
    subnet_ids: list[SubnetId] = Field(
        default_factory=list, description="Existing VPC: its private subnets the agents run in (checked at plan)."
    )
    security_group_ids: list[SecurityGroupId] = Field(
        default_factory=list, description="Existing security groups attached to every agent as well."
    )
    availability_zones: bounded(1, 6, "availability zones") = Field(2, description="AZs to spread subnets over.")
    nat: Literal["none", "single", "one_per_az"] = Field("single", description="NAT gateways for egress.")
    endpoints: list[Literal[VPC_ENDPOINT_SERVICES]] = Field(  # type: ignore[valid-type]
        default_factory=list, description="VPC endpoints (gateway for s3/dynamodb, interface otherwise)."
    )
    flow_logs: StrictBool = Field(True, description="Record VPC flow logs to CloudWatch Logs.")
    egress: list[NetworkRule] = Field(
        default_factory=list, description="Outbound rules for every agent in the VPC (HTTPS 443 is always there)."
    )
    ingress: list[NetworkRule] = Field(default_factory=list, description="Inbound rules for every agent in the VPC.")
    allow_public_ingress: StrictBool = Field(
        False, description="Accept ingress rules from 0.0.0.0/0 (refused otherwise; a warning says it is used)."
    )

    @model_validator(mode="after")
    def _address_space(self) -> VpcConfig:
        if self.id is not None:
            created = [f for f in ("cidr", "ipam_pool_id", "netmask_length", "availability_zones", "nat",
                                   "endpoints", "flow_logs") if f in self.model_fields_set]  # fmt: skip
            if created:
                raise _err(
                    "vpc_existing",
                    "{fields} only apply to a VPC strands-tf creates; with id (an existing VPC) give subnet_ids "
                    "(and security_group_ids)",
                    fields=", ".join(created),
                )
            if not self.subnet_ids:
                raise _err("vpc_subnets", "an existing VPC (id) needs subnet_ids: its private subnets for the agents")
            if len(set(self.subnet_ids)) != len(self.subnet_ids):
                raise _err("vpc_subnets", "subnet_ids lists a subnet twice")
            return self
        if self.subnet_ids or self.security_group_ids:
            raise _err("vpc_subnets", "subnet_ids and security_group_ids need id (the existing VPC they belong to)")
        if (self.cidr is None) == (self.ipam_pool_id is None):
            raise _err("vpc_address", "give exactly one of cidr or ipam_pool_id (or id for an existing VPC)")
        if self.ipam_pool_id is not None and self.netmask_length is None:
            raise _err("vpc_netmask", "ipam_pool_id needs netmask_length (e.g. 20)")
        if self.cidr is not None and self.netmask_length is not None:
            raise _err("vpc_netmask", "netmask_length only applies with ipam_pool_id")
        return self

    @model_validator(mode="after")
    def _public_ingress(self) -> VpcConfig:
        if not self.allow_public_ingress and any(r.cidr in PUBLIC_CIDRS for r in self.ingress):
            raise _err(
                "public_ingress",
                "ingress from 0.0.0.0/0 opens the agents to the whole internet: name the sources (a CIDR or a "
                "security group), or set allow_public_ingress: true if that is really meant",
            )
        return self


class StateConfig(StrictModel):
    """Where Terraform keeps state: local files, an S3 bucket with lock files, or HCP Terraform."""

    backend: Literal["local", "s3", "cloud"] = Field("local", description="State backend.")
    bucket: S3BucketName | None = Field(None, description="s3: bucket holding the state.")
    key_prefix: KeyPrefix | None = Field(None, description="s3: key prefix; each stack gets <prefix>/<stack>.tfstate.")
    region: Region | None = Field(None, description="s3: bucket region (default: the environment's region).")
    lock: StrictBool = Field(True, description="s3: lock with S3 lock files (use_lockfile).")
    kms_key: KmsKeyRef | None = Field(None, description="s3: KMS key for the state objects.")
    organization: str | None = Field(None, description="cloud: HCP Terraform organization.")
    workspace: str | None = Field(
        None, description="cloud: workspace of the main stack (default <project>-<env>); other stacks add a suffix."
    )
    workspace_tags: list[str] | None = Field(
        None, description="cloud: tags on every stack's workspace (set by `strands hcp bootstrap`)."
    )
    project: str | None = Field(None, description="cloud: HCP Terraform project holding the workspaces.")
    hostname: str = Field("app.terraform.io", description="cloud: HCP Terraform or Terraform Enterprise host.")

    @model_validator(mode="after")
    def _backend_fields(self) -> StateConfig:
        if self.backend == "s3" and self.bucket is None:
            raise _err("state_bucket", "backend: s3 needs bucket (the S3 bucket that holds the state)")
        if self.backend == "cloud" and not self.organization:
            raise _err("state_org", "backend: cloud needs organization (your HCP Terraform organization)")
        if self.backend != "cloud" and (self.organization or self.workspace or self.workspace_tags or self.project):
            raise _err("state_org", "organization, workspace, workspace_tags and project only apply to backend: cloud")
        if self.backend != "s3" and (self.bucket or self.key_prefix):
            raise _err("state_bucket", "bucket and key_prefix only apply to backend: s3")
        return self


class OverridesConfig(StrictModel):
    """Per-environment changes, deep-merged over `defaults` and the agent's own settings."""

    defaults: DefaultsConfig | None = Field(None, description="Changes to `defaults` in this environment.")
    agents: dict[str, AgentOverride] = Field(default_factory=dict, description="Changes per agent.")
    resources: dict[str, dict[str, Any]] = Field(default_factory=dict, description="Changes per resource.")


class EnvironmentConfig(StrictModel):
    """One deployment target: an AWS account and region, or the local emulator."""

    target: Literal["aws", "emulator"] = Field("aws", description="aws, or emulator (offline, no account).")
    account: AccountId | None = Field(None, description="Expected AWS account id; deploys refuse others.")
    region: Region | None = Field(None, description="Region (default: the project's region).")
    allow_unknown_region: StrictBool = Field(
        False, description="Accept a region botocore does not list yet (a brand-new region) in this environment."
    )
    profile: str | None = Field(None, description="AWS CLI profile (including SSO profiles).")
    role_arn: IamRoleArn | None = Field(None, description="Role assumed for cross-account deploys.")
    external_id: str | None = Field(
        None, min_length=2, max_length=1224, description="External id required by the role's trust policy."
    )
    vpc: VpcConfig | None = Field(None, description="VPC for agents with vpc: true.")
    tags: TagMap = Field(default_factory=dict, description="Tags added in this environment.")
    state: StateConfig | None = Field(None, description="State backend for this environment.")
    overrides: OverridesConfig = Field(default_factory=OverridesConfig, description="Changes for this env.")
    usage: UsageConfig | None = Field(
        None, description="Usage in this environment for cost estimates, merged over the project's `usage`."
    )
    alarms: EnvironmentAlarms = Field(
        default_factory=EnvironmentAlarms,
        description="Alarm topic and its subscribers, dashboard, HTTP API and Bedrock alarms of this environment.",
    )

    @model_validator(mode="after")
    def _role_account(self) -> EnvironmentConfig:
        if self.role_arn and self.account and f":{self.account}:" not in self.role_arn:
            raise _err(
                "role_account",
                "role_arn is in a different account than account {account}; deploys would be refused",
                account=self.account,
            )
        if self.target == "emulator" and (self.profile or self.role_arn):
            raise _err("emulator_creds", "an emulator environment uses test credentials; remove profile/role_arn")
        return self


class HistoryConfig(StrictModel):
    """Deployment history: one record per apply, destroy and rollback."""

    bucket: S3BucketName | None = Field(None, description="S3 bucket for records (default: .strands/history).")
    prefix: KeyPrefix = Field("", description="Key prefix inside the bucket.")
    retention_days: bounded(1, 3650, "history retention") = Field(90, description="Days records are kept.")
    kms_key: KmsKeyRef | None = Field(None, description="KMS key for records (default: SSE-S3).")
    redact: list[str] = Field(default_factory=list, description="Regexes of values to redact before upload.")
    metrics: StrictBool = Field(
        False,
        description="Publish each deployment's duration, outcome and resource counts as CloudWatch metrics "
        "(namespace StrandsTF/Deployments; the deploying identity needs cloudwatch:PutMetricData).",
    )
    keep_local: bounded(1, 10000, "deployments kept") = Field(
        20,
        description="Deployments kept in .strands/deployments per environment (older ones are pruned after a "
        "successful apply; the rollback and resume targets are always kept).",
    )

    @field_validator("redact")
    @classmethod
    def _regexes(cls, patterns: list[str]) -> list[str]:
        for pattern in patterns:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise _err(
                    "regex", "'{pattern}' is not a valid regular expression: {reason}", pattern=pattern, reason=str(exc)
                ) from None
        return patterns


class EmulatorConfig(StrictModel):
    """The offline AWS target."""

    provider: Literal["builtin", "registry"] = Field(
        "builtin",
        description="builtin: the bundled offline provider; registry: hashicorp/aws from the registry.",
    )
    port: bounded(1024, 65535, "TCP port") | None = Field(None, description="Fixed port (default: a free one).")


# ------------------------------------------------------------------------------------------ operate

ModelProvider = Literal[
    "bedrock", "anthropic", "openai", "litellm", "ollama", "mistral", "gemini", "writer", "llamaapi"
]


class AnalyzeConfig(StrictModel):
    """The model `strands analyze --llm` asks: any Strands model provider, Bedrock by default."""

    provider: ModelProvider = Field(
        "bedrock",
        description="Strands model provider: bedrock (default), anthropic, openai, litellm, ollama, mistral, gemini, "
        "writer or llamaapi (install the provider's extra, e.g. strands-agents[openai]).",
    )
    model: str | None = Field(
        None, max_length=256, description="Model id for the provider (default: the provider's default model)."
    )
    region: Region | None = Field(None, description="bedrock: region of the model (default: the project's region).")
    profile: str | None = Field(None, description="bedrock: AWS profile to call it with (default: the usual chain).")
    params: dict[str, Any] = Field(
        default_factory=dict,
        description="More settings passed to the provider as they are (max_tokens, temperature, host for ollama, "
        "client_args); use ${env:NAME} for keys, never a literal secret.",
    )


# ------------------------------------------------------------------------------------------ project


class ProjectConfig(StrictModel):
    """strands.yaml: a project's agents, the AWS resources they use and where they are deployed."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"$id": "https://strands-tf.dev/schema/strands.yaml.json", "title": "strands.yaml"},
    )

    version: Literal[1] = Field(description="Format version of this file; always 1.")
    project: ProjectName = Field(description="Project name; prefixes every AWS name.")
    region: Region = Field("us-east-1", description="Default AWS region.")
    allow_unknown_region: StrictBool = Field(
        False, description="Accept regions botocore does not list yet (brand-new regions) everywhere in this file."
    )
    tags: TagMap = Field(default_factory=dict, description="Tags on every resource.")
    defaults: DefaultsConfig = Field(default_factory=DefaultsConfig, description="Defaults for every agent.")
    iam: Literal["shared", "per_agent"] = Field("shared", description="One execution role per stack or per agent.")
    stacks: Literal["single", "per_agent"] = Field("single", description="One stack, or shared + one per agent.")
    state: StateConfig = Field(default_factory=StateConfig, description="Terraform state backend.")
    history: HistoryConfig = Field(default_factory=HistoryConfig, description="Deployment history.")
    emulator: EmulatorConfig = Field(default_factory=EmulatorConfig, description="Offline target settings.")
    environments: dict[AgentName, EnvironmentConfig] = Field(
        default_factory=dict, description="Deployment targets; a built-in `local` (emulator) is always there."
    )
    agents: dict[AgentName, AgentConfig] = Field(default_factory=dict, description="The agents.")
    resources: dict[ResourceName, ResourceConfig] = Field(default_factory=dict, description="AWS resources.")
    usage: UsageConfig = Field(
        default_factory=UsageConfig, description="Monthly usage the cost estimate assumes (`strands cost estimate`)."
    )
    analyze: AnalyzeConfig = Field(
        default_factory=AnalyzeConfig, description="The model `strands analyze --llm` uses to explain failures."
    )
