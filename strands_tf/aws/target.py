"""Where and as whom to talk to AWS for one environment: a plain, validated, hashable value."""

from __future__ import annotations

import functools
import getpass
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urlsplit

from strands_tf.errors import UserError

# Credentials an emulator accepts; real ones are never sent to it.
EMULATOR_ACCESS_KEY = "test"
EMULATOR_SECRET_KEY = "test"

# STS limits (AssumeRole API reference): RoleSessionName 2-64 chars of [\w+=,.@-],
# ExternalId 2-1224 chars of [\w+=,.@:/-], DurationSeconds 900-43200.
_SESSION_NAME_RE = re.compile(r"^[\w+=,.@-]{2,64}$", re.ASCII)
_SESSION_NAME_BAD = re.compile(r"[^\w+=,.@-]", re.ASCII)
_EXTERNAL_ID_RE = re.compile(r"^[\w+=,.@:/-]{2,1224}$", re.ASCII)
_REGION_RE = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d{1,2}$")
_ACCOUNT_RE = re.compile(r"^\d{12}$")
_ROLE_ARN_RE = re.compile(r"^arn:aws[a-z-]*:iam::(\d{12}):role/[\w+=,.@/-]{1,512}$", re.ASCII)
_SERVICE_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
MIN_DURATION_SECONDS = 900
MAX_DURATION_SECONDS = 43200


def default_session_name(user: str | None = None) -> str:
    """``strands-<user>``, cut to the STS RoleSessionName pattern and length."""
    if user is None:
        try:
            user = getpass.getuser()
        except (OSError, KeyError):
            # No passwd entry (containers with arbitrary uids): fall back to the environment.
            user = os.environ.get("USER") or os.environ.get("USERNAME") or "user"
    cleaned = _SESSION_NAME_BAD.sub("-", user.strip()) or "user"
    return f"strands-{cleaned}"[:64]


class FrozenMap(Mapping[str, str]):
    """A read-only, hashable str→str mapping (keeps AwsTarget hashable and immutable)."""

    __slots__ = ("_items",)

    def __init__(self, data: Mapping[str, str] | None = None) -> None:
        self._items: dict[str, str] = dict(sorted((data or {}).items()))

    def __getitem__(self, key: str) -> str:
        return self._items[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Mapping):
            return self._items == dict(other.items())
        return NotImplemented

    def __repr__(self) -> str:
        return f"FrozenMap({self._items!r})"


@dataclass(frozen=True)
class IdentityKey:
    """What decides the credentials a session uses; clients are shared between equal keys."""

    profile: str | None
    role_arn: str | None
    external_id: str | None
    session_name: str | None
    duration_seconds: int | None
    sts_endpoint: str | None
    emulator: bool = False


@dataclass(frozen=True)
class AwsTarget:
    """One environment's AWS coordinates: region, expected account, profile or role, endpoints."""

    environment: str
    region: str
    account: str | None = None
    profile: str | None = None
    role_arn: str | None = None
    external_id: str | None = None
    session_name: str = field(default_factory=default_session_name)
    endpoint_url: str | None = None
    service_endpoints: Mapping[str, str] = field(default_factory=FrozenMap)
    duration_seconds: int = 3600
    emulator: bool = False  # the offline target: test credentials, endpoints set once it runs

    def __post_init__(self) -> None:
        endpoints = {str(k).strip().lower(): str(v).strip() for k, v in self.service_endpoints.items()}
        object.__setattr__(self, "service_endpoints", FrozenMap(endpoints))
        problems = list(self._problems())
        if problems:
            raise UserError(
                f"Invalid AWS settings for environment '{self.environment}': {problems[0]}",
                detail="\n".join(problems),
                hint="Fix the environment's AWS settings in strands.yaml and run the command again.",
                data={"environment": self.environment, "problems": problems},
            )

    def _problems(self) -> Iterator[str]:
        if not self.environment or not self.environment.strip():
            yield "the environment name is empty"
        if not _REGION_RE.match(self.region or ""):
            yield f"region {self.region!r} is not an AWS region name (like 'us-east-1')"
        if self.account is not None and not _ACCOUNT_RE.match(self.account):
            yield f"account {self.account!r} is not a 12-digit AWS account id"
        if self.profile is not None and not self.profile.strip():
            yield "profile is empty (leave it out to use the default credential chain)"
        if self.role_arn is not None and not _ROLE_ARN_RE.match(self.role_arn):
            yield f"role_arn {self.role_arn!r} is not an IAM role ARN (arn:aws:iam::<account>:role/<name>)"
        if self.emulator and (self.profile or self.role_arn):
            yield "an emulator environment uses test credentials; remove profile and role_arn"
        if self.external_id is not None:
            if self.role_arn is None:
                yield "external_id is set but role_arn is not (the external id is sent when assuming a role)"
            if not _EXTERNAL_ID_RE.match(self.external_id):
                yield "external_id must be 2-1224 characters of letters, digits and +=,.@:/-"
        if not _SESSION_NAME_RE.match(self.session_name or ""):
            yield (f"session_name {self.session_name!r} must be 2-64 characters of letters, digits and +=,.@-")
        if not MIN_DURATION_SECONDS <= self.duration_seconds <= MAX_DURATION_SECONDS:
            yield (
                f"duration_seconds {self.duration_seconds} is outside "
                f"{MIN_DURATION_SECONDS}-{MAX_DURATION_SECONDS} (STS AssumeRole limits)"
            )
        urls = [("endpoint_url", self.endpoint_url)] + [
            (f"endpoints.{name}", url) for name, url in self.service_endpoints.items()
        ]
        for name, url in urls:
            if url is not None and not _valid_url(url):
                yield f"{name} {url!r} is not an http(s) URL with a host"
        for name in self.service_endpoints:
            if not _SERVICE_RE.match(name):
                yield f"endpoint service name {name!r} is not a boto3 service name (like 's3', 'sts')"

    @property
    def role_account(self) -> str | None:
        """The account that owns ``role_arn`` (where an assumed identity lands)."""
        if self.role_arn is None:
            return None
        match = _ROLE_ARN_RE.match(self.role_arn)
        return match.group(1) if match else None

    def endpoint_for(self, service: str) -> str | None:
        """The endpoint URL for one service: its own override, else the shared one, else AWS."""
        return self.service_endpoints.get(service.lower()) or self.endpoint_url

    @functools.cached_property
    def identity_key(self) -> IdentityKey:
        """The parts that decide credentials; environment name and region are not among them."""
        if self.role_arn is None:
            return IdentityKey(self.profile, None, None, None, None, None, self.emulator)
        return IdentityKey(
            self.profile,
            self.role_arn,
            self.external_id,
            self.session_name,
            self.duration_seconds,
            self.endpoint_for("sts"),
        )

    def describe_source(self) -> str:
        """Human words for where credentials come from: ``role X via profile 'dev'``."""
        if self.emulator:
            return "the emulator's test credentials"
        base = f"profile '{self.profile}'" if self.profile else "the default credential chain"
        if self.role_arn:
            return f"role {self.role_arn} (session '{self.session_name}') assumed with {base}"
        return base

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form (no secrets: a target holds none)."""
        return {
            "environment": self.environment,
            "region": self.region,
            "account": self.account,
            "profile": self.profile,
            "role_arn": self.role_arn,
            "external_id_set": self.external_id is not None,
            "session_name": self.session_name,
            "endpoint_url": self.endpoint_url,
            "service_endpoints": dict(self.service_endpoints),
            "duration_seconds": self.duration_seconds,
            "emulator": self.emulator,
        }


def _valid_url(url: str) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme in ("http", "https") and bool(parts.hostname)


class EnvironmentLike(Protocol):
    """What target_for_environment reads from a resolved environment (duck-typed; no config import)."""

    name: str
    region: str
    account: str | None
    profile: str | None
    role_arn: str | None
    external_id: str | None


def target_for_environment(
    source: Any,
    *,
    endpoint_url: str | None = None,
    service_endpoints: Mapping[str, str] | None = None,
    session_name: str | None = None,
    duration_seconds: int = 3600,
) -> AwsTarget:
    """The AwsTarget of a resolved environment, or of a resolved project (its ``.environment``)."""
    env: EnvironmentLike = source.environment if hasattr(source, "environment") else source
    return AwsTarget(
        environment=env.name,
        region=env.region,
        account=env.account,
        profile=env.profile,
        role_arn=env.role_arn,
        external_id=env.external_id,
        session_name=session_name or default_session_name(),
        endpoint_url=endpoint_url,
        service_endpoints=FrozenMap(service_endpoints or {}),
        duration_seconds=duration_seconds,
        emulator=getattr(env, "target", "aws") == "emulator",
    )
