"""The tag manager: one inheritance order, the tool's keys win, and the tags reach the generated Terraform."""

from __future__ import annotations

from typing import Any

import pytest

from strands_tf.cost.tags import TagManager, key_problem, over_limit, tag_problem, user_tag_budget, value_problem
from strands_tf.generators.cdktf import RenderContext, default_tags
from strands_tf.model.build import build_graph


def test_inheritance_order_project_environment_element_and_tool_keys_last(make_project: Any) -> None:
    _loaded, resolved = make_project(
        {"support": {"tags": {"team": "agent-team", "tier": "gold"}}},
        {"tickets": {"type": "dynamodb", "hash_key": "id", "tags": {"team": "data-team"}}},
        tags={"team": "project-team", "cost-center": "4411", "owner": "project"},
        environments={
            "dev": {
                "account": "123456789012",
                "tags": {"owner": "dev-owner"},
                "overrides": {"agents": {"support": {"tags": {"tier": "silver"}}}},
            }
        },
    )
    ctx = RenderContext(resolved, "9.9.9")
    defaults = default_tags(ctx)
    # environment tags win over project tags; the tool's keys are always there
    assert defaults == {
        "cost-center": "4411",
        "managed-by": "strands-tf",
        "owner": "dev-owner",
        "strands:environment": "dev",
        "strands:project": "demo",
        "strands:version": "9.9.9",
        "team": "project-team",
    }
    graph = build_graph(resolved)
    agent_tags = graph.nodes["agent_support"].body["tags"]
    # the agent's tags win over the shared ones; the environment override wins over the agent's own
    assert agent_tags == {"team": "agent-team", "tier": "silver", "strands:agent": "support"}
    assert graph.nodes["role_support"].body["tags"] == agent_tags
    table_tags = graph.nodes["table_tickets"].body["tags"]
    assert table_tags == {"team": "data-team", "strands:resource": "tickets"}
    manager = TagManager("demo", "dev", "9.9.9", resolved.tags)
    assert manager.effective(agent_tags)["team"] == "agent-team"
    assert manager.effective(table_tags)["owner"] == "dev-owner"


def test_the_tool_keys_cannot_be_overridden_by_shared_tags() -> None:
    manager = TagManager("demo", "prod", "1.0", {"strands:project": "spoofed", "team": "x"})
    assert manager.default_tags()["strands:project"] == "demo"


def test_no_deploy_time_tag_on_resources(make_project: Any) -> None:
    """deployed-at / deployed-by live in history, never on resources: a second plan must stay clean."""
    _loaded, resolved = make_project({"support": {}})
    tags = default_tags(RenderContext(resolved, "1.0"))
    graph = build_graph(resolved)
    every = [tags, *(n.body.get("tags", {}) for n in graph.nodes.values())]
    assert not any(k in t for t in every for k in ("deployed-at", "deployed-by"))
    assert default_tags(RenderContext(resolved, "1.0")) == tags  # no clock, no user name: stable


@pytest.mark.parametrize(
    ("key", "value", "expected"),
    [
        ("aws:foo", "x", "reserved prefix 'aws:'"),
        ("AWS:foo", "x", "reserved prefix 'aws:'"),
        ("k" * 129, "x", "must be 1-128 characters"),
        ("", "x", "must be 1-128 characters"),
        ("ok", "v" * 257, "longer than 256 characters"),
        ("team#1", "x", "characters AWS does not allow"),
        ("ok", "a,b", "characters AWS does not allow"),
        ("strands:agent", "x", "reserved for the tags strands-tf sets"),
        ("managed-by", "x", "reserved for the tags strands-tf sets"),
    ],
)
def test_tag_rules(key: str, value: str, expected: str) -> None:
    problem = tag_problem(key, value)
    assert problem is not None and expected in problem


def test_allowed_tags_pass() -> None:
    assert tag_problem("k" * 128, "v" * 256) is None
    assert tag_problem("Cost Center/équipe", "ü 1+1=2 @ team:a_b.c-d") is None
    assert key_problem("team") is None and value_problem("team", "") is None


def test_fifty_tags_per_resource_counts_the_tool_keys() -> None:
    budget = user_tag_budget()
    assert over_limit({f"k{i}": "v" for i in range(budget)}, {}) is None
    assert over_limit({f"k{i}": "v" for i in range(budget)}, {"one-more": "v"}) == 51
    # the same key in the shared and the element's tags is one tag
    assert over_limit({f"k{i}": "v" for i in range(budget)}, {"k0": "other"}) is None
