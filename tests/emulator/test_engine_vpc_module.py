"""modules/vpc through real Terraform against the emulator: CIDR and IPAM address space, NAT, endpoints, flow logs."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from strands_tf.emulator.ipam import IPAM_FILE_ENV, IpamRegistry

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto]

MODULE = Path(__file__).resolve().parents[2] / "modules" / "vpc"

OUTPUTS = """
output "vpc" { value = module.vpc }
"""


def _module_call(**inputs: str) -> str:
    body = "\n".join(f"  {key} = {value}" for key, value in inputs.items())
    return f'module "vpc" {{\n  source = "../modules/vpc"\n{body}\n}}\n{OUTPUTS}'


def _project(tf_project, tmp_path: Path, hcl: str):  # type: ignore[no-untyped-def]
    shutil.copytree(MODULE, tmp_path / "modules" / "vpc", ignore=shutil.ignore_patterns("README.md"))
    tf = tf_project(hcl, reattach=True)
    tf.init()
    return tf


def test_cidr_vpc_with_nat_per_zone_endpoints_and_flow_logs(tf_project, moto_server, tmp_path: Path) -> None:
    tf = _project(
        tf_project,
        tmp_path,
        _module_call(
            name='"emu-net"',
            cidr_block='"10.60.0.0/16"',
            az_count="2",
            nat_gateway='"one_per_az"',
            endpoints='["s3", "dynamodb", "bedrock-runtime"]',
            flow_log_retention_days="30",
            tags='{ project = "emu" }',
        ),
    )
    tf.apply()
    out = tf.outputs()["vpc"]
    ec2 = client(moto_server.endpoint, "ec2")
    vpc_id = out["vpc_id"]
    vpc = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.60.0.0/16"
    for attribute in ("enableDnsSupport", "enableDnsHostnames"):
        key = attribute[0].upper() + attribute[1:]
        assert ec2.describe_vpc_attribute(VpcId=vpc_id, Attribute=attribute)[key]["Value"] is True

    private = ec2.describe_subnets(SubnetIds=out["private_subnet_ids"])["Subnets"]
    assert sorted((s["CidrBlock"], s["AvailabilityZone"]) for s in private) == [
        ("10.60.0.0/19", "us-east-1a"),
        ("10.60.32.0/19", "us-east-1b"),
    ]
    public = ec2.describe_subnets(SubnetIds=out["public_subnet_ids"])["Subnets"]
    assert sorted(s["CidrBlock"] for s in public) == ["10.60.224.0/22", "10.60.228.0/22"]
    assert not any(s["MapPublicIpOnLaunch"] for s in private + public)

    nats = ec2.describe_nat_gateways(NatGatewayIds=out["nat_gateway_ids"])["NatGateways"]
    assert sorted(n["SubnetId"] for n in nats) == sorted(out["public_subnet_ids"])
    assert len(out["nat_public_ips"]) == 2 and all(out["nat_public_ips"])
    # each zone leaves through its own NAT gateway
    tables = ec2.describe_route_tables(RouteTableIds=out["private_route_table_ids"])["RouteTables"]
    routes = {
        t["Associations"][0]["SubnetId"]: next(
            r["NatGatewayId"] for r in t["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"
        )
        for t in tables
    }
    nat_by_zone = {n["SubnetId"]: n["NatGatewayId"] for n in nats}
    assert len(set(routes.values())) == 2 and set(routes.values()) == set(nat_by_zone.values())

    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    kinds = {e["ServiceName"].rsplit(".", 1)[1]: e for e in endpoints}
    assert {name: e["VpcEndpointType"] for name, e in kinds.items()} == {
        "s3": "Gateway",
        "dynamodb": "Gateway",
        "bedrock-runtime": "Interface",
    }
    assert sorted(kinds["s3"]["RouteTableIds"]) == sorted(out["private_route_table_ids"])
    interface = kinds["bedrock-runtime"]
    assert interface["PrivateDnsEnabled"] is True
    assert sorted(interface["SubnetIds"]) == sorted(out["private_subnet_ids"])
    assert [g["GroupId"] for g in interface["Groups"]] == [out["endpoint_security_group_id"]]
    endpoint_sg = ec2.describe_security_groups(GroupIds=[out["endpoint_security_group_id"]])["SecurityGroups"][0]
    # HTTPS from the agents' security group by reference, not from the whole VPC range
    assert [
        (p["IpProtocol"], p["FromPort"], p["ToPort"], [g["GroupId"] for g in p["UserIdGroupPairs"]], p["IpRanges"])
        for p in endpoint_sg["IpPermissions"]
    ] == [("tcp", 443, 443, [out["agent_security_group_id"]], [])]
    assert endpoint_sg["IpPermissionsEgress"] == []

    agents = ec2.describe_security_groups(GroupIds=[out["agent_security_group_id"]])["SecurityGroups"][0]
    assert agents["IpPermissions"] == []
    assert [(p["IpProtocol"], p["FromPort"], p["ToPort"]) for p in agents["IpPermissionsEgress"]] == [("tcp", 443, 443)]
    default = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert default["IpPermissions"] == [] and default["IpPermissionsEgress"] == []

    flow = ec2.describe_flow_logs(FlowLogIds=[out["flow_log_id"]])["FlowLogs"][0]
    assert flow["ResourceId"] == vpc_id and flow["TrafficType"] == "ALL"
    logs = client(moto_server.endpoint, "logs")
    group = logs.describe_log_groups(logGroupNamePrefix=out["flow_log_group_name"])["logGroups"][0]
    assert group["retentionInDays"] == 30
    iam = client(moto_server.endpoint, "iam")
    trust = iam.get_role(RoleName="emu-net-flow-logs")["Role"]["AssumeRolePolicyDocument"]
    trust = json.loads(trust) if isinstance(trust, str) else trust
    assert trust["Statement"][0]["Principal"] == {"Service": "vpc-flow-logs.amazonaws.com"}
    assert set(trust["Statement"][0]["Condition"]) == {"StringEquals", "ArnLike"}
    policy = iam.get_role_policy(RoleName="emu-net-flow-logs", PolicyName="emu-net-flow-logs")["PolicyDocument"]
    policy = json.loads(policy) if isinstance(policy, str) else policy
    assert all(r != "*" for s in policy["Statement"] for r in s["Resource"])

    assert tf.changes() == []
    tf.destroy()
    assert ec2.describe_vpcs(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["Vpcs"] == []
    left = ec2.describe_nat_gateways(NatGatewayIds=out["nat_gateway_ids"])["NatGateways"]
    assert all(n["State"] in ("deleted", "deleting") for n in left)


@pytest.fixture
def ipam_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> IpamRegistry:
    registry = IpamRegistry(tmp_path / "ipam.json")
    registry.define_pool("ipam-pool-0123456789abcdef0", "10.128.0.0/12")
    monkeypatch.setenv(IPAM_FILE_ENV, str(registry.path))
    return registry


def test_ipam_vpc_without_nat_or_flow_logs(tf_project, moto_server, tmp_path: Path, ipam_pool: IpamRegistry) -> None:
    # something else already holds the first /20 of the pool: the VPC gets the next one
    taken = ipam_pool.allocate("ipam-pool-0123456789abcdef0", netmask_length=20)
    tf = _project(
        tf_project,
        tmp_path,
        _module_call(
            name='"emu-ipam"',
            ipv4_ipam_pool_id='"ipam-pool-0123456789abcdef0"',
            ipv4_netmask_length="20",
            availability_zones='["us-east-1b"]',
            nat_gateway='"none"',
            endpoints='["s3"]',
            flow_logs="false",
        ),
    )
    plan = tf.run("plan", "-input=false", "-no-color")
    assert "(known after apply)" in plan.stdout
    tf.apply()
    out = tf.outputs()["vpc"]
    assert out["vpc_cidr_block"] == "10.128.16.0/20"
    assert out["private_subnet_cidr_blocks"] == ["10.128.16.0/23"]
    assert out["availability_zones"] == ["us-east-1b"]
    assert out["public_subnet_ids"] == [] and out["nat_gateway_ids"] == []
    assert out.get("flow_log_id") is None and out.get("endpoint_security_group_id") is None
    ec2 = client(moto_server.endpoint, "ec2")
    assert (
        ec2.describe_internet_gateways(Filters=[{"Name": "attachment.vpc-id", "Values": [out["vpc_id"]]}])[
            "InternetGateways"
        ]
        == []
    )
    tables = ec2.describe_route_tables(RouteTableIds=out["private_route_table_ids"])["RouteTables"]
    assert not any(r.get("DestinationCidrBlock") == "0.0.0.0/0" for t in tables for r in t["Routes"])
    assert tf.changes() == []
    tf.destroy()
    # the VPC's range went back to the pool; the other allocation is untouched
    assert ipam_pool.get(taken.allocation_id) == taken
    assert ipam_pool.allocate("ipam-pool-0123456789abcdef0", netmask_length=20).cidr == "10.128.16.0/20"


def test_ipam_pool_that_is_full_fails_the_apply_clearly(tf_project, tmp_path: Path, ipam_pool: IpamRegistry) -> None:
    ipam_pool.allocate("ipam-pool-0123456789abcdef0", netmask_length=12)
    tf = _project(
        tf_project,
        tmp_path,
        _module_call(
            name='"emu-full"',
            ipv4_ipam_pool_id='"ipam-pool-0123456789abcdef0"',
            ipv4_netmask_length="24",
            az_count="1",
            nat_gateway='"none"',
            flow_logs="false",
        ),
    )
    result = tf.run("apply", "-auto-approve", "-input=false", "-no-color", check=False)
    assert result.rc == 1
    assert "has no free /24 left" in result.stdout + result.stderr
