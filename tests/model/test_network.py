"""VPC networking in the graph: the vpc module node, agents placed in it, their ENI permissions, stacks, roles."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import ConfigError
from strands_tf.generators.stacks import unresolved_references
from strands_tf.generators.synth import synthesize
from strands_tf.model.build import ACCOUNT, PARTITION, REGION, BuildOptions, agent_policy, build_graph
from strands_tf.model.graph import InfraGraph, Owner
from strands_tf.model.network import vpc_name

from .conftest import load, write_project

ARN = f"arn:{PARTITION}:ec2:{REGION}:{ACCOUNT}"
NETWORK_STATEMENTS = [
    {
        "sid": "NetworkDescribe",
        "effect": "Allow",
        "actions": ["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"],
        "resources": ["*"],
    },
    {
        "sid": "NetworkInterfaceAddresses",
        "effect": "Allow",
        "actions": ["ec2:AssignPrivateIpAddresses", "ec2:DeleteNetworkInterface", "ec2:UnassignPrivateIpAddresses"],
        "resources": [f"{ARN}:network-interface/*"],
    },
    {
        "sid": "NetworkInterfaces",
        "effect": "Allow",
        "actions": ["ec2:CreateNetworkInterface"],
        "resources": ["${module.vpc.agent_security_group_arn}", f"{ARN}:network-interface/*", f"{ARN}:subnet/*"],
    },
]
AGENTS = {"inside": {"handler": "app.handler", "vpc": True}, "outside": {"handler": "app.handler"}}


def _project(tmp_path: Path, vpc: dict[str, Any] | None, agents: dict[str, Any] | None = None, **top: Any):  # type: ignore[no-untyped-def]
    env: dict[str, Any] = {"account": "123456789012"}
    if vpc is not None:
        env["vpc"] = vpc
    environments = top.pop("environments", {"dev": env})
    root = write_project(tmp_path / "p", agents or AGENTS, top.pop("resources", None), environments=environments, **top)
    return load(root, top.get("_env", "dev"))


def _graph(tmp_path: Path, vpc: dict[str, Any] | None, agents: dict[str, Any] | None = None, **top: Any) -> InfraGraph:
    _, project = _project(tmp_path, vpc, agents, **top)
    return build_graph(project)


def _body(graph: InfraGraph, node_id: str) -> dict[str, Any]:
    return graph.nodes[node_id].body


def _network_sids(graph: InfraGraph, role: str) -> list[str]:
    return sorted(s["sid"] for s in _body(graph, role)["policy_statements"] if s["sid"].startswith("Network"))


# ------------------------------------------------------------------------------- the vpc module node


def test_cidr_vpc_with_defaults(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"cidr": "10.20.0.0/16"})
    node = graph.nodes["vpc"]
    assert (node.block, node.module, node.group, node.owner) == ("module", "vpc", "shared", Owner("vpc", "dev"))
    assert node.body == {
        "name": "demo-dev",
        "cidr_block": "10.20.0.0/16",
        "az_count": 2,
        "nat_gateway": "single",
        "endpoints": [],
        "flow_logs": True,
        "tags": {"strands:vpc": "dev"},
    }
    assert {o: graph.outputs[o].value for o in ("vpc_id", "vpc_private_subnet_ids", "vpc_agent_security_group_id")} == {
        "vpc_id": "${module.vpc.vpc_id}",
        "vpc_private_subnet_ids": "${module.vpc.private_subnet_ids}",
        "vpc_agent_security_group_id": "${module.vpc.agent_security_group_id}",
    }
    assert graph.outputs["vpc_id"].owner == Owner("vpc", "dev")


def test_ipam_vpc_passes_the_pool_and_netmask_not_a_cidr(tmp_path: Path) -> None:
    body = _body(
        _graph(
            tmp_path, {"ipam_pool_id": "ipam-pool-0abc1234567890def", "netmask_length": 20, "availability_zones": 3}
        ),
        "vpc",
    )
    assert "cidr_block" not in body
    assert (body["ipv4_ipam_pool_id"], body["ipv4_netmask_length"], body["az_count"]) == (
        "ipam-pool-0abc1234567890def",
        20,
        3,
    )


@pytest.mark.parametrize("nat", ["none", "single", "one_per_az"])
def test_nat_modes_reach_the_module(tmp_path: Path, nat: str) -> None:
    endpoints = ["s3", "bedrock-runtime"] if nat == "none" else []
    assert (
        _body(_graph(tmp_path, {"cidr": "10.0.0.0/20", "nat": nat, "endpoints": endpoints}), "vpc")["nat_gateway"]
        == nat
    )


def test_endpoints_are_passed_sorted_and_flow_logs_can_be_off(tmp_path: Path) -> None:
    # the module gives s3/dynamodb gateway endpoints and everything else an interface endpoint
    body = _body(
        _graph(tmp_path, {"cidr": "10.0.0.0/16", "endpoints": ["sqs", "s3", "bedrock-runtime", "dynamodb"],
                          "flow_logs": False}),
        "vpc",
    )  # fmt: skip
    assert body["endpoints"] == ["bedrock-runtime", "dynamodb", "s3", "sqs"]
    assert body["flow_logs"] is False


def test_only_agents_with_vpc_true_are_placed_in_it(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"cidr": "10.20.0.0/16"})
    inside, outside = _body(graph, "agent_inside"), _body(graph, "agent_outside")
    assert inside["vpc_subnet_ids"] == "${module.vpc.private_subnet_ids}"
    assert inside["vpc_security_group_ids"] == ["${module.vpc.agent_security_group_id}"]
    assert "vpc_subnet_ids" not in outside and "vpc_security_group_ids" not in outside
    assert graph.dependencies("agent_inside") >= {"vpc"} and "vpc" not in graph.dependencies("agent_outside")


def test_no_vpc_is_created_when_no_agent_asks_for_one(tmp_path: Path) -> None:
    graph = _graph(tmp_path, {"cidr": "10.20.0.0/16"}, {"a": {"handler": "app.handler"}})
    assert "vpc" not in graph.nodes and not any(o.startswith("vpc_") for o in graph.outputs)
    assert any("defines a vpc but no agent sets vpc: true; no VPC is created" in w for w in graph.warnings)


def test_an_environment_override_can_take_an_agent_out(tmp_path: Path) -> None:
    env = {"account": "123456789012", "vpc": {"cidr": "10.20.0.0/16"},
           "overrides": {"agents": {"inside": {"vpc": False}}}}  # fmt: skip
    graph = _graph(tmp_path, None, environments={"dev": env})
    assert "vpc" not in graph.nodes and "vpc_subnet_ids" not in _body(graph, "agent_inside")


def test_vpc_agent_in_an_environment_without_vpc_runs_outside_with_a_warning(tmp_path: Path) -> None:
    _, project = _project(tmp_path, None)
    graph = build_graph(project)
    assert "vpc" not in graph.nodes and "vpc_subnet_ids" not in _body(graph, "agent_inside")
    assert _network_sids(graph, "role_inside") == []
    assert any("asks for vpc: true but environment 'dev' defines no vpc" in w for w in project.warnings)


def test_the_emulator_environment_gets_the_vpc_too(tmp_path: Path) -> None:
    envs = {"local": {"target": "emulator", "vpc": {"cidr": "10.9.0.0/16", "nat": "single"}}}
    root = write_project(tmp_path / "p", AGENTS, environments=envs)
    _, project = load(root, "local")
    graph = build_graph(project)
    assert _body(graph, "vpc")["name"] == "demo-local"
    assert "vpc_subnet_ids" in _body(graph, "agent_inside")


@pytest.mark.parametrize(
    "vpc, hint",
    [
        ({"cidr": "10.0.0.0/23", "nat": "single"}, "use a /22 or larger, or nat: none"),
        ({"cidr": "10.0.0.0/26", "nat": "none", "endpoints": ["s3"]}, "use a /25 or larger"),
        ({"ipam_pool_id": "ipam-pool-0abc1234567890def", "netmask_length": 24}, "use a /22 or larger"),
    ],
)
def test_a_vpc_too_small_for_its_subnets_is_a_config_error(tmp_path: Path, vpc: dict[str, Any], hint: str) -> None:
    _, project = _project(tmp_path, vpc)
    with pytest.raises(ConfigError) as info:
        build_graph(project)
    (issue,) = info.value.issues
    assert issue.path == "environments.dev.vpc" and "too small" in issue.message
    assert hint in (issue.hint or "")


def test_largest_prefixes_that_fit_are_accepted(tmp_path: Path) -> None:
    assert "vpc" in _graph(tmp_path / "a", {"cidr": "10.0.0.0/22", "nat": "one_per_az"}).nodes
    assert "vpc" in _graph(tmp_path / "b", {"cidr": "10.0.0.0/25", "nat": "none", "endpoints": ["s3"]}).nodes


def test_vpc_name_fits_the_flow_log_role_name(tmp_path: Path) -> None:
    envs = {"a" * 40: {"account": "123456789012", "vpc": {"cidr": "10.0.0.0/16"}}}
    root = write_project(tmp_path / "p", AGENTS, environments=envs, project="p" * 30)
    _, project = load(root, "a" * 40)
    name = vpc_name(project)
    assert len(name) == 54 and len(f"{name}-flow-logs") == 64
    assert _body(build_graph(project), "vpc")["name"] == name


def test_without_nat_missing_endpoints_are_named(tmp_path: Path) -> None:
    agents = {
        "inside": {"handler": "app.handler", "vpc": True, "model": "anthropic.claude-3-haiku-20240307-v1:0",
                   "permissions": [{"resource": "t", "access": "read"}, {"resource": "q", "access": "publish"}]},
    }  # fmt: skip
    resources = {"t": {"type": "dynamodb", "hash_key": "id"}, "q": {"type": "sqs"}}
    graph = _graph(tmp_path, {"cidr": "10.0.0.0/16", "nat": "none", "endpoints": ["dynamodb"]}, agents,
                   resources=resources)  # fmt: skip
    (warning,) = [w for w in graph.warnings if "nat: none" in w]
    assert "agent 'inside'" in warning and "no endpoint for bedrock-runtime, sqs" in warning
    with_nat = _graph(tmp_path / "nat", {"cidr": "10.0.0.0/16", "nat": "single"}, agents, resources=resources)
    assert not [w for w in with_nat.warnings if "nat: none" in w]


# ------------------------------------------------------------------------------------- permissions


def test_eni_statements_for_vpc_agents_only(tmp_path: Path) -> None:
    _, project = _project(tmp_path, {"cidr": "10.20.0.0/16"})
    inside = [s.to_dict() for s in agent_policy(project, project.agents["inside"]).statements]
    outside = [s.to_dict() for s in agent_policy(project, project.agents["outside"]).statements]
    assert sorted((s for s in inside if s["sid"].startswith("Network")), key=lambda s: s["sid"]) == NETWORK_STATEMENTS
    assert not any("ec2:" in a for s in outside for a in s["actions"])
    # of the network statements only Describe* (no resource-level permissions in EC2) is granted on "*"
    assert [s["sid"] for s in inside if "*" in s["resources"] and s["sid"].startswith("Network")] == ["NetworkDescribe"]


def _synth(tmp_path: Path, vpc: dict[str, Any], agents: dict[str, Any], **top: Any):  # type: ignore[no-untyped-def]
    loaded, project = _project(tmp_path, vpc, agents, **top)
    return synthesize(loaded, project, tmp_path / "out", packager=None, tool_version="0.0.0-test")


def test_shared_roles_merge_only_agents_with_the_same_network_placement(tmp_path: Path) -> None:
    agents = {name: {"handler": "app.handler", **({"vpc": True} if name.startswith("in") else {})}
              for name in ("in1", "in2", "out1", "out2")}  # fmt: skip
    graph = _synth(tmp_path, {"cidr": "10.20.0.0/16"}, agents, iam="shared").graph
    roles = {n.id: n for n in graph.nodes.values() if n.module == "execution-role"}
    assert sorted(roles) == ["role_shared", "role_shared_2"]
    by_members = {n.body["tags"]["strands:agents"]: n for n in roles.values()}
    assert set(by_members) == {"in1 in2", "out1 out2"}
    assert _network_sids(graph, by_members["in1 in2"].id) == ["NetworkDescribe", "NetworkInterfaceAddresses",
                                                              "NetworkInterfaces"]  # fmt: skip
    assert _network_sids(graph, by_members["out1 out2"].id) == []
    assert _body(graph, "agent_in1")["role_arn"] == f"${{module.{by_members['in1 in2'].id}.role_arn}}"


def test_per_agent_stacks_read_the_vpc_from_the_shared_stack(tmp_path: Path) -> None:
    result = _synth(tmp_path, {"cidr": "10.20.0.0/16"}, AGENTS, stacks="per_agent")
    stacks = {s.name: s for s in result.stacks}
    assert "vpc" in stacks["demo-dev"].nodes
    inside = stacks["demo-dev-inside"]
    assert all(unresolved_references(s) == [] for s in result.stacks)
    assert inside.dependencies == ["demo-dev"]
    remote = "data.terraform_remote_state.cross-stack-reference-input-demo-dev.outputs"
    body = inside.nodes["agent_inside"].body
    assert body["vpc_subnet_ids"] == f"${{{remote}.cross-stack-output-modulevpcprivate_subnet_ids}}"
    assert body["vpc_security_group_ids"] == [f"${{{remote}.cross-stack-output-modulevpcagent_security_group_id}}"]
    create = next(s for s in inside.nodes["role_inside"].body["policy_statements"] if s["sid"] == "NetworkInterfaces")
    assert f"${{{remote}.cross-stack-output-modulevpcagent_security_group_arn}}" in create["resources"]
    shared_outputs = set(stacks["demo-dev"].outputs)
    assert {"vpc_id", "cross-stack-output-modulevpcprivate_subnet_ids"} <= shared_outputs
    # the agent outside the VPC does not depend on the shared stack for networking
    assert "vpc" not in json.dumps(stacks["demo-dev-outside"].nodes["agent_outside"].body)
    doc = json.loads((tmp_path / "out" / "stacks" / "demo-dev-inside" / "cdk.tf.json").read_text())
    assert "cross-stack-reference-input-demo-dev" in doc["data"]["terraform_remote_state"]


def test_build_options_locations_point_vpc_errors_at_the_environment(tmp_path: Path) -> None:
    _, project = _project(tmp_path, {"cidr": "10.0.0.0/24"})
    options = BuildOptions(locations={("environment", "dev"): ("strands.yaml", 7, 5)})
    with pytest.raises(ConfigError) as info:
        build_graph(project, options)
    assert (info.value.issues[0].line, info.value.issues[0].column) == (7, 5)
