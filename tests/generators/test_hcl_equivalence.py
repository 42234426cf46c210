"""The HCL export says exactly what the JSON stack says.

Each exported directory is parsed with python-hcl2 and rebuilt in Terraform JSON syntax, then compared with
cdk.tf.json (minus the "//" metadata). python-hcl2 (8.x) keeps the quotes of string literals and labels,
writes bare expressions as `${...}` and blocks as lists of dicts marked `__is_block__`; the converter below
undoes exactly that.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from strands_tf.generators.hcl import render_stack_hcl
from strands_tf.scaffold import scaffold

from .conftest import SAMPLE, copy_project, parse_hcl_dir, synth

_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", '"': '"', "\\": "\\"}


def _literal(text: str) -> str:
    """The value of an HCL quoted-string token as python-hcl2 returns it (quotes and escapes included)."""
    body = text[1:-1]
    # template sequences ($${, %%{) stay as written: both syntaxes share them
    return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), "\\" + m.group(1)), body)


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return _literal(value) if len(value) >= 2 and value[0] == value[-1] == '"' else value
    if isinstance(value, dict):
        return {_label(k): _value(v) for k, v in value.items() if k != "__is_block__"}
    if isinstance(value, list):
        return [_value(v) for v in value]
    return value


def _label(key: str) -> str:
    return key[1:-1] if len(key) >= 2 and key[0] == key[-1] == '"' else key


def _merge(blocks: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for block in blocks:
        for key, body in block.items():
            if isinstance(body, dict) and isinstance(out.get(key), dict):
                out[key] = {**out[key], **body}
            else:
                out[key] = body
    return out


def hcl_as_json(parsed: dict[str, list[Any]]) -> dict[str, Any]:
    """python-hcl2 output of a stack directory -> Terraform JSON syntax (the shape cdk.tf.json uses)."""
    doc: dict[str, Any] = {}
    if "terraform" in parsed:
        (terraform,) = (_value(b) for b in parsed["terraform"])
        if "backend" in terraform:
            terraform["backend"] = _merge(terraform["backend"])
        if "required_providers" in terraform:
            terraform["required_providers"] = _merge(terraform["required_providers"])
        doc["terraform"] = terraform
    if "provider" in parsed:
        providers: dict[str, list[Any]] = {}
        for block in parsed["provider"]:
            for name, body in _value(block).items():
                providers.setdefault(name, []).append(body)
        doc["provider"] = providers
    for kind in ("variable", "module", "output"):
        if kind in parsed:
            doc[kind] = _merge([_value(b) for b in parsed[kind]])
    if "data" in parsed:
        data: dict[str, dict[str, Any]] = {}
        for block in parsed["data"]:
            for tf_type, items in _value(block).items():
                data.setdefault(tf_type, {}).update(items)
        doc["data"] = data
    for body in doc.get("module", {}).values():
        if "depends_on" in body:
            body["depends_on"] = [re.sub(r"^\$\{(.*)\}$", r"\1", d) for d in body["depends_on"]]
    for body in doc.get("variable", {}).values():
        if "type" in body:
            body["type"] = re.sub(r"^\$\{(.*)\}$", r"\1", body["type"])
    return doc


def without_metadata(value: Any) -> Any:
    """A JSON document without its "//" comment entries."""
    if isinstance(value, dict):
        return {k: without_metadata(v) for k, v in value.items() if k != "//"}
    if isinstance(value, list):
        return [without_metadata(v) for v in value]
    return value


def _local_state_files(doc: dict[str, Any], working_dir: Path, root: Path) -> dict[str, Any]:
    """Local state paths are relative to each working directory and must stay under `root` (the CDKTF layout
    keeps state in the project's .strands/, the export inside itself): compare the state files' names."""
    paths = []
    local = doc.get("terraform", {}).get("backend", {}).get("local")
    if local:
        paths.append(local)
    sources = doc.get("data", {}).get("terraform_remote_state", {}).values()
    paths += [s["config"] for s in sources if s["backend"] == "local"]
    for config in paths:
        resolved = (working_dir / config["path"]).resolve()
        assert resolved.is_relative_to(root.resolve()), f"{config['path']} leaves {root}"
        config["path"] = resolved.name
    return doc


def assert_equivalent(out_dir: Path, hcl_dir: Path) -> int:
    """Compare every stack of a synth with its HCL export; returns the number of stacks compared."""
    manifest = json.loads((out_dir / "manifest.json").read_text())
    stacks = list(manifest["stacks"])
    for stack in stacks:
        stack_dir = out_dir / "stacks" / stack
        directory = hcl_dir if len(stacks) == 1 else hcl_dir / stack
        from_json = _local_state_files(
            without_metadata(json.loads((stack_dir / "cdk.tf.json").read_text())), stack_dir, out_dir.parent
        )
        from_hcl = _local_state_files(hcl_as_json(parse_hcl_dir(directory)), directory, hcl_dir)
        assert from_hcl == from_json, stack
    return len(stacks)


@pytest.mark.parametrize("environment", ["dev", "local"])
def test_sample_export_equals_the_json_stack(sample: Path, environment: str) -> None:
    synth(sample, environment, hcl=sample / "infra")
    assert assert_equivalent(sample / "cdktf.out", sample / "infra") == 1


def test_per_agent_exports_equal_their_json_stacks(sample: Path) -> None:
    config = sample / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    synth(sample, "dev", hcl=sample / "infra")
    assert assert_equivalent(sample / "cdktf.out", sample / "infra") == 4


@pytest.mark.parametrize("template", ["simple", "event-driven", "monorepo"])
def test_template_exports_equal_their_json_stacks(tmp_path: Path, template: str) -> None:
    root = tmp_path / template
    scaffold(root, template, name="demo")
    synth(root, "dev", hcl=root / "infra")
    assert_equivalent(root / "cdktf.out", root / "infra")


def test_awkward_strings_survive_the_round_trip(tmp_path: Path) -> None:
    """Quotes, backslashes, template sequences and non-ASCII in user text mean the same in both syntaxes."""
    root = copy_project(SAMPLE, tmp_path / "sample")
    config = root / "strands.yaml"
    text = config.read_text().replace(
        "environment: {LOG_LEVEL: info}",
        'environment: {LOG_LEVEL: info, GREETING: "say \\"hi\\" \\\\ to %{name} and $${x} ü", TAB: "a\\tb"}\n'
        '    description: "Support \\"desk\\" agent"',
    )
    config.write_text(text)
    synth(root, "dev", hcl=root / "infra")
    assert_equivalent(root / "cdktf.out", root / "infra")


def test_render_stack_hcl_splits_files_by_purpose() -> None:
    doc = json.loads((SAMPLE.parent.parent / "golden" / "dev" / "cdktf.out" / "stacks" / "support-desk-dev" /
                      "cdk.tf.json").read_text())  # fmt: skip
    files = render_stack_hcl(doc)
    assert sorted(files) == [
        "agent_support.tf", "agent_triage.tf", "alarms.tf", "api.tf", "data.tf", "dynamodb.tf", "outputs.tf",
        "providers.tf", "s3.tf", "sns.tf", "sqs.tf", "versions.tf",
    ]  # fmt: skip
    assert 'module "dlq_support"' in files["agent_support.tf"] and 'module "role_support"' in files["agent_support.tf"]
    # an agent's alarms are with the agent; the environment's topic and model alarms in alarms.tf
    assert 'module "alarms_support"' in files["agent_support.tf"]
    assert 'module "alarm_topic"' in files["alarms.tf"] and 'module "bedrock_alarms"' in files["alarms.tf"]


def test_prod_with_assume_role_equals_the_json_stack(sample: Path) -> None:
    """prod (role_arn, another region) once its agent leaves the VPC: assume_role block and region."""
    config = sample / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace("{support: {memory: 1024,", "{support: {vpc: false, memory: 1024,")
        .replace(
            "role_arn: arn:aws:iam::222222222222:role/strands-deploy",
            "role_arn: arn:aws:iam::222222222222:role/strands-deploy\n    external_id: acme-ext-id",
        )
    )
    synth(sample, "prod", hcl=sample / "infra")
    assert_equivalent(sample / "cdktf.out", sample / "infra")
    doc = json.loads((sample / "cdktf.out" / "stacks" / "support-desk-prod" / "cdk.tf.json").read_text())
    provider = doc["provider"]["aws"][0]
    assert provider["assume_role"] == [
        {"external_id": "acme-ext-id", "role_arn": "arn:aws:iam::222222222222:role/strands-deploy",
         "session_name": "strands-tf"}
    ]  # fmt: skip
    assert provider["region"] == "eu-west-1"
    assert doc["module"]["agent_support"]["memory_size"] == 1024
    assert doc["module"]["agent_support"]["reserved_concurrency"] == 50
    assert "assume_role {" in (sample / "infra" / "providers.tf").read_text()


@pytest.mark.parametrize(
    "state",
    [
        "{backend: cloud, organization: acme, workspace: support-desk-dev}",
        "{backend: cloud, organization: acme, workspace_tags: [support-desk, dev]}",
        "{backend: local}",
    ],
)
def test_other_backends_equal_the_json_stack(sample: Path, state: str) -> None:
    config = sample / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace("state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}", f"state: {state}")
        .replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    )
    synth(sample, "dev", hcl=sample / "infra")
    assert assert_equivalent(sample / "cdktf.out", sample / "infra") == 4


def test_per_agent_stacks_get_one_cloud_workspace_each(sample: Path) -> None:
    config = sample / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace(
            "state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}",
            "state: {backend: cloud, organization: acme, workspace: desk}",
        )
        .replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    )
    synth(sample, "dev", hcl=sample / "infra")
    workspaces = {}
    for stack in ("support-desk-dev", "support-desk-dev-support", "support-desk-dev-api", "support-desk-dev-triage"):
        doc = json.loads((sample / "cdktf.out" / "stacks" / stack / "cdk.tf.json").read_text())
        workspaces[stack] = doc["terraform"]["cloud"][0]["workspaces"][0]["name"]
        for source in doc.get("data", {}).get("terraform_remote_state", {}).values():
            assert source["backend"] == "remote"
            read = source["config"]["workspaces"]["name"]
            assert read in {"desk", "desk-support"}, read
    assert workspaces == {
        "support-desk-dev": "desk",
        "support-desk-dev-support": "desk-support",
        "support-desk-dev-api": "desk-api",
        "support-desk-dev-triage": "desk-triage",
    }
    assert (
        'workspaces {\n      name = "desk-api"'
        in (sample / "infra" / "support-desk-dev-api" / "versions.tf").read_text()
    )


def test_cloud_workspace_tags_still_give_each_stack_its_own_workspace(sample: Path) -> None:
    """Regression (issue 16 item 5): with workspace_tags every stack selected workspaces by tags, so all stacks
    could land in one workspace while their remote state read workspaces named after the stacks."""
    config = sample / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace(
            "state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}",
            "state: {backend: cloud, organization: acme, workspace_tags: [support-desk], project: agents}",
        )
        .replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    )
    synth(sample, "dev", hcl=sample / "infra")
    written: dict[str, str] = {}
    read: set[str] = set()
    for stack in ("support-desk-dev", "support-desk-dev-support", "support-desk-dev-api", "support-desk-dev-triage"):
        doc = json.loads((sample / "cdktf.out" / "stacks" / stack / "cdk.tf.json").read_text())
        (workspaces,) = doc["terraform"]["cloud"][0]["workspaces"]
        assert workspaces == {"name": stack, "project": "agents"}
        written[stack] = workspaces["name"]
        sources = doc.get("data", {}).get("terraform_remote_state", {}).values()
        read |= {s["config"]["workspaces"]["name"] for s in sources}
    assert read and read <= set(written.values())
    assert assert_equivalent(sample / "cdktf.out", sample / "infra") == 4
