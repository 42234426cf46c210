"""`strands doctor` (AWS part) through click, with targets injected by a test group."""

from __future__ import annotations

import json
import types
from types import SimpleNamespace

import click
import pytest
from click.testing import CliRunner

from strands_tf.aws.target import AwsTarget, target_for_environment
from strands_tf.cli.doctor import doctor

from .conftest import Reply, StubAws, sts_error

ROLE = "arn:aws:iam::111111111111:role/deployer"
pytestmark = pytest.mark.moto


@pytest.fixture
def run_doctor(monkeypatch: pytest.MonkeyPatch):
    """Invoke `doctor` under a group whose ctx.obj holds the targets (stands in for the real context)."""
    fake = types.ModuleType("strands_tf.cli.context")

    def aws_targets_from_context(ctx: click.Context, *, all_environments: bool = False) -> list[AwsTarget]:
        targets: list[AwsTarget] = ctx.find_root().obj["targets"]
        return targets if all_environments else targets[:1]

    fake.aws_targets_from_context = aws_targets_from_context  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "strands_tf.cli.context", fake)

    def run(targets: list[AwsTarget], *args: str) -> click.testing.Result:
        @click.group()
        @click.pass_context
        def cli(ctx: click.Context) -> None:
            ctx.obj = {"targets": targets}

        cli.add_command(doctor)
        return CliRunner().invoke(cli, ["doctor", *args], catch_exceptions=False, env={"COLUMNS": "250"})

    return run


def test_doctor_table_for_passing_environments(aws_env, run_doctor) -> None:
    targets = [
        AwsTarget("dev", "us-east-1", account="123456789012"),
        AwsTarget("prod", "eu-west-1", account="111111111111", role_arn=ROLE, session_name="strands-dana"),
    ]
    result = run_doctor(targets, "--all-environments")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "AWS identity per environment" in out
    for text in ("dev", "prod", "us-east-1", "eu-west-1", "123456789012", "111111111111"):
        assert text in out
    assert "assumed-role/deployer/strands-dana" in out
    assert "All 2 environments passed." in out


def test_doctor_checks_only_the_chosen_environment_by_default(aws_env, run_doctor) -> None:
    targets = [AwsTarget("dev", "us-east-1"), AwsTarget("prod", "eu-west-1", account="999999999999")]
    result = run_doctor(targets)
    assert result.exit_code == 0
    assert "prod" not in result.output and "no account pinned" in result.output


def test_doctor_reports_account_mismatch_and_exits_3(aws_env, run_doctor) -> None:
    result = run_doctor([AwsTarget("staging", "us-east-1", account="999999999999")])
    assert result.exit_code == 3
    assert "wrong account" in result.output
    assert "expected 999999999999" in result.output and "next step:" in result.output
    assert "0 environments" not in result.output and "1 of 1 environment failed" in result.output


def test_doctor_json(aws_env, stub_aws: StubAws, run_doctor) -> None:
    stub_aws.script("GetCallerIdentity", Reply(403, sts_error("ExpiredToken", "expired")))
    targets = [
        AwsTarget("dev", "us-east-1", account="123456789012"),
        AwsTarget("old", "us-east-1", endpoint_url=stub_aws.endpoint),
    ]
    result = run_doctor(targets, "-A", "--json")
    assert result.exit_code == 3
    data = json.loads(result.output)
    assert data["ok"] is False
    dev, old = data["environments"]
    assert dev["ok"] is True and dev["account_matches"] is True
    assert dev["identity"]["account"] == "123456789012" and dev["region"] == "us-east-1"
    assert dev["credential_source"] == "the default credential chain (env)"
    assert old["identity"] is None and old["error"]["category"] == "credentials"
    assert "expired" in old["error"]["summary"] and old["error"]["hint"]


def test_doctor_skips_an_emulator_that_is_not_running(aws_env, run_doctor) -> None:
    targets = [AwsTarget("local", "us-east-1", emulator=True), AwsTarget("dev", "us-east-1")]
    result = run_doctor(targets, "-A")
    assert result.exit_code == 0
    assert "skipped: emulator endpoint not running" in result.output
    data = json.loads(run_doctor(targets, "-A", "--json").output)
    local = data["environments"][0]
    assert local["skipped"] and local["identity"] is None and local["ok"] is True


def test_doctor_checks_a_running_emulator(aws_env, run_doctor) -> None:
    result = run_doctor([AwsTarget("local", "us-east-1", emulator=True, endpoint_url=aws_env.endpoint)], "--json")
    local = json.loads(result.output)["environments"][0]
    assert local["skipped"] is None and local["identity"]["account"] == "123456789012"
    assert "The environment passed." in run_doctor([AwsTarget("dev", "us-east-1")]).output


def test_doctor_with_no_environments(run_doctor) -> None:
    result = run_doctor([], "-A")
    assert result.exit_code == 0 and "No environments to check." in result.output


def test_target_for_environment_reads_resolved_objects() -> None:
    env = SimpleNamespace(
        name="prod", region="eu-west-1", account="111111111111", profile="ops", role_arn=ROLE, external_id="ext-1"
    )
    target = target_for_environment(SimpleNamespace(environment=env), session_name="strands-ci")
    assert target == AwsTarget("prod", "eu-west-1", "111111111111", "ops", ROLE, "ext-1", session_name="strands-ci")
    emu = target_for_environment(
        SimpleNamespace(name="local", region="us-east-1", account=None, profile=None, role_arn=None, external_id=None),
        endpoint_url="http://127.0.0.1:4566",
    )
    assert emu.endpoint_url == "http://127.0.0.1:4566" and emu.session_name.startswith("strands-")
    assert not emu.emulator
    local = target_for_environment(
        SimpleNamespace(
            name="local",
            target="emulator",
            region="us-east-1",
            account=None,
            profile=None,
            role_arn=None,
            external_id=None,
        )
    )
    assert local.emulator and local.to_dict()["emulator"] is True
