"""Synth output is byte-identical across runs and machines, and `stacks: per_agent` wires stacks like CDKTF."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import pytest

from strands_tf.generators.stacks import cross_stack_output_id, unresolved_references

from .conftest import SAMPLE, copy_project, run_cli, synth, tree_bytes


def _cli_synth(root: Path, *extra: str) -> None:
    result = run_cli(["synth", "-e", "dev", "--out", "cdktf.out", "--hcl", "infra", *extra], cwd=root)
    assert result.returncode == 0, result.stderr


def _outputs(root: Path) -> dict[str, bytes]:
    files = {f"out/{k}": v for k, v in tree_bytes(root / "cdktf.out").items()}
    files |= {f"hcl/{k}": v for k, v in tree_bytes(root / "infra").items()}
    files["cdktf.json"] = (root / "cdktf.json").read_bytes()
    return files


@pytest.mark.parametrize("package", [False, True], ids=["no-package", "package"])
def test_identical_across_runs_and_directories(tmp_path: Path, package: bool) -> None:
    extra = () if package else ("--no-package",)
    first = copy_project(SAMPLE, tmp_path / "a" / "sample")
    second = copy_project(SAMPLE, tmp_path / "b" / "much" / "deeper" / "checkout")
    _cli_synth(first, *extra)
    once = _outputs(first)
    _cli_synth(first, *extra)
    assert _outputs(first) == once, "a second synth of the same project changed the output"
    _cli_synth(second, *extra)
    assert _outputs(second) == once, "the same project in another directory synthesized differently"
    for rel, content in once.items():
        for needle in (str(tmp_path).encode(), str(Path.home()).encode()):
            assert needle not in content, f"{rel} contains the machine path {needle!r}"
    # nothing left over from staging
    assert not [p.name for p in first.iterdir() if p.name.startswith(".cdktf.out") or p.name.startswith(".infra")]


def test_packaged_code_zips_are_referenced_and_deterministic(tmp_path: Path) -> None:
    root = copy_project(SAMPLE, tmp_path / "sample")
    _cli_synth(root)
    stack = root / "cdktf.out" / "stacks" / "support-desk-dev"
    doc = json.loads((stack / "cdk.tf.json").read_text())
    for agent in ("support", "triage"):
        body = doc["module"][f"agent_{agent}"]
        assert body["filename"] == f"assets/{agent}-code.zip"
        assert "layer_filename" not in body  # no requirements: code only
        assert len(body["source_code_hash"]) == 44  # base64 of a sha256
        with zipfile.ZipFile(stack / body["filename"]) as archive:
            assert archive.namelist() == ["app.py"]
            assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        # the committable export references the zip but does not hold it (the pipeline's package step builds it)
        assert not (root / "infra" / body["filename"]).exists()
        exported = (root / "infra" / f"agent_{agent}.tf").read_text()
        assert re.search(rf'source_code_hash\s+= "{re.escape(body["source_code_hash"])}"', exported)


def test_no_timestamps_or_absolute_paths_in_json(tmp_path: Path) -> None:
    root = copy_project(SAMPLE, tmp_path / "sample")
    synth(root, "local")
    for rel, content in tree_bytes(root / "cdktf.out").items():
        if rel.endswith(".json"):
            text = content.decode()
            assert str(tmp_path) not in text
            assert "20" + "25-" not in text and "20" + "26-" not in text, rel  # no dates
    backend = json.loads((root / "cdktf.out/stacks/support-desk-local/cdk.tf.json").read_text())["terraform"]["backend"]
    assert backend == {"local": {"path": "../../../.strands/tfstate/local/support-desk-local.tfstate"}}


# ------------------------------------------------------------------------------------------ per_agent


@pytest.fixture
def per_agent(tmp_path: Path) -> Path:
    root = copy_project(SAMPLE, tmp_path / "sample")
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    return root


def test_per_agent_stacks_and_manifest(per_agent: Path) -> None:
    result = synth(per_agent, "dev", hcl=per_agent / "infra")
    names = [s.name for s in result.stacks]
    assert names == ["support-desk-dev", "support-desk-dev-support", "support-desk-dev-api", "support-desk-dev-triage"]
    for stack in result.stacks:
        assert unresolved_references(stack) == []
    manifest = json.loads((per_agent / "cdktf.out" / "manifest.json").read_text())
    deps = {name: entry["dependencies"] for name, entry in manifest["stacks"].items()}
    assert deps == {
        "support-desk-dev": [],
        "support-desk-dev-support": ["support-desk-dev"],
        # the API reads the alarm topic of the shared stack for its alarms
        "support-desk-dev-api": ["support-desk-dev", "support-desk-dev-support"],
        "support-desk-dev-triage": ["support-desk-dev"],
    }
    for name, entry in manifest["stacks"].items():
        assert entry["synthesizedStackPath"] == f"stacks/{name}/cdk.tf.json"
        assert (per_agent / "cdktf.out" / entry["synthesizedStackPath"]).is_file()
    # the HCL export has one directory per stack
    exported = sorted(p.name for p in (per_agent / "infra").iterdir())
    assert exported == sorted([*names, ".gitignore", ".terraformignore", "strands-export.json"])


def _doc(root: Path, stack: str) -> dict:
    return json.loads((root / "cdktf.out" / "stacks" / stack / "cdk.tf.json").read_text())


def test_per_agent_cross_stack_references(per_agent: Path) -> None:
    synth(per_agent, "dev")
    shared = _doc(per_agent, "support-desk-dev")
    support = _doc(per_agent, "support-desk-dev-support")
    api = _doc(per_agent, "support-desk-dev-api")
    # the consumer reads the producer's state through terraform_remote_state ...
    remote = support["data"]["terraform_remote_state"]
    assert list(remote) == ["cross-stack-reference-input-support-desk-dev"]
    assert remote["cross-stack-reference-input-support-desk-dev"]["backend"] == "s3"
    assert remote["cross-stack-reference-input-support-desk-dev"]["config"] == {
        "bucket": "acme-tfstate",
        "key": "support-desk/dev/support-desk-dev.tfstate",
        "region": "us-east-1",
    }
    # ... and the producer exports exactly what is read, named the CDKTF way
    output_id = cross_stack_output_id("module.table_tickets.table_arn")
    assert output_id == "cross-stack-output-moduletable_ticketstable_arn"
    assert shared["output"][output_id] == {
        "description": "read by stack support-desk-dev-support",
        "sensitive": True,
        "value": "${module.table_tickets.table_arn}",
    }
    ref = f"${{data.terraform_remote_state.cross-stack-reference-input-support-desk-dev.outputs.{output_id}}}"
    statements = support["module"]["role_support"]["policy_statements"]
    assert any(ref in s["resources"] for s in statements)
    env = support["module"]["agent_support"]["environment_variables"]
    assert env["TICKETS_TABLE"].startswith("${data.terraform_remote_state.cross-stack-reference-input-support-desk-dev")
    # the API stack reads the function from the agent's stack, and the alarm topic from the shared stack
    api_remote = api["data"]["terraform_remote_state"]
    assert list(api_remote) == [
        "cross-stack-reference-input-support-desk-dev",
        "cross-stack-reference-input-support-desk-dev-support",
    ]
    invoke = api["module"]["api"]["routes"]["POST /chat"]["invoke_arn"]
    assert invoke == (
        "${data.terraform_remote_state.cross-stack-reference-input-support-desk-dev-support.outputs."
        "cross-stack-output-moduleagent_supportinvoke_arn}"
    )
    assert "cross-stack-output-moduleagent_supportinvoke_arn" in support["output"]
    # every cross-stack output some stack reads exists, and no stack references a module it does not hold
    stacks = ("support-desk-dev", "support-desk-dev-support", "support-desk-dev-api", "support-desk-dev-triage")
    all_docs = {s: _doc(per_agent, s) for s in stacks}
    text = json.dumps(all_docs)
    for stack, doc in all_docs.items():
        for out in doc.get("output", {}):
            if out.startswith("cross-stack-output-"):
                assert f"outputs.{out}}}" in text, f"{stack} exports {out} that no stack reads"
        for module in doc.get("module", {}).values():
            for module_ref in re.findall(r"\$\{module\.([A-Za-z0-9_-]+)\.", json.dumps(module)):
                assert module_ref in doc["module"], f"{stack} references module {module_ref} of another stack"


def test_per_agent_is_deterministic_across_directories(tmp_path: Path, per_agent: Path) -> None:
    other = copy_project(per_agent, tmp_path / "elsewhere" / "x")
    synth(per_agent, "dev", hcl=per_agent / "infra")
    synth(other, "dev", hcl=other / "infra")
    assert tree_bytes(per_agent / "cdktf.out") == tree_bytes(other / "cdktf.out")
    assert tree_bytes(per_agent / "infra") == tree_bytes(other / "infra")


@pytest.mark.parametrize(
    ("agent", "stacks"),
    [
        # triage serves no routes: the API stack (and, through it, support's stack) is not needed
        ("triage", ["support-desk-dev", "support-desk-dev-triage"]),
        ("support", ["support-desk-dev", "support-desk-dev-support", "support-desk-dev-api"]),
    ],
)
def test_agent_filter_writes_selected_stacks_and_their_dependencies(
    per_agent: Path, agent: str, stacks: list[str]
) -> None:
    result = run_cli(["--agent", agent, "synth", "-e", "dev", "--no-package", "--json"], cwd=per_agent)
    assert result.returncode == 0, result.stderr
    assert [s["name"] for s in json.loads(result.stdout)["stacks"]] == stacks
    manifest = json.loads((per_agent / "cdktf.out" / "manifest.json").read_text())
    assert sorted(manifest["stacks"]) == sorted(stacks)
    for name, entry in manifest["stacks"].items():
        for dep in entry["dependencies"]:
            assert dep in manifest["stacks"], f"{name} depends on {dep}, which the manifest does not contain"
