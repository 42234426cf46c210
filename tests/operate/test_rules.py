"""The rule base of `strands analyze` on the messages AWS and Terraform really print, and the record reader."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.config import load_project
from strands_tf.deploy.workspace import Workspace
from strands_tf.operate.patch import plan_patch, validate_patch
from strands_tf.operate.record import DeploymentRecord, Failure, find_deployment, read_local
from strands_tf.operate.rules import RuleContext, analyze_record, config_locator, explain
from strands_tf.terraform.diagnostics import Diagnostic
from strands_tf.terraform.plan_summary import Owner, module_owner_resolver

CONFIG = """\
version: 1
project: demo
region: us-east-1
environments:
  dev:
    account: "123456789012"
    vpc: {cidr: 10.20.0.0/16}
agents:
  support:
    path: agents/support
    handler: app.handler
    reserved_concurrency: 50
    vpc: true
resources:
  archive: {type: s3, bucket_name: acme-archive}
  inbox: {type: sqs, kms_key: "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"}
"""
SDK = "operation error {op}, https response error StatusCode: {status}, RequestID: 5f9e, "


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(CONFIG)
    return tmp_path


def _ctx(project: Path, *failures: Failure) -> RuleContext:
    loaded = load_project(project, env={})
    owners = {
        "module.agent_support": Owner("agent", "support", "strands.yaml", 10),
        "module.role_support": Owner("agent", "support", "strands.yaml", 10),
        "module.bucket_archive": Owner("resource", "archive", "strands.yaml", 16),
        "module.queue_inbox": Owner("resource", "inbox", "strands.yaml", 17),
        "module.vpc": Owner("vpc", "dev", "strands.yaml", 7),
    }
    record = DeploymentRecord("20261201T100000Z-abcdef", "demo", "dev", "apply", "failed", "test",
                              failures=list(failures))  # fmt: skip

    return RuleContext(record, loaded.config, config_locator(loaded), module_owner_resolver(owners), "us-east-1")


def _failure(summary: str, detail: str, address: str | None) -> Failure:
    return Failure("demo-dev", "apply", Diagnostic("error", summary, detail, address))


def test_concurrency_names_the_setting_and_proposes_removing_it(project: Path) -> None:
    failure = _failure(
        "setting Lambda Function (demo-dev-support) concurrency",
        SDK.format(op="Lambda: PutFunctionConcurrency", status=400) + "InvalidParameterValueException: Specified "
        "ReservedConcurrentExecutions for function decreases account's UnreservedConcurrentExecution below its "
        "minimum value of [10].",
        "module.agent_support.aws_lambda_function.this",
    )
    ctx = _ctx(project, failure)
    finding = explain(failure, ctx)
    assert finding.rule == "concurrency"
    assert "minimum of 10" not in finding.cause and "at least 10" in finding.cause
    assert "strands.yaml:12 (agents.support.reserved_concurrency)" in finding.fix
    assert finding.owner == Owner("agent", "support", "strands.yaml", 10)
    patch = plan_patch(project, list(finding.patch))
    validate_patch(patch, environ={})
    assert "-    reserved_concurrency: 50\n" in patch.diff()


def test_a_role_not_yet_visible_to_lambda_is_iam_propagation(project: Path) -> None:
    failure = _failure(
        "creating Lambda Function (demo-dev-support)",
        SDK.format(op="Lambda: CreateFunction", status=400)
        + "InvalidParameterValueException: The role defined for the function cannot be assumed by Lambda.",
        "module.agent_support.aws_lambda_function.this",
    )
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "iam_propagation" and "strands apply --resume" in finding.fix and not finding.patch


@pytest.mark.parametrize(
    ("detail", "state", "command"),
    [
        ("KMSInvalidStateException: arn:aws:kms:us-east-1:123456789012:key/1234 is pending deletion.",
         "scheduled for deletion", "aws kms cancel-key-deletion"),
        ("KMS.DisabledException: arn:aws:kms:us-east-1:123456789012:key/1234 is disabled.", "is disabled",
         "aws kms enable-key"),
        ("AccessDeniedException: User: arn:aws:sts::123456789012:assumed-role/ci/x is not authorized to perform: "
         "kms:CreateGrant on resource: arn:aws:kms:us-east-1:123456789012:key/1234", "does not let", "key policy"),
    ],
)  # fmt: skip
def test_kms_keys_that_refuse_point_at_the_kms_key_setting(
    project: Path, detail: str, state: str, command: str
) -> None:
    failure = _failure("creating SQS Queue (demo-dev-inbox)", SDK.format(op="SQS: CreateQueue", status=400) + detail,
                       "module.queue_inbox.aws_sqs_queue.this")  # fmt: skip
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "kms"
    assert state in finding.cause and command in finding.fix
    assert "strands.yaml:16 (resources.inbox.kms_key)" in finding.cause


@pytest.mark.parametrize(
    ("detail", "expected"),
    [
        ("api error VpcLimitExceeded: The maximum number of VPCs has been reached.", "VPCs per Region"),
        ("api error AddressLimitExceeded: The maximum number of addresses has been reached.", "nat: single"),
        ("api error InsufficientFreeAddressesInSubnet: insufficient free addresses", "larger VPC"),
        ("api error NetworkInterfaceLimitExceeded: limit reached", "Network interfaces per Region"),
    ],
)
def test_vpc_and_network_interface_limits(project: Path, detail: str, expected: str) -> None:
    failure = _failure("creating EC2 VPC", SDK.format(op="EC2: CreateVpc", status=400) + detail,
                       "module.vpc.aws_vpc.this")  # fmt: skip
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "vpc_limits" and expected in finding.fix
    assert "strands.yaml:7 (environments.dev.vpc)" in finding.cause


def test_a_quota_names_the_service_and_where_to_raise_it(project: Path) -> None:
    failure = _failure(
        "creating IAM Role (demo-dev-support)",
        SDK.format(op="IAM: CreateRole", status=409) + "api error LimitExceeded: Cannot exceed quota for "
        "RolesPerAccount: 1000",
        "module.role_support.aws_iam_role.this",
    )
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "quota" and finding.data["service_code"] == "iam"
    assert "servicequotas/home/services/iam/quotas" in finding.fix


def test_a_taken_bucket_name_proposes_the_derived_name(project: Path) -> None:
    failure = _failure(
        "creating S3 Bucket (acme-archive)",
        SDK.format(op="S3: CreateBucket", status=409) + "BucketAlreadyExists: ",
        "module.bucket_archive.aws_s3_bucket.this",
    )
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "name_taken" and "global" in finding.cause
    assert "strands.yaml:15 (resources.archive.bucket_name)" in finding.cause
    patch = plan_patch(project, list(finding.patch))
    validate_patch(patch, environ={})
    assert "bucket_name" not in patch.after["strands.yaml"].split("archive:")[1].splitlines()[0]


def test_a_taken_role_name_says_how_to_delete_or_rename(project: Path) -> None:
    failure = _failure(
        "creating IAM Role (demo-dev-support)",
        SDK.format(op="IAM: CreateRole", status=409) + "api error EntityAlreadyExists: Role with name "
        "demo-dev-support already exists.",
        "module.role_support.aws_iam_role.this",
    )
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "name_taken" and finding.data["name"] == "demo-dev-support"
    assert "an IAM role named 'demo-dev-support'" in finding.cause
    assert "aws iam delete-role --role-name demo-dev-support" in finding.fix
    # the element's own line (its key, as `where:` says), not the line of its first setting
    assert "strands.yaml:9 (agents.support)" in finding.fix


def test_permission_denied_names_the_missing_action_resource_and_identity(project: Path) -> None:
    failure = _failure(
        "creating Lambda Function (demo-dev-support)",
        SDK.format(op="Lambda: CreateFunction", status=403) + "api error AccessDeniedException: User: "
        "arn:aws:sts::123456789012:assumed-role/ci/session is not authorized to perform: lambda:CreateFunction on "
        "resource: arn:aws:lambda:us-east-1:123456789012:function:demo-dev-support because no identity-based policy "
        "allows the lambda:CreateFunction action",
        "module.agent_support.aws_lambda_function.this",
    )
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "permission_denied"
    assert finding.data == {
        "action": "lambda:CreateFunction",
        "resource": "arn:aws:lambda:us-east-1:123456789012:function:demo-dev-support",
        "identity": "arn:aws:sts::123456789012:assumed-role/ci/session",
    }
    assert '"Action": "lambda:CreateFunction"' in finding.fix
    denied = _failure("creating Lambda Function", failure.diagnostic.detail.replace(
        "because no identity-based policy allows the lambda:CreateFunction action",
        "with an explicit deny in a service control policy"), failure.diagnostic.address)  # fmt: skip
    finding = explain(denied, _ctx(project, denied))
    assert "explicit deny in a service control policy" in finding.cause and "cannot override" in finding.fix


def test_what_no_rule_knows_is_explained_by_the_error_table(project: Path) -> None:
    failure = _failure("local-exec provisioner error", "Error running command 'exit 125': exit status 125.",
                       "null_resource.x")  # fmt: skip
    finding = explain(failure, _ctx(project, failure))
    assert finding.rule == "error:provisioner" and finding.owner is None and finding.fix


def test_the_record_reader_keeps_diagnostics_once_and_stack_errors_without_them(tmp_path: Path) -> None:
    workspace = Workspace(tmp_path)
    folder = workspace.deployments_dir() / "20261201T100000Z-abcdef"
    (folder / "plans").mkdir(parents=True)
    checkpoint = {
        "id": folder.name, "command": "apply", "project": "demo", "environment": "dev", "status": "failed",
        "stacks": {
            "demo-dev": {"name": "demo-dev", "status": "failed", "error": "terraform apply failed: x"},
            "demo-dev-api": {"name": "demo-dev-api", "status": "failed", "error": "terraform init failed: no network"},
            "demo-dev-other": {"name": "demo-dev-other", "status": "cancelled", "error": "not confirmed"},
        },
    }  # fmt: skip
    (folder / "checkpoint.json").write_text(json.dumps(checkpoint))
    diagnostic = {"type": "diagnostic", "diagnostic": {"severity": "error", "summary": "creating X", "detail": "Y",
                                                         "address": "module.a.aws_sqs_queue.this"}}  # fmt: skip
    errored = {"type": "apply_errored", "hook": {"resource": {"addr": "module.a.aws_sqs_queue.this"},
                                                  "action": "create"}}  # fmt: skip
    lines = [
        json.dumps({"stack": "demo-dev", "phase": "apply", "event": errored}),
        json.dumps({"stack": "demo-dev", "phase": "apply", "event": diagnostic}),
        json.dumps({"stack": "demo-dev", "phase": "apply", "event": diagnostic}),  # reported twice
        json.dumps(
            {
                "stack": "demo-dev",
                "phase": "apply",
                "event": {"type": "diagnostic", "diagnostic": {"severity": "warning", "summary": "deprecated"}},
            }
        ),
        '{"stack": "demo-dev", "phase": "apply", "event": {"type": "apply_st',  # cut short by a crash
    ]
    (folder / "events.jsonl").write_text("\n".join(lines) + "\n")
    (folder / "plans" / "demo-dev.summary.json").write_text('{"status": "changes"}')
    assert find_deployment(workspace, "dev", None) == folder
    assert find_deployment(workspace, "prod", None) is None
    record = read_local(folder)
    assert [(f.stack, f.diagnostic.summary) for f in record.failures] == [
        ("demo-dev", "creating X"),
        ("demo-dev-api", "terraform init failed: no network"),
    ]
    assert record.errored == [("demo-dev", "module.a.aws_sqs_queue.this", "create")]
    assert record.plan_summaries == {"demo-dev": {"status": "changes"}}
    with pytest.raises(Exception, match="not a deployment id"):
        find_deployment(workspace, "dev", "../../etc")


def test_findings_are_not_repeated(project: Path) -> None:
    failure = _failure("creating IAM Role", "api error LimitExceeded: Cannot exceed quota for RolesPerAccount: 1000",
                       "module.role_support.aws_iam_role.this")  # fmt: skip
    assert len(analyze_record(_ctx(project, failure, failure))) == 1


EXISTING_VPC = """\
version: 1
project: demo
region: us-east-1
environments:
  dev:
    account: "123456789012"
    vpc:
      id: vpc-0a1b2c3d4e5f67890
      subnet_ids: [subnet-0a1b2c3d4e5f67890, subnet-0f9e8d7c6b5a43210]
agents:
  support:
    path: agents/support
    handler: app.handler
    vpc: true
"""
PRECONDITION = "Resource precondition failed"


@pytest.mark.parametrize(
    ("detail", "bad", "cause"),
    [
        (
            "subnets subnet-0f9e8d7c6b5a43210 are public (a route to an internet gateway, or public IPs on launch): "
            "Lambda functions need private subnets with NAT or endpoints to reach AWS.",
            "subnet-0f9e8d7c6b5a43210",
            "public",
        ),
        (
            "subnets subnet-0f9e8d7c6b5a43210 (in vpc-0fffffffffffffff0) are not in vpc-0a1b2c3d4e5f67890: give "
            "subnets of the VPC the agents run in.",
            "subnet-0f9e8d7c6b5a43210",
            "vpc-0fffffffffffffff0",
        ),
    ],
)
def test_subnets_refused_by_the_existing_vpc_checks_name_the_setting_and_drop_them(
    tmp_path: Path, detail: str, bad: str, cause: str
) -> None:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(EXISTING_VPC)
    failure = Failure(
        "demo-dev", "plan",
        Diagnostic("error", PRECONDITION, detail, 'module.agent_network.aws_security_group.this["agents"]'),
    )  # fmt: skip
    finding = explain(failure, _ctx(tmp_path, failure))
    assert finding.rule == "existing_subnets"
    assert bad in finding.cause and cause in finding.cause
    assert "strands.yaml:9 (environments.dev.vpc.subnet_ids)" in finding.fix
    assert "aws ec2 describe-route-tables" in finding.fix or "aws ec2 describe-subnets" in finding.fix
    patch = plan_patch(tmp_path, list(finding.patch))
    validate_patch(patch, environ={})
    assert "subnet_ids: [subnet-0a1b2c3d4e5f67890]" in patch.after["strands.yaml"]


def test_when_every_subnet_is_refused_no_patch_is_proposed(tmp_path: Path) -> None:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(EXISTING_VPC)
    detail = "subnets subnet-0a1b2c3d4e5f67890, subnet-0f9e8d7c6b5a43210 are public (a route to an internet gateway)."
    failure = Failure("demo-dev", "plan", Diagnostic("error", PRECONDITION, detail, None))
    finding = explain(failure, _ctx(tmp_path, failure))
    assert finding.rule == "existing_subnets" and finding.patch == ()
    assert "subnet-0a1b2c3d4e5f67890, subnet-0f9e8d7c6b5a43210" in finding.cause
