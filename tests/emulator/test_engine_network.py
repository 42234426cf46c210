"""Real Terraform against moto: VPC, subnets, internet gateway, security groups and rules."""

from __future__ import annotations

import pytest

from .aws import client

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def test_network_stack(tf_project, moto_server) -> None:
    tf = tf_project("", stacks=("network.tf",), reattach=True)
    tf.init()
    tf.apply()
    ec2 = client(moto_server.endpoint, "ec2")
    out = tf.outputs()
    vpc = ec2.describe_vpcs(VpcIds=[out["vpc_id"]])["Vpcs"][0]
    assert vpc["CidrBlock"] == "10.42.0.0/16"
    dns = ec2.describe_vpc_attribute(VpcId=out["vpc_id"], Attribute="enableDnsHostnames")
    assert dns["EnableDnsHostnames"]["Value"] is True
    subnets = ec2.describe_subnets(SubnetIds=out["subnets"])["Subnets"]
    assert sorted(s["CidrBlock"] for s in subnets) == ["10.42.0.0/24", "10.42.1.0/24"]
    routes = ec2.describe_route_tables(RouteTableIds=[out["public_rt"]])["RouteTables"][0]
    assert [r.get("GatewayId") for r in routes["Routes"] if r.get("DestinationCidrBlock") == "0.0.0.0/0"] != []
    assert len(routes["Associations"]) == 1
    assert out["nat_public_ip"]
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [out["vpc_id"]]}])["VpcEndpoints"]
    assert sorted(e["VpcEndpointType"] for e in endpoints) == ["Gateway", "Interface"]
    flow = ec2.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [out["vpc_id"]]}])["FlowLogs"]
    assert len(flow) == 1 and flow[0]["TrafficType"] == "ALL"
    sg = ec2.describe_security_groups(GroupIds=[out["sg_id"]])["SecurityGroups"][0]
    # the default allow-all egress is gone; only the configured rules remain
    assert [(p["IpProtocol"], p.get("FromPort")) for p in sg["IpPermissionsEgress"]] == [("tcp", 443)]
    assert tf.changes() == []

    # as with the real provider, the group sees the rules its rule resources added once refreshed
    tf.run("apply", "-refresh-only", "-auto-approve", "-input=false", "-no-color")
    assert tf.drift() == []

    # a rule added behind Terraform's back to the inline-rules group is drift and gets removed
    legacy = ec2.describe_security_groups(Filters=[{"Name": "group-name", "Values": ["emu-legacy-sg"]}])
    legacy_id = legacy["SecurityGroups"][0]["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=legacy_id,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )
    assert tf.drift() == ["aws_security_group.legacy"]
    assert tf.changes() == [("aws_security_group.legacy", "update")]
    tf.apply()
    perms = ec2.describe_security_groups(GroupIds=[legacy_id])["SecurityGroups"][0]["IpPermissions"]
    assert [(p["FromPort"], p["IpRanges"][0]["CidrIp"]) for p in perms] == [(443, "10.42.0.0/16")]
    assert tf.changes() == []

    tf.destroy()
    assert ec2.describe_vpcs(Filters=[{"Name": "cidr", "Values": ["10.42.0.0/16"]}])["Vpcs"] == []
