"""Module calls checked against the modules' declared inputs and outputs."""

from __future__ import annotations

import re
from pathlib import Path

import hcl2
import pytest

from strands_tf.schema import SchemaError
from strands_tf.schema.check import check_json_document
from strands_tf.schema.modules import check_module_call, find_output_references, module_interface

from .conftest import FIXTURE_ROOT, MODULES, MODULES_DIR, VARIANTS_ROOT


def _module_blocks(text: str) -> dict[str, dict]:
    return {name.strip('"'): body for entry in hcl2.loads(text).get("module", []) for name, body in entry.items()}


def test_interface_of_the_agent_module() -> None:
    interface = module_interface(MODULES_DIR / "strands-agent")
    assert interface.required == {"name", "handler", "runtime", "role_arn"}
    assert "sqs_triggers" in interface.inputs and not interface.inputs["sqs_triggers"]
    assert {"function_arn", "invoke_arn", "layer_arn"} <= interface.outputs


@pytest.mark.parametrize(
    "root",
    [FIXTURE_ROOT, VARIANTS_ROOT, FIXTURE_ROOT.parent / "short_retention"],
    ids=["all_modules", "variants", "short_retention"],
)
def test_fixture_roots_call_every_module_correctly(root: Path) -> None:
    text = (root / "main.tf").read_text(encoding="utf-8")
    calls = _module_blocks(text)
    used = {body["source"].strip('"').rsplit("/", 1)[-1] for body in calls.values()}
    assert used <= set(MODULES) and (root != FIXTURE_ROOT or used == set(MODULES))
    interfaces = {}
    for name, body in calls.items():
        directory = (root / body["source"].strip('"')).resolve()
        interfaces[name] = module_interface(directory)
        assert check_module_call(interfaces[name], body, where=f"module.{name}") == []
    for module, output in find_output_references(text):
        assert output in interfaces[module].outputs, f"module.{module}.{output}"


@pytest.mark.parametrize("module", MODULES)
def test_readme_usage_examples_are_valid_calls(module: str) -> None:
    text = (MODULES_DIR / module / "README.md").read_text(encoding="utf-8")
    interface = module_interface(MODULES_DIR / module)
    for example in re.findall(r"```hcl\n(.*?)```", text, re.S):
        for name, body in _module_blocks(example).items():
            assert check_module_call(interface, body, where=f"module.{name}") == []


def test_bad_calls_are_reported() -> None:
    interface = module_interface(MODULES_DIR / "sqs-queue")
    body = {"source": "./modules/sqs-queue", "nmae": "q", "count": 1, "fifo": None}
    problems = [p.format() for p in check_module_call(interface, body, where="module.jobs")]
    assert problems == [
        "module.jobs.nmae: module sqs-queue has no input 'nmae'",
        "module.jobs.name: required input of module sqs-queue is not set",
    ]
    body = {"source": "./modules/sqs-queue", "name": None}
    assert [p.message for p in check_module_call(interface, body, where="m")] == [
        "required input of module sqs-queue is null"
    ]


def test_output_references_are_found_in_json_and_hcl() -> None:
    text = '{"x": "${module.agent.function_arn}", "y": "${module.api[0].api_endpoint}-${module.agent.invoke_arn}"}'
    assert find_output_references(text) == {("agent", "function_arn"), ("api", "api_endpoint"), ("agent", "invoke_arn")}


def test_missing_or_empty_module_directory_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(SchemaError, match="module directory not found"):
        module_interface(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(SchemaError, match="declares no variables or outputs"):
        module_interface(tmp_path / "empty")
    (tmp_path / "broken").mkdir()
    (tmp_path / "broken" / "variables.tf").write_text('variable "x" {', encoding="utf-8")
    with pytest.raises(SchemaError, match="not valid HCL"):
        module_interface(tmp_path / "broken")


def test_required_attribute_set_to_null_is_reported() -> None:
    document = {"resource": {"aws_sqs_queue_policy": {"p": {"queue_url": "u", "policy": None}}}}
    assert [p.message for p in check_json_document(document)] == ["required attribute is null"]
