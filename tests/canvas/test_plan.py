"""Plan preview: Terraform's errors land on the node they belong to, with the text a developer needs."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from strands_tf.canvas.plan import canvas_node, error_view, node_action
from strands_tf.config import load_project, resolve
from strands_tf.errors import DependencyError
from strands_tf.generators.stacks import partition
from strands_tf.generators.synth import infra_graph
from strands_tf.terraform.diagnostics import Diagnostic, error_from_run

from .conftest import EXAMPLES

# what Terraform 1.15 printed (plan -json) when an agent's module had neither a zip nor an S3 object:
# a precondition failure names the module's source range, not the instance
PRECONDITION = json.loads(
    '{"severity":"error","summary":"Resource precondition failed","detail":"Set either filename (local zip) or both '
    's3_bucket and s3_key, not both and not neither.","range":{"filename":"modules/strands-agent/main.tf","start":'
    '{"line":155,"column":23,"byte":5921},"end":{"line":155,"column":113,"byte":6011}},"snippet":{"context":'
    '"resource \\"aws_lambda_function\\" \\"this\\"","code":"condition = var.store_on_s3","start_line":155,'
    '"highlight_start_offset":22,"highlight_end_offset":112,"values":[]}}'
)


def _graph(example: str, *, copy: Path | None = None):
    loaded = load_project(copy or EXAMPLES / example)
    resolved = resolve(loaded, "local")
    graph = infra_graph(loaded, resolved)
    return graph, partition(graph, resolved.stacks)


def test_an_error_with_an_address_is_on_its_node() -> None:
    graph, stacks = _graph("ticket-triage")
    diagnostic = Diagnostic.from_json(
        {**PRECONDITION, "summary": "creating SQS Queue", "address": "module.queue_inbound.aws_sqs_queue.this"}
    )
    error = error_view(error_from_run("plan", returncode=1, diagnostics=[diagnostic]), graph, stacks[0])
    assert error["nodes"] == {"resource:inbound": [f"creating SQS Queue: {PRECONDITION['detail']}"]}
    assert error["diagnostics"][0]["node"] == "resource:inbound"
    assert error["stack"] == stacks[0].name
    assert "data" not in error  # the raw diagnostics are replaced by the per-node form


def test_a_precondition_of_the_only_instance_of_a_module_is_on_that_node() -> None:
    graph, stacks = _graph("simple-assistant")
    error = error_view(error_from_run("plan", returncode=1, diagnostics=[Diagnostic.from_json(PRECONDITION)]), graph,
                   stacks[0])  # fmt: skip
    assert list(error["nodes"]) == ["agent:assistant"]
    first = error["diagnostics"][0]
    assert first["location"] == "modules/strands-agent/main.tf:155"
    assert first["detail"].startswith("Set either filename")
    assert error["summary"] == "terraform plan failed: Resource precondition failed"
    assert error["hint"]


def test_a_precondition_shared_by_several_instances_names_the_candidates_without_blaming_one() -> None:
    graph, stacks = _graph("agents-monorepo")
    error = error_view(error_from_run("plan", returncode=1, diagnostics=[Diagnostic.from_json(PRECONDITION)]), graph,
                   stacks[0])  # fmt: skip
    assert error["nodes"] == {}
    assert error["diagnostics"][0]["candidates"] == ["agent:assistant", "agent:triage"]


def test_errors_without_diagnostics_keep_their_hint() -> None:
    error = error_view(DependencyError("no Terraform engine", hint="install terraform"), None)
    assert (error["summary"], error["hint"], error["nodes"], error["diagnostics"]) == (
        "no Terraform engine", "install terraform", {}, [],
    )  # fmt: skip


def test_addresses_map_to_canvas_nodes_and_actions_to_one_colour() -> None:
    graph, _stacks = _graph("ticket-triage")
    assert canvas_node(graph, "module.agent_triage.aws_lambda_function.this") == "agent:triage"
    assert canvas_node(graph, "module.queue_inbound.aws_sqs_queue.dead_letter[0]") == "dlq:queue_inbound_dlq"
    assert canvas_node(graph, "aws_s3_bucket.unrelated") is None
    assert node_action(["create", "no-op"]) == "create"
    assert node_action(["create", "update"]) == "update"
    assert node_action(["update", "replace", "delete"]) == "replace"
    assert node_action(["read", "no-op"]) == "no-op"


def _change(address: str, actions: list[str]) -> dict:
    module, _, rest = address.rpartition(".aws_")
    kind, _, name = ("aws_" + rest).partition(".")
    return {"address": address, "module_address": module or None, "mode": "managed", "type": kind,
            "name": name.split("[")[0], "provider_name": "registry.terraform.io/hashicorp/aws",
            "change": {"actions": actions, "before": {} if actions != ["create"] else None,
                       "after": None if actions == ["delete"] else {}, "after_unknown": {}}}  # fmt: skip


def test_a_plan_colours_edges_and_keeps_deleted_modules_as_ghosts(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from strands_tf.canvas.plan import _result
    from strands_tf.deploy.executor import StackPlan
    from strands_tf.deploy.project import ProjectPlan
    from strands_tf.terraform.plan import parse_plan_dict
    from strands_tf.terraform.plan_summary import summarize

    loaded = load_project(EXAMPLES / "ticket-triage")
    resolved = resolve(loaded, "local")
    graph = infra_graph(loaded, resolved)
    doc = {
        "format_version": "1.2",
        "resource_changes": [
            _change('module.agent_triage.aws_lambda_event_source_mapping.sqs["0"]', ["delete", "create"]),
            _change("module.role_triage.aws_iam_role_policy.this[0]", ["update"]),
            _change("module.table_tickets.aws_dynamodb_table.this", ["no-op"]),
            _change("module.agent_old_bot.aws_lambda_function.this", ["delete"]),
            _change("module.table_archive.aws_dynamodb_table.this", ["delete"]),
        ],
    }
    plan = parse_plan_dict(doc)
    stack = SimpleNamespace(name="ticket-triage-local")
    op = SimpleNamespace(synth=SimpleNamespace(graph=graph, stacks=[]), loaded=loaded, resolved=resolved, warnings=[])
    result = _result(op, ProjectPlan([StackPlan(stack, tmp_path / "p", plan, summarize(plan))], {}))
    assert result["edges"] == {
        "trigger:triage:0": "replace",
        "perm:triage:0": "update",  # the role's policy holds every permission of the agent
        "perm:triage:1": "update",
    }
    assert result["nodes"]["agent:triage"]["action"] == "replace"
    assert result["nodes"]["role:role_triage"]["action"] == "update"
    assert result["nodes"]["resource:tickets"] == {"action": "no-op", "changes": []}
    assert {k: (v["kind"], v["name"], v["action"]) for k, v in result["gone"].items()} == {
        "gone:agent_old_bot": ("agent", "old_bot", "delete"),
        "gone:table_archive": ("dynamodb", "archive", "delete"),
    }


def test_nodes_of_a_stack_planned_later_are_deferred_not_unchanged() -> None:
    from types import SimpleNamespace

    from strands_tf.canvas.plan import _result
    from strands_tf.deploy.project import ProjectPlan
    from strands_tf.generators.stacks import partition

    loaded = load_project(EXAMPLES / "ticket-triage")
    resolved = resolve(loaded, "local")
    graph = infra_graph(loaded, resolved)
    stacks = partition(graph, "per_agent")
    agent_stack = next(s.name for s in stacks if any(n.module == "strands-agent" for n in s.nodes.values()))
    op = SimpleNamespace(synth=SimpleNamespace(graph=graph, stacks=stacks), loaded=loaded, resolved=resolved,
                         warnings=[])  # fmt: skip
    result = _result(op, ProjectPlan([], {agent_stack: ["ticket-triage-local"]}))
    assert result["deferred_nodes"]["agent:triage"] == agent_stack
    assert "resource:tickets" not in result["deferred_nodes"]  # the shared stack was planned


@pytest.mark.slow
def test_a_plan_is_cancelled_from_the_server_thread(serve, copy_example, monkeypatch) -> None:
    """Cancel comes from a request thread, not a signal on the main thread: the plan still stops and says so."""
    from strands_tf.deploy.emulator_target import stop_emulator
    from strands_tf.deploy.workspace import Workspace

    monkeypatch.setenv("STRANDS_ENGINE", os.environ.get("STRANDS_ENGINE", "embedded"))
    root = copy_example("ticket-triage")
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    client = serve(root, environment="local", watch=False)
    try:
        assert client.call("POST", "/api/plan", {})[0] == 202
        assert client.call("DELETE", "/api/plan")[1] == {"cancelled": True}  # seconds before Terraform could finish
        client.server.canvas.plans.wait(300)
        job = client.call("GET", "/api/plan")[1]["job"]
        assert job["status"] == "cancelled", job
        assert client.call("DELETE", "/api/plan")[1] == {"cancelled": False}  # nothing left to cancel
        assert client.call("POST", "/api/plan", {})[0] == 202  # and the next plan starts
        client.server.canvas.plans.wait(300)
        assert client.call("GET", "/api/plan")[1]["job"]["status"] == "succeeded"
    finally:
        stop_emulator(Workspace(root))
