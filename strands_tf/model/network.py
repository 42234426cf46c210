"""VPC networking of one environment: the `vpc` module, agents placed in its subnets, their ENI permissions."""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping
from typing import TYPE_CHECKING

from strands_tf.config.models import VpcConfig
from strands_tf.errors import ConfigIssue
from strands_tf.model import iam
from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name

if TYPE_CHECKING:
    from strands_tf.config.resolve import ResolvedAgent, ResolvedProject

VPC_NODE = "vpc"
# the module prefixes IAM role names with it ("<name>-flow-logs" must fit IAM's 64 characters)
_NAME_LIMIT = 54
# modules/vpc: private subnets are the VPC's prefix + 3, public ones prefix + 6; AWS subnets are /28 at most
_PRIVATE_BITS, _PUBLIC_BITS, _SMALLEST_SUBNET = 3, 6, 28
# the graph's account data sources (build_graph adds them to every graph, and stacks copy them everywhere)
_ARN_PREFIX = (
    "arn:${data.aws_partition.partition.partition}:ec2:${data.aws_region.region.region}:"
    "${data.aws_caller_identity.caller.account_id}"
)
# the AWS services an agent's configuration makes it call, by what strands.yaml names
_SERVICE_OF_KIND = {"s3": "s3", "dynamodb": "dynamodb", "sqs": "sqs", "sns": "sns", "agent": "lambda"}

Locations = Mapping[tuple[str, str], tuple[str, int | None, int | None]]


def in_vpc(project: ResolvedProject, agent: ResolvedAgent) -> bool:
    """Whether an agent runs in the environment's VPC (it asks for one and the environment has one)."""
    return agent.vpc and project.environment.vpc is not None


def vpc_agents(project: ResolvedProject) -> list[ResolvedAgent]:
    """The agents placed in the environment's VPC; empty means no VPC is created."""
    return [agent for agent in project.agents.values() if in_vpc(project, agent)]


def vpc_name(project: ResolvedProject) -> str:
    """Name prefix of the VPC's resources: `<project>-<env>`, fitted so `<name>-flow-logs` stays a valid role name."""
    raw = aws_name("vpc", project.project, project.environment.name)
    if len(raw) <= _NAME_LIMIT:
        return raw
    digest = hashlib.sha256(raw.encode()).hexdigest()[:8]
    return f"{raw[: _NAME_LIMIT - 9].rstrip('-_')}-{digest}"


def add_network(graph: InfraGraph, project: ResolvedProject, locations: Locations, issues: list[ConfigIssue]) -> None:
    """Add the `vpc` module, place the agents with vpc: true in its private subnets and publish its outputs.

    A VPC nobody uses is not created: its NAT gateways and interface endpoints cost money by the hour.
    Call it after the agents are in the graph.
    """
    env = project.environment
    vpc = env.vpc
    if vpc is None:
        return
    members = vpc_agents(project)
    if not members:
        graph.warnings.append(
            f"environment '{env.name}' defines a vpc but no agent sets vpc: true; no VPC is created "
            "(its NAT gateways and endpoints would cost money with nothing in them)"
        )
        return
    if not _fits(vpc, env.name, locations, issues):
        return
    owner = Owner("vpc", env.name)
    body: dict[str, object] = {"name": vpc_name(project)}
    if vpc.cidr is not None:
        body["cidr_block"] = vpc.cidr
    else:
        body["ipv4_ipam_pool_id"] = vpc.ipam_pool_id
        body["ipv4_netmask_length"] = vpc.netmask_length
    body |= {
        "az_count": vpc.availability_zones,
        "nat_gateway": vpc.nat,
        "endpoints": sorted(vpc.endpoints),
        "flow_logs": vpc.flow_logs,
        "tags": {"strands:vpc": env.name},
    }
    graph.add(Node(VPC_NODE, "module", body, owner, module="vpc", group="shared"))
    for agent in members:
        node = graph.nodes[f"agent_{agent.name}"]
        node.body["vpc_subnet_ids"] = f"${{module.{VPC_NODE}.private_subnet_ids}}"
        node.body["vpc_security_group_ids"] = [f"${{module.{VPC_NODE}.agent_security_group_id}}"]
    graph.warnings.extend(_reachability_warnings(project, members, vpc))
    for output_id, attribute, description in (
        ("vpc_id", "vpc_id", "Id of the VPC"),
        ("vpc_private_subnet_ids", "private_subnet_ids", "Private subnets of the VPC (where agents run)"),
        ("vpc_agent_security_group_id", "agent_security_group_id", "Security group of the agents in the VPC"),
    ):
        graph.add_output(Output(output_id, f"${{module.{VPC_NODE}.{attribute}}}", description, owner))


def add_agent_statements(project: ResolvedProject, agent: ResolvedAgent, policy: iam.PolicyBuilder) -> None:
    """The ENI permissions Lambda needs to place an agent in the VPC (AWSLambdaVPCAccessExecutionRole, scoped)."""
    if not in_vpc(project, agent):
        return
    interfaces = f"{_ARN_PREFIX}:network-interface/*"
    # CreateNetworkInterface authorises the new ENI, its subnet and its security groups. The subnet ids are
    # a list known only after apply, so subnets are scoped to the account and region; pinning the security
    # group to the agents' one confines the ENIs to this VPC (a security group belongs to exactly one VPC).
    policy.add(
        "network interfaces",
        ["ec2:CreateNetworkInterface"],
        [interfaces, f"{_ARN_PREFIX}:subnet/*", f"${{module.{VPC_NODE}.agent_security_group_arn}}"],
    )
    # Lambda names no ENI id in advance: AWS documents all ENIs of the account and region for these
    policy.add(
        "network interface addresses",
        ["ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
        [interfaces],
    )
    # Describe* calls support no resource-level permissions: "*" is the only resource they accept
    policy.add("network describe", ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"], ["*"])


def _fits(vpc: VpcConfig, env: str, locations: Locations, issues: list[ConfigIssue]) -> bool:
    """Whether the VPC's prefix leaves room for the module's subnets (a /28 at the smallest)."""
    prefix = ipaddress.ip_network(vpc.cidr, strict=False).prefixlen if vpc.cidr else int(vpc.netmask_length or 16)
    bits = _PUBLIC_BITS if vpc.nat != "none" else _PRIVATE_BITS
    largest = _SMALLEST_SUBNET - bits
    if prefix <= largest:
        return True
    file, line, col = locations.get(("environment", env), ("strands.yaml", None, None))
    what = f"cidr {vpc.cidr}" if vpc.cidr else f"netmask_length {vpc.netmask_length}"
    issues.append(
        ConfigIssue(
            file,
            line,
            col,
            f"environments.{env}.vpc",
            f"the vpc of environment '{env}' ({what}) is too small: with nat: {vpc.nat} its "
            f"{'public ' if vpc.nat != 'none' else ''}subnets would be smaller than /28",
            f"use a /{largest} or larger" + (", or nat: none (needs a /25 or larger)" if vpc.nat != "none" else ""),
        )
    )
    return False


def _reachability_warnings(project: ResolvedProject, members: list[ResolvedAgent], vpc: VpcConfig) -> list[str]:
    """Without NAT, an agent reaches only the AWS services that have an endpoint: name the ones it lacks."""
    if vpc.nat != "none":
        return []
    out: list[str] = []
    for agent in members:
        needed: set[str] = set()
        if agent.model:
            needed.add("bedrock-runtime")
        for perm in agent.permissions:
            target = project.resources.get(perm.resource)
            needed.add(_SERVICE_OF_KIND[target.type if target is not None else "agent"])
        missing = sorted(needed - set(vpc.endpoints))
        if missing:
            out.append(
                f"agent '{agent.name}' runs in the vpc of environment '{project.environment.name}', which has "
                f"nat: none and no endpoint for {', '.join(missing)}: its calls to them will time out; add them "
                "to vpc.endpoints or use nat: single"
            )
    return out
