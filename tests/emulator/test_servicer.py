"""The tfplugin6 service called directly: diagnostics for an unreachable emulator, unknown types, upgrades."""

from __future__ import annotations

import json
import socket
import uuid
from typing import Any

import pytest
from tf.gen import tfplugin_pb2 as pb

from strands_tf.emulator.provider import values
from strands_tf.emulator.provider.schema import conform_block, load_schema
from strands_tf.emulator.provider.servicer import ProviderService


@pytest.fixture(scope="module")
def service() -> ProviderService:
    return ProviderService(load_schema())


def _dyn(value: Any) -> pb.DynamicValue:
    return pb.DynamicValue(msgpack=values.encode(value))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _configure(service: ProviderService, endpoint: str) -> None:
    provider_block = service.schema.provider["block"]
    config = conform_block(
        provider_block,
        {"region": "us-east-1", "access_key": "t", "secret_key": "t", "endpoints": [{"sqs": endpoint}]},
    )
    resp = service.ConfigureProvider(pb.ConfigureProvider.Request(config=_dyn(config)), None)
    assert not resp.diagnostics


def test_unreachable_emulator_is_a_diagnostic_and_keeps_state(service: ProviderService) -> None:
    _configure(service, f"http://127.0.0.1:{_closed_port()}")
    block = service.schema.resource_block("aws_sqs_queue")
    planned = conform_block(block, {"name": "q", "visibility_timeout_seconds": 30})
    resp = service.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="aws_sqs_queue", prior_state=_dyn(None), planned_state=_dyn(planned), config=_dyn(planned)
        ),
        None,
    )
    assert [d.summary for d in resp.diagnostics] == ["creating aws_sqs_queue: cannot reach the AWS emulator"]
    assert values.decode(resp.new_state.msgpack) is None

    prior = conform_block(block, {"id": "http://127.0.0.1:1/123/q", "name": "q"})
    read = service.ReadResource(pb.ReadResource.Request(type_name="aws_sqs_queue", current_state=_dyn(prior)), None)
    assert read.diagnostics[0].summary == "reading aws_sqs_queue: cannot reach the AWS emulator"
    assert values.decode(read.new_state.msgpack)["id"] == prior["id"]  # state is not dropped


def test_missing_endpoint_never_reaches_real_aws(service: ProviderService, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SNS", raising=False)
    _configure(service, "http://127.0.0.1:1")
    block = service.schema.resource_block("aws_sns_topic")
    planned = conform_block(block, {"name": "t"})
    resp = service.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name="aws_sns_topic", prior_state=_dyn(None), planned_state=_dyn(planned), config=_dyn(planned)
        ),
        None,
    )
    assert "no endpoint configured for sns" in resp.diagnostics[0].summary


def test_upgrade_drops_attributes_the_schema_no_longer_has(service: ProviderService) -> None:
    raw = json.dumps({"id": "q", "name": "q", "removed_in_v6": "x"}).encode()
    resp = service.UpgradeResourceState(
        pb.UpgradeResourceState.Request(type_name="aws_sqs_queue", version=0, raw_state=pb.RawState(json=raw)), None
    )
    state = values.decode(resp.upgraded_state.msgpack)
    assert state["id"] == "q" and "removed_in_v6" not in state


def test_unknown_type_is_rejected(service: ProviderService) -> None:
    resp = service.ValidateResourceConfig(pb.ValidateResourceConfig.Request(type_name="aws_nope"), None)
    assert resp.diagnostics[0].summary == "unsupported resource type aws_nope"


_SERVICES = ("sns", "sqs", "s3", "dynamodb", "logs", "iam", "kms", "sts", "ec2", "apigatewayv2", "cloudwatch")
_ASSUME = '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"lambda.amazonaws.com"},"Action":"sts:AssumeRole"}]}'  # noqa: E501
# one resource per type that needs no other resource: what a create returns must be what a read returns
_STANDALONE: dict[str, dict[str, Any]] = {
    "aws_sns_topic": {"name": "stable-topic"},
    "aws_sqs_queue": {"name": "stable-queue"},
    "aws_s3_bucket": {"bucket": "stable-bucket"},
    "aws_dynamodb_table": {
        "name": "stable-table",
        "hash_key": "id",
        "billing_mode": "PAY_PER_REQUEST",
        "attribute": [{"name": "id", "type": "S"}],
    },
    "aws_cloudwatch_log_group": {"name": "/stable/group", "retention_in_days": 30},
    "aws_iam_role": {"name": "stable-role", "assume_role_policy": _ASSUME},
    "aws_kms_key": {"description": "stable"},
    "aws_apigatewayv2_api": {"name": "stable-api", "protocol_type": "HTTP"},
    "aws_vpc": {"cidr_block": "10.9.0.0/16"},
}


def _plan_create(service: ProviderService, type_name: str, config: dict[str, Any]) -> dict[str, Any]:
    block = service.schema.resource_block(type_name)
    cfg = conform_block(block, config)
    resp = service.PlanResourceChange(
        pb.PlanResourceChange.Request(
            type_name=type_name, prior_state=_dyn(None), proposed_new_state=_dyn(cfg), config=_dyn(cfg)
        ),
        None,
    )
    assert not resp.diagnostics, resp.diagnostics
    return values.decode(resp.planned_state.msgpack)


@pytest.mark.parametrize("type_name", sorted(_STANDALONE))
def test_a_created_resource_reads_back_unchanged(service: ProviderService, moto_server: Any, type_name: str) -> None:
    """The state a create returns is what the next refresh reads: a clean apply leaves no drift behind.

    Regression: aws_sns_topic's create derived signature_version and fifo_throughput_scope from the unknown
    placeholders of the plan, so its state held nulls that every later read reported as 1 and "" (drift).
    """
    provider_block = service.schema.provider["block"]
    endpoints = {name: moto_server.endpoint for name in _SERVICES}
    config = conform_block(
        provider_block, {"region": "us-east-1", "access_key": "t", "secret_key": "t", "endpoints": [endpoints]}
    )
    assert not service.ConfigureProvider(pb.ConfigureProvider.Request(config=_dyn(config)), None).diagnostics
    unique = uuid.uuid4().hex[:8]  # the session's moto server is shared: names no other test uses
    config_values = {k: f"{v}-{unique}" if k in ("name", "bucket") else v for k, v in _STANDALONE[type_name].items()}
    cfg = conform_block(service.schema.resource_block(type_name), config_values)
    planned = _plan_create(service, type_name, config_values)
    applied = service.ApplyResourceChange(
        pb.ApplyResourceChange.Request(
            type_name=type_name, prior_state=_dyn(None), planned_state=_dyn(planned), config=_dyn(cfg)
        ),
        None,
    )
    assert not applied.diagnostics, applied.diagnostics
    created = values.decode(applied.new_state.msgpack)
    read = service.ReadResource(pb.ReadResource.Request(type_name=type_name, current_state=applied.new_state), None)
    assert not read.diagnostics, read.diagnostics
    refreshed = values.decode(read.new_state.msgpack)
    assert {k: (created[k], refreshed[k]) for k in created if created[k] != refreshed[k]} == {}
