"""Turn boto3/botocore exceptions into strands errors: a category, a one-line summary, the detail, a next step."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from botocore import exceptions as bx
from botocore.session import Session as BotocoreSession

from strands_tf import error_codes
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import (
    Category,
    ConflictError,
    CredentialsError,
    NetworkError,
    NotFoundError,
    PermissionsError,
    ProvisioningError,
    StrandsError,
    ThrottlingError,
    UserError,
)

# The credential provider name the session factory uses for roles it assumes itself.
ASSUME_ROLE_METHOD = "strands-assume-role"

_NETWORK_EXCEPTIONS = (
    bx.EndpointConnectionError,
    bx.ConnectTimeoutError,
    bx.ReadTimeoutError,
    bx.ConnectionClosedError,
    bx.SSLError,
    bx.ProxyConnectionError,
    bx.HTTPClientError,
    bx.ConnectionError,
)
CONVERTIBLE = (bx.ClientError, bx.BotoCoreError, ConnectionError, TimeoutError)


def family(code: str, status: int | None = None, message: str = "") -> str:
    """The kind of an AWS error code in the one error table (strands_tf/error_codes.py): expired,
    invalid_credentials, permissions, throttling, quota, already_exists, conflict, not_found, invalid_request,
    server or other."""
    return error_codes.kind_of_code(code, status, message).name


def convert_aws_error(
    exc: BaseException,
    *,
    target: AwsTarget | None = None,
    operation: str | None = None,
    credential_method: str | None = None,
) -> StrandsError:
    """The strands error for a boto3/botocore exception (a StrandsError is returned unchanged)."""
    if isinstance(exc, StrandsError):
        return exc
    ctx = _Context(target, credential_method)
    if isinstance(exc, bx.ClientError):
        return _client_error(exc, ctx, operation)
    if isinstance(exc, bx.BotoCoreError):
        return _botocore_error(exc, ctx, operation)
    if isinstance(exc, (ConnectionError, TimeoutError)):
        return NetworkError(
            f"Network failure talking to AWS{_for_env(target)}: {exc}",
            detail=_join([_op_line(operation), ctx.where()]),
            hint=_network_hint(target, None),
        )
    return StrandsError(
        f"Unexpected error talking to AWS: {type(exc).__name__}: {exc}",
        detail=_join([_op_line(operation), ctx.where()]),
        hint="This is probably a bug in strands-tf: run again with --debug and report the output.",
        category=Category.INTERNAL,
    )


@contextmanager
def aws_errors(
    target: AwsTarget | None = None, operation: str | None = None, *, credential_method: str | None = None
) -> Iterator[None]:
    """Convert boto3/botocore/network exceptions raised in the block into strands errors."""
    try:
        yield
    except CONVERTIBLE as exc:
        raise convert_aws_error(exc, target=target, operation=operation, credential_method=credential_method) from exc


def role_assumption_error(
    exc: BaseException, target: AwsTarget, *, caller: str | None, credential_method: str | None = None
) -> StrandsError:
    """The error for a role that could not be assumed: the role, the caller and the likely causes."""
    if isinstance(exc, bx.ClientError):
        code = _code(exc)
        fam = family(code, _status(exc))
        if fam in ("expired", "invalid_credentials", "throttling", "server"):
            # The source credentials themselves are the problem, not the role.
            return convert_aws_error(
                exc, target=target, operation="sts:AssumeRole", credential_method=credential_method
            )
        aws_said = _aws_said(exc)
    elif isinstance(exc, bx.BotoCoreError) and not isinstance(exc, bx.ParamValidationError):
        return convert_aws_error(exc, target=target, operation="sts:AssumeRole", credential_method=credential_method)
    else:
        aws_said = f"{type(exc).__name__}: {exc}"
        code = ""
    who = caller or "the source credentials (their identity could not be read)"
    base = f"profile '{target.profile}'" if target.profile else "the default credential chain"
    causes = [
        f"the role's trust policy does not allow {who} to assume it",
        "the caller's own IAM policy does not allow sts:AssumeRole on the role",
    ]
    if target.external_id is not None:
        causes.append("the external_id in strands.yaml differs from the sts:ExternalId the trust policy requires")
    else:
        causes.append("the trust policy requires an sts:ExternalId and strands.yaml sets no external_id")
    causes.append("the role does not exist or the ARN has a typo")
    if code == "ValidationError":
        causes.insert(0, f"duration_seconds {target.duration_seconds} exceeds the role's maximum session duration")
    return CredentialsError(
        f"Cannot assume role {target.role_arn} for environment '{target.environment}'",
        detail=_join(
            [
                f"Role: {target.role_arn}",
                f"Caller: {who} (credentials from {base})",
                f"Session name: {target.session_name}",
                f"AWS said: {aws_said}",
                "Likely causes:\n" + "\n".join(f"  - {c}" for c in causes),
            ]
        ),
        hint=(
            f"Check the trust policy of {target.role_arn} (IAM console → Roles → Trust relationships): "
            f"it must allow {who} and, if it has an sts:ExternalId condition, the same external_id."
        ),
        data={
            "environment": target.environment,
            "role_arn": target.role_arn,
            "caller": caller,
            "code": code or None,
        },
    )


# --- internals ---------------------------------------------------------------------------------


class _Context:
    """What the converter knows about where the call came from, for concrete advice."""

    def __init__(self, target: AwsTarget | None, method: str | None) -> None:
        self.target = target
        # A role target's clients always use the assumed credentials, whether or not the caller said so.
        self.method = method or (ASSUME_ROLE_METHOD if target is not None and target.role_arn else None)

    @property
    def profile(self) -> str | None:
        if self.target and self.target.profile:
            return self.target.profile
        return os.environ.get("AWS_PROFILE") or None

    def where(self) -> str | None:
        if self.target is None:
            return None
        return f"Environment: {self.target.environment} (region {self.target.region}, credentials from {self.source()})"

    def source(self) -> str:
        """Which profile or variables produced the credentials, in words."""
        method = self.method
        if self.target and self.target.role_arn and method == ASSUME_ROLE_METHOD:
            return self.target.describe_source()
        if method == "env":
            return "the environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN"
        profile = self.profile
        named = f"profile '{profile}'" if profile else "the default profile"
        if method in ("sso", "login"):
            return f"{method.upper()} {named}"
        if method in ("shared-credentials-file", "config-file"):
            return f"{named} ({_credentials_files()})"
        if method == "assume-role":
            return f"{named} (role_arn + source_profile in {_config_file()})"
        if method == "iam-role":
            return "the EC2 instance role (instance metadata)"
        if method == "container-role":
            return "the container role (ECS/EKS credentials endpoint)"
        if method:
            return f"{named} ({method})"
        if self.target and self.target.role_arn:
            return self.target.describe_source()
        return named if profile else "the default credential chain"

    def is_sso(self) -> bool:
        if self.method == "sso":
            return True
        return _profile_is_sso(self.profile)

    def login_command(self) -> str:
        """The command that gives this profile fresh credentials."""
        profile = self.profile
        flag = f" --profile {profile}" if profile else ""
        if self.method == "login":
            return f"aws login{flag}"
        if self.is_sso():
            return f"aws sso login{flag}"
        return f"aws configure{flag}"


# the error class of each category a client error can have
_ERROR_CLASS: dict[Category, type[StrandsError]] = {
    Category.CREDENTIALS: CredentialsError,
    Category.PERMISSIONS: PermissionsError,
    Category.THROTTLING: ThrottlingError,
    Category.CONFLICT: ConflictError,
    Category.NOT_FOUND: NotFoundError,
    Category.NETWORK: NetworkError,
    Category.PROVISIONING: ProvisioningError,
}


def _client_error(exc: bx.ClientError, ctx: _Context, operation: str | None) -> StrandsError:
    code = _code(exc)
    status = _status(exc)
    message = _message(exc)
    op = operation or exc.operation_name or "the AWS call"
    kind = error_codes.kind_of_code(code, status, message)
    env = _for_env(ctx.target)
    data: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": _request_id(exc),
        "operation": op,
        "http_status": status,
        "family": kind.name,
    }
    if ctx.target is not None:
        data["environment"] = ctx.target.environment
    detail = _join(
        [
            f"AWS error: {_aws_said(exc)}",
            _op_line(op),
            f"Request id: {data['request_id']}" if data["request_id"] else None,
            f"HTTP status: {status}" if status else None,
            ctx.where(),
        ]
    )
    # the table's next step, with what this call knows about the identity filled in
    hint = kind.next_step(code, **_hint_context(ctx))
    fam = kind.name
    if fam == "expired":
        summary = (
            f"AWS rejected {op}{env}: the request was signed too long ago"
            if code == "RequestExpired"
            else f"AWS credentials from {ctx.source()} have expired{env}"
        )
    elif fam == "invalid_credentials":
        summary = f"AWS rejected the credentials from {ctx.source()}{env}: {code}"
    elif fam == "permissions":
        summary = f"Access denied{env}: {op}: {message or code}"
    elif fam == "throttling":
        attempts = _attempts(exc)
        data["attempts"] = attempts
        summary = f"AWS kept throttling {op} after {attempts} attempts{env}" if attempts else f"AWS throttled {op}{env}"
    elif fam == "quota":
        summary = f"AWS service quota reached{env}: {op}: {message or code}"
        data["quota"] = True
    elif fam in ("already_exists", "conflict"):
        summary = f"Conflict{env}: {op}: {message or code}"
    elif fam == "not_found":
        summary = f"Not found{env}: {op}: {message or code}"
    elif fam == "invalid_request":
        summary = f"AWS rejected {op}{env}: {message or code}"
    elif fam == "server":
        summary = f"AWS failed to answer {op}{env}: {code}" + (f" (HTTP {status})" if status else "")
    else:
        summary = f"AWS refused {op}{env}: {code}: {message}" if message else f"AWS refused {op}{env}: {code}"
    return _ERROR_CLASS[kind.category](summary, detail=detail, hint=hint, data=data)


def _hint_context(ctx: _Context) -> dict[str, str]:
    """Placeholders of the table's hints this call can be precise about (the rest keep their defaults)."""
    out: dict[str, str] = {}
    if ctx.target is not None or ctx.method is not None or ctx.profile:
        out["refresh"] = _refresh_hint(ctx)
        out["identity"] = f"the identity behind {ctx.source()}"
    if ctx.target is not None:
        out["region"] = f" and region {ctx.target.region}"
    return out


def _botocore_error(exc: bx.BotoCoreError, ctx: _Context, operation: str | None) -> StrandsError:
    env = _for_env(ctx.target)
    kwargs: Mapping[str, Any] = getattr(exc, "kwargs", {}) or {}
    detail = _join([f"botocore: {exc}", _op_line(operation), ctx.where()])
    profile = ctx.profile
    flag = f" --profile {profile}" if profile else ""
    if isinstance(exc, bx.ProfileNotFound):
        missing = kwargs.get("profile") or profile
        return CredentialsError(
            f"AWS profile '{missing}' does not exist{env}",
            detail=_join([detail, f"Looked in: {_config_file()} and {_shared_credentials_file()}"]),
            hint=(
                f"Create it with `aws configure --profile {missing}` (or `aws configure sso --profile "
                f"{missing}` for IAM Identity Center), or fix the profile name in strands.yaml."
            ),
            data={"profile": missing},
        )
    # SSOError covers SSOTokenLoadError and UnauthorizedSSOTokenError; TokenRetrievalError is sso-session's.
    if isinstance(exc, (bx.SSOError, bx.TokenRetrievalError)):
        return CredentialsError(
            f"The SSO session for {ctx.source() if ctx.method else _named(profile)} has expired or was never "
            f"started{env}",
            detail=detail,
            hint=f"Run `aws sso login{flag}` and try again.",
            data={"profile": profile},
        )
    login_error = getattr(bx, "LoginError", None)
    if login_error is not None and isinstance(exc, login_error):
        return CredentialsError(
            f"The `aws login` session for {_named(profile)} has expired{env}",
            detail=detail,
            hint=f"Run `aws login{flag}` and try again.",
            data={"profile": profile},
        )
    if isinstance(exc, bx.NoCredentialsError):
        return CredentialsError(
            f"No AWS credentials found{env}",
            detail=_join([detail, _tried_sources(ctx)]),
            hint=_missing_hint(ctx),
            data={"profile": profile},
        )
    if isinstance(exc, bx.PartialCredentialsError):
        return CredentialsError(
            f"Incomplete AWS credentials in {kwargs.get('provider', 'the environment')}{env}: "
            f"{kwargs.get('cred_var', 'a value')} is missing",
            detail=detail,
            hint=(
                "Set both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary "
                f"keys), or unset them all and use a profile (`aws configure{flag}`)."
            ),
        )
    if isinstance(exc, bx.CredentialRetrievalError):
        provider = kwargs.get("provider", "a credential provider")
        return CredentialsError(
            f"Could not get AWS credentials from {provider}{env}",
            detail=detail,
            hint=_refresh_hint(ctx),
            data={"provider": provider},
        )
    if isinstance(exc, bx.NoRegionError):
        return UserError(
            f"No AWS region set{env}",
            detail=detail,
            hint="Set `region:` for the environment in strands.yaml (or export AWS_REGION).",
        )
    if isinstance(exc, (bx.ConfigParseError, bx.InvalidConfigError, bx.ConfigNotFound)):
        return UserError(
            f"The AWS configuration files cannot be read{env}: {exc}",
            detail=_join([detail, f"Files: {_config_file()} and {_shared_credentials_file()}"]),
            hint="Fix the file named above (an INI file with [profile NAME] sections) and run again.",
        )
    if isinstance(exc, _NETWORK_EXCEPTIONS):
        url = kwargs.get("endpoint_url")
        timeout = isinstance(exc, (bx.ConnectTimeoutError, bx.ReadTimeoutError))
        what = "Timed out talking to" if timeout else "Cannot reach"
        return NetworkError(
            f"{what} AWS{' endpoint ' + url if url else ''}{env}",
            detail=detail,
            hint=_network_hint(ctx.target, url),
            data={"endpoint_url": url, "timeout": timeout},
        )
    if isinstance(exc, bx.WaiterError):
        return ProvisioningError(
            f"Gave up waiting for {kwargs.get('name', 'an AWS resource')}{env}: {kwargs.get('reason', exc)}",
            detail=detail,
            hint="Check the resource in the AWS console; run the command again once it is ready.",
        )
    return StrandsError(
        f"AWS client failure{env}: {exc}",
        detail=detail,
        hint="This is probably a bug in strands-tf: run again with --debug and report the output.",
        category=Category.INTERNAL,
    )


def _refresh_hint(ctx: _Context) -> str:
    if ctx.method == "env":
        return (
            "The keys come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN: export fresh "
            "ones (re-run whatever produced them), or unset them and set `profile:` for the environment."
        )
    if ctx.method in ("iam-role", "container-role"):
        return "The instance/container role credentials failed: check the role attached to this machine."
    if ctx.target and ctx.target.role_arn and ctx.method == ASSUME_ROLE_METHOD:
        source = _Context(replace(ctx.target, role_arn=None, external_id=None), None)
        return f"Refresh the credentials that assume the role: run `{source.login_command()}`."
    return f"Run `{ctx.login_command()}` and try again."


def _missing_hint(ctx: _Context) -> str:
    profile = ctx.profile
    if profile:
        if ctx.is_sso():
            return f"Run `aws sso login --profile {profile}` and try again."
        return f"Run `aws configure --profile {profile}` (or `aws configure sso --profile {profile}`)."
    return (
        "Set `profile:` for the environment in strands.yaml (then `aws configure --profile NAME` or "
        "`aws sso login --profile NAME`), or export AWS_PROFILE, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
    )


def _tried_sources(ctx: _Context) -> str:
    profile = ctx.profile
    if profile:
        return (
            f"Tried: profile '{profile}' in {_config_file()} and {_shared_credentials_file()} "
            "(it has no keys, SSO settings, role or credential_process)."
        )
    return (
        "Tried: the environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (unset), AWS_PROFILE "
        f"(unset), the default profile in {_config_file()} and {_shared_credentials_file()}, and the "
        "container/instance metadata endpoints."
    )


def _network_hint(target: AwsTarget | None, url: str | None) -> str:
    if target is not None and (target.endpoint_url or target.service_endpoints):
        return (
            f"The environment uses a custom endpoint ({url or target.endpoint_url}): make sure the emulator "
            "is running and reachable, then run again."
        )
    return (
        "Check the network connection, proxy (HTTPS_PROXY) and VPN, and that the region name is right; then run again."
    )


def _profile_is_sso(profile: str | None) -> bool:
    try:
        profiles = BotocoreSession().full_config.get("profiles", {})
    except bx.BotoCoreError:
        return False
    settings = profiles.get(profile or "default", {})
    return bool(settings.get("sso_session") or settings.get("sso_start_url"))


def _code(exc: bx.ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code") or "Unknown")


def _message(exc: bx.ClientError) -> str:
    err = exc.response.get("Error", {})
    return str(err.get("Message") or err.get("message") or "")


def _status(exc: bx.ClientError) -> int | None:
    status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
    return int(status) if status else None


def _attempts(exc: bx.ClientError) -> int | None:
    retries = exc.response.get("ResponseMetadata", {}).get("RetryAttempts")
    return int(retries) + 1 if retries is not None else None


def _request_id(exc: bx.ClientError) -> str | None:
    meta = exc.response.get("ResponseMetadata", {})
    headers = meta.get("HTTPHeaders", {}) or {}
    return (
        meta.get("RequestId")
        or headers.get("x-amzn-requestid")
        or headers.get("x-amz-request-id")
        or exc.response.get("RequestId")
        or None
    )


def _aws_said(exc: bx.ClientError) -> str:
    message = _message(exc)
    return f"{_code(exc)}: {message}" if message else _code(exc)


def _for_env(target: AwsTarget | None) -> str:
    return f" (environment '{target.environment}')" if target is not None else ""


def _op_line(operation: str | None) -> str | None:
    return f"Operation: {operation}" if operation else None


def _named(profile: str | None) -> str:
    return f"profile '{profile}'" if profile else "the default profile"


def _config_file() -> str:
    return os.environ.get("AWS_CONFIG_FILE") or "~/.aws/config"


def _shared_credentials_file() -> str:
    return os.environ.get("AWS_SHARED_CREDENTIALS_FILE") or "~/.aws/credentials"


def _credentials_files() -> str:
    return f"{_shared_credentials_file()} / {_config_file()}"


def _join(lines: list[str | None]) -> str:
    return "\n".join(line for line in lines if line)
