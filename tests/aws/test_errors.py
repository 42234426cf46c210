"""Conversion of boto3/botocore exceptions into strands error categories with detail and a next step."""

from __future__ import annotations

from pathlib import Path

import pytest
from botocore import exceptions as bx

from strands_tf.aws.errors import aws_errors, convert_aws_error, family
from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import Category, ExitCode, StrandsError

TARGET = AwsTarget("dev", "eu-west-1", profile="dev")


def client_error(code: str, message: str = "msg", status: int = 400, op: str = "CreateRole") -> bx.ClientError:
    return bx.ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"RequestId": "rid-42", "HTTPStatusCode": status, "RetryAttempts": 4},
        },
        op,
    )


@pytest.mark.parametrize(
    ("code", "status", "category", "fam"),
    [
        ("ExpiredToken", 403, Category.CREDENTIALS, "expired"),
        ("ExpiredTokenException", 400, Category.CREDENTIALS, "expired"),
        ("InvalidClientTokenId", 403, Category.CREDENTIALS, "invalid_credentials"),
        ("UnrecognizedClientException", 400, Category.CREDENTIALS, "invalid_credentials"),
        ("SignatureDoesNotMatch", 403, Category.CREDENTIALS, "invalid_credentials"),
        ("AccessDenied", 403, Category.PERMISSIONS, "permissions"),
        ("AccessDeniedException", 400, Category.PERMISSIONS, "permissions"),
        ("UnauthorizedOperation", 403, Category.PERMISSIONS, "permissions"),
        ("KMS.AccessDeniedException", 400, Category.PERMISSIONS, "permissions"),
        ("Throttling", 400, Category.THROTTLING, "throttling"),
        ("ThrottlingException", 400, Category.THROTTLING, "throttling"),
        ("TooManyRequestsException", 429, Category.THROTTLING, "throttling"),
        ("RequestLimitExceeded", 503, Category.THROTTLING, "throttling"),
        ("SlowDown", 503, Category.THROTTLING, "throttling"),
        ("LimitExceeded", 409, Category.THROTTLING, "quota"),
        ("LimitExceededException", 400, Category.THROTTLING, "quota"),
        ("ServiceQuotaExceededException", 402, Category.THROTTLING, "quota"),
        ("VpcLimitExceeded", 400, Category.THROTTLING, "quota"),
        ("ConflictException", 409, Category.CONFLICT, "conflict"),
        ("ResourceInUseException", 400, Category.CONFLICT, "conflict"),
        ("ResourceConflictException", 409, Category.CONFLICT, "conflict"),
        ("EntityAlreadyExists", 409, Category.CONFLICT, "already_exists"),
        ("BucketAlreadyExists", 409, Category.CONFLICT, "already_exists"),
        ("ResourceAlreadyExistsException", 400, Category.CONFLICT, "already_exists"),
        ("InvalidGroup.Duplicate", 400, Category.CONFLICT, "already_exists"),
        ("NoSuchEntity", 404, Category.NOT_FOUND, "not_found"),
        ("NoSuchBucket", 404, Category.NOT_FOUND, "not_found"),
        ("NoSuchLifecycleConfiguration", 404, Category.NOT_FOUND, "not_found"),
        ("ResourceNotFoundException", 400, Category.NOT_FOUND, "not_found"),
        ("InvalidVpcID.NotFound", 400, Category.NOT_FOUND, "not_found"),
        ("404", 404, Category.NOT_FOUND, "not_found"),
        ("ValidationError", 400, Category.PROVISIONING, "invalid_request"),
        ("MalformedPolicyDocument", 400, Category.PROVISIONING, "invalid_request"),
        ("InternalError", 500, Category.NETWORK, "server"),
        ("ServiceUnavailable", 503, Category.NETWORK, "server"),
        ("SomethingNew", 503, Category.NETWORK, "server"),
        ("SomethingNew", 409, Category.CONFLICT, "conflict"),
        ("SomethingNew", 418, Category.PROVISIONING, "other"),
    ],
)
def test_client_error_codes_map_to_categories(code: str, status: int, category: Category, fam: str) -> None:
    assert family(code, status) == fam
    err = convert_aws_error(client_error(code, "what AWS said", status), target=TARGET, operation="iam:CreateRole")
    assert err.category is category
    assert err.exit_code == ExitCode.INFRA
    assert "environment 'dev'" in err.summary
    assert err.hint
    assert f"AWS error: {code}: what AWS said" in err.detail
    assert "Operation: iam:CreateRole" in err.detail
    assert "Request id: rid-42" in err.detail
    assert err.data["code"] == code and err.data["request_id"] == "rid-42"
    assert err.data["operation"] == "iam:CreateRole" and err.data["http_status"] == status
    assert err.to_dict()["category"] == str(category)


def test_hints_are_specific_to_the_family() -> None:
    def hint(code: str, **kw: object) -> str:
        return convert_aws_error(client_error(code), target=TARGET, **kw).hint or ""  # type: ignore[arg-type]

    assert "aws configure --profile dev" in hint("ExpiredToken")
    assert "AWS_SESSION_TOKEN" in hint("ExpiredToken", credential_method="env")
    assert "aws sso login --profile dev" in hint("ExpiredToken", credential_method="sso")
    assert "secret access key" in hint("SignatureDoesNotMatch")
    assert "clock" in hint("RequestTimeTooSkewed")
    assert "clock" in hint("RequestExpired")
    assert "IAM policy" in hint("AccessDenied") and "strands doctor" in hint("AccessDenied")
    assert "strands apply --sequential" in hint("ThrottlingException")
    assert "Service Quotas" in hint("LimitExceeded")
    assert "strands orphans --adopt" in hint("EntityAlreadyExists") and "rename" in hint("EntityAlreadyExists")
    assert "eu-west-1" in hint("NoSuchEntity")
    assert "strands.yaml" in hint("ValidationError")
    assert "wait a few minutes" in hint("InternalError")


def test_throttling_reports_attempts_and_quota_is_flagged() -> None:
    err = convert_aws_error(client_error("Throttling"))
    assert err.data["attempts"] == 5 and "after 5 attempts" in err.summary
    assert convert_aws_error(client_error("LimitExceeded")).data["quota"] is True


def test_request_id_falls_back_to_headers() -> None:
    exc = bx.ClientError(
        {
            "Error": {"Code": "AccessDenied", "Message": "no"},
            "ResponseMetadata": {"HTTPStatusCode": 403, "HTTPHeaders": {"x-amz-request-id": "hdr-1"}},
        },
        "GetObject",
    )
    err = convert_aws_error(exc)
    assert err.data["request_id"] == "hdr-1" and err.data["operation"] == "GetObject"
    assert "environment" not in err.summary


def test_client_error_without_code_or_message_is_still_readable() -> None:
    err = convert_aws_error(bx.ClientError({}, "PutItem"))
    assert err.category is Category.PROVISIONING
    assert err.summary == "AWS refused PutItem: Unknown"


@pytest.mark.parametrize(
    ("exc", "category", "summary_part", "hint_part"),
    [
        (bx.NoCredentialsError(), Category.CREDENTIALS, "No AWS credentials", "aws configure --profile dev"),
        (bx.ProfileNotFound(profile="dev"), Category.CREDENTIALS, "profile 'dev' does not exist", "aws configure"),
        (
            bx.SSOTokenLoadError(error_msg="Token for x does not exist"),
            Category.CREDENTIALS,
            "SSO session",
            "aws sso login --profile dev",
        ),
        (bx.UnauthorizedSSOTokenError(), Category.CREDENTIALS, "SSO session", "aws sso login --profile dev"),
        (
            bx.TokenRetrievalError(provider="sso", error_msg="expired"),
            Category.CREDENTIALS,
            "SSO session",
            "aws sso login --profile dev",
        ),
        (
            bx.PartialCredentialsError(provider="env", cred_var="AWS_SECRET_ACCESS_KEY"),
            Category.CREDENTIALS,
            "AWS_SECRET_ACCESS_KEY is missing",
            "AWS_ACCESS_KEY_ID",
        ),
        (
            bx.CredentialRetrievalError(provider="custom-process", error_msg="exit 1"),
            Category.CREDENTIALS,
            "custom-process",
            "aws configure --profile dev",
        ),
        (
            bx.EndpointConnectionError(endpoint_url="https://sts.eu-west-1.amazonaws.com/"),
            Category.NETWORK,
            "Cannot reach AWS endpoint https://sts.eu-west-1.amazonaws.com/",
            "proxy",
        ),
        (
            bx.ConnectTimeoutError(endpoint_url="https://s3.amazonaws.com/"),
            Category.NETWORK,
            "Timed out talking to AWS",
            "network",
        ),
        (
            bx.ReadTimeoutError(endpoint_url="https://s3.amazonaws.com/"),
            Category.NETWORK,
            "Timed out talking to AWS",
            "network",
        ),
        (bx.NoRegionError(), Category.CONFIGURATION, "No AWS region", "region:"),
        (bx.ConfigParseError(path="/x/config"), Category.CONFIGURATION, "cannot be read", "INI"),
        (
            bx.WaiterError(name="BucketExists", reason="Max attempts exceeded", last_response={}),
            Category.PROVISIONING,
            "BucketExists",
            "AWS console",
        ),
        (bx.ParamValidationError(report="Missing Bucket"), Category.INTERNAL, "AWS client failure", "bug"),
        (ConnectionResetError("reset by peer"), Category.NETWORK, "Network failure", "network"),
        (RuntimeError("boom"), Category.INTERNAL, "Unexpected error", "bug"),
    ],
)
def test_botocore_exceptions_map_to_categories(
    exc: BaseException, category: Category, summary_part: str, hint_part: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent/config")
    err = convert_aws_error(exc, target=TARGET)
    assert err.category is category
    assert summary_part in err.summary
    assert hint_part in (err.hint or "")
    assert err.exit_code == (ExitCode.USER if category is Category.CONFIGURATION else ExitCode.INFRA)


def test_missing_credentials_hint_detects_sso_profiles(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = tmp_path / "config"
    config.write_text("[profile dev]\nsso_session = corp\n[sso-session corp]\nsso_start_url = https://x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    assert "aws sso login --profile dev" in (convert_aws_error(bx.NoCredentialsError(), target=TARGET).hint or "")
    assert "aws sso login --profile dev" in (convert_aws_error(client_error("ExpiredToken"), target=TARGET).hint or "")


def test_login_session_errors_say_aws_login() -> None:
    login_error = getattr(bx, "LoginRefreshRequired", None)
    if login_error is None:
        pytest.skip("this botocore has no `aws login` credentials")
    err = convert_aws_error(login_error(), target=TARGET)
    assert err.category is Category.CREDENTIALS and "aws login --profile dev" in (err.hint or "")


def test_strands_errors_pass_through_and_context_manager_converts() -> None:
    original = StrandsError("already converted")
    assert convert_aws_error(original) is original
    with pytest.raises(StrandsError) as info, aws_errors(TARGET, "s3:HeadBucket"):
        raise client_error("NoSuchBucket", status=404, op="HeadBucket")
    assert info.value.category is Category.NOT_FOUND
    assert isinstance(info.value.__cause__, bx.ClientError)
    with pytest.raises(KeyError), aws_errors(TARGET):
        raise KeyError("bugs are not converted")


@pytest.mark.moto
def test_real_moto_errors_convert(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("dev", "us-east-1")
    iam = factory.client("iam", target)
    s3 = factory.client("s3", target)
    with pytest.raises(StrandsError) as info, aws_errors(target, "iam:GetRole"):
        iam.get_role(RoleName="does-not-exist")
    assert info.value.category is Category.NOT_FOUND
    assert "Role does-not-exist not found" in info.value.summary and info.value.data["request_id"]

    trust = '{"Version":"2012-10-17","Statement":[]}'
    iam.create_role(RoleName="dup-role", AssumeRolePolicyDocument=trust)
    with pytest.raises(StrandsError) as info, aws_errors(target, "iam:CreateRole"):
        iam.create_role(RoleName="dup-role", AssumeRolePolicyDocument=trust)
    assert info.value.category is Category.CONFLICT and info.value.data["code"] == "EntityAlreadyExists"

    with pytest.raises(StrandsError) as info, aws_errors(target, "s3:GetBucketLocation"):
        s3.get_bucket_location(Bucket="no-such-bucket-here")
    assert info.value.category is Category.NOT_FOUND and info.value.data["code"] == "NoSuchBucket"

    with pytest.raises(StrandsError) as info, aws_errors(target, "s3:HeadBucket"):
        s3.head_bucket(Bucket="no-such-bucket-here")  # HEAD: no body, code "404"
    assert info.value.category is Category.NOT_FOUND
