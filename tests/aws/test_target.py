"""AwsTarget: validation with clear errors, session names, identity keys, endpoints."""

from __future__ import annotations

import dataclasses

import pytest

from strands_tf.aws.target import AwsTarget, FrozenMap, default_session_name
from strands_tf.errors import Category, UserError

ROLE = "arn:aws:iam::111111111111:role/deployer"


def test_defaults_and_session_name_from_user() -> None:
    target = AwsTarget("dev", "eu-west-1")
    assert target.session_name.startswith("strands-")
    assert target.duration_seconds == 3600
    assert target.account is None and target.role_arn is None


@pytest.mark.parametrize(
    ("user", "expected"),
    [
        ("alice", "strands-alice"),
        ("Jane Doe", "strands-Jane-Doe"),
        ("DOMAIN\\bob", "strands-DOMAIN-bob"),
        ("zoë", "strands-zo-"),
        ("", "strands-user"),
        ("x" * 100, "strands-" + "x" * 56),
    ],
)
def test_session_name_is_sanitised_to_sts_pattern(user: str, expected: str) -> None:
    name = default_session_name(user)
    assert name == expected
    AwsTarget("dev", "us-east-1", session_name=name)  # accepted by the validator


def test_session_name_without_passwd_entry(monkeypatch: pytest.MonkeyPatch) -> None:
    def no_user() -> str:
        raise KeyError("uid not found")

    monkeypatch.setattr("getpass.getuser", no_user)
    monkeypatch.setenv("USER", "ci runner")
    assert default_session_name() == "strands-ci-runner"


def test_every_problem_is_reported_at_once() -> None:
    with pytest.raises(UserError) as info:
        AwsTarget(
            "prod",
            "Europe",
            account="12345",
            role_arn="arn:aws:iam::1:user/x",
            session_name="x",
            duration_seconds=60,
            endpoint_url="localhost:4566",
        )
    err = info.value
    assert err.category is Category.CONFIGURATION and err.exit_code == 1
    assert "environment 'prod'" in err.summary
    for fragment in ("region 'Europe'", "12-digit", "IAM role ARN", "session_name", "duration_seconds", "http"):
        assert fragment in err.detail
    assert len(err.data["problems"]) == 6


def test_emulator_target_refuses_real_credentials() -> None:
    with pytest.raises(UserError, match="emulator environment uses test credentials"):
        AwsTarget("local", "us-east-1", emulator=True, profile="dev")


def test_external_id_needs_a_role_and_valid_characters() -> None:
    with pytest.raises(UserError, match="external_id is set but role_arn is not"):
        AwsTarget("dev", "us-east-1", external_id="abc123")
    with pytest.raises(UserError, match="external_id must be"):
        AwsTarget("dev", "us-east-1", role_arn=ROLE, external_id="has space")


def test_service_endpoints_are_normalised_frozen_and_hashable() -> None:
    target = AwsTarget(
        "emu",
        "us-east-1",
        endpoint_url="http://127.0.0.1:4566",
        service_endpoints={" STS ": "http://127.0.0.1:5000"},
    )
    assert isinstance(target.service_endpoints, FrozenMap)
    assert dict(target.service_endpoints) == {"sts": "http://127.0.0.1:5000"}
    assert target.endpoint_for("sts") == "http://127.0.0.1:5000"
    assert target.endpoint_for("s3") == "http://127.0.0.1:4566"
    assert hash(target) == hash(dataclasses.replace(target))
    with pytest.raises(TypeError):
        target.service_endpoints["s3"] = "x"  # type: ignore[index]
    with pytest.raises(UserError, match="not an http"):
        AwsTarget("emu", "us-east-1", service_endpoints={"s3": "ftp://host"})


def test_identity_key_ignores_environment_and_region() -> None:
    a = AwsTarget("dev", "us-east-1", profile="p")
    b = AwsTarget("staging", "eu-west-1", profile="p", account="123456789012")
    c = AwsTarget("dev", "us-east-1", profile="p", role_arn=ROLE)
    assert a.identity_key == b.identity_key
    assert a.identity_key != c.identity_key
    # Without a role, session settings do not change who we are.
    assert a.identity_key == AwsTarget("dev", "us-east-1", profile="p", duration_seconds=900).identity_key


def test_role_account_and_descriptions() -> None:
    target = AwsTarget("prod", "us-east-1", profile="ops", role_arn=ROLE, session_name="strands-bob")
    assert target.role_account == "111111111111"
    assert target.describe_source() == f"role {ROLE} (session 'strands-bob') assumed with profile 'ops'"
    assert AwsTarget("dev", "us-east-1").describe_source() == "the default credential chain"
    data = AwsTarget("prod", "us-east-1", role_arn=ROLE, external_id="secret-ext").to_dict()
    assert data["external_id_set"] is True and "secret-ext" not in repr(data)
