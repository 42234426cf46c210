"""tfstate v4 reader: every shared state fixture, sensitive path shapes, redaction, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.terraform.plan import SENSITIVE
from strands_tf.terraform.tfstate import (
    TfStateError,
    load_tfstate,
    normalize_sensitive_paths,
    parse_tfstate_bytes,
    parse_tfstate_dict,
    redact_paths,
    sensitive_values,
)

# name: (terraform_version, serial, managed+data instance count, outputs)
STATE_FACTS = {
    "driftctl_tf0.12.28_route53_index_key.tfstate.json": ("0.12.28", 111, 11, 0),
    "driftctl_tf0.12.29_aws_lambda_function.tfstate.json": ("0.12.29", 103, 2, 0),
    "driftctl_tf0.14.5_aws_dynamodb_table.tfstate.json": ("0.14.5", 45, 2, 0),
    "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json": ("1.0.0", 575, 7, 0),
    "driftctl_tf1.0.11_aws_apigatewayv2_api.tfstate.json": ("1.0.11", 1, 1, 0),
    "terraform_v1.5.7_testdata_sensitive_attributes_get_attr.tfstate.json": ("0.14.0", 1, 1, 0),
    "tfjson_tf1.1.0_outputs_types_sensitive_null_resource.tfstate.json": ("1.1.0", 8, 7, 8),
}


def test_every_state_fixture_has_facts(shared_fixtures: Path) -> None:
    assert {p.name for p in (shared_fixtures / "state").iterdir()} == set(STATE_FACTS)


@pytest.mark.parametrize("name", sorted(STATE_FACTS))
def test_state_fixture_facts(shared_fixtures: Path, name: str) -> None:
    version, serial, count, outputs = STATE_FACTS[name]
    state = load_tfstate(shared_fixtures / "state" / name)
    assert state.version == 4
    assert (state.terraform_version, state.serial, len(state.instances()), len(state.outputs)) == (
        version,
        serial,
        count,
        outputs,
    )
    assert state.lineage and len(state.lineage) == 36


def test_index_keys_and_dependencies(shared_fixtures: Path) -> None:
    state = load_tfstate(shared_fixtures / "state" / "driftctl_tf0.12.28_route53_index_key.tfstate.json")
    addrs = [a for _, _, a in state.instances()]
    assert "aws_route53_record.test[3]" in addrs and "aws_route53_zone.foobar[1]" in addrs
    found = state.find("aws_route53_record.test[0]")
    assert found is not None
    res, inst = found
    assert res.each == "list" and inst.index_key == 0
    assert inst.dependencies == ["aws_route53_zone.foobar"]
    assert res.provider_name == "aws"  # legacy 0.12 "provider.aws"


def test_modern_provider_data_sources_and_deps(shared_fixtures: Path) -> None:
    state = load_tfstate(shared_fixtures / "state" / "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json")
    data = [r for r in state.resources if r.mode == "data"]
    assert [r.address for r in data] == ["data.azurerm_resource_group.raphael-dev"]
    assert data[0].provider_name == "registry.terraform.io/hashicorp/azurerm"
    _, listener = state.find("aws_lb_listener.front_end") or (None, None)
    assert listener is not None and "aws_lb_target_group.test" in listener.dependencies


def test_modules_and_sensitive_outputs(shared_fixtures: Path) -> None:
    state = load_tfstate(
        shared_fixtures / "state" / "tfjson_tf1.1.0_outputs_types_sensitive_null_resource.tfstate.json"
    )
    assert "module.foo.null_resource.aliased" in [a for _, _, a in state.instances()]
    assert state.outputs["foo"].sensitive and state.outputs["foo"].masked() == SENSITIVE
    assert state.outputs["list"].masked() == ["foo", "bar"]


def test_get_attr_sensitive_path_redacted(shared_fixtures: Path) -> None:
    state = load_tfstate(
        shared_fixtures / "state" / "terraform_v1.5.7_testdata_sensitive_attributes_get_attr.tfstate.json"
    )
    _, inst = state.find("test_instance.test") or (None, None)
    assert inst is not None and inst.sensitive_paths == [("ami",)]
    assert inst.redacted_attributes() == {"id": "621124146446964903", "ami": SENSITIVE}
    assert inst.attributes["ami"] == "abc"  # original untouched


# -- sensitive path shapes


def test_all_sensitive_path_shapes() -> None:
    steps = [
        [
            {"type": "get_attr", "value": "env"},
            {"type": "index", "value": {"value": 0, "type": "number"}},
            {"type": "get_attr", "value": "vars"},
            {"type": "index", "value": {"value": "KEY", "type": "string"}},
        ]
    ]
    assert normalize_sensitive_paths(steps) == [("env", 0, "vars", "KEY")]
    # one path written flat
    assert normalize_sensitive_paths([{"type": "get_attr", "value": "password"}]) == [("password",)]
    # plain step lists and dotted strings
    assert normalize_sensitive_paths([["tags", "secret"]]) == [("tags", "secret")]
    assert normalize_sensitive_paths(["config[0].password", 'm["a.b"]']) == [("config", 0, "password"), ("m", "a.b")]
    # marker tree, like a plan's after_sensitive
    assert sorted(normalize_sensitive_paths({"password": True, "list": [False, True], "tags": {}})) == [
        ("list", 1),
        ("password",),
    ]
    # a step that cannot be read stops the path: the enclosing value is hidden
    assert normalize_sensitive_paths([[{"type": "get_attr", "value": "a"}, {"type": "weird"}]]) == [("a",)]
    assert normalize_sensitive_paths([]) == [] and normalize_sensitive_paths(None) == []
    assert normalize_sensitive_paths(42) == [()]


def test_redact_paths_deep_dynamic_and_mismatch() -> None:
    attrs = {
        "env": [{"vars": {"KEY": "k-123", "MODE": "x"}}],
        "input": {"value": {"password": "pw", "user": "bob"}, "type": ["object", {}]},
        "name": "n",
    }
    out = redact_paths(attrs, [("env", 0, "vars", "KEY"), ("input", "password")])
    assert out["env"] == [{"vars": {"KEY": SENSITIVE, "MODE": "x"}}]
    assert out["input"]["value"] == {"password": SENSITIVE, "user": "bob"}
    assert out["name"] == "n" and attrs["env"][0]["vars"]["KEY"] == "k-123"
    # a path that does not fit hides the container it points into
    assert redact_paths({"a": {"b": 1}}, [("a", "zzz")]) == {"a": SENSITIVE}
    assert redact_paths({"a": [1]}, [("a", 5)]) == {"a": SENSITIVE}
    assert redact_paths({"a": "scalar"}, [("a", "deeper")]) == {"a": SENSITIVE}
    assert redact_paths({"a": 1, "b": 2}, [()]) == {"a": SENSITIVE, "b": SENSITIVE}
    assert sensitive_values(attrs, [("input", "password"), ("env", 0, "vars", "KEY"), ("nope",)]) == ["pw", "k-123"]


def test_real_engine_state_shape_is_redacted() -> None:
    # Shape written by Terraform 1.15 for terraform_data with a sensitive variable in a nested list.
    doc = {
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 3,
        "lineage": "554b142f-a117-0058-87b6-e050902e5085",
        "outputs": {"secret": {"value": "CANARY", "type": "string", "sensitive": True}},
        "resources": [
            {
                "mode": "managed",
                "type": "terraform_data",
                "name": "a",
                "provider": 'provider["terraform.io/builtin/terraform"]',
                "instances": [
                    {
                        "schema_version": 0,
                        "attributes": {
                            "id": "x",
                            "input": {"value": {"list": ["x", "CANARY"], "password": "CANARY"}, "type": "dynamic"},
                        },
                        "sensitive_attributes": [
                            [
                                {"type": "get_attr", "value": "input"},
                                {"type": "get_attr", "value": "list"},
                                {"type": "index", "value": {"value": 1, "type": "number"}},
                            ],
                            [{"type": "get_attr", "value": "input"}, {"type": "get_attr", "value": "password"}],
                        ],
                        "identity_schema_version": 0,
                    }
                ],
            }
        ],
    }
    state = parse_tfstate_dict(doc)
    _, inst = state.find("terraform_data.a") or (None, None)
    assert inst is not None
    assert "CANARY" not in json.dumps(inst.redacted_attributes())
    assert state.resources[0].provider_name == "terraform.io/builtin/terraform"


# -- bad input


@pytest.mark.parametrize(
    ("data", "pattern"),
    [
        (b"", "empty"),
        (b"[]", "not an object"),
        (b'{"version": 3, "serial": 1, "modules": []}', "run terraform once with a newer version"),
        (b'{"version": 5, "resources": []}', "version 5 is not supported"),
        (b'{"serial": 1}', 'no "version"'),
        (b'{"format_version": "1.2", "resource_changes": []}', "this is a plan JSON"),
        (b'{"format_version": "1.0", "values": {}}', "terraform show -json"),
        (b'{"version": 4, "resources": [{"mode": "managed"}]}', r"resources\[0\] has no type"),
        (b'{"version": 4, "resources": {}}', "resources is not a list"),
        (b'{"version": 4, "resources": [{"type": "a", "name": "b", "instances": {}}]}', "instances is not a list"),
        (b'{"version": 4,\n "serial": 1,\n "resources": [', "truncated JSON"),
        (b'{"version": 4 "serial": 1}', "invalid JSON at line 1"),
    ],
)
def test_bad_state_input(data: bytes, pattern: str) -> None:
    with pytest.raises(TfStateError, match=pattern):
        parse_tfstate_bytes(data, "terraform.tfstate")


def test_version_3_hint_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TfStateError) as exc:
        parse_tfstate_bytes(b'{"version": 3}')
    assert "newer version" in (exc.value.hint or "")
    with pytest.raises(TfStateError, match="state file not found"):
        load_tfstate(tmp_path / "missing.tfstate")


def test_flat_attributes_refused() -> None:
    doc = {"version": 4, "resources": [{"type": "a", "name": "b", "instances": [{"attributes_flat": {"id": "1"}}]}]}
    with pytest.raises(TfStateError, match="flat"):
        parse_tfstate_dict(doc)


def test_short_lambda_environment_values_are_masked_but_not_searched_for() -> None:
    from strands_tf.terraform.tfstate import searched_secrets

    env_path = ("environment", 0, "variables")
    attributes = {
        "environment": [{"variables": {"LOG_LEVEL": "info", "API_KEY": "long-secret-value", "N": "1"}}],
        "password": "abc",
    }
    paths = [(*env_path, "LOG_LEVEL"), (*env_path, "API_KEY"), (*env_path, "N"), ("password",)]
    # "info" and "1" would match unrelated values everywhere; a short password elsewhere is still searched for
    assert searched_secrets("aws_lambda_function", attributes, paths) == {"long-secret-value", "abc"}
    whole_map = [("environment",)]
    assert searched_secrets("aws_lambda_function", attributes, whole_map) == {"long-secret-value"}
    assert searched_secrets("aws_db_instance", attributes, paths) == {"info", "long-secret-value", "1", "abc"}
