"""An existing VPC, security group rules and their consolidation, in the graph and in strands.yaml's checks."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import ConfigError
from strands_tf.model.build import ACCOUNT, PARTITION, REGION, agent_policy, build_graph
from strands_tf.model.graph import InfraGraph

from .conftest import load, write_project

ARN = f"arn:{PARTITION}:ec2:{REGION}:{ACCOUNT}"
VPC = "vpc-0a1b2c3d4e5f67890"
SUBNETS = ["subnet-0a1b2c3d4e5f67890", "subnet-0f9e8d7c6b5a43210"]
DB = "sg-0123456789abcdef0"
SHARED = "sg-0fedcba9876543210"


def _graph(tmp_path: Path, vpc: dict[str, Any], agents: dict[str, Any]) -> tuple[InfraGraph, Any]:
    root = write_project(tmp_path / "p", agents, environments={"dev": {"account": "123456789012", "vpc": vpc}})
    _, project = load(root)
    return build_graph(project), project


def _existing(**more: Any) -> dict[str, Any]:
    return {"id": VPC, "subnet_ids": SUBNETS, **more}


def test_agents_run_in_the_teams_vpc_behind_a_group_strands_makes(tmp_path: Path) -> None:
    graph, project = _graph(
        tmp_path,
        _existing(security_group_ids=[SHARED]),
        {"inside": {"handler": "app.handler", "vpc": True}, "outside": {"handler": "app.handler"}},
    )
    assert "vpc" not in graph.nodes  # nothing of the team's VPC is created
    network = graph.nodes["agent_network"].body
    assert (network["vpc_id"], network["subnet_ids"], network["check_subnets"]) == (VPC, SUBNETS, True)
    assert list(network["security_groups"]) == ["agents"]
    assert network["security_groups"]["agents"]["egress"][0]["from_port"] == 443
    agent = graph.nodes["agent_inside"].body
    assert agent["vpc_subnet_ids"] == SUBNETS
    assert agent["vpc_security_group_ids"] == ['${module.agent_network.security_group_ids["agents"]}', SHARED]
    assert "vpc_subnet_ids" not in graph.nodes["agent_outside"].body
    statements = {s.sid: s for s in agent_policy(project, project.agents["inside"]).statements}
    assert sorted(statements["NetworkInterfaces"].resources) == sorted([
        f"{ARN}:network-interface/*", *(f"{ARN}:subnet/{s}" for s in SUBNETS),
        '${module.agent_network.security_group_arns["agents"]}', f"{ARN}:security-group/{SHARED}",
    ])  # fmt: skip
    assert graph.outputs["vpc_id"].value == VPC


def test_agents_with_the_same_rules_share_one_group(tmp_path: Path) -> None:
    postgres = {"security_group": DB, "port": 5432, "description": "postgres"}
    graph, _ = _graph(
        tmp_path,
        _existing(egress=[{"cidr": "10.0.0.0/8", "port": 8080, "to_port": 8090}]),
        {
            "a": {"handler": "app.handler", "vpc": True, "network": {"egress": [postgres]}},
            "b": {"handler": "app.handler", "vpc": True, "network": {"egress": [postgres]}},
            "c": {"handler": "app.handler", "vpc": True},
        },
    )
    groups = graph.nodes["agent_network"].body["security_groups"]
    assert len(groups) == 2  # a and b share one; c has the environment's rules only
    ref = {name: graph.nodes[f"agent_{name}"].body["vpc_security_group_ids"][0] for name in "abc"}
    assert ref["a"] == ref["b"] != ref["c"]
    shared = next(g for g in groups.values() if len(g["egress"]) == 3)
    assert [r["description"] for r in shared["egress"]] == [
        "HTTPS to AWS APIs and model endpoints", "tcp to 10.0.0.0/8", "postgres",
    ]  # fmt: skip
    assert shared["egress"][1]["from_port"] == 8080 and shared["egress"][1]["to_port"] == 8090
    assert shared["egress"][2]["referenced_security_group_id"] == DB and shared["egress"][2]["cidr_ipv4"] is None


def test_in_a_vpc_strands_creates_rules_get_groups_and_the_endpoints_answer_them(tmp_path: Path) -> None:
    graph, _ = _graph(
        tmp_path,
        {"cidr": "10.20.0.0/16", "endpoints": ["bedrock-runtime"]},
        {
            "plain": {"handler": "app.handler", "vpc": True},
            "db": {
                "handler": "app.handler",
                "vpc": True,
                "network": {"egress": [{"security_group": DB, "port": 5432}]},
            },
        },
    )
    assert graph.nodes["agent_plain"].body["vpc_security_group_ids"] == ["${module.vpc.agent_security_group_id}"]
    (key,) = graph.nodes["agent_network"].body["security_groups"]
    assert graph.nodes["agent_network"].body["check_subnets"] is False
    assert graph.nodes["agent_db"].body["vpc_security_group_ids"] == [
        f'${{module.agent_network.security_group_ids["{key}"]}}'
    ]
    assert graph.nodes["vpc"].body["endpoint_client_security_group_ids"] == [
        f'${{module.agent_network.security_group_ids["{key}"]}}'
    ]


def test_public_ingress_is_refused_unless_allowed_and_then_warned(tmp_path: Path) -> None:
    open_to_all = {"cidr": "0.0.0.0/0", "port": 8080}
    with pytest.raises(ConfigError) as caught:
        _graph(tmp_path / "env", _existing(ingress=[open_to_all]), {"a": {"handler": "app.handler", "vpc": True}})
    assert "whole internet" in caught.value.issues[0].message and caught.value.issues[0].line is not None
    with pytest.raises(ConfigError) as caught:
        _graph(tmp_path / "agent", _existing(),
               {"a": {"handler": "app.handler", "vpc": True, "network": {"ingress": [open_to_all]}}})  # fmt: skip
    assert caught.value.issues[0].path == "agents.a.network.ingress"
    graph, _ = _graph(
        tmp_path / "allowed",
        _existing(allow_public_ingress=True),
        {"a": {"handler": "app.handler", "vpc": True, "network": {"ingress": [open_to_all]}}},
    )
    assert any("accepts ingress from 0.0.0.0/0" in w for w in graph.warnings)


@pytest.mark.parametrize(
    ("vpc", "message"),
    [
        ({"id": VPC}, "needs subnet_ids"),
        ({"id": VPC, "subnet_ids": SUBNETS, "cidr": "10.0.0.0/16"}, "only apply to a VPC strands-tf creates"),
        ({"id": VPC, "subnet_ids": SUBNETS, "nat": "none"}, "only apply to a VPC strands-tf creates"),
        ({"cidr": "10.0.0.0/16", "subnet_ids": SUBNETS}, "need id"),
        ({"id": "vpc-xyz", "subnet_ids": SUBNETS}, "is not a vpc id"),
        ({"id": VPC, "subnet_ids": ["subnet-1"]}, "is not a subnet id"),
        ({"id": VPC, "subnet_ids": SUBNETS, "egress": [{"cidr": "10.0.0.0/8"}]}, "needs port"),
        ({"id": VPC, "subnet_ids": SUBNETS, "egress": [{"port": 443}]}, "exactly one of cidr or security_group"),
        ({"id": VPC, "subnet_ids": SUBNETS, "egress": [{"cidr": "10.0.0.0/8", "protocol": "all", "port": 1}]},
         "only apply to tcp and udp"),
    ],
)  # fmt: skip
def test_bad_network_settings_name_the_problem(tmp_path: Path, vpc: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _graph(tmp_path, vpc, {"a": {"handler": "app.handler", "vpc": True}})
    assert any(message in issue.message for issue in caught.value.issues), caught.value.issues
