"""Optimizer passes, each on its own: merge_statements, share_roles, detect_duplicates."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from strands_tf.errors import ConfigError
from strands_tf.generators.synth import element_locations
from strands_tf.model.build import BuildOptions, build_graph
from strands_tf.model.graph import InfraGraph, Node, Owner
from strands_tf.model.optimize import detect_duplicates, merge_statements, owner_locator, share_roles


def _role_graph(statements: list[dict[str, Any]]) -> InfraGraph:
    graph = InfraGraph("demo", "dev")
    graph.add(Node("role_a", "module", {"name": "r", "policy_statements": statements}, Owner("role", "a"),
                   module="execution-role"))  # fmt: skip
    return graph


def _s(sid: str, actions: list[str], resources: list[str]) -> dict[str, Any]:
    return {"sid": sid, "effect": "Allow", "actions": actions, "resources": resources}


# ------------------------------------------------------------------------------- merge_statements


def test_merge_statements_unions_resources_of_identical_actions() -> None:
    graph = _role_graph(
        [
            _s("PublishA", ["sns:Publish"], ["arn:a"]),
            _s("Logs", ["logs:PutLogEvents"], ["arn:log"]),
            _s("PublishB", ["sns:Publish"], ["arn:b", "arn:a"]),
        ]
    )
    before = copy.deepcopy(graph)
    merged = merge_statements(graph)
    assert merged.nodes["role_a"].body["policy_statements"] == [
        _s("Logs", ["logs:PutLogEvents"], ["arn:log"]),
        _s("PublishAPublishB", ["sns:Publish"], ["arn:a", "arn:b"]),
    ]
    assert graph.nodes["role_a"].body == before.nodes["role_a"].body  # pure: the input is untouched


def test_merge_statements_keeps_different_actions_apart_and_drops_repeats() -> None:
    statements = [
        _s("Read", ["s3:GetObject"], ["arn:b/*"]),
        _s("Write", ["s3:PutObject"], ["arn:b/*"]),
        _s("Read", ["s3:GetObject"], ["arn:b/*"]),
    ]
    merged = merge_statements(_role_graph(statements)).nodes["role_a"].body["policy_statements"]
    assert merged == [_s("Read", ["s3:GetObject"], ["arn:b/*"]), _s("Write", ["s3:PutObject"], ["arn:b/*"])]


def test_merge_statements_ignores_other_modules() -> None:
    graph = InfraGraph("demo", "dev")
    graph.add(Node("table_t", "module", {"name": "t", "policy_statements": "untouched"}, Owner("resource", "t"),
                   module="dynamodb-table"))  # fmt: skip
    assert merge_statements(graph).nodes["table_t"].body["policy_statements"] == "untouched"


# ------------------------------------------------------------------------------------ share_roles


def _graph_for(make_project: Any, agents: dict[str, Any], resources: dict[str, Any]) -> InfraGraph:
    _, project = make_project(agents, resources)
    return merge_statements(build_graph(project))


RESOURCES = {"t": {"type": "dynamodb", "hash_key": "id"}, "b": {"type": "s3"}}


def _name(suffix: str) -> str:
    return f"demo-dev-{suffix}"


def test_agents_with_identical_permissions_share_one_role(make_project: Any) -> None:
    perms = [{"resource": "t", "access": "read"}]
    graph = _graph_for(make_project, {"a": {"permissions": perms}, "b": {"permissions": perms}, "c": {}}, RESOURCES)
    shared = share_roles(graph, "shared", role_name=_name)
    roles = sorted(n.id for n in shared.nodes.values() if n.module == "execution-role")
    assert roles == ["role_c", "role_shared"]
    assert shared.nodes["agent_a"].body["role_arn"] == "${module.role_shared.role_arn}"
    assert shared.nodes["agent_b"].body["role_arn"] == "${module.role_shared.role_arn}"
    assert shared.nodes["agent_c"].body["role_arn"] == "${module.role_c.role_arn}"
    body = shared.nodes["role_shared"].body
    assert body["name"] == "demo-dev-shared"
    assert body["tags"] == {"strands:agents": "a b"}
    sids = [s["sid"] for s in body["policy_statements"]]
    assert sids == ["Logs", "ReadT", "Tracing"]
    logs = body["policy_statements"][0]["resources"]
    assert len(logs) == 2 and all(":log-group:/aws/lambda/demo-dev-" in arn for arn in logs)
    assert "role_a" in graph.nodes and "role_shared" not in graph.nodes  # pure


def test_agents_with_different_permissions_keep_their_own_roles(make_project: Any) -> None:
    graph = _graph_for(
        make_project,
        {"a": {"permissions": [{"resource": "t", "access": "read"}]},
         "b": {"permissions": [{"resource": "t", "access": "write"}]}},
        RESOURCES,
    )  # fmt: skip
    shared = share_roles(graph, "shared", role_name=_name)
    assert sorted(n.id for n in shared.nodes.values() if n.module == "execution-role") == ["role_a", "role_b"]
    assert shared.nodes["agent_a"].body["role_arn"] == "${module.role_a.role_arn}"


def test_per_agent_mode_never_shares(make_project: Any) -> None:
    graph = _graph_for(make_project, {"a": {}, "b": {}}, RESOURCES)
    out = share_roles(graph, "per_agent", role_name=_name)
    assert sorted(n.id for n in out.nodes.values() if n.module == "execution-role") == ["role_a", "role_b"]


def test_two_sharing_groups_get_two_shared_roles(make_project: Any) -> None:
    read = [{"resource": "t", "access": "read"}]
    write = [{"resource": "b", "access": "write"}]
    graph = _graph_for(
        make_project,
        {"a": {"permissions": read}, "b": {"permissions": read}, "c": {"permissions": write},
         "d": {"permissions": write}},
        RESOURCES,
    )  # fmt: skip
    out = share_roles(graph, "shared", role_name=_name)
    roles = sorted(n.id for n in out.nodes.values() if n.module == "execution-role")
    assert roles == ["role_shared", "role_shared_2"]
    assert {out.nodes[f"agent_{a}"].body["role_arn"] for a in "ab"} != {
        out.nodes[f"agent_{a}"].body["role_arn"] for a in "cd"
    }


# ------------------------------------------------------------------------------ detect_duplicates


def _detect(make_project: Any, agents: dict[str, Any], resources: dict[str, Any]) -> ConfigError:
    loaded, project = make_project(agents, resources)
    graph = build_graph(project, BuildOptions(locations=element_locations(loaded)))
    with pytest.raises(ConfigError) as info:
        detect_duplicates(graph, owner_locator(element_locations(loaded)))
    return info.value


def test_dead_letter_queue_and_sqs_resource_collide(make_project: Any) -> None:
    error = _detect(make_project, {"support": {"dead_letter": True}}, {"support-dlq": {"type": "sqs"}})
    assert len(error.issues) == 1
    issue = error.issues[0]
    assert issue.file == "strands.yaml"
    assert issue.line is not None and issue.column is not None
    assert "sqs-queue named 'demo-dev-support-dlq'" in issue.message
    assert "support" in issue.message and "support-dlq" in issue.message


def test_s3_names_that_differ_only_in_underscore_collide(make_project: Any) -> None:
    error = _detect(make_project, {"a": {}}, {"my_bucket": {"type": "s3"}, "my-bucket": {"type": "s3"}})
    assert len(error.issues) == 1
    issue = error.issues[0]
    # reported at the second of the two (in file order), naming the first
    assert issue.path == "resources.my-bucket"
    assert "resource 'my-bucket' and resource 'my_bucket'" in issue.message
    assert "s3-bucket named 'demo-dev-my-bucket-<account-id>'" in issue.message
    assert issue.location() == f"strands.yaml:{issue.line}:{issue.column}"


def test_fifo_suffix_does_not_hide_a_collision(make_project: Any) -> None:
    graph = InfraGraph("demo", "dev")
    graph.add(Node("queue_a", "module", {"name": "demo-dev-a"}, Owner("resource", "a"), module="sqs-queue"))
    graph.add(Node("queue_b", "module", {"name": "demo-dev-a.fifo"}, Owner("resource", "b"), module="sqs-queue"))
    with pytest.raises(ConfigError):
        detect_duplicates(graph, owner_locator({}))


def test_same_owner_and_distinct_names_pass(make_project: Any) -> None:
    loaded, project = make_project(
        {"a": {"dead_letter": True}, "b": {}}, {"my-bucket": {"type": "s3"}, "q": {"type": "sqs"}}
    )
    graph = build_graph(project)
    assert detect_duplicates(graph, owner_locator(element_locations(loaded))) is graph


def test_environment_variables_differing_only_in_case(make_project: Any) -> None:
    error = _detect(make_project, {"a": {"environment": {"Mode": "x", "MODE": "y"}}}, {})
    assert error.issues[0].path == "agents.a.environment"
    assert "differ only in case" in error.issues[0].message


def test_an_agent_called_shared_keeps_its_own_role(make_project: Any) -> None:
    perms = [{"resource": "t", "access": "read"}]
    graph = _graph_for(
        make_project,
        {"a": {"permissions": perms}, "b": {"permissions": perms}, "shared": {"permissions": [{"resource": "b",
                                                                                                "access": "write"}]}},
        RESOURCES,
    )  # fmt: skip
    out = share_roles(graph, "shared", role_name=_name)
    roles = {n.id: n.body["name"] for n in out.nodes.values() if n.module == "execution-role"}
    assert roles == {"role_shared": "demo-dev-shared", "role_shared_2": "demo-dev-shared_2"}
    assert out.nodes["agent_shared"].body["role_arn"] == "${module.role_shared.role_arn}"
    assert out.nodes["agent_a"].body["role_arn"] == "${module.role_shared_2.role_arn}"
    own = [s["sid"] for s in out.nodes["role_shared"].body["policy_statements"]]
    assert "WriteB" in own and "ReadT" not in own


def test_resources_folding_to_one_environment_variable_are_an_error(make_project: Any) -> None:
    with pytest.raises(ConfigError) as info:
        _, project = make_project(
            {
                "a": {
                    "permissions": [
                        {"resource": "my-q", "access": "publish"},
                        {"resource": "my_q", "access": "publish"},
                    ]
                }
            },
            {"my-q": {"type": "sqs"}, "my_q": {"type": "sqs"}},
        )
        build_graph(project)
    issue = info.value.issues[0]
    assert issue.path == "agents.a.permissions[1].resource"
    assert "'my-q' and 'my_q' both give agent 'a' the environment variable MY_Q_QUEUE_URL" in issue.message
