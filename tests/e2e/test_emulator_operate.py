"""End to end on the offline target: operating a deployment (issue 17).

One project, one emulator and one deployment shared by every test of this module (CI time): agents placed in a
VPC the team already has (made with boto3 before the first apply), alarms, the alarm topic and the dashboard;
drift made with boto3 (changed memory, changed tag, deleted queue) found per strands.yaml element, reverted, and
accepted with the right strands.yaml change; a failed apply (a table name taken) explained by the rule base and
fixed by a scripted model's checked patch; `strands env use/list/show` round trip. Each test leaves the
deployment clean (no drift, no changes) for the next one.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from strands_tf.emulator.provider.resources.xray import PARAMETER_PREFIX

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
CONFIG = """\
version: 1
project: ops
region: us-east-1
tags: {{team: platform}}
history: {{metrics: true}}
environments:
  local:
    target: emulator
    # the team's network: strands-tf only adds the agents' security group
    vpc: {{id: {vpc}, subnet_ids: [{subnets}]}}
    alarms:
      email: [oncall@example.com]
  dev:
    account: "123456789012"
agents:
  support:
    path: agents/support
    handler: app.handler
    model: {model}
    memory: 512
    tracing_sampling: {{rate: 0.05}}
    vpc: true
    network:
      egress: [{{security_group: {database}, port: 5432, description: postgres}}]
    tags: {{tier: gold}}  # support's tier
    api: {{routes: ["POST /chat"]}}
    permissions: [{{resource: inbound, access: publish}}]
  triage:
    path: agents/triage
    handler: app.handler
    dead_letter: true
    triggers: [{{queue: inbound}}]
resources:
  inbound: {{type: sqs, visibility_timeout: 360}}
"""


@dataclass(frozen=True)
class TeamNetwork:
    """The VPC the team already has, made with boto3 in the emulator before strands-tf sees it."""

    vpc: str
    private: list[str]
    public: str  # routed to an internet gateway
    foreign: str  # a private subnet of another VPC
    database: str  # a security group the agents may reach by reference


@dataclass
class Deployed:
    project: Project
    network: TeamNetwork

    @property
    def config(self) -> Path:
        return self.project.root / "strands.yaml"


def _team_network(project: Project) -> TeamNetwork:
    ec2 = project.client("ec2")
    vpc = ec2.create_vpc(CidrBlock="10.77.0.0/16")["Vpc"]["VpcId"]
    private = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.77.{i}.0/24", AvailabilityZone=f"us-east-1{zone}")["Subnet"][
            "SubnetId"
        ]
        for i, zone in ((1, "a"), (2, "b"))
    ]
    public = ec2.create_subnet(VpcId=vpc, CidrBlock="10.77.9.0/24", AvailabilityZone="us-east-1a")["Subnet"]["SubnetId"]
    gateway = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=gateway, VpcId=vpc)
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=gateway)
    ec2.associate_route_table(RouteTableId=table, SubnetId=public)
    other = ec2.create_vpc(CidrBlock="10.78.0.0/16")["Vpc"]["VpcId"]
    foreign = ec2.create_subnet(VpcId=other, CidrBlock="10.78.1.0/24")["Subnet"]["SubnetId"]
    database = ec2.create_security_group(GroupName="db", Description="the team's database", VpcId=vpc)["GroupId"]
    return TeamNetwork(vpc, private, public, foreign, database)


def _write_config(root: Path, network: TeamNetwork, subnets: list[str]) -> None:
    text = CONFIG.format(vpc=network.vpc, subnets=", ".join(subnets), model=MODEL, database=network.database)
    (root / "strands.yaml").write_text(text)


@pytest.fixture(scope="module")
def deployed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployed]:
    root = tmp_path_factory.mktemp("operate") / "ops"
    for agent in ("support", "triage"):
        (root / "agents" / agent).mkdir(parents=True)
        (root / "agents" / agent / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    (root / "strands.yaml").write_text("version: 1\nproject: ops\nenvironments:\n  local: {target: emulator}\n")
    project = Project(root, tmp_path_factory.mktemp("strands-cache"))
    project.run("emulator", "start")
    try:
        network = _team_network(project)
        _write_config(root, network, network.private)
        project.run("apply", "-e", "local", "--auto-approve")
        yield Deployed(project, network)
    finally:
        project.run("emulator", "stop", ok=(0, 1, 3))


def _drift(project: Project, expected_exit: int) -> dict[str, Any]:
    return json.loads(project.run("drift", "-e", "local", "--json", "--detailed-exitcode", ok=(expected_exit,)).stdout)


def _assert_clean(project: Project) -> None:
    assert _drift(project, 0)["status"] == "clean"
    assert project.changes() == []


def test_alarms_dashboard_and_the_teams_vpc_after_apply(deployed: Deployed) -> None:
    project, network = deployed.project, deployed.network
    outputs = project.outputs()
    # one alarm topic per environment, its e-mail subscriber, every alarm notifying it
    topic = outputs["alarm_topic_arn"]
    subscriptions = project.client("sns").list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert [(s["Protocol"], s["Endpoint"]) for s in subscriptions] == [("email", "oncall@example.com")]
    alarms = {a["AlarmName"]: a for a in project.client("cloudwatch").describe_alarms()["MetricAlarms"]}
    assert all(a["AlarmActions"] == [topic] for a in alarms.values())
    by_metric = {(a["Namespace"], a["MetricName"], tuple(d["Value"] for d in a["Dimensions"])) for a in alarms.values()}
    assert {
        ("AWS/Lambda", "Errors", ("ops-local-support",)),
        ("AWS/Lambda", "Throttles", ("ops-local-triage",)),
        ("AWS/SQS", "ApproximateNumberOfMessagesVisible", ("ops-local-triage-dlq",)),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", ("ops-local-triage-dlq",)),
        ("AWS/SQS", "ApproximateAgeOfOldestMessage", ("ops-local-inbound",)),  # the trigger queue's age
        ("AWS/Bedrock", "InvocationThrottles", (MODEL,)),
    } <= by_metric
    assert {m for ns, m, _ in by_metric if ns == "AWS/ApiGateway"} == {"5xx", "4xx", "Latency"}
    # p95 duration against the timeout (60 s): 80 % of it
    duration = alarms["ops-local-support-duration-p95"]
    assert (duration["ExtendedStatistic"], duration["Threshold"]) == ("p95", 48000.0)
    dashboard = json.loads(project.client("cloudwatch").get_dashboard(DashboardName=outputs["dashboard_name"])[
        "DashboardBody"
    ])  # fmt: skip
    titles = [w["properties"]["title"] for w in dashboard["widgets"]]
    assert {"support: duration", "triage: duration"} <= set(titles)

    # the support agent runs in the team's private subnets behind the group strands-tf made
    function = project.client("lambda").get_function_configuration(FunctionName="ops-local-support")
    assert sorted(function["VpcConfig"]["SubnetIds"]) == sorted(network.private)
    (group_id,) = outputs["vpc_agent_security_group_ids"].values()
    assert function["VpcConfig"]["SecurityGroupIds"] == [group_id]
    group = project.client("ec2").describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    assert group["VpcId"] == network.vpc
    egress = {(p["FromPort"], tuple(g["GroupId"] for g in p.get("UserIdGroupPairs", []))) for p in group[
        "IpPermissionsEgress"
    ]}  # fmt: skip
    assert (5432, (network.database,)) in egress  # by reference, not by CIDR
    assert outputs["vpc_id"] == network.vpc
    assert {v["VpcId"] for v in project.client("ec2").describe_vpcs()["Vpcs"]} >= {network.vpc}

    # opt-in deployment metrics of the apply, and the support agent's X-Ray sampling rule (the emulator keeps it as an
    # SSM parameter: moto has no X-Ray sampling API)
    metrics = project.client("cloudwatch").list_metrics(Namespace="StrandsTF/Deployments")["Metrics"]
    assert {"DeploymentSucceeded", "DeploymentDuration", "ResourcesCreated"} <= {m["MetricName"] for m in metrics}
    (rule,) = [
        json.loads(p["Value"])
        for p in project.client("ssm").get_parameters_by_path(Path=PARAMETER_PREFIX.rstrip("/"))["Parameters"]
    ]
    assert (rule["fixed_rate"], rule["service_name"]) == (0.05, "ops-local-support")

    # a clean deployment has no drift (and says so with exit code 0 for CI)
    _assert_clean(project)


def test_subnets_that_are_public_or_elsewhere_are_refused_at_plan(deployed: Deployed) -> None:
    project, network = deployed.project, deployed.network
    try:
        # another VPC's subnet: `strands plan` stops with the module's check
        _write_config(project.root, network, [network.private[0], network.foreign])
        failed = project.run("plan", "-e", "local", ok=(1,))
        assert f"subnets {network.foreign} (in vpc-" in failed.stderr and "are not in" in failed.stderr
        # a public subnet: the apply stops at plan, nothing changes, and `strands analyze` names the setting with
        # a checked change keeping the private subnet
        _write_config(project.root, network, [network.private[0], network.public])
        stopped = project.run("apply", "-e", "local", "--auto-approve", ok=(3,))
        assert "A check of the configuration failed" in stopped.stdout and f"subnets {network.public} are public" in (
            stopped.stdout
        ), stopped.stdout
        (finding,) = json.loads(project.run("analyze", "-e", "local", "--json").stdout)["findings"]
        assert finding["rule"] == "existing_subnets" and network.public in finding["cause"]
        assert "(environments.local.vpc.subnet_ids)" in finding["fix"]
        assert finding["patch"] == [
            {"op": "set", "path": ["environments", "local", "vpc", "subnet_ids"], "value": [network.private[0]]}
        ]
        assert finding["checked_patch"] is not None
    finally:
        _write_config(project.root, network, network.private)
    assert project.changes() == []


def _change_behind_terraforms_back(project: Project) -> None:
    lam = project.client("lambda")
    lam.update_function_configuration(FunctionName="ops-local-support", MemorySize=1024)
    arn = lam.get_function_configuration(FunctionName="ops-local-support")["FunctionArn"]
    lam.tag_resource(Resource=arn, Tags={"tier": "silver"})
    sqs = project.client("sqs")
    sqs.delete_queue(QueueUrl=sqs.get_queue_url(QueueName="ops-local-inbound")["QueueUrl"])


def _queue_exists(project: Project) -> bool:
    sqs = project.client("sqs")
    return any(url.endswith("/ops-local-inbound") for url in sqs.list_queues().get("QueueUrls", []))


def test_drift_is_found_per_element_reverted_and_accepted(deployed: Deployed) -> None:
    project = deployed.project
    original = deployed.config.read_text()
    lines = original.splitlines()
    _change_behind_terraforms_back(project)

    report = _drift(project, 2)
    assert (report["status"], report["counts"]) == ("drifted", {"changed": 1, "missing": 2})
    elements = {(e["owner"]["kind"], e["owner"]["name"]): e for e in report["elements"]}
    assert set(elements) == {("agent", "support"), ("resource", "inbound")}
    support, inbound = elements["agent", "support"], elements["resource", "inbound"]
    assert lines[support["owner"]["line"] - 1] == "  support:"
    assert lines[inbound["owner"]["line"] - 1].startswith("  inbound:")
    (function,) = support["resources"]
    assert function["address"] == "module.agent_support.aws_lambda_function.this"
    assert {(s["setting"], s["before"], s["after"]) for s in function["settings"]} >= {
        ("memory", 512, 1024),
        ("tags.tier", "gold", "silver"),
    }
    assert {(r["address"], r["status"]) for r in inbound["resources"]} == {
        ("module.queue_inbound.aws_sqs_queue.this", "missing"),
        ("module.queue_inbound.aws_sqs_queue_policy.this", "missing"),
    }
    shown = project.run("drift", "-e", "local", ok=(0,)).stdout
    assert "memory: 512 → 1024" in shown and "deleted outside Terraform" in shown

    # revert everything: the configuration wins, the queue is made again, strands.yaml is untouched
    project.run("reconcile", "-e", "local", "--revert", "*", "--auto-approve")
    function_now = project.client("lambda").get_function_configuration(FunctionName="ops-local-support")
    assert function_now["MemorySize"] == 512
    assert project.client("lambda").list_tags(Resource=function_now["FunctionArn"])["Tags"]["tier"] == "gold"
    assert _queue_exists(project)
    assert deployed.config.read_text() == original
    _assert_clean(project)

    # the same changes again; this time the agent's are accepted into strands.yaml and the queue is reverted
    _change_behind_terraforms_back(project)
    result = json.loads(
        project.run(
            "reconcile", "-e", "local", "--accept", "agent:support", "--revert", "resource:inbound", "--auto-approve",
            "--json",
        ).stdout
    )  # fmt: skip
    assert result["patch"]["files"] == ["strands.yaml"], result
    accepted = deployed.config.read_text()
    # only local drifted, so the change goes into local's overrides; comments and layout stay as they were
    expected = original.replace(
        "      email: [oncall@example.com]\n",
        "      email: [oncall@example.com]\n    overrides:\n      agents:\n        support:\n          memory: 1024\n"
        "          tags:\n            tier: silver\n",
    )
    assert accepted == expected
    assert _queue_exists(project)
    assert _drift(project, 0)["status"] == "clean"
    # the accepted tag now applies to everything of the agent (role, log group, alarms): apply settles it
    assert {action for _, action in project.changes()} == {"update"}
    project.run("apply", "-e", "local", "--auto-approve")
    assert project.client("lambda").get_function_configuration(FunctionName="ops-local-support")["MemorySize"] == 1024

    # back to the original configuration for the next test
    deployed.config.write_text(original)
    project.run("apply", "-e", "local", "--auto-approve")
    _assert_clean(project)


def test_a_name_taken_failure_is_explained_and_a_scripted_model_proposes_a_checked_patch(
    deployed: Deployed, tmp_path: Path
) -> None:
    project = deployed.project
    original = deployed.config.read_text()
    project.client("dynamodb").create_table(
        TableName="ops-local-audit",
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    deployed.config.write_text(original + "  audit: {type: dynamodb, hash_key: id}\n")
    audit_line = len(original.splitlines()) + 1

    failed = project.run("apply", "-e", "local", "--auto-approve", ok=(3,))  # 3: a stack failed
    assert "strands analyze" in failed.stdout + failed.stderr

    analysis = json.loads(project.run("analyze", "-e", "local", "--json").stdout)
    assert analysis["deployment"]["status"] == "failed"
    (finding,) = analysis["findings"]
    assert finding["rule"] == "name_taken"
    assert finding["owner"] == {"kind": "resource", "name": "audit", "file": "strands.yaml", "line": audit_line}
    assert "DynamoDB table named 'ops-local-audit' already exists" in finding["cause"]
    assert "aws dynamodb delete-table --table-name ops-local-audit" in finding["fix"]
    assert "rename resource 'audit'" in finding["fix"]

    # --llm: the model's first proposal is refused by the loader, its second one is checked and shown
    script = tmp_path / "replies.json"
    script.write_text(
        json.dumps(
            [
                {"tool": "read_findings", "input": {}},
                {"tool": "read_config", "input": {}},
                {
                    "tool": "propose_patch",
                    "input": {
                        "operations": [{"op": "set", "path": ["resources", "audit", "hash_key"], "value": 7}],
                        "reason": "?",
                    },
                },
                {
                    "tool": "propose_patch",
                    "input": {
                        "operations": [{"op": "remove", "kind": "resource", "name": "audit"}],
                        "reason": "ops-local-audit belongs to someone else",
                    },
                },
                "The table ops-local-audit was made outside this deployment: remove resource audit.",
            ]
        )
    )
    llm_args = ("analyze", "-e", "local", "--llm", "--model", "scripted", "--script", str(script))
    llm = json.loads(project.run(*llm_args, "--json").stdout)["llm"]
    assert [a["accepted"] for a in llm["attempts"]] == [False, True]
    assert "hash_key" in llm["attempts"][0]["problems"][0]
    assert llm["patch"]["diff"].splitlines()[-1] == "-  audit: {type: dynamodb, hash_key: id}"
    assert deployed.config.read_text() != original  # shown, not written

    project.run(*llm_args, "--write", "--auto-approve")
    assert deployed.config.read_text() == original
    project.run("apply", "-e", "local", "--auto-approve")
    _assert_clean(project)


def test_env_use_list_show_round_trip(deployed: Deployed) -> None:
    project = deployed.project
    default_file = project.root / ".strands" / "environment"
    project.run("env", "use", "local")
    assert default_file.read_text().strip() == "local"
    # commands without -e now work on local, and say so in their header
    drift = project.run("drift", "--json")
    assert json.loads(drift.stdout)["environment"] == "local"
    assert "environment: local" in drift.stderr

    listed = {e["name"]: e for e in json.loads(project.run("env", "list", "--json").stdout)}
    assert set(listed) == {"local", "dev"}
    assert listed["local"]["default"] is True and listed["dev"]["default"] is False
    assert listed["local"]["last_deployment"]["status"] == "succeeded"
    assert listed["local"]["drift"]["status"] == "clean"
    assert (listed["dev"]["account"], listed["dev"]["last_deployment"], listed["dev"]["drift"]) == (
        "123456789012",
        None,
        None,
    )
    shown = json.loads(project.run("env", "show", "--json").stdout)
    assert shown["name"] == "local"

    refused = project.run("env", "use", "staging", ok=(1, 2))
    assert "staging" in refused.stderr and default_file.read_text().strip() == "local"
    project.run("env", "use", "--unset")
    assert not default_file.exists()
    assert all(not e["default"] for e in json.loads(project.run("env", "list", "--json").stdout))
