"""The tfplugin6 service called directly: diagnostics for an unreachable emulator, unknown types, upgrades."""

from __future__ import annotations

import json
import socket
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
