"""VPC networking of one environment: the `vpc` module or the team's own VPC, agents placed in its private
subnets behind security groups (one per distinct set of rules), and their ENI permissions."""

from __future__ import annotations

import hashlib
import ipaddress
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from strands_tf.config.models import VpcConfig
from strands_tf.errors import ConfigIssue
from strands_tf.model import iam
from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name

if TYPE_CHECKING:
    from strands_tf.config.resolve import ResolvedAgent, ResolvedProject

VPC_NODE = "vpc"
NETWORK_NODE = "agent_network"
# every agent group reaches AWS APIs and model endpoints: HTTPS to anywhere (see docs/networking.md)
_HTTPS_OUT = {
    "description": "HTTPS to AWS APIs and model endpoints", "protocol": "tcp", "from_port": 443, "to_port": 443,
    "cidr_ipv4": "0.0.0.0/0", "referenced_security_group_id": None,
}  # fmt: skip
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


def _rule(rule: Any, direction: str) -> dict[str, Any]:
    """A strands.yaml rule as the agent-network module's rule object (`direction`: "to" or "from")."""
    protocol = {"all": "-1", "icmp": "icmp"}.get(rule.protocol, rule.protocol)
    if protocol == "icmp":
        ports = (-1, -1)
    elif protocol == "-1":
        ports = (None, None)
    else:
        ports = (rule.port, rule.to_port if rule.to_port is not None else rule.port)
    return {
        "description": rule.description or f"{rule.protocol} {direction} {rule.cidr or rule.security_group}",
        "protocol": protocol,
        "from_port": ports[0],
        "to_port": ports[1],
        "cidr_ipv4": rule.cidr,
        "referenced_security_group_id": rule.security_group,
    }


def _rule_sets(project: ResolvedProject, members: list[ResolvedAgent]) -> dict[str, tuple[list[Any], list[Any]]]:
    """(egress, ingress) strands.yaml rules of each agent in the VPC: the environment's, then the agent's own."""
    vpc = project.environment.vpc
    assert vpc is not None
    out: dict[str, tuple[list[Any], list[Any]]] = {}
    for agent in members:
        own = agent.network
        out[agent.name] = ([*vpc.egress, *(own.egress if own else [])], [*vpc.ingress, *(own.ingress if own else [])])
    return out


def _groups(
    project: ResolvedProject, members: list[ResolvedAgent], *, always: bool
) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
    """The agents' security groups (one per distinct set of rules) and each agent's group key.

    Agents with no rule beyond the default keep the vpc module's group unless `always` (an existing VPC,
    where strands-tf makes every group); their key is then "".
    """
    rule_sets = _rule_sets(project, members)
    groups: dict[str, dict[str, Any]] = {}
    keys: dict[str, str] = {}
    by_rules: dict[str, str] = {}
    for agent in members:
        egress, ingress = rule_sets[agent.name]
        if not egress and not ingress and not always:
            keys[agent.name] = ""
            continue
        egress_objects = [_HTTPS_OUT, *(_rule(r, "to") for r in egress)]
        ingress_objects = [_rule(r, "from") for r in ingress]
        fingerprint = json.dumps([egress_objects, ingress_objects], sort_keys=True)
        key = by_rules.get(fingerprint)
        if key is None:
            digest = hashlib.sha256(fingerprint.encode()).hexdigest()[:8]
            key = "agents" if not egress and not ingress else f"agents-{digest}"
            by_rules[fingerprint] = key
            # the description names the rules, not the members: AWS replaces a group whose description changes
            rules = f"HTTPS out and {len(egress) + len(ingress)} more rule(s)" if egress or ingress else "HTTPS out"
            groups[key] = {
                "description": f"Strands agents of {vpc_name(project)}: {rules}"[:255],
                "egress": egress_objects,
                "ingress": ingress_objects,
            }
        keys[agent.name] = key
    return groups, keys


def _public_ingress(
    project: ResolvedProject, members: list[ResolvedAgent], locations: Locations, issues: list[ConfigIssue]
) -> list[str]:
    """Refuse an agent's 0.0.0.0/0 ingress unless the environment allows it; warn whenever it is allowed."""
    from strands_tf.config.models import PUBLIC_CIDRS

    vpc = project.environment.vpc
    assert vpc is not None
    warnings: list[str] = []
    public = [r for r in vpc.ingress if r.cidr in PUBLIC_CIDRS]
    if public:
        warnings.append(
            f"environment '{project.environment.name}' lets the internet reach its agents' security groups "
            "(ingress from 0.0.0.0/0, allow_public_ingress: true)"
        )
    for agent in members:
        own = [r for r in (agent.network.ingress if agent.network else []) if r.cidr in PUBLIC_CIDRS]
        if not own:
            continue
        if vpc.allow_public_ingress:
            warnings.append(f"agent '{agent.name}' accepts ingress from 0.0.0.0/0 (allow_public_ingress: true)")
            continue
        file, line, col = locations.get(("agent", agent.name), ("strands.yaml", None, None))
        issues.append(
            ConfigIssue(
                file, line, col, f"agents.{agent.name}.network.ingress",
                f"agent '{agent.name}' asks for ingress from 0.0.0.0/0, which opens it to the whole internet",
                "name the sources (a CIDR or a security group), or set allow_public_ingress: true in "
                f"environments.{project.environment.name}.vpc if that is really meant",
            )
        )  # fmt: skip
    return warnings


def add_network(graph: InfraGraph, project: ResolvedProject, locations: Locations, issues: list[ConfigIssue]) -> None:
    """Place the agents with vpc: true in the environment's VPC (created here, or the team's own) and publish it.

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
    graph.warnings.extend(_public_ingress(project, members, locations, issues))
    if vpc.id is not None:
        _existing_vpc(graph, project, members, vpc)
        return
    if not _fits(vpc, env.name, locations, issues):
        return
    owner = Owner("vpc", env.name)
    groups, keys = _groups(project, members, always=False)
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
    if groups:
        # the endpoints answer the agents by security group, theirs included
        body["endpoint_client_security_group_ids"] = [
            f'${{module.{NETWORK_NODE}.security_group_ids["{key}"]}}' for key in sorted(groups)
        ]
        graph.add(
            Node(
                NETWORK_NODE,
                "module",
                {
                    "name": vpc_name(project),
                    "vpc_id": f"${{module.{VPC_NODE}.vpc_id}}",
                    "subnet_ids": [],
                    "check_subnets": False,
                    "security_groups": groups,
                    "tags": {"strands:vpc": env.name},
                },
                owner,
                module="agent-network",
            )
        )
    graph.add(Node(VPC_NODE, "module", body, owner, module="vpc", group="shared"))
    for agent in members:
        node = graph.nodes[f"agent_{agent.name}"]
        node.body["vpc_subnet_ids"] = f"${{module.{VPC_NODE}.private_subnet_ids}}"
        node.body["vpc_security_group_ids"] = [security_group_ref(keys[agent.name])]
    graph.warnings.extend(_reachability_warnings(project, members, vpc))
    for output_id, attribute, description in (
        ("vpc_id", "vpc_id", "Id of the VPC"),
        ("vpc_private_subnet_ids", "private_subnet_ids", "Private subnets of the VPC (where agents run)"),
        ("vpc_agent_security_group_id", "agent_security_group_id", "Security group of the agents in the VPC"),
    ):
        graph.add_output(Output(output_id, f"${{module.{VPC_NODE}.{attribute}}}", description, owner))


def security_group_ref(key: str, attribute: str = "security_group_ids") -> str:
    """The agents' group `key` of the agent-network module ("" is the vpc module's own agents group)."""
    if not key:
        return f"${{module.{VPC_NODE}.agent_security_group_{'id' if attribute == 'security_group_ids' else 'arn'}}}"
    return f'${{module.{NETWORK_NODE}.{attribute}["{key}"]}}'


def _existing_vpc(graph: InfraGraph, project: ResolvedProject, members: list[ResolvedAgent], vpc: VpcConfig) -> None:
    """The team's VPC: strands-tf checks its subnets (at plan time) and makes only the agents' security groups."""
    env = project.environment
    owner = Owner("vpc", env.name)
    groups, keys = _groups(project, members, always=True)
    graph.add(
        Node(
            NETWORK_NODE,
            "module",
            {
                "name": vpc_name(project),
                "vpc_id": vpc.id,
                "subnet_ids": list(vpc.subnet_ids),
                "check_subnets": True,
                "security_groups": groups,
                "tags": {"strands:vpc": env.name},
            },
            owner,
            module="agent-network",
            group="shared",
        )
    )
    for agent in members:
        node = graph.nodes[f"agent_{agent.name}"]
        node.body["vpc_subnet_ids"] = list(vpc.subnet_ids)
        node.body["vpc_security_group_ids"] = [security_group_ref(keys[agent.name]), *vpc.security_group_ids]
    if len(vpc.subnet_ids) == 1:
        graph.warnings.append(
            f"the agents of environment '{env.name}' run in one subnet ({vpc.subnet_ids[0]}): one availability zone; "
            "give subnets in two or more zones so a zone outage does not stop them"
        )
    graph.add_output(Output("vpc_id", str(vpc.id), "Id of the VPC (an existing one)", owner))
    graph.add_output(
        Output("vpc_agent_security_group_ids", f"${{module.{NETWORK_NODE}.security_group_ids}}",
               "Security groups of the agents in the VPC, by key", owner)
    )  # fmt: skip


def agent_group_key(project: ResolvedProject, agent: ResolvedAgent) -> str:
    """The key of the agent's security group ("" for the vpc module's agents group)."""
    vpc = project.environment.vpc
    assert vpc is not None
    return _groups(project, vpc_agents(project), always=vpc.id is not None)[1][agent.name]


def add_agent_statements(project: ResolvedProject, agent: ResolvedAgent, policy: iam.PolicyBuilder) -> None:
    """The ENI permissions Lambda needs to place an agent in the VPC (AWSLambdaVPCAccessExecutionRole, scoped)."""
    if not in_vpc(project, agent):
        return
    interfaces = f"{_ARN_PREFIX}:network-interface/*"
    vpc = project.environment.vpc
    assert vpc is not None
    key = agent_group_key(project, agent)
    groups = [security_group_ref(key, "security_group_arns")]
    groups += [f"{_ARN_PREFIX}:security-group/{group}" for group in vpc.security_group_ids]
    # CreateNetworkInterface authorises the new ENI, its subnet and its security groups. The subnets of a VPC
    # strands-tf creates are known only after apply, so they are scoped to the account and region (those of an
    # existing VPC are named); pinning the agent's security groups confines the ENIs to this VPC (a security
    # group belongs to exactly one VPC).
    subnets = [f"{_ARN_PREFIX}:subnet/{subnet}" for subnet in vpc.subnet_ids] or [f"{_ARN_PREFIX}:subnet/*"]
    policy.add("network interfaces", ["ec2:CreateNetworkInterface"], [interfaces, *subnets, *groups])
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
