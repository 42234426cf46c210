"""Turn boto3/botocore exceptions into strands errors: a category, a one-line summary, the detail, a next step."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from botocore import exceptions as bx
from botocore.session import Session as BotocoreSession

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

# Error code families. Codes are matched exactly first, then by the suffix/prefix rules below.
EXPIRED_CODES = frozenset(
    {"ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired", "ExpiredTokenError"}
)
INVALID_CREDENTIAL_CODES = frozenset(
    {
        "InvalidClientTokenId",
        "UnrecognizedClientException",
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "IncompleteSignature",
        "MissingAuthenticationToken",
        "MissingAuthenticationTokenException",
        "AuthFailure",
        "InvalidToken",
        "InvalidSignatureException",
        "RequestTimeTooSkewed",
    }
)
PERMISSION_CODES = frozenset(
    {
        "AccessDenied",
        "AccessDeniedException",
        "UnauthorizedOperation",
        "UnauthorizedAccess",
        "UnauthorizedException",
        "AuthorizationError",
        "AuthorizationErrorException",
        "Forbidden",
        "ForbiddenException",
        "AllAccessDisabled",
        "OptInRequired",
        "403",
    }
)
THROTTLING_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "RequestThrottled",
        "RequestThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "SlowDown",
        "ProvisionedThroughputExceededException",
        "BandwidthLimitExceeded",
        "PriorRequestNotComplete",
        "EC2ThrottledException",
        "TransactionInProgressException",
        "429",
    }
)
QUOTA_CODES = frozenset(
    {
        "LimitExceeded",
        "LimitExceededException",
        "ServiceQuotaExceededException",
        "QuotaExceededException",
        "TooManyBuckets",
        "CodeStorageExceededException",
    }
)
CONFLICT_CODES = frozenset(
    {
        "ConflictException",
        "Conflict",
        "ResourceConflictException",
        "ResourceInUse",
        "ResourceInUseException",
        "EntityAlreadyExists",
        "BucketAlreadyExists",
        "BucketAlreadyOwnedByYou",
        "OperationAborted",
        "ConcurrentModification",
        "ConcurrentModificationException",
        "DeleteConflict",
        "DependencyViolation",
        "TransactionConflictException",
        "ConditionalCheckFailedException",
        "IncorrectStateException",
        "InvalidStateException",
        "409",
    }
)
NOT_FOUND_CODES = frozenset(
    {
        "NoSuchEntity",
        "NoSuchBucket",
        "NoSuchKey",
        "NotFound",
        "NotFoundException",
        "ResourceNotFound",
        "ResourceNotFoundException",
        "AWS.SimpleQueueService.NonExistentQueue",
        "QueueDoesNotExist",
        "ParameterNotFound",
        "404",
    }
)
INVALID_REQUEST_CODES = frozenset(
    {
        "ValidationError",
        "ValidationException",
        "InvalidParameterValue",
        "InvalidParameterValueException",
        "InvalidParameter",
        "InvalidParameterException",
        "InvalidParameterCombination",
        "MalformedPolicyDocument",
        "MalformedPolicyDocumentException",
        "InvalidInput",
        "InvalidRequest",
        "InvalidRequestException",
        "InvalidArgument",
        "MissingParameter",
    }
)
SERVER_CODES = frozenset(
    {
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "InternalServerErrorException",
        "InternalServiceError",
        "InternalServiceErrorException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ServiceException",
        "ServiceFailure",
        "Unavailable",
        "500",
        "502",
        "503",
        "504",
    }
)

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


def family(code: str, status: int | None = None) -> str:
    """The family of an AWS error code: expired, invalid_credentials, permissions, throttling, quota,
    conflict, not_found, invalid_request, server or other."""
    checks = (
        ("expired", EXPIRED_CODES),
        ("invalid_credentials", INVALID_CREDENTIAL_CODES),
        ("throttling", THROTTLING_CODES),
        ("quota", QUOTA_CODES),
        ("permissions", PERMISSION_CODES),
        ("conflict", CONFLICT_CODES),
        ("not_found", NOT_FOUND_CODES),
        ("invalid_request", INVALID_REQUEST_CODES),
        ("server", SERVER_CODES),
    )
    for name, codes in checks:
        if code in codes:
            return name
    # Service-specific spellings: InvalidVpcID.NotFound, VpcLimitExceeded, InvalidGroup.Duplicate, ...
    if code.endswith(("NotFound", "NotFoundException", "DoesNotExist", "NonExistentQueue")) or (
        code.startswith("NoSuch")
    ):
        return "not_found"
    if code.endswith(("AlreadyExists", "AlreadyExistsException", "Duplicate", "InUse", "InUseException")):
        return "conflict"
    if code.endswith(("LimitExceeded", "LimitExceededException", "QuotaExceeded", "QuotaExceededException")):
        return "quota"
    if code.endswith(("Throttling", "ThrottlingException", "Throttled")):
        return "throttling"
    if code.endswith(("AccessDenied", "AccessDeniedException", "Unauthorized", "Forbidden")):
        return "permissions"
    if code.startswith(("Invalid", "Malformed")) or code.endswith(("ValidationException", "ValidationError")):
        return "invalid_request"
    if status is not None:
        if status == 404:
            return "not_found"
        if status == 409:
            return "conflict"
        if status == 429:
            return "throttling"
        if status in (401, 403):
            return "permissions"
        if status >= 500:
            return "server"
    return "other"


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


def _client_error(exc: bx.ClientError, ctx: _Context, operation: str | None) -> StrandsError:
    code = _code(exc)
    status = _status(exc)
    message = _message(exc)
    op = operation or exc.operation_name or "the AWS call"
    fam = family(code, status)
    env = _for_env(ctx.target)
    data: dict[str, Any] = {
        "code": code,
        "message": message,
        "request_id": _request_id(exc),
        "operation": op,
        "http_status": status,
        "family": fam,
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
    if fam == "expired":
        if code == "RequestExpired":
            return CredentialsError(
                f"AWS rejected {op}{env}: the request was signed too long ago",
                detail=detail,
                hint="Check this machine's clock (enable NTP sync) and run the command again.",
                data=data,
            )
        return CredentialsError(
            f"AWS credentials from {ctx.source()} have expired{env}",
            detail=detail,
            hint=_refresh_hint(ctx),
            data=data,
        )
    if fam == "invalid_credentials":
        if code == "RequestTimeTooSkewed":
            hint = "This machine's clock is off: enable NTP time sync and run the command again."
        elif code in ("SignatureDoesNotMatch", "IncompleteSignature", "InvalidSignatureException"):
            hint = f"The secret access key does not match the key id. {_refresh_hint(ctx)}"
        else:
            hint = (
                "AWS does not recognise these credentials (deleted or deactivated keys, or keys for another "
                f"partition or endpoint). {_refresh_hint(ctx)}"
            )
        return CredentialsError(
            f"AWS rejected the credentials from {ctx.source()}{env}: {code}",
            detail=detail,
            hint=hint,
            data=data,
        )
    if fam == "permissions":
        if code == "OptInRequired":
            hint = "Enable the region or subscribe to the service for this account, or pick another region."
        else:
            hint = (
                f"Grant the permission named above to the identity behind {ctx.source()} (an IAM policy "
                "on that user or role). If a service control policy or permissions boundary denies it, "
                "ask your AWS administrator. `strands doctor` shows which identity is used."
            )
        return PermissionsError(f"Access denied{env}: {op}: {message or code}", detail=detail, hint=hint, data=data)
    if fam == "throttling":
        attempts = _attempts(exc)
        data["attempts"] = attempts
        return ThrottlingError(
            f"AWS kept throttling {op} after {attempts} attempts{env}" if attempts else f"AWS throttled {op}{env}",
            detail=detail,
            hint=(
                "Wait a minute and run again; if it keeps happening, lower the parallelism or set the AWS "
                "retry mode to 'adaptive' so requests slow down on their own."
            ),
            data=data,
        )
    if fam == "quota":
        return ThrottlingError(
            f"AWS service quota reached{env}: {op}: {message or code}",
            detail=detail,
            hint=(
                "Delete unused resources of this kind, or request a higher quota in the Service Quotas "
                "console (https://console.aws.amazon.com/servicequotas/) and run again."
            ),
            data={**data, "quota": True},
        )
    if fam == "conflict":
        return ConflictError(
            f"Conflict{env}: {op}: {message or code}",
            detail=detail,
            hint=(
                "The resource already exists or another change to it is in progress: wait for other "
                "deployments to finish and run again; if it exists outside strands, import it or rename it."
            ),
            data=data,
        )
    if fam == "not_found":
        region = f" and region {ctx.target.region}" if ctx.target else ""
        return NotFoundError(
            f"Not found{env}: {op}: {message or code}",
            detail=detail,
            hint=(
                f"Check the name or ARN, and that you are in the right account{region} "
                "(`strands doctor` shows both). If it was deleted outside strands, deploy again to recreate it."
            ),
            data=data,
        )
    if fam == "invalid_request":
        return ProvisioningError(
            f"AWS rejected {op}{env}: {message or code}",
            detail=detail,
            hint="Check the value named in the message (usually set in strands.yaml) and run again.",
            data=data,
        )
    if fam == "server":
        return NetworkError(
            f"AWS failed to answer {op}{env}: {code}" + (f" (HTTP {status})" if status else ""),
            detail=detail,
            hint="AWS had a server-side problem that outlasted the retries: wait a few minutes and run again.",
            data=data,
        )
    return ProvisioningError(
        f"AWS refused {op}{env}: {code}: {message}" if message else f"AWS refused {op}{env}: {code}",
        detail=detail,
        hint="Read the AWS message above; fix what it names and run again.",
        data=data,
    )


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
