"""Names: CDKTF logical ids, AWS names fitted to their limits, env var stems, template literals."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from strands_tf.generators.stacks import Stack, unresolved_references
from strands_tf.model.build import build_graph
from strands_tf.model.graph import Node, Output, Owner
from strands_tf.model.naming import NAME_LIMITS, aws_name, env_var_prefix, logical_id, template_literal


def test_top_level_logical_id_is_the_construct_id() -> None:
    assert logical_id(["agent_support"]) == "agent_support"
    assert logical_id(["cross-stack-output-x.y"]) == "cross-stack-output-xy"


def test_nested_logical_id_follows_cdktf_make_unique_id() -> None:
    path = ["Parent", "Child", "Child", "res-1"]
    digest = hashlib.md5(b"Parent/Child/Child/res-1", usedforsecurity=False).hexdigest()[:8].upper()
    # CDKTF keeps '-' and '_' (its allowed characters) and drops a component the previous one ends with
    assert logical_id(path) == f"Parent_Child_res-1_{digest}"
    with pytest.raises(ValueError):
        logical_id([])


@pytest.mark.parametrize("kind", sorted(NAME_LIMITS))
def test_aws_names_fit_their_limit_deterministically(kind: str) -> None:
    long = "x" * 300
    name = aws_name(kind, "project", "env", long)
    assert len(name) <= NAME_LIMITS[kind]
    assert name == aws_name(kind, "project", "env", long)
    assert name != aws_name(kind, "project", "env", long + "y")  # the hash keeps long names apart


def test_s3_names_are_lower_case_dns_labels() -> None:
    assert aws_name("s3", "demo", "dev", "My_Files") == "demo-dev-my-files"
    assert aws_name("lambda", "demo", "dev", "my_agent") == "demo-dev-my_agent"


def test_env_var_prefix() -> None:
    assert env_var_prefix("my-queue") == "MY_QUEUE"
    assert env_var_prefix("my_queue") == "MY_QUEUE"
    assert env_var_prefix("q2") == "Q2"


def test_template_literal_escapes_only_template_sequences() -> None:
    assert template_literal("plain $ % { }") == "plain $ % { }"
    assert template_literal("${HOME} and %{if x}") == "$${HOME} and %%{if x}"


def test_unresolved_references_finds_dangling_modules_and_data() -> None:
    owner = Owner("agent", "a")
    stack = Stack("s")
    stack.nodes["agent_a"] = Node("agent_a", "module", {"role_arn": "${module.role_a.role_arn}",
                                                         "x": ["${data.aws_region.region.region}"]}, owner)  # fmt: skip
    stack.outputs["o"] = Output("o", "${module.gone.arn}", "d", owner)
    assert sorted(unresolved_references(stack)) == ["agent_a -> region", "agent_a -> role_a", "output o -> gone"]
    stack.nodes["role_a"] = Node("role_a", "module", {}, owner)
    stack.nodes["region"] = Node("region", "data", {}, owner, tf_type="aws_region")
    stack.outputs["o"] = Output("o", "${module.role_a.role_arn}", "d", owner)
    assert unresolved_references(stack) == []


def test_referenced_ids_finds_every_reference_at_any_depth() -> None:
    from strands_tf.model.graph import referenced_ids

    body = {
        "a": "${module.role_a.role_arn}",
        "nested": [{"deep": ["x ${module.table-t1.table_arn}/index/* and ${data.aws_region.region.region}"]}],
        "indexed": '${module.api.routes["POST /chat"]}',
        "remote": "${data.terraform_remote_state.cross-stack-reference-input-demo-dev.outputs.x}",
        "number": 3,
        "none": None,
    }
    assert referenced_ids(body) == {"role_a", "table-t1", "region", "api", "cross-stack-reference-input-demo-dev"}
    assert referenced_ids({"plain": "no references", "n": [1, 2]}) == set()
    assert referenced_ids("${var.emulator_endpoint}") == set()


MODULES = Path(__file__).resolve().parents[2] / "modules"
# AWS's own limits on the final names, suffixes the modules add included
AWS_QUEUE_NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}(\.fifo)?$")


def _module_name_rule(module: str) -> re.Pattern[str]:
    """The regex the module's `name` variable is validated with (its variables.tf)."""
    text = (MODULES / module / "variables.tf").read_text()
    block = text.split('variable "name"', 1)[1].split("\n}\n", 1)[0]
    found = re.search(r'can\(regex\("(.+?)", var\.name\)\)', block)
    assert found, f"{module}: no regex rule on var.name"
    return re.compile(found.group(1).replace("\\\\", "\\"))


def test_long_names_pass_the_modules_own_name_rules(make_project) -> None:  # type: ignore[no-untyped-def]
    """A long project/agent/queue name is fitted so the module accepts it and AWS accepts what it derives.

    Regression: names were fitted to 80 (SQS) and 256 (SNS) characters while the modules accept 75 and 251
    (they append -dlq and .fifo), so such a project validated and synthesized and then failed `terraform plan`.
    """
    long = "a" + "-x" * 60
    _, project = make_project(
        {f"agent{long}"[:70]: {"dead_letter": True, "triggers": [{"queue": f"q{long}"}], "timeout": 30}},
        {f"q{long}": {"type": "sqs", "fifo": True, "dead_letter": True}, f"t{long}": {"type": "sns", "fifo": True}},
        project=f"p{long}"[:60].rstrip("-"),
    )
    graph = build_graph(project)
    checked = 0
    for node in graph.nodes.values():
        if node.block != "module" or node.module not in ("sqs-queue", "sns-topic", "strands-agent", "execution-role"):
            continue
        name = node.body["name"]
        assert _module_name_rule(node.module).match(name), (node.id, len(name), name)
        if node.module == "sqs-queue":
            suffix = ".fifo" if node.body.get("fifo") else ""
            assert AWS_QUEUE_NAME.match(name + suffix), name
            assert AWS_QUEUE_NAME.match(f"{name}-dlq{suffix}"), name
        checked += 1
    assert checked == 5  # the agent, its role and DLQ, the queue, the topic
