"""Names: CDKTF logical ids, AWS names fitted to their limits, env var stems, template literals."""

from __future__ import annotations

import hashlib

import pytest

from strands_tf.generators.stacks import Stack, unresolved_references
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
