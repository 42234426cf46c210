"""boto3 clients built from the provider block a user would write to point hashicorp/aws at an emulator."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from typing import Any

from strands_tf.emulator.provider.calllog import CallLog
from strands_tf.emulator.provider.values import Unknown

_CALL_LOG: CallLog | None = None


def call_log() -> CallLog:
    """The provider's debug log of AWS calls (from TF_LOG_PROVIDER and TF_LOG_PATH, read once)."""
    global _CALL_LOG
    if _CALL_LOG is None:
        _CALL_LOG = CallLog.from_environment()
    return _CALL_LOG


# endpoint keys of the real provider's `endpoints` block, per boto3 service name (first match wins)
ENDPOINT_KEYS: dict[str, tuple[str, ...]] = {
    "s3": ("s3", "s3api"),
    "sts": ("sts",),
    "iam": ("iam",),
    "lambda": ("lambda",),
    "dynamodb": ("dynamodb",),
    "sqs": ("sqs",),
    "sns": ("sns",),
    "logs": ("logs", "cloudwatchlogs", "cloudwatchlog"),
    "cloudwatch": ("cloudwatch",),
    "kms": ("kms",),
    "apigatewayv2": ("apigatewayv2",),
    "ec2": ("ec2",),
}

PARTITION = "aws"
DNS_SUFFIX = "amazonaws.com"


class EndpointNotConfigured(Exception):
    """A service has no emulator endpoint: refusing to send requests to real AWS."""


def _first(value: Any) -> dict[str, Any]:
    """First element of a list/set block, or {}."""
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    if isinstance(value, dict):
        return value
    return {}


@dataclass
class AwsContext:
    """Provider configuration resolved once per provider process; builds and caches boto3 clients."""

    region: str
    access_key: str
    secret_key: str
    endpoints: dict[str, str]
    s3_path_style: bool
    default_tags: dict[str, str]
    _clients: dict[str, Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _account_id: str | None = None
    _session: Any = None

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> AwsContext:
        """Resolve the provider block (falling back to the standard AWS_* environment variables)."""
        # values Terraform cannot know yet arrive as Unknown: treat them as unset
        config = {k: (None if v is Unknown else v) for k, v in config.items()}
        endpoints_block = _first(config.get("endpoints"))
        endpoints = {k: v for k, v in endpoints_block.items() if isinstance(v, str) and v}
        tags_block = _first(config.get("default_tags"))
        default_tags = tags_block.get("tags") if isinstance(tags_block.get("tags"), dict) else {}
        return cls(
            region=config.get("region")
            or os.environ.get("AWS_REGION")
            or os.environ.get("AWS_DEFAULT_REGION")
            or "us-east-1",
            access_key=config.get("access_key") or os.environ.get("AWS_ACCESS_KEY_ID") or "test",
            secret_key=config.get("secret_key") or os.environ.get("AWS_SECRET_ACCESS_KEY") or "test",
            endpoints=endpoints,
            s3_path_style=bool(config.get("s3_use_path_style")),
            default_tags={k: v for k, v in default_tags.items() if isinstance(v, str)},
        )

    def endpoint_for(self, service: str) -> str:
        """The emulator URL for a service: the provider's endpoints block, else AWS_ENDPOINT_URL[_SVC]."""
        for key in ENDPOINT_KEYS.get(service, (service,)):
            if key in self.endpoints:
                return self.endpoints[key]
        env = os.environ.get(f"AWS_ENDPOINT_URL_{service.upper()}") or os.environ.get("AWS_ENDPOINT_URL")
        if env:
            return env
        raise EndpointNotConfigured(
            f"no endpoint configured for {service}: set endpoints {{ {ENDPOINT_KEYS.get(service, (service,))[0]}"
            ' = "http://127.0.0.1:PORT" } in the provider block (this provider only talks to an emulator)'
        )

    def client(self, service: str) -> Any:
        """A cached boto3 client for a service, pointed at its emulator endpoint."""
        with self._lock:
            if service not in self._clients:
                # botocore is imported on first use: schema/validate calls (most provider starts) never need it
                import botocore.session
                from botocore.config import Config

                extra: dict[str, Any] = {}
                if service == "s3" and self.s3_path_style:
                    extra["s3"] = {"addressing_style": "path"}
                if self._session is None:
                    self._session = botocore.session.get_session()
                self._clients[service] = self._session.create_client(
                    service,
                    region_name=self.region,
                    aws_access_key_id=self.access_key,
                    aws_secret_access_key=self.secret_key,
                    endpoint_url=self.endpoint_for(service),
                    config=Config(
                        retries={"mode": "standard", "max_attempts": 3}, connect_timeout=5, read_timeout=60, **extra
                    ),
                )
                call_log().instrument(self._clients[service], self.region)
            return self._clients[service]

    @property
    def account_id(self) -> str:
        """The account the emulator says the credentials belong to."""
        if self._account_id is None:
            self._account_id = self.client("sts").get_caller_identity()["Account"]
        return self._account_id

    def arn(self, service: str, resource: str, *, region: bool = True, account: bool = True) -> str:
        """Build an ARN the way AWS does."""
        reg = self.region if region else ""
        acct = self.account_id if account else ""
        return f"arn:{PARTITION}:{service}:{reg}:{acct}:{resource}"
