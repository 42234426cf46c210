"""End to end on the offline target: agents in a VPC, from a CIDR and from a (simulated) IPAM pool.

`strands apply/plan/destroy -e local` in child processes, as a user runs them, then boto3 against the same
emulator: the VPC, its subnets, NAT gateway, endpoints and flow log exist, the function in the VPC has its
VpcConfig (the other has none), a second plan is empty, and destroy leaves the emulator as it found it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from strands_tf.emulator.ipam import IPAM_FILE_ENV, IpamRegistry

from .project import Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]

POOL = "ipam-pool-0123456789abcdef0"
CONFIG = """\
version: 1
project: {project}
region: us-east-1
{stacks}environments:
  local:
    target: emulator
    vpc: {vpc}
agents:
  inside:
    path: agents/inside
    handler: app.handler
    model: anthropic.claude-3-haiku-20240307-v1:0
    vpc: true
    permissions: [{{resource: notes, access: read_write}}]
  outside:
    path: agents/outside
    handler: app.handler
resources:
  notes: {{type: dynamodb, hash_key: id}}
"""


def _write(root: Path, project: str, vpc: str, stacks: str = "") -> Path:
    root.mkdir(parents=True)
    (root / "strands.yaml").write_text(CONFIG.format(project=project, vpc=vpc, stacks=stacks))
    for agent in ("inside", "outside"):
        (root / "agents" / agent).mkdir(parents=True)
        (root / "agents" / agent / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    return root


@pytest.fixture
def projects(tmp_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[Project]]:
    made: list[Project] = []
    yield made
    for project in made:
        project.run("emulator", "stop", ok=(0, 1, 3))


def _snapshot(project: Project) -> dict[str, set[str]]:
    """What the emulator holds that a deploy could leave behind (moto starts with a default VPC per region)."""
    ec2 = project.client("ec2")
    return {
        "vpcs": {v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"]},
        "subnets": {s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]},
        "groups": {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]},
        "nat": {n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] == "available"},
        "eips": {a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]},
        # moto keeps deleted endpoints around in state "deleted", as AWS does for a while
        "endpoints": {
            e["VpcEndpointId"] for e in ec2.describe_vpc_endpoints()["VpcEndpoints"] if e["State"].lower() != "deleted"
        },
        "flow_logs": {f["FlowLogId"] for f in ec2.describe_flow_logs()["FlowLogs"]},
        "functions": {f["FunctionName"] for f in project.client("lambda").list_functions()["Functions"]},
        "roles": {r["RoleName"] for r in project.client("iam").list_roles()["Roles"]},
        "log_groups": {g["logGroupName"] for g in project.client("logs").describe_log_groups()["logGroups"]},
    }


def _check_placement(project: Project, name: str) -> dict[str, Any]:
    outputs = project.outputs()
    lam = project.client("lambda")
    inside = lam.get_function_configuration(FunctionName=f"{name}-local-inside")
    assert sorted(inside["VpcConfig"]["SubnetIds"]) == sorted(outputs["vpc_private_subnet_ids"])
    assert inside["VpcConfig"]["SecurityGroupIds"] == [outputs["vpc_agent_security_group_id"]]
    outside = lam.get_function_configuration(FunctionName=f"{name}-local-outside")
    assert not (outside.get("VpcConfig") or {}).get("SubnetIds")
    role = inside["Role"].rsplit("/", 1)[1]
    iam = project.client("iam")
    (policy_name,) = iam.list_role_policies(RoleName=role)["PolicyNames"]
    document = iam.get_role_policy(RoleName=role, PolicyName=policy_name)["PolicyDocument"]
    document = json.loads(document) if isinstance(document, str) else document
    actions = {
        a for s in document["Statement"] for a in ([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
    }
    assert {"ec2:CreateNetworkInterface", "ec2:DeleteNetworkInterface", "ec2:DescribeNetworkInterfaces"} <= actions
    return outputs


def test_cidr_vpc_applies_plans_clean_and_destroys(tmp_path: Path, projects: list[Project]) -> None:
    root = _write(
        tmp_path / "netcidr", "netcidr", "{cidr: 10.30.0.0/16, nat: single, endpoints: [s3, bedrock-runtime]}"
    )
    project = Project(root, tmp_path / "cache")
    projects.append(project)
    project.run("emulator", "start")
    before = _snapshot(project)
    project.run("apply", "-e", "local", "--auto-approve")
    outputs = _check_placement(project, "netcidr")

    ec2 = project.client("ec2")
    vpc_id = outputs["vpc_id"]
    assert ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]["CidrBlock"] == "10.30.0.0/16"
    subnets = ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Subnets"]
    private = {s["SubnetId"]: s for s in subnets if s["SubnetId"] in outputs["vpc_private_subnet_ids"]}
    assert sorted(s["CidrBlock"] for s in private.values()) == ["10.30.0.0/19", "10.30.32.0/19"]
    assert sorted(s["AvailabilityZone"] for s in private.values()) == ["us-east-1a", "us-east-1b"]
    assert len(subnets) == 4 and not any(s["MapPublicIpOnLaunch"] for s in subnets)
    nat = [
        n for n in ec2.describe_nat_gateways()["NatGateways"] if n.get("VpcId") == vpc_id and n["State"] == "available"
    ]
    assert len(nat) == 1 and nat[0]["SubnetId"] not in private
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    assert sorted((e["ServiceName"], e["VpcEndpointType"]) for e in endpoints) == [
        ("com.amazonaws.us-east-1.bedrock-runtime", "Interface"),
        ("com.amazonaws.us-east-1.s3", "Gateway"),
    ]
    (flow,) = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]
    assert flow["TrafficType"] == "ALL"
    assert flow["LogDestination"].endswith(":log-group:/aws/vpc-flow-logs/netcidr-local")

    assert project.changes() == [], "a second plan after apply must report no changes"
    project.run("destroy", "-e", "local", "--auto-approve")
    assert _snapshot(project) == before


def test_ipam_vpc_in_per_agent_stacks(tmp_path: Path, projects: list[Project]) -> None:
    registry = IpamRegistry(tmp_path / "ipam.json")
    registry.define_pool(POOL, "10.64.0.0/14")
    root = _write(
        tmp_path / "netipam",
        "netipam",
        f"{{ipam_pool_id: {POOL}, netmask_length: 20, availability_zones: 3, nat: none, "
        "endpoints: [s3, dynamodb, bedrock-runtime]}",
        stacks="stacks: per_agent\n",
    )
    project = Project(root, tmp_path / "cache", {IPAM_FILE_ENV: str(registry.path)})
    projects.append(project)
    project.run("emulator", "start")
    before = _snapshot(project)
    project.run("apply", "-e", "local", "--auto-approve")
    outputs = _check_placement(project, "netipam")
    manifest = json.loads((root / ".strands" / "build" / "local" / "cdktf.out" / "manifest.json").read_text())
    assert manifest["stacks"]["netipam-local-inside"]["dependencies"] == ["netipam-local"]

    ec2 = project.client("ec2")
    vpc = ec2.describe_vpcs(VpcIds=[outputs["vpc_id"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.64.0.0/20"  # the first free /20 of the pool
    subnets = ec2.describe_subnets(SubnetIds=outputs["vpc_private_subnet_ids"])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.64.0.0/23", "10.64.2.0/23", "10.64.4.0/23"]
    assert [n for n in ec2.describe_nat_gateways()["NatGateways"] if n.get("VpcId") == vpc["VpcId"]] == []
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc["VpcId"]]}])["VpcEndpoints"]
    assert sorted(e["VpcEndpointType"] for e in endpoints) == ["Gateway", "Gateway", "Interface"]

    assert project.changes() == []
    project.run("destroy", "-e", "local", "--auto-approve")
    assert _snapshot(project) == before
    # the VPC's range went back to the pool
    assert registry.allocate(POOL, netmask_length=20).cidr == "10.64.0.0/20"
