"""Who are we in AWS? STS GetCallerIdentity per environment, and the check that runs before plan/apply."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from strands_tf.aws.errors import aws_errors
from strands_tf.aws.session import AwsSessionFactory, default_factory
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import CredentialsError, ExitCode, StrandsError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallerIdentity:
    """The answer of STS GetCallerIdentity."""

    account: str
    arn: str
    user_id: str

    @property
    def is_assumed_role(self) -> bool:
        """True for ``arn:aws:sts::<account>:assumed-role/<role>/<session>``."""
        return ":assumed-role/" in self.arn

    def to_dict(self) -> dict[str, str]:
        return {"account": self.account, "arn": self.arn, "user_id": self.user_id}


@dataclass(frozen=True)
class IdentityReport:
    """One environment's identity check: who we are, and whether that is the expected account."""

    target: AwsTarget
    credential_source: str
    identity: CallerIdentity | None
    error: StrandsError | None
    skipped: str | None = None  # why no check was made (an emulator that is not running)

    @property
    def account_matches(self) -> bool | None:
        """True/False when an account is expected and the identity is known; None otherwise."""
        if self.identity is None or self.target.account is None:
            return None
        return self.identity.account == self.target.account

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def exit_code(self) -> int:
        return ExitCode.OK if self.error is None else self.error.exit_code

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form for ``strands doctor --json``."""
        return {
            "environment": self.target.environment,
            "region": self.target.region,
            "profile": self.target.profile,
            "role_arn": self.target.role_arn,
            "session_name": self.target.session_name if self.target.role_arn else None,
            "endpoint_url": self.target.endpoint_url,
            "credential_source": self.credential_source,
            "expected_account": self.target.account,
            "identity": self.identity.to_dict() if self.identity else None,
            "account_matches": self.account_matches,
            "ok": self.ok,
            "skipped": self.skipped,
            "error": self.error.to_dict() if self.error else None,
        }


def get_caller_identity(target: AwsTarget, factory: AwsSessionFactory | None = None) -> CallerIdentity:
    """STS GetCallerIdentity with the target's credentials (assuming its role first if it has one)."""
    factory = factory or default_factory()
    method = factory.credential_method(target)
    with aws_errors(target, "sts:GetCallerIdentity", credential_method=method):
        answer = factory.client("sts", target).get_caller_identity()
    return CallerIdentity(account=answer["Account"], arn=answer["Arn"], user_id=answer["UserId"])


def verify_identity(target: AwsTarget, factory: AwsSessionFactory | None = None) -> CallerIdentity:
    """The credential check before plan/apply: raise CredentialsError unless we are in the expected account."""
    factory = factory or default_factory()
    identity = get_caller_identity(target, factory)
    if target.account is not None and identity.account != target.account:
        raise account_mismatch_error(target, identity, _source(factory, target))
    log.info(
        "environment %s: %s in account %s (%s)",
        target.environment,
        identity.arn,
        identity.account,
        target.region,
    )
    return identity


def account_mismatch_error(target: AwsTarget, identity: CallerIdentity, source: str) -> CredentialsError:
    """The refusal when the credentials belong to another account than the environment expects."""
    if target.role_arn:
        fix = (
            f"Check role_arn for environment '{target.environment}': the role is in account "
            f"{target.role_account}, the environment expects {target.account}."
        )
    elif target.profile:
        fix = (
            f"Use a profile for account {target.account} (set `profile:` for environment "
            f"'{target.environment}' in strands.yaml), or fix `account:` if {identity.account} is right."
        )
    else:
        fix = (
            f"Select credentials for account {target.account} (export AWS_PROFILE or set `profile:` for "
            f"environment '{target.environment}' in strands.yaml), or fix `account:` if {identity.account} is right."
        )
    return CredentialsError(
        f"Wrong AWS account for environment '{target.environment}': expected {target.account}, "
        f"the credentials are for {identity.account}",
        detail="\n".join(
            [
                f"Expected account: {target.account}",
                f"Actual account:   {identity.account}",
                f"Identity:         {identity.arn}",
                f"Credentials from: {source}",
            ]
        ),
        hint=fix,
        data={
            "environment": target.environment,
            "expected_account": target.account,
            "actual_account": identity.account,
            "arn": identity.arn,
            "credential_source": source,
        },
    )


def check_environments(
    targets: Sequence[AwsTarget], factory: AwsSessionFactory | None = None, *, max_workers: int = 8
) -> list[IdentityReport]:
    """Check every environment's identity in parallel; failures are reported, never raised."""
    factory = factory or default_factory()
    if not targets:
        return []

    def check(target: AwsTarget) -> IdentityReport:
        if target.emulator and target.endpoint_for("sts") is None:
            # Never send an emulator environment's test credentials to real AWS.
            return IdentityReport(target, target.describe_source(), None, None, "emulator endpoint not running")
        source = _source(factory, target)
        try:
            identity = get_caller_identity(target, factory)
        except StrandsError as exc:
            return IdentityReport(target, source, None, exc)
        error = None
        if target.account is not None and identity.account != target.account:
            error = account_mismatch_error(target, identity, source)
        return IdentityReport(target, source, identity, error)

    workers = max(1, min(max_workers, len(targets)))
    if workers == 1:
        return [check(t) for t in targets]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="strands-identity") as pool:
        return list(pool.map(check, targets))


def _source(factory: AwsSessionFactory, target: AwsTarget) -> str:
    """Where the credentials come from, in words, for reports and errors."""
    if target.role_arn or target.emulator:
        return target.describe_source()
    method = factory.credential_method(target)
    base = f"profile '{target.profile}'" if target.profile else "the default credential chain"
    return f"{base} ({method})" if method else base
