"""The schema oracle: every module block checked against the extracted hashicorp/aws schema."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.schema import (
    SCHEMA_FILE,
    SchemaError,
    data_source_schema,
    load_aws_schema,
    provider_version,
    resource_schema,
)
from strands_tf.schema.check import check_body, check_hcl_document, check_hcl_file, check_json_document

from .conftest import FIXTURE_ROOT, MODULES, MODULES_DIR, VARIANTS_ROOT

REQUIRED_RESOURCES = [
    "aws_lambda_function",
    "aws_lambda_layer_version",
    "aws_lambda_permission",
    "aws_lambda_event_source_mapping",
    "aws_cloudwatch_log_group",
    "aws_iam_role",
    "aws_iam_role_policy",
    "aws_iam_policy",
    "aws_iam_role_policy_attachment",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_route",
    "aws_apigatewayv2_integration",
    "aws_dynamodb_table",
    "aws_s3_bucket",
    "aws_s3_bucket_versioning",
    "aws_s3_bucket_server_side_encryption_configuration",
    "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_ownership_controls",
    "aws_s3_bucket_policy",
    "aws_s3_bucket_lifecycle_configuration",
    "aws_s3_object",
    "aws_sqs_queue",
    "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_policy",
    "aws_sns_topic",
    "aws_sns_topic_subscription",
    "aws_kms_key",
    "aws_kms_alias",
    "aws_vpc",
    "aws_subnet",
    "aws_internet_gateway",
    "aws_nat_gateway",
    "aws_eip",
    "aws_route_table",
    "aws_route",
    "aws_route_table_association",
    "aws_security_group",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_endpoint",
    "aws_vpc_ipam_pool_cidr_allocation",
    "aws_flow_log",
    "aws_cloudwatch_metric_alarm",
    "aws_default_security_group",
]
REQUIRED_DATA_SOURCES = [
    "aws_caller_identity",
    "aws_region",
    "aws_partition",
    "aws_iam_policy_document",
    "aws_availability_zones",
]


def _problems(text: str, tmp_path: Path) -> list[str]:
    path = tmp_path / "main.tf"
    path.write_text(text, encoding="utf-8")
    return [p.format() for p in check_hcl_file(path)]


# --- the modules -------------------------------------------------------------------------------


def test_every_module_exists() -> None:
    assert MODULES == [
        "agent-network",
        "alarm-topic",
        "dashboard",
        "dynamodb-table",
        "execution-role",
        "http-api",
        "metric-alarms",
        "s3-bucket",
        "sns-topic",
        "sqs-queue",
        "strands-agent",
        "vpc",
    ]


@pytest.mark.parametrize("module", MODULES)
def test_module_blocks_match_the_provider_schema(module: str) -> None:
    problems = [p.format() for tf in sorted((MODULES_DIR / module).glob("*.tf")) for p in check_hcl_file(tf)]
    assert problems == []


@pytest.mark.parametrize(
    "root",
    [FIXTURE_ROOT, VARIANTS_ROOT, FIXTURE_ROOT.parent / "short_retention"],
    ids=["all_modules", "variants", "short_retention"],
)
def test_fixture_roots_match_the_provider_schema(root: Path) -> None:
    assert [p.format() for p in check_hcl_file(root / "main.tf")] == []


@pytest.mark.parametrize("module", MODULES)
def test_module_uses_only_types_in_the_schema(module: str) -> None:
    import hcl2

    schema = load_aws_schema()
    with (MODULES_DIR / module / "main.tf").open() as fh:
        document = hcl2.load(fh)
    used = {(kind, t.strip('"')) for kind in ("resource", "data") for e in document.get(kind, []) for t in e}
    assert used
    for kind, tf_type in used:
        section = "resource_schemas" if kind == "resource" else "data_source_schemas"
        assert tf_type in schema[section], f"{module}: {kind} {tf_type} missing from the schema"


# --- the committed schema --------------------------------------------------------------------


def test_schema_covers_every_type_other_parts_need() -> None:
    schema = load_aws_schema()
    assert set(REQUIRED_RESOURCES) <= set(schema["resource_schemas"])
    assert set(REQUIRED_DATA_SOURCES) <= set(schema["data_source_schemas"])


def test_schema_is_for_hashicorp_aws_6() -> None:
    schema = load_aws_schema()
    assert schema["provider"]["source"] == "hashicorp/aws"
    assert provider_version().startswith("6.")
    assert schema["provider"]["extracted_from"].startswith("cdktn-provider-aws ")


def _walk(block: dict, path: str):
    yield path, block
    for name, spec in block["block_types"].items():
        yield from _walk(spec["block"], f"{path}.{name}")


def test_schema_is_well_formed_everywhere() -> None:
    schema = load_aws_schema()
    for section in ("resource_schemas", "data_source_schemas"):
        for tf_type, root in schema[section].items():
            for path, block in _walk(root, tf_type):
                for name, attr in block["attributes"].items():
                    flags = (attr["required"], attr["optional"], attr["computed"])
                    assert flags in {
                        (True, False, False),
                        (False, True, False),
                        (False, True, True),
                        (False, False, True),
                    }, f"{path}.{name}"
                    assert attr["sensitive"] is False
                for name, spec in block["block_types"].items():
                    assert spec["nesting_mode"] in {"single", "list", "set", "map"}, f"{path}.{name}"
                    assert spec["min_items"] in (0, 1) and spec["max_items"] >= 0


def test_schema_records_known_facts_of_the_real_provider() -> None:
    fn = resource_schema("aws_lambda_function")
    assert fn["attributes"]["function_name"]["required"] is True
    assert fn["attributes"]["role"]["required"] is True
    arn = fn["attributes"]["arn"]
    assert (arn["optional"], arn["computed"]) == (False, True)
    assert fn["attributes"]["architectures"]["type"] == ["list", "string"]
    vpc = fn["block_types"]["vpc_config"]
    assert (vpc["nesting_mode"], vpc["max_items"]) == ("list", 1)
    assert vpc["block"]["attributes"]["subnet_ids"]["type"] == ["set", "string"]
    assert fn["block_types"]["timeouts"]["nesting_mode"] == "single"
    sg = resource_schema("aws_security_group")["attributes"]["ingress"]
    assert sg["type"][0] == "set" and sg["type"][1][0] == "object" and sg["computed"] and sg["optional"]
    doc = data_source_schema("aws_iam_policy_document")
    assert doc["attributes"]["json"]["computed"] and not doc["attributes"]["json"]["optional"]
    statement = doc["block_types"]["statement"]
    assert statement["nesting_mode"] == "list"
    assert statement["block"]["block_types"]["principals"]["nesting_mode"] == "set"
    sse = resource_schema("aws_s3_bucket_server_side_encryption_configuration")["block_types"]["rule"]
    assert (sse["nesting_mode"], sse["min_items"]) == ("set", 1)
    assert resource_schema("aws_vpc_security_group_ingress_rule")["attributes"]["tags_all"]["type"] == ["map", "string"]
    endpoint_dns = resource_schema("aws_vpc_endpoint")["attributes"]["dns_entry"]
    assert endpoint_dns["type"][0] == "list" and not endpoint_dns["optional"]


def test_unknown_type_lookup_names_the_fix() -> None:
    with pytest.raises(SchemaError) as info:
        resource_schema("aws_lambda_functoin")
    assert "aws_lambda_functoin" in info.value.summary
    assert "scripts/extract_aws_schema.py" in (info.value.hint or "")
    with pytest.raises(SchemaError):
        data_source_schema("aws_lambda_function")


def test_missing_schema_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError) as info:
        load_aws_schema(tmp_path / "nope.json")
    assert "not found" in info.value.summary and info.value.hint


def test_malformed_schema_file_reports_line_and_column(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"provider": {\n  "source": }', encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        load_aws_schema(bad)
    assert f"{bad}:2:" in info.value.summary


@pytest.mark.parametrize(
    "document, fragment",
    [
        ([], "must be a JSON object"),
        ({"provider": {"source": "hashicorp/google"}}, "provider.source"),
        ({"provider": {"source": "hashicorp/aws"}, "resource_schemas": {}}, "data_source_schemas"),
        (
            {"provider": {"source": "hashicorp/aws"}, "resource_schemas": {"aws_x": {}}, "data_source_schemas": {}},
            "aws_x is not a BLOCK",
        ),
    ],
)
def test_schema_with_the_wrong_shape_is_refused(tmp_path: Path, document: object, fragment: str) -> None:
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        load_aws_schema(path)
    assert fragment in info.value.summary


def test_committed_file_is_the_packaged_one() -> None:
    assert SCHEMA_FILE.name == "aws_provider_schema.json" and SCHEMA_FILE.is_file()


# --- the checker catches every kind of mistake ------------------------------------------------


def test_checker_accepts_a_correct_resource(tmp_path: Path) -> None:
    assert (
        _problems(
            """
resource "aws_lambda_function" "ok" {
  function_name = "f"
  role          = aws_iam_role.r.arn
  memory_size   = 512
  publish       = true
  layers        = [aws_lambda_layer_version.l.arn]

  vpc_config {
    subnet_ids         = ["subnet-1"]
    security_group_ids = ["sg-1"]
  }

  dynamic "environment" {
    for_each = [1]
    content {
      variables = { A = "b" }
    }
  }

  timeouts {
    create = "10m"
  }

  count      = 1
  depends_on = [aws_iam_role.r]
  lifecycle {
    ignore_changes = [tags]
  }
}

resource "terraform_data" "not_aws" {
  input = 1
}
""",
            tmp_path,
        )
        == []
    )


@pytest.mark.parametrize(
    "body, message",
    [
        ('function_name = "f"\n  role = "r"\n  functoin_name = "x"', "functoin_name: no such attribute or block"),
        ('function_name = "f"\n  role = "r"\n  arn = "x"', "arn: is computed by the provider"),
        ('function_name = "f"', "role: required attribute is not set"),
        ('function_name = "f"\n  role = "r"\n  vpc_config = { subnet_ids = [] }', "vpc_config: is a block"),
        (
            'function_name = "f"\n  role = "r"\n'
            "  environment {\n    variables = {}\n  }\n  environment {\n    variables = {}\n  }",
            "at most 1 block(s) allowed, found 2",
        ),
        (
            'function_name = "f"\n  role = "r"\n  tracing_config {\n  }',
            "tracing_config.mode: required attribute is not set",
        ),
        ('function_name = "f"\n  role = "r"\n  memory_size = "lots"', "memory_size: expects a number"),
        ('function_name = "f"\n  role = "r"\n  publish = "maybe"', "publish: expects a bool"),
        ('function_name = "f"\n  role = "r"\n  layers = "arn"', "layers: expects a list"),
        ('function_name = "f"\n  role = "r"\n  layers = [["a"]]', "layers: element expects a string"),
        (
            'function_name = "f"\n  role = "r"\n  dynamic "vpc_confg" {\n    for_each = []\n    content {}\n  }',
            "vpc_confg: no such block",
        ),
        (
            'function_name = "f"\n  role = "r"\n  dynamic "handler" {\n    for_each = []\n    content {}\n  }',
            "handler: is an attribute, not a block",
        ),
        (
            'function_name = "f"\n  role = "r"\n'
            '  dynamic "vpc_config" {\n    for_each = [1]\n    content {\n      subnet_ids = []\n    }\n  }',
            "vpc_config.security_group_ids: required attribute",
        ),
        (
            'function_name = "f"\n  role = "r"\n  handler {\n    x = 1\n  }',
            "handler: is an attribute; write it as `handler = ...`",
        ),
    ],
)
def test_checker_reports_each_mistake(tmp_path: Path, body: str, message: str) -> None:
    problems = _problems(f'resource "aws_lambda_function" "bad" {{\n  {body}\n}}\n', tmp_path)
    assert any(message in p for p in problems), problems
    assert all(p.startswith(f"{tmp_path / 'main.tf'}: resource.aws_lambda_function.bad") for p in problems)


def test_checker_reports_unknown_types_and_missing_required_blocks(tmp_path: Path) -> None:
    problems = _problems(
        """
resource "aws_lambda_functoin" "a" {}
data "aws_caller_identiti" "b" {}
resource "aws_s3_bucket_server_side_encryption_configuration" "c" {
  bucket = "b"
}
""",
        tmp_path,
    )
    assert any("unknown resource type 'aws_lambda_functoin'" in p for p in problems)
    assert any("unknown data type 'aws_caller_identiti'" in p for p in problems)
    assert any(
        "aws_s3_bucket_server_side_encryption_configuration.c.rule: required block is missing" in p for p in problems
    )


def test_checker_accepts_attributes_as_blocks(tmp_path: Path) -> None:
    # SDKv2 "attributes as blocks" (aws_security_group.ingress) are valid in block syntax too
    assert (
        _problems(
            """
resource "aws_security_group" "sg" {
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["10.0.0.0/8"]
  }
}
""",
            tmp_path,
        )
        == []
    )


def test_invalid_hcl_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.tf"
    path.write_text('resource "aws_s3_bucket" "b" {\n  bucket = \n', encoding="utf-8")
    with pytest.raises(SchemaError) as info:
        check_hcl_file(path)
    assert str(path) in info.value.summary and "not valid HCL" in info.value.summary
    with pytest.raises(SchemaError, match="file not found"):
        check_hcl_file(tmp_path / "missing.tf")


def test_json_syntax_as_in_cdk_tf_json() -> None:
    document = {
        "//": {"metadata": {"stackName": "demo"}},
        "resource": {
            "aws_lambda_function": {
                "Agent_Fn_1234abcd": {
                    "//": {"metadata": {"path": "demo/Agent/Fn"}},
                    "function_name": "demo",
                    "role": "${aws_iam_role.r.arn}",
                    "vpc_config": {"subnet_ids": ["s"], "security_group_ids": ["g"]},
                    "tracing_config": [{"mode": "Active"}],
                    "dynamic": {"environment": {"for_each": "${[1]}", "content": {"variables": {"A": "b"}}}},
                    "depends_on": ["aws_cloudwatch_log_group.lg"],
                }
            },
            "terraform_data": {"x": {"input": 1}},
        },
        "data": {"aws_caller_identity": {"me": {}}},
    }
    assert check_json_document(document) == []
    document["resource"]["aws_lambda_function"]["Agent_Fn_1234abcd"]["qualified_arn"] = "x"
    document["resource"]["aws_lambda_function"]["Agent_Fn_1234abcd"]["vpc_config"] = "subnet"
    messages = [p.format() for p in check_json_document(document, source="cdk.tf.json")]
    assert any("qualified_arn: is computed" in m for m in messages)
    assert any("vpc_config: is a block" in m for m in messages)
    assert all(m.startswith("cdk.tf.json: resource.aws_lambda_function.Agent_Fn_1234abcd") for m in messages)


def test_check_body_with_an_explicit_block() -> None:
    block = resource_schema("aws_sqs_queue_redrive_policy")
    problems = check_body(block, {"queue_url": "u"}, where="q")
    assert [p.format() for p in problems] == ["q.redrive_policy: required attribute is not set"]


def test_hcl_document_api_matches_file_api(tmp_path: Path) -> None:
    import hcl2

    text = 'resource "aws_sns_topic" "t" {\n  owner = "x"\n}\n'
    path = tmp_path / "t.tf"
    path.write_text(text, encoding="utf-8")
    from_file = [p.message for p in check_hcl_file(path)]
    from_doc = [p.message for p in check_hcl_document(hcl2.loads(text))]
    assert from_file == from_doc == ["is computed by the provider (read-only); it cannot be set"]
