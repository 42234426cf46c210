"""The credential check before plan/apply, over real HTTP (moto server and a scripted STS stub)."""

from __future__ import annotations

import socket
import time

import pytest

from strands_tf.aws.identity import check_environments, get_caller_identity, verify_identity
from strands_tf.aws.retry import ClientSettings
from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import AwsTarget
from strands_tf.errors import Category, CredentialsError, NetworkError, ThrottlingError

from .conftest import Reply, StubAws, caller_identity, sts_error

ROLE = "arn:aws:iam::111111111111:role/deployer"
MOTO_ACCOUNT = "123456789012"
pytestmark = pytest.mark.moto


def stub_target(stub: StubAws, **kwargs: object) -> AwsTarget:
    return AwsTarget("dev", "us-east-1", endpoint_url=stub.endpoint, **kwargs)  # type: ignore[arg-type]


def test_identity_check_passes_for_the_expected_account(aws_env, factory: AwsSessionFactory) -> None:
    identity = verify_identity(AwsTarget("dev", "us-east-1", account=MOTO_ACCOUNT), factory)
    assert identity.account == MOTO_ACCOUNT
    assert identity.arn.startswith(f"arn:aws:sts::{MOTO_ACCOUNT}:") or identity.arn.startswith("arn:aws:iam::")
    assert identity.user_id


def test_account_mismatch_is_refused_with_both_accounts(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("prod", "us-east-1", account="999999999999")
    with pytest.raises(CredentialsError) as info:
        verify_identity(target, factory)
    err = info.value
    assert err.summary == (
        "Wrong AWS account for environment 'prod': expected 999999999999, the credentials are for 123456789012"
    )
    assert "Credentials from: the default credential chain (env)" in err.detail
    assert "999999999999" in err.hint
    assert err.data["actual_account"] == MOTO_ACCOUNT and err.exit_code == 3


def test_account_mismatch_names_the_role(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("prod", "us-east-1", account="222222222222", role_arn=ROLE, session_name="strands-bob")
    with pytest.raises(CredentialsError) as info:
        verify_identity(target, factory)
    err = info.value
    assert "expected 222222222222" in err.summary and "for 111111111111" in err.summary
    assert ROLE in err.detail and "assumed-role/deployer/strands-bob" in err.detail
    assert "role is in account 111111111111" in err.hint


def test_assumed_role_identity_carries_the_session_name(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("prod", "us-east-1", account="111111111111", role_arn=ROLE, session_name="strands-carol")
    identity = verify_identity(target, factory)
    assert identity.is_assumed_role and identity.arn.endswith("/strands-carol")


def test_expired_environment_credentials(
    aws_env, stub_aws: StubAws, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    monkeypatch.setenv("AWS_SESSION_TOKEN", "old-token")
    stub_aws.script(
        "GetCallerIdentity",
        Reply(403, sts_error("ExpiredToken", "The security token included in the request is expired", "req-exp")),
    )
    with pytest.raises(CredentialsError) as info:
        get_caller_identity(stub_target(stub_aws), factory)
    err = info.value
    assert err.summary == (
        "AWS credentials from the environment variables AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / "
        "AWS_SESSION_TOKEN have expired (environment 'dev')"
    )
    assert "req-exp" in err.detail and "ExpiredToken" in err.detail and "sts:GetCallerIdentity" in err.detail
    assert "AWS_SESSION_TOKEN" in err.hint
    assert err.data["code"] == "ExpiredToken" and err.data["request_id"] == "req-exp"
    assert stub_aws.count("GetCallerIdentity") == 1  # an expired token is not retried
    assert stub_aws.requests[0]["_token"] == "old-token"


def test_expired_profile_credentials_name_the_fix(
    aws_env, stub_aws: StubAws, tmp_path, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    creds = tmp_path / "credentials"
    creds.write_text("[dev]\naws_access_key_id = ASIAOLD\naws_secret_access_key = x\naws_session_token = t\n")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(creds))
    stub_aws.script("GetCallerIdentity", Reply(400, sts_error("ExpiredToken", "expired")))
    with pytest.raises(CredentialsError) as info:
        get_caller_identity(stub_target(stub_aws, profile="dev"), factory)
    assert "profile 'dev'" in info.value.summary
    assert "aws configure --profile dev" in info.value.hint


def test_missing_credentials_say_what_was_tried(
    aws_env, monkeypatch: pytest.MonkeyPatch, no_imds, factory: AwsSessionFactory
) -> None:
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    monkeypatch.delenv("AWS_SECRET_ACCESS_KEY")
    with pytest.raises(CredentialsError) as info:
        verify_identity(AwsTarget("dev", "us-east-1"), factory)
    err = info.value
    assert err.summary == "No AWS credentials found (environment 'dev')"
    assert "AWS_ACCESS_KEY_ID" in err.detail and "AWS_PROFILE" in err.detail
    assert "aws configure" in err.hint and "profile" in err.hint


def test_profile_without_credentials(
    aws_env, tmp_path, monkeypatch: pytest.MonkeyPatch, no_imds, factory: AwsSessionFactory
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile empty]\nregion = us-east-1\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    with pytest.raises(CredentialsError) as info:
        verify_identity(AwsTarget("dev", "us-east-1", profile="empty"), factory)
    assert "profile 'empty'" in info.value.detail
    assert "aws configure --profile empty" in info.value.hint


def test_role_that_cannot_be_assumed(aws_env, stub_aws: StubAws, factory: AwsSessionFactory) -> None:
    caller = "arn:aws:iam::123456789012:user/alice"
    stub_aws.script("GetCallerIdentity", Reply(200, caller_identity(arn=caller)))
    stub_aws.script(
        "AssumeRole",
        Reply(
            403,
            sts_error(
                "AccessDenied", f"User: {caller} is not authorized to perform: sts:AssumeRole on resource: {ROLE}"
            ),
        ),
    )
    target = stub_target(stub_aws, role_arn=ROLE, external_id="wrong-ext", session_name="strands-alice")
    with pytest.raises(CredentialsError) as info:
        verify_identity(target, factory)
    err = info.value
    assert err.summary == f"Cannot assume role {ROLE} for environment 'dev'"
    assert f"Caller: {caller}" in err.detail
    assert "trust policy" in err.detail and "external_id" in err.detail
    assert "not authorized to perform: sts:AssumeRole" in err.detail
    assert caller in err.hint
    assert err.data["caller"] == caller
    sent = next(r for r in stub_aws.requests if r["Action"] == "AssumeRole")
    assert sent["ExternalId"] == "wrong-ext" and sent["RoleSessionName"] == "strands-alice"
    assert sent["RoleArn"] == ROLE and sent["DurationSeconds"] == "3600"


def test_role_assumption_with_expired_source_credentials_blames_the_source(
    aws_env, stub_aws: StubAws, factory: AwsSessionFactory
) -> None:
    stub_aws.script("AssumeRole", Reply(400, sts_error("ExpiredToken", "The security token is expired")))
    with pytest.raises(CredentialsError) as info:
        verify_identity(stub_target(stub_aws, role_arn=ROLE), factory)
    assert "expired" in info.value.summary
    assert "AWS_ACCESS_KEY_ID" in info.value.summary  # the source credentials, not the role


@pytest.mark.parametrize("mode", ["standard", "adaptive"])
def test_throttling_is_retried_by_botocore_and_counted(aws_env, stub_aws: StubAws, mode: str) -> None:
    throttled = Reply(400, sts_error("Throttling", "Rate exceeded"))
    stub_aws.script("GetCallerIdentity", throttled, throttled, Reply(200, caller_identity()))
    factory = AwsSessionFactory(ClientSettings(retry_mode=mode, max_attempts=3))  # type: ignore[arg-type]
    assert get_caller_identity(stub_target(stub_aws), factory).account == MOTO_ACCOUNT
    assert stub_aws.count("GetCallerIdentity") == 3  # two throttled, one answered
    factory.close()


def test_throttling_gives_up_after_the_configured_attempts(aws_env, stub_aws: StubAws) -> None:
    stub_aws.script("GetCallerIdentity", Reply(400, sts_error("Throttling", "Rate exceeded", "req-thr")))
    factory = AwsSessionFactory(ClientSettings(max_attempts=2))
    with pytest.raises(ThrottlingError) as info:
        get_caller_identity(stub_target(stub_aws), factory)
    assert stub_aws.count("GetCallerIdentity") == 2
    err = info.value
    assert err.data["attempts"] == 2 and "after 2 attempts" in err.summary
    assert "strands apply --sequential" in err.hint
    factory.close()


def test_unreachable_endpoint_is_a_network_error(aws_env) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # bound but not listening: connections are refused
        factory = AwsSessionFactory(ClientSettings(max_attempts=1, connect_timeout=1))
        target = AwsTarget("emu", "us-east-1", endpoint_url=f"http://127.0.0.1:{port}")
        with pytest.raises(NetworkError) as info:
            get_caller_identity(target, factory)
    err = info.value
    assert f"127.0.0.1:{port}" in err.summary and err.category is Category.NETWORK
    assert "emulator" in err.hint
    factory.close()


def test_read_timeout_is_a_network_error(aws_env, stub_aws: StubAws) -> None:
    stub_aws.script("GetCallerIdentity", Reply(200, caller_identity(), delay=5.0))
    factory = AwsSessionFactory(ClientSettings(max_attempts=1, read_timeout=0.2))
    start = time.monotonic()
    with pytest.raises(NetworkError) as info:
        get_caller_identity(stub_target(stub_aws), factory)
    assert time.monotonic() - start < 4.0  # gave up at the read timeout, not after the 5 s answer
    assert info.value.summary.startswith("Timed out talking to AWS")
    assert info.value.data["timeout"] is True
    factory.close()


def test_check_environments_reports_each_environment(aws_env, stub_aws: StubAws, factory: AwsSessionFactory) -> None:
    stub_aws.script("GetCallerIdentity", Reply(403, sts_error("ExpiredToken", "expired")))
    targets = [
        AwsTarget("dev", "us-east-1", account=MOTO_ACCOUNT),
        AwsTarget("prod", "eu-west-1", account="111111111111", role_arn=ROLE),
        AwsTarget("staging", "us-east-1", account="999999999999"),
        AwsTarget("broken", "us-east-1", endpoint_url=stub_aws.endpoint),
        AwsTarget("noprofile", "us-east-1", profile="missing"),
    ]
    reports = check_environments(targets, factory)
    assert [r.target.environment for r in reports] == ["dev", "prod", "staging", "broken", "noprofile"]
    dev, prod, staging, broken, noprofile = reports
    assert dev.ok and dev.account_matches is True and dev.exit_code == 0
    assert prod.ok and prod.identity is not None and prod.identity.is_assumed_role
    assert prod.credential_source.startswith(f"role {ROLE}")
    assert not staging.ok and staging.account_matches is False and staging.identity is not None
    assert staging.error is not None and "Wrong AWS account" in staging.error.summary
    assert broken.identity is None and broken.error is not None and "expired" in broken.error.summary
    assert broken.account_matches is None
    assert noprofile.error is not None and "does not exist" in noprofile.error.summary
    data = staging.to_dict()
    assert data["expected_account"] == "999999999999" and data["identity"]["account"] == MOTO_ACCOUNT
    assert data["error"]["category"] == "credentials" and data["error"]["exit_code"] == 3
    assert check_environments([], factory) == []
