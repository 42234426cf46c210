"""Environment variables that give a Terraform child process the same AWS identity as the tool.

They are meant for the child process only (``subprocess.Popen(env=...)``): nothing here touches
``os.environ`` or writes to disk, and the repr never shows a secret.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

import botocore.session
from botocore import exceptions as bx

from strands_tf.aws.session import AwsSessionFactory, default_factory
from strands_tf.aws.target import EMULATOR_ACCESS_KEY, EMULATOR_SECRET_KEY, AwsTarget

STATIC_KEY_VARIABLES = frozenset(
    {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}
)
PROFILE_VARIABLES = frozenset({"AWS_PROFILE", "AWS_DEFAULT_PROFILE"})
SECRET_VARIABLES = frozenset({"AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"})
# Credentials handed to a child must outlive the margin below the session duration: a fresh
# AssumeRole always satisfies it, so asking for more cannot loop on refreshes.
_REFRESH_MARGIN = timedelta(minutes=5)


@dataclass(frozen=True)
class TerraformAwsEnv:
    """What to set and unset in a Terraform child's environment, and when the credentials expire."""

    variables: Mapping[str, str]
    remove: frozenset[str] = frozenset()
    expires_at: datetime | None = None
    source: str = ""

    def apply(self, base: Mapping[str, str] | None = None) -> dict[str, str]:
        """A complete child environment: ``base`` (default: this process's) with the changes applied."""
        env = dict(os.environ if base is None else base)
        for name in self.remove:
            env.pop(name, None)
        env.update(self.variables)
        return env

    def expires_within(self, window: timedelta, *, now: datetime | None = None) -> bool:
        """True when the credentials handed to the child expire within ``window`` (never for profiles)."""
        if self.expires_at is None:
            return False
        now = now or datetime.now(self.expires_at.tzinfo)
        return self.expires_at - now <= window

    def redacted(self) -> dict[str, str]:
        """The variables with secrets masked, for logs and ``--debug`` output."""
        return {k: ("****" if k in SECRET_VARIABLES else v) for k, v in sorted(self.variables.items())}

    def __repr__(self) -> str:
        return (
            f"TerraformAwsEnv(variables={self.redacted()!r}, remove={sorted(self.remove)!r}, "
            f"expires_at={self.expires_at!r}, source={self.source!r})"
        )

    __str__ = __repr__


def terraform_aws_env(
    target: AwsTarget,
    factory: AwsSessionFactory | None = None,
    *,
    valid_for: timedelta = timedelta(minutes=45),
) -> TerraformAwsEnv:
    """The environment changes for a Terraform child acting as ``target``.

    - role_arn: the assumed role's keys (refreshed first if they expire within ``valid_for``, capped at
      the session duration minus 5 minutes); AWS_PROFILE is removed so it cannot take precedence.
    - profile: AWS_PROFILE, with static key variables removed (Terraform resolves SSO itself).
    - emulator: its test keys, so real credentials never reach it.
    - neither: the inherited default chain.
    Always AWS_REGION / AWS_DEFAULT_REGION, and AWS_ENDPOINT_URL[_<SERVICE>] for emulator endpoints.
    Call it right before starting each child: it is cheap unless a refresh is due.
    """
    variables: dict[str, str] = {"AWS_REGION": target.region, "AWS_DEFAULT_REGION": target.region}
    remove: set[str] = set()
    expires_at: datetime | None = None
    if target.endpoint_url:
        variables["AWS_ENDPOINT_URL"] = target.endpoint_url
    for service, url in target.service_endpoints.items():
        variables[f"AWS_ENDPOINT_URL_{_service_env_suffix(service)}"] = url
    if target.emulator:
        variables["AWS_ACCESS_KEY_ID"] = EMULATOR_ACCESS_KEY
        variables["AWS_SECRET_ACCESS_KEY"] = EMULATOR_SECRET_KEY
        remove |= PROFILE_VARIABLES | {"AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN"}
    elif target.role_arn is not None:
        factory = factory or default_factory()
        ceiling = timedelta(seconds=target.duration_seconds) - _REFRESH_MARGIN
        wanted = min(valid_for, ceiling)
        creds, expires_at = factory.assumed_credentials(target, valid_for=wanted.total_seconds())
        variables["AWS_ACCESS_KEY_ID"] = creds.access_key
        variables["AWS_SECRET_ACCESS_KEY"] = creds.secret_key
        variables["AWS_SESSION_TOKEN"] = creds.token
        remove |= PROFILE_VARIABLES | {"AWS_SECURITY_TOKEN"}
    elif target.profile is not None:
        variables["AWS_PROFILE"] = target.profile
        remove |= STATIC_KEY_VARIABLES | {"AWS_DEFAULT_PROFILE"}
    return TerraformAwsEnv(
        variables=variables,
        remove=frozenset(remove - set(variables)),
        expires_at=expires_at,
        source=target.describe_source(),
    )


@functools.lru_cache(maxsize=128)
def _service_env_suffix(service: str) -> str:
    """``logs`` → ``CLOUDWATCH_LOGS``: the SDKs' service-specific endpoint variables use the service id."""
    try:
        service_id = botocore.session.get_session().get_service_model(service).service_id
    except (bx.UnknownServiceError, bx.DataNotFoundError):
        service_id = service
    return str(service_id).upper().replace(" ", "_").replace("-", "_")
