"""The module interfaces are a contract with the generator: names, types, validation, versions."""

from __future__ import annotations

from typing import Any

import hcl2
import pytest

from .conftest import MODULES, MODULES_DIR

CONTRACT_INPUTS: dict[str, set[str]] = {
    "strands-agent": set(
        [
            "name",
            "description",
            "handler",
            "runtime",
            "architecture",
            "memory_size",
            "timeout",
            "role_arn",
            "filename",
            "s3_bucket",
            "s3_key",
            "source_code_hash",
            "layer_filename",
            "layer_source_code_hash",
            "environment_variables",
            "log_retention_days",
            "log_kms_key_arn",
            "kms_key_arn",
            "tracing",
            "xray_sampling",
            "reserved_concurrency",
            "dead_letter_target_arn",
            "sqs_triggers",
            "vpc_subnet_ids",
            "vpc_security_group_ids",
            "code_signing_config_arn",
            "tags",
        ]
    ),
    "execution-role": set(
        ["name", "policy_statements", "managed_policy_arns", "permissions_boundary", "max_session_duration", "tags"]
    ),
    "http-api": set(
        [
            "name",
            "description",
            "routes",
            "cors",
            "stage_name",
            "log_retention_days",
            "log_kms_key_arn",
            "throttling_burst_limit",
            "throttling_rate_limit",
            "alarms",
            "alarm_actions",
            "ok_actions",
            "dashboard_name",
            "dashboard_widgets",
            "tags",
        ]
    ),
    "dynamodb-table": set(
        [
            "name",
            "hash_key",
            "hash_key_type",
            "range_key",
            "range_key_type",
            "billing_mode",
            "read_capacity",
            "write_capacity",
            "point_in_time_recovery",
            "ttl_attribute",
            "stream_view_type",
            "kms_key_arn",
            "deletion_protection",
            "global_secondary_indexes",
            "tags",
        ]
    ),
    "s3-bucket": set(
        [
            "bucket",
            "force_destroy",
            "versioning",
            "kms_key_arn",
            "bucket_key_enabled",
            "lifecycle_expiration_days",
            "noncurrent_version_expiration_days",
            "abort_incomplete_multipart_days",
            "access_log_bucket",
            "tags",
        ]
    ),
    "sqs-queue": set(
        [
            "name",
            "fifo",
            "content_based_deduplication",
            "visibility_timeout_seconds",
            "message_retention_seconds",
            "delay_seconds",
            "receive_wait_time_seconds",
            "max_message_size",
            "kms_master_key_id",
            "create_dead_letter_queue",
            "max_receive_count",
            "dead_letter_retention_seconds",
            "policy_statements",
            "tags",
        ]
    ),
    "sns-topic": set(["name", "fifo", "content_based_deduplication", "kms_master_key_id", "publisher_arns", "tags"]),
    "alarm-topic": {"name", "display_name", "email_addresses", "https_endpoints", "tags"},
    "agent-network": {"name", "vpc_id", "subnet_ids", "check_subnets", "security_groups", "tags"},
    "metric-alarms": {"alarms", "alarm_actions", "ok_actions", "tags"},
    "dashboard": {"name", "widgets"},
    "vpc": set(
        [
            "name",
            "cidr_block",
            "ipv4_ipam_pool_id",
            "ipv4_netmask_length",
            "az_count",
            "nat_gateway",
            "endpoints",
            "flow_logs",
            "tags",
        ]
    ),
}
CONTRACT_OUTPUTS: dict[str, set[str]] = {
    "strands-agent": set(
        ["function_name", "function_arn", "qualified_arn", "invoke_arn", "log_group_name", "log_group_arn", "layer_arn"]
    ),
    "execution-role": {"role_arn", "role_name", "role_id", "policy_name"},
    "http-api": {
        "api_id",
        "api_endpoint",
        "stage_invoke_url",
        "execution_arn",
        "log_group_name",
        "alarm_names",
        "dashboard_name",
    },
    "dynamodb-table": {"table_name", "table_arn", "stream_arn"},
    "s3-bucket": {"bucket_name", "bucket_arn", "bucket_regional_domain_name"},
    "sqs-queue": {"queue_name", "queue_arn", "queue_url", "dead_letter_queue_arn", "dead_letter_queue_url"},
    "sns-topic": {"topic_name", "topic_arn"},
    "alarm-topic": {"topic_arn", "topic_name", "kms_key_arn"},
    "agent-network": {"security_group_ids", "security_group_arns", "subnet_ids"},
    "metric-alarms": {"alarm_arns", "alarm_names"},
    "dashboard": {"dashboard_name", "dashboard_arn"},
    "vpc": {
        "vpc_id",
        "vpc_arn",
        "vpc_cidr_block",
        "availability_zones",
        "private_subnet_ids",
        "private_subnet_cidr_blocks",
        "public_subnet_ids",
        "private_route_table_ids",
        "nat_gateway_ids",
        "nat_public_ips",
        "agent_security_group_id",
        "agent_security_group_arn",
        "endpoint_security_group_id",
        "gateway_endpoint_ids",
        "interface_endpoint_ids",
        "flow_log_id",
        "flow_log_group_name",
    },
}
# inputs the generator must always pass (everything else has a default)
CONTRACT_REQUIRED: dict[str, set[str]] = {
    "strands-agent": {"name", "handler", "runtime", "role_arn"},
    "execution-role": {"name"},
    "http-api": {"name", "routes"},
    "dynamodb-table": {"name", "hash_key"},
    "s3-bucket": {"bucket"},
    "sqs-queue": {"name"},
    "sns-topic": {"name"},
    "alarm-topic": {"name"},
    "agent-network": {"name", "vpc_id", "security_groups"},
    "metric-alarms": {"alarms"},
    "dashboard": {"name", "widgets"},
    "vpc": {"name"},
}
# CloudWatch dashboards take no tags (PutDashboard has none), so that module has no tags input
UNTAGGED = {"dashboard"}


def _load(module: str, file: str) -> dict[str, Any]:
    with (MODULES_DIR / module / file).open() as fh:
        return hcl2.load(fh)


def _named(document: dict[str, Any], kind: str) -> dict[str, dict[str, Any]]:
    return {name.strip('"'): body for entry in document.get(kind, []) for name, body in entry.items()}


def test_contract_covers_every_module() -> None:
    assert set(CONTRACT_INPUTS) == set(MODULES) == set(CONTRACT_OUTPUTS)


@pytest.mark.parametrize("module", MODULES)
def test_contract_inputs_exist_and_extras_are_optional(module: str) -> None:
    variables = _named(_load(module, "variables.tf"), "variable")
    assert CONTRACT_INPUTS[module] <= set(variables)
    required = {name for name, body in variables.items() if "default" not in body}
    assert required == CONTRACT_REQUIRED[module]
    if module in UNTAGGED:
        assert "tags" not in variables
        return
    assert variables["tags"]["default"] == {} and variables["tags"]["type"] == "${map(string)}"


@pytest.mark.parametrize("module", MODULES)
def test_contract_outputs_exist_exactly(module: str) -> None:
    outputs = _named(_load(module, "outputs.tf"), "output")
    assert set(outputs) == CONTRACT_OUTPUTS[module]
    assert all(body.get("description") for body in outputs.values())


@pytest.mark.parametrize("module", MODULES)
def test_every_variable_has_a_type_and_a_description(module: str) -> None:
    for name, body in _named(_load(module, "variables.tf"), "variable").items():
        assert body.get("type"), f"{module}.{name} has no type"
        assert len(body.get("description", "")) > 10, f"{module}.{name} has no description"


@pytest.mark.parametrize("module", MODULES)
def test_versions_pin_terraform_and_aws_6(module: str) -> None:
    (terraform,) = _load(module, "versions.tf")["terraform"]
    assert terraform["required_version"] == '">= 1.6"'
    (providers,) = terraform["required_providers"]
    assert providers["aws"]["source"] == '"hashicorp/aws"'
    assert providers["aws"]["version"] == '">= 6.0, < 7.0"'
    assert set(k for k in providers if not k.startswith("__")) == {"aws"}


@pytest.mark.parametrize(
    "module, validated",
    [
        (
            "strands-agent",
            {"name", "architecture", "memory_size", "timeout", "log_retention_days", "sqs_triggers", "role_arn"},
        ),
        ("execution-role", {"policy_statements", "max_session_duration"}),
        ("http-api", {"routes", "cors", "log_retention_days"}),
        ("dynamodb-table", {"hash_key_type", "billing_mode", "stream_view_type", "global_secondary_indexes"}),
        ("s3-bucket", {"bucket", "noncurrent_version_expiration_days"}),
        ("sqs-queue", {"visibility_timeout_seconds", "max_receive_count", "policy_statements"}),
        ("sns-topic", {"kms_master_key_id", "publisher_arns"}),
        (
            "vpc",
            {
                "name",
                "cidr_block",
                "ipv4_ipam_pool_id",
                "ipv4_netmask_length",
                "az_count",
                "availability_zones",
                "nat_gateway",
                "endpoints",
                "agent_egress_cidr_blocks",
                "flow_log_retention_days",
            },
        ),
    ],
)
def test_constrained_inputs_have_validation_blocks(module: str, validated: set[str]) -> None:
    variables = _named(_load(module, "variables.tf"), "variable")
    for name in validated:
        assert variables[name].get("validation"), f"{module}.{name} needs a validation block"


def _resource(module: str, tf_type: str, name: str) -> dict[str, Any]:
    for entry in _load(module, "main.tf")["resource"]:
        if f'"{name}"' in entry.get(f'"{tf_type}"', {}):
            return entry[f'"{tf_type}"'][f'"{name}"']
    raise AssertionError(f"{module}: {tf_type}.{name} missing")


def test_agent_function_waits_for_its_log_group_and_logs_into_it() -> None:
    fn = _resource("strands-agent", "aws_lambda_function", "this")
    assert fn["depends_on"] == ["${aws_cloudwatch_log_group.this}"]
    assert fn["logging_config"][0]["log_group"] == "${aws_cloudwatch_log_group.this.name}"
    assert fn["tracing_config"][0]["mode"] == '${var.tracing ? "Active" : "PassThrough"}'
    group = _resource("strands-agent", "aws_cloudwatch_log_group", "this")
    assert group["retention_in_days"] == "${var.log_retention_days}"


def test_s3_bucket_secure_defaults() -> None:
    block = _resource("s3-bucket", "aws_s3_bucket_public_access_block", "this")
    assert all(
        block[k] is True
        for k in ("block_public_acls", "block_public_policy", "ignore_public_acls", "restrict_public_buckets")
    )
    ownership = _resource("s3-bucket", "aws_s3_bucket_ownership_controls", "this")
    assert ownership["rule"][0]["object_ownership"] == '"BucketOwnerEnforced"'
    sse = _resource("s3-bucket", "aws_s3_bucket_server_side_encryption_configuration", "this")
    assert sse["rule"][0]["apply_server_side_encryption_by_default"][0]["sse_algorithm"] == '"aws:kms"'
    (policy_doc,) = [
        entry['"aws_iam_policy_document"']['"bucket"']
        for entry in _load("s3-bucket", "main.tf")["data"]
        if '"aws_iam_policy_document"' in entry
    ]
    condition = policy_doc["statement"][-1]["condition"][0]
    assert condition["variable"] == '"aws:SecureTransport"' and condition["values"] == ['"false"']


def test_lambda_permission_is_scoped_to_the_api() -> None:
    permission = _resource("http-api", "aws_lambda_permission", "api")
    assert permission["source_arn"] == '"${aws_apigatewayv2_api.this.execution_arn}/*/*"'
    integration = _resource("http-api", "aws_apigatewayv2_integration", "lambda")
    assert integration["payload_format_version"] == '"2.0"' and integration["integration_type"] == '"AWS_PROXY"'


def test_encryption_is_always_on_for_data_modules() -> None:
    table = _resource("dynamodb-table", "aws_dynamodb_table", "this")
    assert table["server_side_encryption"][0]["enabled"] is True
    queue = _resource("sqs-queue", "aws_sqs_queue", "this")
    dead_letter = _resource("sqs-queue", "aws_sqs_queue", "dead_letter")
    assert dead_letter["sqs_managed_sse_enabled"] == "${local.use_kms ? null : true}"
    assert queue["sqs_managed_sse_enabled"] == "${local.use_kms ? null : true}"
    sns_vars = _named(_load("sns-topic", "variables.tf"), "variable")
    assert sns_vars["kms_master_key_id"]["default"] == '"alias/aws/sns"'


def test_vpc_secure_defaults() -> None:
    default_sg = _resource("vpc", "aws_default_security_group", "this")
    assert "ingress" not in default_sg and "egress" not in default_sg  # adopting it removes every rule
    for tier in ("private", "public"):
        assert _resource("vpc", "aws_subnet", tier)["map_public_ip_on_launch"] is False
    vpc = _resource("vpc", "aws_vpc", "this")
    assert vpc["enable_dns_support"] is True and vpc["enable_dns_hostnames"] is True
    agents = _resource("vpc", "aws_security_group", "agents")
    assert "ingress" not in agents and "egress" not in agents
    egress = _resource("vpc", "aws_vpc_security_group_egress_rule", "agents_https")
    assert (egress["ip_protocol"], egress["from_port"], egress["to_port"]) == ('"tcp"', 443, 443)
    assert [name for entry in _load("vpc", "main.tf")["resource"] for name in entry].count(
        '"aws_vpc_security_group_ingress_rule"'
    ) == 1  # only the endpoints' group accepts traffic, and only from the agents' security groups
    ingress = _resource("vpc", "aws_vpc_security_group_ingress_rule", "endpoints_https")
    assert "cidr_ipv4" not in ingress and ingress["from_port"] == 443
    assert ingress["referenced_security_group_id"] == (
        "${concat([aws_security_group.agents.id], var.endpoint_client_security_group_ids)[count.index]}"
    )
    variables = _named(_load("vpc", "variables.tf"), "variable")
    assert variables["flow_logs"]["default"] is True
    assert variables["flow_log_retention_days"]["default"] == 365
    assert variables["agent_egress_cidr_blocks"]["default"] == ['"0.0.0.0/0"']
    assert _resource("vpc", "aws_flow_log", "this")["iam_role_arn"] == "${aws_iam_role.flow_logs[0].arn}"
