"""Property tests (hypothesis): any valid config synthesizes, with unique stable ids and no dangling references.

Configs are generated within the model's rules: random agents (model, dead letter, tracing, routes, triggers,
environment), resources of every type with their options, permissions by access template, explicit actions
or agent invocation; `iam` and `stacks` modes; an AWS environment or the built-in emulator one.
More examples for a bug hunt: STRANDS_PROPERTY_EXAMPLES=500 .venv/bin/python -m pytest <this file>
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
from pathlib import Path
from typing import Any

import hcl2
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from strands_tf.config.models import ACCESS_BY_KIND
from strands_tf.generators.stacks import unresolved_references
from strands_tf.schema.check import check_json_document

from .conftest import MODULES_DIR, copy_project, synth, tree_bytes

PROFILE = settings(
    max_examples=int(os.environ.get("STRANDS_PROPERTY_EXAMPLES", "60")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# names that once broke something (an agent called `shared` or `api`) next to random ones
NAME = st.one_of(
    st.sampled_from(["shared", "api", "support", "shared-2", "role", "x"]),
    st.from_regex(r"\A[a-z][a-z0-9]{0,5}(-[a-z0-9]{1,3})?\Z"),
)
MODELS = [
    None,
    "anthropic.claude-sonnet-4-20250514-v1:0",
    "us.anthropic.claude-sonnet-4-20250514-v1:0",
    "eu.amazon.nova-pro-v1:0",
    "global.anthropic.claude-sonnet-4-5-20250929-v1:0",
]
EXPLICIT = {
    "dynamodb": ["dynamodb:GetItem", "dynamodb:Query"],
    "s3": ["s3:GetObject", "s3:ListBucket"],
    "sqs": ["sqs:SendMessage"],
    "sns": ["sns:Publish"],
}


def _fold(name: str) -> str:
    return name.replace("-", "").replace("_", "")


@st.composite
def resources(draw: st.DrawFn, names: list[str]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name in names:
        kind = draw(st.sampled_from(["dynamodb", "s3", "sqs", "sns"]))
        body: dict[str, Any] = {"type": kind}
        if kind == "dynamodb":
            body["hash_key"] = "pk"
            if draw(st.booleans()):
                body["range_key"] = "sk"
                body["range_key_type"] = draw(st.sampled_from(["S", "N"]))
            body["point_in_time_recovery"] = draw(st.booleans())
            if draw(st.booleans()):
                body["ttl_attribute"] = "expires_at"
            if draw(st.booleans()):
                body["stream"] = draw(st.sampled_from(["keys_only", "new_and_old_images"]))
            if draw(st.booleans()):
                body["indexes"] = [{"name": "by-owner", "hash_key": "owner"}]
            if draw(st.booleans()):
                body.update(billing_mode="provisioned", read_capacity=5, write_capacity=5)
        elif kind == "s3":
            body["versioning"] = draw(st.booleans())
            if draw(st.booleans()):
                body["expire_days"] = draw(st.integers(1, 3650))
        elif kind == "sqs":
            body["visibility_timeout"] = 900
            body["dead_letter"] = draw(st.booleans())
            body["fifo"] = draw(st.booleans())
        else:
            body["fifo"] = draw(st.booleans())
        out[name] = body
    return out


@st.composite
def configs(draw: st.DrawFn) -> tuple[dict[str, Any], str]:
    names = draw(st.lists(NAME, min_size=1, max_size=9, unique_by=_fold))
    split = draw(st.integers(1, len(names)))
    agent_names, resource_names = names[:split], names[split:]
    # an agent's dead-letter queue is named <agent>-dlq: keep resources off that name
    resource_names = [r for r in resource_names if not any(_fold(r) == _fold(f"{a}-dlq") for a in agent_names)]
    res = draw(resources(resource_names))
    routes_pool = [f"{m} /r{i}" for i in range(6) for m in ("GET", "POST")]
    agents: dict[str, Any] = {}
    for name in agent_names:
        body: dict[str, Any] = {"path": f"agents/{name}", "handler": "app.handler"}
        model = draw(st.sampled_from(MODELS))
        if model:
            body["model"] = model
        if draw(st.booleans()):
            body["dead_letter"] = True
        body["tracing"] = draw(st.booleans())
        body["timeout"] = draw(st.sampled_from([30, 60, 300]))
        if draw(st.booleans()):
            body["memory"] = draw(st.sampled_from([128, 1024, 4096]))
        if draw(st.booleans()):
            body["reserved_concurrency"] = draw(st.integers(0, 20))
        if draw(st.booleans()):
            body["environment"] = {"LOG_LEVEL": "info"}
        if routes_pool and draw(st.booleans()):
            taken = draw(st.lists(st.sampled_from(routes_pool), min_size=1, max_size=2, unique=True))
            routes_pool = [r for r in routes_pool if r not in taken]
            body["api"] = {"routes": taken}
            if draw(st.booleans()):
                body["api"]["cors"] = {"allow_origins": ["https://app.example.com"]}
        queues = [r for r, b in res.items() if b["type"] == "sqs"]
        if queues and draw(st.booleans()):
            chosen = draw(st.lists(st.sampled_from(queues), min_size=1, unique=True))
            body["triggers"] = [{"queue": q, "batch_size": 10} for q in chosen]
        permissions = []
        for target in draw(st.lists(st.sampled_from([*res, *agent_names]), unique=True, max_size=4)):
            if target == name:
                continue
            kind = res[target]["type"] if target in res else "agent"
            if kind != "agent" and draw(st.booleans()):
                permissions.append({"resource": target, "actions": EXPLICIT[kind]})
            else:
                permissions.append({"resource": target, "access": draw(st.sampled_from(ACCESS_BY_KIND[kind]))})
        if permissions:
            body["permissions"] = permissions
        agents[name] = body
    doc = {
        "version": 1,
        "project": draw(st.sampled_from(["demo", "a-rather-long-project-name-xyz"])),
        "region": "us-east-1",
        "iam": draw(st.sampled_from(["shared", "per_agent"])),
        "stacks": draw(st.sampled_from(["single", "per_agent"])),
        "state": draw(st.sampled_from([{"backend": "local"}, {"backend": "s3", "bucket": "acme-state"}])),
        "environments": {"dev": {"account": "123456789012"}},
        "agents": agents,
        "resources": res,
    }
    return doc, draw(st.sampled_from(["dev", "local"]))


def _write(root: Path, doc: dict[str, Any]) -> Path:
    root.mkdir(parents=True)
    (root / "strands.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    for name in doc["agents"]:
        (root / "agents" / name).mkdir(parents=True)
        (root / "agents" / name / "app.py").write_text("def handler(event, context):\n    return {}\n")
    return root


@functools.cache
def module_variables(module: str) -> tuple[frozenset[str], frozenset[str]]:
    """(all variables, required variables) declared in modules/<module>/variables.tf."""
    doc = hcl2.loads((MODULES_DIR / module / "variables.tf").read_text("utf-8"))
    names: set[str] = set()
    required: set[str] = set()
    for block in doc["variable"]:
        for label, body in block.items():
            name = label.strip('"')
            names.add(name)
            if "default" not in body:
                required.add(name)
    return frozenset(names), frozenset(required)


def object_attributes(type_expr: str) -> tuple[str, frozenset[str], frozenset[str]] | None:
    """For `list(object({...}))`, `map(object({...}))` or `object({...})`: (container, names, optional names)."""
    text = type_expr.removeprefix("${").removesuffix("}")
    match = re.match(r"^(list|map|set)?\(?object\(\{", text)
    if not match:
        return None
    body, depth, names, optional, current = text[match.end() :], 0, set(), set(), ""

    def add(entry: str) -> None:
        name, _, type_part = entry.partition("=")
        names.add(name.strip())
        if type_part.strip().startswith("optional("):
            optional.add(name.strip())

    for char in body:
        if char in "({[":
            depth += 1
        elif char in ")}]":
            if depth == 0:
                break
            depth -= 1
        if depth == 0 and char == ",":
            add(current)
            current = ""
        else:
            current += char
    add(current)
    return match.group(1) or "object", frozenset(names), frozenset(optional)


@functools.cache
def module_object_types(module: str) -> dict[str, tuple[str, frozenset[str], frozenset[str]]]:
    """Object-typed variables of a module: name -> (container, attribute names, optional attribute names)."""
    doc = hcl2.loads((MODULES_DIR / module / "variables.tf").read_text("utf-8"))
    out: dict[str, tuple[str, frozenset[str], frozenset[str]]] = {}
    for block in doc["variable"]:
        for label, body in block.items():
            shape = object_attributes(str(body.get("type", "")))
            if shape:
                out[label.strip('"')] = shape
    return out


def check_object_inputs(module_id: str, module: str, body: dict[str, Any]) -> None:
    """Objects passed to object-typed variables carry exactly the declared attributes (optional ones may be absent).

    Terraform silently drops attributes an object type does not declare, so a misspelt one would be lost.
    """
    for name, (container, attributes, optional) in module_object_types(module).items():
        if name not in body or body[name] is None:
            continue
        value = body[name]
        items = value if container in ("list", "set") else value.values() if container == "map" else [value]
        for item in items:
            assert attributes - optional <= set(item) <= attributes, (
                f"{module_id}.{name}: {sorted(item)} vs declared {sorted(attributes)}"
            )


@functools.cache
def module_outputs(module: str) -> frozenset[str]:
    """Outputs declared in modules/<module>/outputs.tf."""
    doc = hcl2.loads((MODULES_DIR / module / "outputs.tf").read_text("utf-8"))
    return frozenset(label.strip('"') for block in doc["output"] for label in block)


@functools.cache
def data_source_attributes(tf_type: str) -> frozenset[str]:
    """Attributes of a hashicorp/aws data source, from the schema oracle."""
    from strands_tf.schema import data_source_schema

    return frozenset(data_source_schema(tf_type)["attributes"])


def check_references(stack_doc: dict[str, Any]) -> None:
    """Every `${module.X.Y}` names an output module X declares; every `${data.T.N.A}` an attribute of T."""
    text = json.dumps({k: v for k, v in stack_doc.items() if k in ("module", "output")})
    modules = stack_doc.get("module", {})
    for module_id, output in re.findall(r"\$\{module\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_]+)", text):
        module = modules[module_id]["source"].removeprefix("./modules/")
        assert output in module_outputs(module), f"module.{module_id}.{output}: {module} has no such output"
    for tf_type, attribute in re.findall(r"\$\{data\.(aws_[a-z0-9_]+)\.[A-Za-z0-9_-]+\.([A-Za-z0-9_]+)", text):
        assert attribute in data_source_attributes(tf_type), f"data.{tf_type}.*.{attribute} is not in the schema"


META_ARGUMENTS = {"//", "source", "depends_on", "providers", "count", "for_each"}
NAME_FIELDS = {"strands-agent": "name", "execution-role": "name", "dynamodb-table": "name", "s3-bucket": "bucket",
               "sqs-queue": "name", "sns-topic": "name", "http-api": "name", "alarm-topic": "name",
               "dashboard": "name"}  # fmt: skip
# modules whose AWS names share one name space (the alarm topic is an SNS topic)
NAME_SPACES = {"alarm-topic": "sns-topic"}


@PROFILE
@given(configs())
def test_any_valid_config_synthesizes(case: tuple[dict[str, Any], str]) -> None:
    doc, environment = case
    with tempfile.TemporaryDirectory() as tmp:
        root = _write(Path(tmp) / "p", doc)
        result = synth(root, environment)
        other = copy_project(root, Path(tmp) / "elsewhere" / "p")
        second = synth(other, environment)
        # stable: a second synth, of a copy in another directory, writes the same bytes
        assert tree_bytes(root / "cdktf.out") == tree_bytes(other / "cdktf.out")
        assert [s.name for s in result.stacks] == [s.name for s in second.stacks]

        aws_names: dict[tuple[str, str], str] = {}
        module_homes: dict[str, str] = {}
        for stack in result.stacks:
            assert unresolved_references(stack) == [], stack.name
            stack_doc = json.loads((root / "cdktf.out" / "stacks" / stack.name / "cdk.tf.json").read_text())
            seen_ids: set[str] = set()
            for kind in ("module", "output"):
                for construct_id in stack_doc.get(kind, {}):
                    assert construct_id not in seen_ids
                    seen_ids.add(construct_id)
                    assert re.match(r"^[A-Za-z_][A-Za-z0-9_-]*$", construct_id), construct_id
            for items in stack_doc.get("data", {}).values():
                for data_id, body in items.items():
                    assert body["//"]["metadata"] == {"path": f"{stack.name}/{data_id}", "uniqueId": data_id}
            for module_id, body in stack_doc.get("module", {}).items():
                assert body["//"]["metadata"] == {"path": f"{stack.name}/{module_id}", "uniqueId": module_id}
                assert module_id not in module_homes, f"{module_id} in {module_homes.get(module_id)} and {stack.name}"
                module_homes[module_id] = stack.name
                module = body["source"].removeprefix("./modules/")
                declared, required = module_variables(module)
                inputs = set(body) - META_ARGUMENTS
                assert inputs <= declared, f"{module_id}: {sorted(inputs - declared)} not declared by {module}"
                assert not required - inputs, f"{module_id}: required {sorted(required - inputs)} not set"
                check_object_inputs(module_id, module, body)
                if module == "metric-alarms":  # many alarms per module: every alarm name is unique too
                    names = [(module, alarm["name"]) for alarm in body["alarms"].values()]
                else:
                    names = [(NAME_SPACES.get(module, module), str(body[NAME_FIELDS[module]]).removesuffix(".fifo"))]
                for key in names:
                    assert key not in aws_names, f"{module_id} and {aws_names.get(key)} share the AWS name {key[1]}"
                    aws_names[key] = module_id
            check_references(stack_doc)
            assert check_json_document(stack_doc, source=stack.name) == []
            # every cross-stack reference points at an output the source stack declares
            for ref_stack, out_id in re.findall(
                r"data\.terraform_remote_state\.cross-stack-reference-input-([a-z0-9-]+)\.outputs\.([A-Za-z0-9_-]+)",
                json.dumps(stack_doc),
            ):
                source = json.loads((root / "cdktf.out" / "stacks" / ref_stack / "cdk.tf.json").read_text())
                assert out_id in source["output"], f"{stack.name} reads {out_id} that {ref_stack} does not export"
        manifest = json.loads((root / "cdktf.out" / "manifest.json").read_text())
        order = list(s.name for s in result.stacks)
        for name, entry in manifest["stacks"].items():
            for dep in entry["dependencies"]:
                assert order.index(dep) < order.index(name)


def test_object_type_parser_reads_the_modules_declarations() -> None:
    assert module_object_types("strands-agent")["sqs_triggers"] == (
        "list",
        frozenset({"queue_arn", "batch_size", "maximum_batching_window_in_seconds", "enabled"}),
        frozenset(),
    )
    assert module_object_types("http-api")["routes"] == (
        "map",
        frozenset({"function_name", "invoke_arn"}),
        frozenset(),
    )
    # optional attributes may be left out, unknown ones may not
    assert module_object_types("execution-role")["policy_statements"][2] == frozenset({"conditions"})
    statement = {"sid": "", "effect": "Allow", "actions": [], "resources": []}
    check_object_inputs("role_a", "execution-role", {"policy_statements": [statement]})
    assert module_object_types("http-api")["cors"][0] == "object"
    # nested objects do not leak their attributes into the outer one
    assert module_object_types("sqs-queue")["policy_statements"][1] == frozenset(
        {"sid", "effect", "actions", "principals", "conditions"}
    )
    bad = {"sqs_triggers": [{"queue_arn": "x", "batch_size": 1, "enabled": True, "max_window": 0}]}
    with pytest.raises(AssertionError, match="max_window"):
        check_object_inputs("agent_a", "strands-agent", bad)
