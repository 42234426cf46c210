"""Pure parts of the provider: wire values, schema conversion, plan rules, policy documents, tags."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import msgpack
import pytest
from tf.gen import tfplugin_pb2 as pb

from strands_tf.emulator.provider import values
from strands_tf.emulator.provider.aws import AwsContext, EndpointNotConfigured
from strands_tf.emulator.provider.planning import plan_resource, resolve_unknowns
from strands_tf.emulator.provider.resources.base import ResourceHandler
from strands_tf.emulator.provider.resources.iam import IamPolicyDocument
from strands_tf.emulator.provider.resources.tags import split_tags
from strands_tf.emulator.provider.schema import (
    SchemaFileError,
    block_pb,
    conform_block,
    load_schema,
)
from strands_tf.emulator.provider.values import Unknown


def test_unknown_round_trips_and_refined_unknowns_decode() -> None:
    data = values.encode({"a": Unknown, "b": [1, "x", None]})
    assert values.decode(data) == {"a": Unknown, "b": [1, "x", None]}
    refined = msgpack.packb(msgpack.ExtType(12, b"\x81\x01\xc3"))  # cty unknown with refinements
    assert values.decode(refined) is Unknown
    assert values.decode(b"", b'{"x": 1}') == {"x": 1}
    assert values.decode(b"") is None


def test_conform_fills_every_attribute_and_block() -> None:
    block = {
        "attributes": {
            "n": {"type": "number"},
            "s": {"type": "string"},
            "m": {"type": ["map", "string"]},
            "o": {"type": ["object", {"k": "bool"}]},
        },
        "block_types": {
            "lst": {"nesting_mode": "list", "block": {"attributes": {"x": {"type": "string"}}}},
            "one": {"nesting_mode": "single", "block": {"attributes": {"x": {"type": "string"}}}},
        },
    }
    got = conform_block(block, {"n": "3", "s": 5, "m": {"a": 1}, "o": {"k": "true"}, "extra": 1, "lst": [{}]})
    assert got == {"n": 3, "s": "5", "m": {"a": "1"}, "o": {"k": True}, "lst": [{"x": None}], "one": None}


def test_block_pb_keeps_nesting_limits_and_types() -> None:
    pbb = block_pb(
        {
            "attributes": {"tags": {"type": ["map", "string"], "optional": True, "sensitive": True}},
            "block_types": {"rule": {"nesting_mode": "set", "min_items": 1, "max_items": 2, "block": {}}},
        }
    )
    assert json.loads(pbb.attributes[0].type) == ["map", "string"]
    assert pbb.attributes[0].optional and pbb.attributes[0].sensitive
    nb = pbb.block_types[0]
    assert (nb.nesting, nb.min_items, nb.max_items) == (pb.Schema.NestedBlock.NestingMode.SET, 1, 2)


def test_load_schema_errors(tmp_path: Path) -> None:
    with pytest.raises(SchemaFileError):
        load_schema(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text("[]")
    with pytest.raises(SchemaFileError):
        load_schema(bad)
    bad.write_text("{nope")
    with pytest.raises(SchemaFileError):
        load_schema(bad)


def test_packaged_schema_loads_with_provider_block_and_version() -> None:
    schema = load_schema()
    assert schema.version and schema.version.startswith("6.")
    assert "endpoints" in schema.provider["block"]["block_types"]
    assert "aws_lambda_function" in schema.resources


class _Thing(ResourceHandler):
    type_name = "aws_thing"
    force_new = frozenset({"name"})
    policy_attrs = frozenset({"policy"})
    defaults = {"flag": False}
    unknown_on_update = frozenset({"last_modified"})

    # planning tests never reach the API: any call is a test failure
    def create(self, planned: Any, config: Any) -> Any:
        raise AssertionError("create is not called while planning")

    def read(self, state: Any) -> Any:
        raise AssertionError("read is not called while planning")

    def update(self, prior: Any, planned: Any, config: Any) -> Any:
        raise AssertionError("update is not called while planning")

    def delete(self, state: Any) -> None:
        raise AssertionError("delete is not called while planning")


_BLOCK: dict[str, Any] = {
    "attributes": {
        "id": {"type": "string", "optional": True, "computed": True},
        "name": {"type": "string", "required": True},
        "arn": {"type": "string", "computed": True},
        "policy": {"type": "string", "optional": True},
        "flag": {"type": "bool", "optional": True},
        "size": {"type": "number", "optional": True},
        "last_modified": {"type": "string", "computed": True},
        "region": {"type": "string", "optional": True, "computed": True},
        "tags": {"type": ["map", "string"], "optional": True},
        "tags_all": {"type": ["map", "string"], "optional": True, "computed": True},
    },
    "block_types": {},
}


def _aws(**kw: Any) -> AwsContext:
    return AwsContext.from_config({"region": "eu-west-1", "default_tags": [{"tags": {"env": "dev"}}], **kw})


def _state(**kw: Any) -> dict[str, Any]:
    return conform_block(_BLOCK, kw)  # type: ignore[return-value]


def test_create_plan_marks_computed_unknown_and_fills_defaults_region_tags() -> None:
    cfg = _state(name="a", tags={"team": "x"})
    res = plan_resource(_Thing(_aws()), _BLOCK, None, dict(cfg), cfg)
    p = res.planned
    assert p["arn"] is Unknown and p["id"] is Unknown and p["last_modified"] is Unknown
    assert p["flag"] is False and p["region"] == "eu-west-1"
    assert p["tags_all"] == {"env": "dev", "team": "x"}
    assert res.requires_replace == []


def test_update_plan_replace_json_and_zero_values() -> None:
    prior = _state(
        id="a",
        name="a",
        arn="arn",
        policy='{"Statement": [{"Action": ["s3:GetObject"], "Resource": ["b", "a"]}], "Version": "2012-10-17"}',
        flag=False,
        size=0,
        last_modified="t",
        region="eu-west-1",
        tags_all={"env": "dev"},
    )
    cfg = _state(
        name="a", policy='{"Version":"2012-10-17","Statement":[{"Resource":["a","b"],"Action":"s3:GetObject"}]}'
    )
    proposed = {**prior, "policy": cfg["policy"], "size": None, "flag": None}
    res = plan_resource(_Thing(_aws()), _BLOCK, prior, proposed, cfg)
    # semantically equal JSON, SDK zero values and defaults: nothing changes
    assert res.planned == prior and res.requires_replace == []

    renamed = {**prior, "name": "b"}
    res = plan_resource(_Thing(_aws()), _BLOCK, prior, renamed, {**cfg, "name": "b"})
    assert res.requires_replace == ["name"]

    bigger = {**prior, "size": 5}
    res = plan_resource(_Thing(_aws()), _BLOCK, prior, bigger, {**cfg, "size": 5})
    assert res.planned["last_modified"] is Unknown and res.requires_replace == []


def test_destroy_plan_and_resolve_unknowns() -> None:
    assert plan_resource(_Thing(_aws()), _BLOCK, _state(name="a"), None, None).planned is None
    assert resolve_unknowns({"a": Unknown, "b": [Unknown, 1]}) == {"a": None, "b": [None, 1]}


def _stmt(**kw: Any) -> dict[str, Any]:
    base = {
        "sid": None,
        "effect": None,
        "actions": None,
        "not_actions": None,
        "resources": None,
        "not_resources": None,
        "principals": [],
        "not_principals": [],
        "condition": [],
    }
    return {**base, **kw}


def test_policy_document_matches_the_real_providers_shape() -> None:
    ds = IamPolicyDocument(_aws())
    out = ds.read(
        {
            "statement": [
                _stmt(
                    sid="One",
                    actions=["s3:PutObject", "s3:GetObject"],
                    resources=["arn:aws:s3:::b/*"],
                    principals=[{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                    condition=[{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
                ),
                _stmt(effect="Deny", actions=["*"], principals=[{"type": "*", "identifiers": ["*"]}]),
            ],
            "override_policy_documents": [
                json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "One", "Effect": "Deny", "Action": "x"}]})
            ],
        }
    )
    doc = json.loads(out["json"])
    assert doc["Version"] == "2012-10-17"
    assert doc["Statement"][0] == {"Sid": "One", "Effect": "Deny", "Action": "x"}  # overridden by sid
    assert doc["Statement"][1] == {"Effect": "Deny", "Action": "*", "Principal": "*"}
    assert json.loads(out["minified_json"]) == doc and "\n" not in out["minified_json"]

    single = json.loads(
        ds.read(
            {
                "statement": [
                    _stmt(
                        **{
                            "actions": ["s3:GetObject"],
                            "principals": [{"type": "Service", "identifiers": ["lambda.amazonaws.com"]}],
                            "condition": [{"test": "Bool", "variable": "aws:SecureTransport", "values": ["false"]}],
                        }
                    )
                ]
            }
        )["json"]
    )["Statement"][0]
    assert single == {
        "Effect": "Allow",
        "Action": "s3:GetObject",
        "Principal": {"Service": "lambda.amazonaws.com"},
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    }


def test_split_tags_separates_default_tags() -> None:
    assert split_tags({"env": "dev", "team": "x"}, {"env": "dev"}, {"team": "x"}) == (
        {"team": "x"},
        {"env": "dev", "team": "x"},
    )
    assert split_tags({}, {}, None) == (None, {})


def test_endpoints_never_fall_back_to_real_aws(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    monkeypatch.delenv("AWS_ENDPOINT_URL_SQS", raising=False)
    aws = AwsContext.from_config({"endpoints": [{"s3": "http://127.0.0.1:1", "logs": None}]})
    assert aws.endpoint_for("s3") == "http://127.0.0.1:1"
    with pytest.raises(EndpointNotConfigured):
        aws.endpoint_for("sqs")
    aws2 = AwsContext.from_config({"endpoints": [{"cloudwatchlogs": "http://127.0.0.1:2"}]})
    assert aws2.endpoint_for("logs") == "http://127.0.0.1:2"


def test_provider_config_with_unknown_values_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    aws = AwsContext.from_config({"region": Unknown, "default_tags": [{"tags": Unknown}], "endpoints": Unknown})
    assert aws.region == "eu-central-1" and aws.default_tags == {} and aws.endpoints == {}
