"""All eight modules through real Terraform: validate, plan, apply, inspect in moto, destroy.

The embedded engine runs the fixture root against the emulator provider (strands_tf.emulator, serving
strands_tf/schema/aws_provider_schema.json) pointed at a moto server, so `terraform validate`
checks the modules with the real provider's schema and the apply shows what the modules build.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from .conftest import FIXTURE_ROOT, MODULES_DIR, VARIANTS_ROOT

pytestmark = [pytest.mark.engine, pytest.mark.moto, pytest.mark.slow]

SERVICES = (
    "s3",
    "sts",
    "iam",
    "lambda",
    "dynamodb",
    "sqs",
    "sns",
    "logs",
    "kms",
    "apigatewayv2",
    "cloudwatch",
    "ec2",
    "ssm",
)
REGION = "eu-west-1"


@dataclass
class Project:
    root: Path
    env: dict[str, str]
    endpoint: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "strands_tf.terraform.embedded", *args, "-no-color"],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )

    def ok(self, *args: str) -> str:
        result = self.run(*args)
        assert result.returncode == 0, f"terraform {args[0]} failed:\n{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        return result.stdout

    def client(self, service: str) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id="test",
            aws_secret_access_key="test",
        )


def _provider_block(endpoint: str) -> str:
    endpoints = "".join(f'    {service} = "{endpoint}"\n' for service in SERVICES)
    return (
        'provider "aws" {\n'
        f'  region                      = "{REGION}"\n'
        '  allowed_account_ids         = ["123456789012"]\n'
        '  access_key                  = "test"\n'
        '  secret_key                  = "test"\n'
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        "  s3_use_path_style           = true\n"
        f"  endpoints {{\n{endpoints}  }}\n"
        "}\n"
    )


def _resources(module: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Address -> attribute values of every resource in a ``show -json`` module, child modules included."""
    found = {r["address"]: r["values"] for r in module.get("resources", [])}
    for child in module.get("child_modules", []):
        found.update(_resources(child))
    return found


@dataclass
class Workspace:
    """A copy of modules/ plus the emulator provider installed once; roots are made next to it."""

    base: Path
    installed: Any
    endpoint: str
    schema_env: dict[str, str]

    def project(self, name: str, text: str) -> Project:
        """A root module ``name`` from HCL text whose provider block is pointed at moto, initialised."""
        from strands_tf.emulator import mirror

        root = self.base / name
        (root / "build").mkdir(parents=True)
        text = text.replace("../../../../modules/", "../modules/")
        text, count = re.subn(r'provider "aws" \{.*?\n\}\n', _provider_block(self.endpoint), text, flags=re.S)
        assert count == 1
        (root / "main.tf").write_text(text, encoding="utf-8")
        for zip_name in ("support.zip", "support-deps.zip", "agent.zip"):
            with zipfile.ZipFile(root / "build" / zip_name, "w") as archive:
                archive.writestr("handler.py", "def handler(event, context):\n    return {'ok': True}\n")
        mirror.write_lock_file(root, self.installed)
        env = {
            **os.environ,
            **self.installed.env(self.base / f"tfdata-{name}"),
            **self.schema_env,
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
        }
        proj = Project(root, env, self.endpoint)
        proj.ok("init", "-input=false", "-lockfile=readonly")
        return proj


def emulated_workspace(base: Path, endpoint: str) -> Workspace:
    """modules/ copied under `base` and the emulator provider installed there, aimed at `endpoint`."""
    from strands_tf.emulator import mirror
    from strands_tf.emulator.provider.schema import DEFAULT_SCHEMA_PATH, SCHEMA_ENV

    shutil.copytree(MODULES_DIR, base / "modules")
    previous = os.environ.get(SCHEMA_ENV)
    os.environ[SCHEMA_ENV] = str(DEFAULT_SCHEMA_PATH)
    try:
        installed = mirror.install(base / "emulator-cache")
    finally:
        if previous is None:
            os.environ.pop(SCHEMA_ENV, None)
        else:
            os.environ[SCHEMA_ENV] = previous
    return Workspace(base, installed, endpoint, {SCHEMA_ENV: str(DEFAULT_SCHEMA_PATH)})


@pytest.fixture(scope="module")
def workspace(tmp_path_factory: pytest.TempPathFactory, moto_server: Any) -> Workspace:
    return emulated_workspace(tmp_path_factory.mktemp("emulated"), moto_server.endpoint)


@pytest.fixture(scope="module")
def project(workspace: Workspace) -> Iterator[Project]:
    """The all-modules fixture root."""
    proj = workspace.project("all", (FIXTURE_ROOT / "main.tf").read_text(encoding="utf-8"))
    yield proj
    proj.run("destroy", "-auto-approve", "-input=false")


def test_validate_with_the_real_provider_schema(project: Project) -> None:
    assert "The configuration is valid" in project.ok("validate")


def test_validate_catches_an_argument_the_provider_does_not_have(project: Project, tmp_path: Path) -> None:
    topic = project.root.parent / "modules" / "sns-topic" / "main.tf"
    original = topic.read_text(encoding="utf-8")
    topic.write_text(original.replace("  display_name                = var.display_name\n", "  display_nam = 1\n"))
    try:
        result = project.run("validate")
    finally:
        topic.write_text(original, encoding="utf-8")
    assert result.returncode == 1
    assert 'An argument named "display_nam" is not expected here' in result.stdout + result.stderr


def test_plan_apply_and_what_the_modules_built(project: Project) -> None:
    plan = project.ok("plan", "-input=false", "-out=tfplan")
    assert re.search(r"Plan: \d+ to add, 0 to change, 0 to destroy", plan)
    changes = {c["address"]: c["change"] for c in json.loads(project.ok("show", "-json", "tfplan"))["resource_changes"]}
    # the dead-letter target is the DLQ created in the same apply, so whether the block exists is only
    # known after apply: the block is unknown in the plan (never absent)
    function_change = changes["module.support.aws_lambda_function.this"]
    assert function_change["after_unknown"]["dead_letter_config"] in (True, [{"target_arn": True}])
    assert function_change["after"]["tracing_config"] == [{"mode": "Active"}]
    project.ok("apply", "-input=false", "-auto-approve", "tfplan")
    outputs = {k: v["value"] for k, v in json.loads(project.ok("output", "-json")).items()}

    state = _resources(json.loads(project.ok("show", "-json"))["values"]["root_module"])
    # moto 5.2 keeps no LoggingConfig or DeadLetterConfig: check what Terraform sent for those
    planned = state["module.support.aws_lambda_function.this"]
    assert planned["logging_config"][0]["log_group"] == "/aws/lambda/demo-dev-support" == outputs["log_group_name"]
    assert planned["logging_config"][0]["log_format"] == "Text"
    assert planned["reserved_concurrent_executions"] == 10

    fn = project.client("lambda").get_function_configuration(FunctionName="demo-dev-support")
    assert fn["TracingConfig"]["Mode"] == "Active"
    assert fn["Architectures"] == ["arm64"] and fn["MemorySize"] == 1024 and fn["Timeout"] == 300
    assert [layer["Arn"] for layer in fn["Layers"]] == [outputs["layer_arn"]]
    assert fn["Environment"]["Variables"] == {"MEMORY_TABLE": "demo-dev-memory"}
    assert fn["Role"] == outputs["role_arn"]
    assert sorted(fn["VpcConfig"]["SubnetIds"]) == sorted(outputs["private_subnet_ids"])
    assert fn["VpcConfig"]["SecurityGroupIds"] == [outputs["agent_security_group_id"]]
    subnets = project.client("ec2").describe_subnets(SubnetIds=outputs["private_subnet_ids"])["Subnets"]
    assert {s["VpcId"] for s in subnets} == {outputs["vpc_id"]}
    assert sorted(s["AvailabilityZone"] for s in subnets) == ["eu-west-1a", "eu-west-1b"]
    mappings = project.client("lambda").list_event_source_mappings()["EventSourceMappings"]
    assert [m["BatchSize"] for m in mappings if m["FunctionArn"] == outputs["function_arn"]] == [5]
    # the handlers report partial batch failures; Lambda only reads them with this response type
    assert [m.get("FunctionResponseTypes") for m in mappings if m["FunctionArn"] == outputs["function_arn"]] == [
        ["ReportBatchItemFailures"]
    ]

    groups = project.client("logs").describe_log_groups(logGroupNamePrefix="/aws/")["logGroups"]
    retention = {g["logGroupName"]: g.get("retentionInDays") for g in groups}
    assert retention["/aws/lambda/demo-dev-support"] == 30
    assert retention["/aws/apigateway/demo-dev/access"] == 30

    iam = project.client("iam")
    trust = iam.get_role(RoleName="demo-dev-support")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "lambda.amazonaws.com"}
    inline = iam.get_role_policy(RoleName="demo-dev-support", PolicyName="demo-dev-support-policy")["PolicyDocument"]
    inline = json.loads(inline) if isinstance(inline, str) else inline
    assert {s["Sid"] for s in inline["Statement"]} == {
        "Logs",
        "Memory",
        "Jobs",
        "NetworkInterfaces",
        "NetworkInterfaceAddresses",
        "NetworkDescribe",
    }

    table = project.client("dynamodb").describe_table(TableName=outputs["table_name"])["Table"]
    assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"
    assert table["SSEDescription"]["Status"] in ("ENABLED", "ENABLING")
    backups = project.client("dynamodb").describe_continuous_backups(TableName=outputs["table_name"])
    assert backups["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"] == (
        "ENABLED"
    )

    s3 = project.client("s3")
    bucket = outputs["bucket_name"]
    block = s3.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    assert all(block.values()) and len(block) == 4
    rule = s3.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]["Rules"][0]
    assert rule["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"] == "aws:kms"
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    policy = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])
    assert policy["Statement"][0]["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket)["Rules"]
    assert rules[0]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] == 7

    attributes = project.client("sqs").get_queue_attributes(QueueUrl=outputs["queue_url"], AttributeNames=["All"])
    redrive = json.loads(attributes["Attributes"]["RedrivePolicy"])
    assert redrive["deadLetterTargetArn"] == outputs["dead_letter_queue_arn"]
    assert int(redrive["maxReceiveCount"]) == 5
    assert attributes["Attributes"]["VisibilityTimeout"] == "360"

    topic = project.client("sns").get_topic_attributes(TopicArn=outputs["topic_arn"])["Attributes"]
    assert topic["KmsMasterKeyId"] == "alias/aws/sns"

    api = project.client("apigatewayv2")
    routes = api.get_routes(ApiId=outputs["api_id"])["Items"]
    assert [(r["RouteKey"], r["AuthorizationType"]) for r in routes] == [("POST /chat", "AWS_IAM")]
    stage = api.get_stage(ApiId=outputs["api_id"], StageName="$default")
    assert stage["AutoDeploy"] is True
    assert json.loads(stage["AccessLogSettings"]["Format"])["requestId"] == "$context.requestId"
    assert stage["DefaultRouteSettings"]["ThrottlingBurstLimit"] == 100

    # alarms notify the alarm topic, which has its own key (CloudWatch may use it) and the subscribers
    cloudwatch = project.client("cloudwatch")
    alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
    assert set(outputs["alarm_names"].values()) <= set(alarms)
    duration = alarms["demo-dev-support-duration-p95"]
    assert duration["ExtendedStatistic"] == "p95" and duration["Threshold"] == 48000
    assert duration["AlarmActions"] == [outputs["alarm_topic_arn"]] and duration["ActionsEnabled"] is True
    assert alarms["demo-dev-jobs-dlq-age"]["Statistic"] == "Maximum"
    alarm_topic = project.client("sns").get_topic_attributes(TopicArn=outputs["alarm_topic_arn"])["Attributes"]
    key = project.client("kms").describe_key(KeyId=alarm_topic["KmsMasterKeyId"])["KeyMetadata"]
    assert key["KeyManager"] == "CUSTOMER"
    assert project.client("kms").get_key_rotation_status(KeyId=key["KeyId"])["KeyRotationEnabled"] is True
    key_policy = json.loads(project.client("kms").get_key_policy(KeyId=key["KeyId"], PolicyName="default")["Policy"])
    assert {"Service": "cloudwatch.amazonaws.com"} in [st["Principal"] for st in key_policy["Statement"]]
    subscriptions = project.client("sns").list_subscriptions_by_topic(TopicArn=outputs["alarm_topic_arn"])
    assert sorted((x["Protocol"], x["Endpoint"]) for x in subscriptions["Subscriptions"]) == [
        ("email", "oncall@example.com"),
        ("https", "https://hooks.example.com/alarms"),
    ]
    body = json.loads(cloudwatch.get_dashboard(DashboardName=outputs["dashboard_name"])["DashboardBody"])
    assert body["widgets"][0]["properties"]["metrics"][0] == [
        "AWS/Lambda",
        "Errors",
        "FunctionName",
        "demo-dev-support",
    ]
    # the agent-network module checked the (private) subnets and made its group, rules by CIDR
    db_group = outputs["agent_network_security_group_ids"]["db"]
    group = project.client("ec2").describe_security_groups(GroupIds=[db_group])["SecurityGroups"][0]
    assert group["VpcId"] == outputs["vpc_id"]
    assert sorted(p["FromPort"] for p in group["IpPermissionsEgress"]) == [443, 5432]
    # the X-Ray sampling rule (kept by the emulator as an SSM parameter: moto has no X-Ray sampling API)
    from strands_tf.emulator.provider.resources.xray import parameter_name

    rule = json.loads(
        project.client("ssm").get_parameter(Name=parameter_name("demo-dev-support"))["Parameter"]["Value"]
    )
    assert (rule["service_name"], rule["fixed_rate"], rule["reservoir_size"]) == ("demo-dev-support", 0.05, 1)

    # a second plan finds nothing to do; the one tolerated change is moto 5.2 not storing the function's
    # DeadLetterConfig, so the emulator reads it back empty
    replan = project.run("plan", "-input=false", "-json", "-detailed-exitcode")
    assert replan.returncode in (0, 2), replan.stderr
    pending = {
        (event["change"]["resource"]["addr"], event["change"]["action"])
        for event in map(json.loads, filter(None, replan.stdout.splitlines()))
        if event.get("type") == "planned_change"
    }
    assert pending <= {("module.support.aws_lambda_function.this", "update")}, pending

    project.ok("destroy", "-auto-approve", "-input=false")
    functions = project.client("lambda").list_functions()["Functions"]
    assert "demo-dev-support" not in {f["FunctionName"] for f in functions}
    assert outputs["vpc_id"] not in {v["VpcId"] for v in project.client("ec2").describe_vpcs()["Vpcs"]}


def test_optional_paths_plan_and_apply(workspace: Workspace) -> None:
    proj = workspace.project("variants", (VARIANTS_ROOT / "main.tf").read_text(encoding="utf-8"))
    s3 = proj.client("s3")
    s3.create_bucket(Bucket="v-artifacts-123456789012", CreateBucketConfiguration={"LocationConstraint": REGION})
    s3.put_object(
        Bucket="v-artifacts-123456789012",
        Key="agents/v-agent.zip",
        Body=(proj.root / "build" / "agent.zip").read_bytes(),
    )
    try:
        assert "The configuration is valid" in proj.ok("validate")
        proj.ok("apply", "-auto-approve", "-input=false")
        outputs = {k: v["value"] for k, v in json.loads(proj.ok("output", "-json")).items()}
        assert outputs["queue_name"] == "v-orders.fifo"
        assert outputs["topic_name"] == "v-events.fifo"
        assert outputs["dead_letter_queue_url"].endswith("/v-orders-dlq.fifo")
        # null outputs are not kept in the state at all
        assert "layer_arn" not in outputs and "policy_name" not in outputs
        assert outputs["stream_arn"]
        assert outputs["stage_invoke_url"].rstrip("/").endswith("/prod")

        # moto 5.2 does not keep RedriveAllowPolicy: check what Terraform sent
        state = _resources(json.loads(proj.ok("show", "-json"))["values"]["root_module"])
        allow_policy = state["module.orders.aws_sqs_queue_redrive_allow_policy.dead_letter[0]"]
        allow = json.loads(allow_policy["redrive_allow_policy"])
        assert allow["redrivePermission"] == "byQueue" and allow["sourceQueueArns"][0].endswith(":v-orders.fifo")
        assert allow_policy["queue_url"].endswith("/v-orders-dlq.fifo")

        table = proj.client("dynamodb").describe_table(TableName="v-table")["Table"]
        assert table["ProvisionedThroughput"]["ReadCapacityUnits"] == 2
        assert [i["IndexName"] for i in table["GlobalSecondaryIndexes"]] == ["by-user"]
        assert {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]} == {
            "pk": "S",
            "sk": "N",
            "user_id": "S",
        }

        iam = proj.client("iam")
        attached = iam.list_attached_role_policies(RoleName="v-role")["AttachedPolicies"]
        assert [a["PolicyName"] for a in attached] == ["v-read-code"]
        assert iam.list_role_policies(RoleName="v-role")["PolicyNames"] == []
        trust = iam.get_role(RoleName="v-role")["Role"]["AssumeRolePolicyDocument"]
        trust = json.loads(trust) if isinstance(trust, str) else trust
        assert trust["Statement"][0]["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}

        fn = proj.client("lambda").get_function_configuration(FunctionName="v-agent")
        assert fn["Architectures"] == ["x86_64"] and fn["TracingConfig"]["Mode"] == "PassThrough"
        assert "Layers" not in fn or fn["Layers"] == []

        logging = s3.get_bucket_logging(Bucket="v-code-123456789012")["LoggingEnabled"]
        assert logging == {"TargetBucket": "v-access-logs-123456789012", "TargetPrefix": "code/"}
        log_policy = json.loads(s3.get_bucket_policy(Bucket="v-access-logs-123456789012")["Policy"])
        assert log_policy["Statement"][0]["Principal"] == {"Service": "logging.s3.amazonaws.com"}
        assert log_policy["Statement"][0]["Condition"]["ArnLike"] == {
            "aws:SourceArn": "arn:aws:s3:::v-code-123456789012"
        }
        rules = s3.get_bucket_lifecycle_configuration(Bucket="v-code-123456789012")["Rules"]
        assert rules[0]["Expiration"]["Days"] == 30

        api = proj.client("apigatewayv2")
        routes = api.get_routes(ApiId=outputs["api_id"])["Items"]
        assert sorted((r["RouteKey"], r["AuthorizationType"]) for r in routes) == [
            ("GET /items/{id}", "JWT"),
            ("POST /items", "JWT"),
        ]
        (authorizer_id,) = {r["AuthorizerId"] for r in routes}
        authorizer = api.get_authorizer(ApiId=outputs["api_id"], AuthorizerId=authorizer_id)
        assert authorizer["AuthorizerType"] == "JWT"
        assert authorizer["JwtConfiguration"] == {"Audience": ["v-api"], "Issuer": "https://issuer.example.com/"}
        assert len(api.get_integrations(ApiId=outputs["api_id"])["Items"]) == 1  # one per distinct function
    finally:
        proj.run("destroy", "-auto-approve", "-input=false")


AGENT_CALL = """
provider "aws" {
  region = "eu-west-1"
}

module "agent" {
  source = "../../../../modules/strands-agent"

  name     = "pre-agent"
  handler  = "handler.handler"
  runtime  = "python3.12"
  role_arn = "arn:aws:iam::123456789012:role/pre"
%s
}
"""


@pytest.mark.parametrize(
    "name, arguments, message",
    [
        ("both_packages", 'filename = "build/agent.zip"\n  s3_bucket = "b"\n  s3_key = "k"', "Set either filename"),
        ("no_package", "", "Set either filename"),
        ("half_vpc", 'filename = "build/agent.zip"\n  vpc_subnet_ids = ["subnet-1"]', "must be set together"),
        ("half_s3_layer", 'filename = "build/agent.zip"\n  layer_s3_key = "deps.zip"', "needs both layer_s3_bucket"),
    ],
)
def test_preconditions_stop_the_plan_with_a_clear_message(
    workspace: Workspace, name: str, arguments: str, message: str
) -> None:
    proj = workspace.project(f"pre_{name}", AGENT_CALL % f"  {arguments}")
    result = proj.run("plan", "-input=false")
    assert result.returncode == 1
    assert "Resource precondition failed" in result.stderr + result.stdout
    assert message in re.sub(r"\s+", " ", result.stderr + result.stdout)


def test_jwt_without_authorizer_and_conflicting_key_types_are_refused(workspace: Workspace) -> None:
    text = """
provider "aws" {
  region = "eu-west-1"
}

module "api" {
  source = "../../../../modules/http-api"

  name               = "pre-api"
  authorization_type = "JWT"
  routes = {
    "POST /x" = { function_name = "f", invoke_arn = "arn:aws:lambda:eu-west-1:123456789012:function:f" }
  }
}

module "table" {
  source = "../../../../modules/dynamodb-table"

  name     = "pre-table"
  hash_key = "pk"
  global_secondary_indexes = [
    {
      name = "i", hash_key = "pk", hash_key_type = "N", range_key = null, range_key_type = null,
      projection_type = "ALL"
    },
  ]
}
"""
    result = workspace.project("pre_api_table", text).run("plan", "-input=false")
    output = re.sub(r"\s+", " ", result.stderr + result.stdout)
    assert result.returncode == 1
    assert "authorization_type JWT needs jwt_authorizer" in output
    assert "A key attribute is declared with two different types" in output
