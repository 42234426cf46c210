"""Environment for Terraform child processes: same identity, child only, secrets never shown, refreshed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from strands_tf.aws.session import AwsSessionFactory
from strands_tf.aws.target import AwsTarget
from strands_tf.aws.terraform_env import TerraformAwsEnv, terraform_aws_env

ROLE = "arn:aws:iam::111111111111:role/deployer"
pytestmark = pytest.mark.moto

CHILD = """
import json, boto3
print(json.dumps(boto3.client("sts").get_caller_identity()["Arn"]))
"""


def run_child(env: dict[str, str]) -> str:
    out = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_role_env_gives_the_child_the_assumed_identity(
    aws_env, factory: AwsSessionFactory, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    config = tmp_path / "config"
    config.write_text("[profile someone-else]\naws_access_key_id = AKIAELSE\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    monkeypatch.setenv("AWS_PROFILE", "someone-else")  # assumes the role; must not leak into the child
    before = dict(os.environ)
    target = AwsTarget("prod", "eu-west-1", role_arn=ROLE, session_name="strands-tf-child")
    tf = terraform_aws_env(target, factory)
    assert dict(os.environ) == before  # nothing leaks into this process
    assert tf.variables["AWS_REGION"] == tf.variables["AWS_DEFAULT_REGION"] == "eu-west-1"
    assert tf.variables["AWS_ACCESS_KEY_ID"] != "testing" and tf.variables["AWS_SESSION_TOKEN"]
    assert "AWS_PROFILE" in tf.remove
    assert tf.expires_at is not None and tf.expires_at > datetime.now(UTC) + timedelta(minutes=45)
    child = tf.apply()
    assert "AWS_PROFILE" not in child
    assert run_child(child) == "arn:aws:sts::111111111111:assumed-role/deployer/strands-tf-child"


def test_profile_env_passes_the_profile_and_drops_static_keys(
    aws_env, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, factory: AwsSessionFactory
) -> None:
    config = tmp_path / "config"
    config.write_text(
        "[profile base]\naws_access_key_id = AKIABASE\naws_secret_access_key = x\n"
        "[profile hub]\nrole_arn = arn:aws:iam::222222222222:role/hub\nsource_profile = base\n"
        "role_session_name = hub-session\n"
    )
    monkeypatch.setenv("AWS_CONFIG_FILE", str(config))
    tf = terraform_aws_env(AwsTarget("hub", "us-east-1", profile="hub"), factory)
    assert tf.variables["AWS_PROFILE"] == "hub"
    assert {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"} <= tf.remove
    assert tf.expires_at is None and not tf.expires_within(timedelta(days=365))
    child = tf.apply()
    assert "AWS_ACCESS_KEY_ID" not in child  # the profile, not the parent's keys, decides
    assert run_child(child) == "arn:aws:sts::222222222222:assumed-role/hub/hub-session"


def test_default_chain_and_emulator_endpoints() -> None:
    target = AwsTarget(
        "emu",
        "us-east-1",
        endpoint_url="http://127.0.0.1:4566",
        service_endpoints={"logs": "http://127.0.0.1:5001", "apigatewayv2": "http://127.0.0.1:5002"},
    )
    tf = terraform_aws_env(target)  # no role: no AWS call at all
    assert tf.variables == {
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:4566",
        "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS": "http://127.0.0.1:5001",
        "AWS_ENDPOINT_URL_APIGATEWAYV2": "http://127.0.0.1:5002",
    }
    assert tf.remove == frozenset()
    base = {"AWS_ACCESS_KEY_ID": "inherited", "PATH": "/bin"}
    assert tf.apply(base)["AWS_ACCESS_KEY_ID"] == "inherited"
    assert base == {"AWS_ACCESS_KEY_ID": "inherited", "PATH": "/bin"}


def test_secrets_never_appear_in_repr_or_logs(aws_env, factory: AwsSessionFactory) -> None:
    tf = terraform_aws_env(AwsTarget("prod", "us-east-1", role_arn=ROLE), factory)
    secret = tf.variables["AWS_SECRET_ACCESS_KEY"]
    token = tf.variables["AWS_SESSION_TOKEN"]
    for text in (repr(tf), str(tf), json.dumps(tf.redacted())):
        assert secret not in text and token not in text
        assert "****" in text
    assert tf.redacted()["AWS_ACCESS_KEY_ID"] == tf.variables["AWS_ACCESS_KEY_ID"]


class Clock:
    def __init__(self) -> None:
        self.now = datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now


def test_credentials_near_expiry_are_refreshed_for_the_next_child(aws_env) -> None:
    clock = Clock()
    factory = AwsSessionFactory(clock=clock)
    target = AwsTarget("prod", "us-east-1", role_arn=ROLE, duration_seconds=3600)
    first = terraform_aws_env(target, factory, valid_for=timedelta(minutes=30))
    again = terraform_aws_env(target, factory, valid_for=timedelta(minutes=30))
    assert again.variables["AWS_ACCESS_KEY_ID"] == first.variables["AWS_ACCESS_KEY_ID"]  # still fresh: reused

    assert first.expires_at is not None
    clock.now = first.expires_at - timedelta(minutes=20)  # a long apply later: 20 min left < 30 wanted
    assert first.expires_within(timedelta(minutes=30), now=clock.now)
    fresh = terraform_aws_env(target, factory, valid_for=timedelta(minutes=30))
    assert fresh.variables["AWS_ACCESS_KEY_ID"] != first.variables["AWS_ACCESS_KEY_ID"]
    assert fresh.expires_at is not None and fresh.expires_at > first.expires_at
    factory.close()


def test_wanted_validity_is_capped_by_the_session_duration(aws_env, factory: AwsSessionFactory) -> None:
    target = AwsTarget("prod", "us-east-1", role_arn=ROLE, duration_seconds=900)
    first = terraform_aws_env(target, factory, valid_for=timedelta(hours=2))
    second = terraform_aws_env(target, factory, valid_for=timedelta(hours=2))
    # 2 h can never be met by a 15 min session: it must not force a new AssumeRole on every call.
    assert second.variables["AWS_ACCESS_KEY_ID"] == first.variables["AWS_ACCESS_KEY_ID"]


def test_emulator_env_has_test_keys_and_no_profile() -> None:
    tf = terraform_aws_env(AwsTarget("local", "us-east-1", emulator=True, endpoint_url="http://127.0.0.1:4566"))
    assert tf.variables["AWS_ACCESS_KEY_ID"] == "test" and tf.variables["AWS_SECRET_ACCESS_KEY"] == "test"
    assert tf.variables["AWS_ENDPOINT_URL"] == "http://127.0.0.1:4566"
    child = tf.apply({"AWS_PROFILE": "prod", "AWS_SESSION_TOKEN": "real", "AWS_ACCESS_KEY_ID": "AKIAREAL"})
    assert "AWS_PROFILE" not in child and "AWS_SESSION_TOKEN" not in child
    assert child["AWS_ACCESS_KEY_ID"] == "test"


def test_apply_removes_only_what_is_listed() -> None:
    tf = TerraformAwsEnv(variables={"AWS_REGION": "us-east-1"}, remove=frozenset({"AWS_PROFILE"}))
    assert tf.apply({"AWS_PROFILE": "x", "HOME": "/h"}) == {"HOME": "/h", "AWS_REGION": "us-east-1"}
