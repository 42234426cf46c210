"""HCP Terraform (issue 16 item 5): the `cloud` block per stack and `strands hcp bootstrap`.

The HCP API is not reachable here: everything up to it is tested. The bootstrap stack is checked against the
hashicorp/tfe schema extracted offline from cdktf-cdktf-provider-tfe (strands_tf/schema/tfe_provider_schema.json),
parsed by Terraform itself (`terraform providers` loads the whole configuration without the provider), and its
workspace names are compared with the ones the exported stacks' `cloud` blocks use.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import hcl2
import pytest

from strands_tf.cli.main import main
from strands_tf.schema import TFE_SCHEMA_FILE, load_tfe_schema
from strands_tf.schema.check import check_json_document

SAMPLE = Path(__file__).resolve().parents[1] / "generators" / "data" / "sample"
REPO_ROOT = Path(__file__).resolve().parents[2]
CLOUD = "state: {backend: cloud, organization: acme, project: agents, workspace_tags: [support-desk, AI]}"


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root)
    config = root / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace("state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}", CLOUD)
        .replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    )
    return root


def _bootstrap(project: Path, monkeypatch, capsys, *extra: str) -> dict:
    code, out = _cli(["-C", str(project), "hcp", "bootstrap", "--json", *extra], monkeypatch, capsys)
    assert code == 0, out
    return json.loads((project / "infra" / "hcp-bootstrap" / "main.tf.json").read_text())


def test_bootstrap_stack_matches_the_tfe_schema(project: Path, monkeypatch, capsys) -> None:
    doc = _bootstrap(project, monkeypatch, capsys)
    problems = check_json_document(doc, source="main.tf.json", schema=load_tfe_schema())
    assert problems == [], [p.format() for p in problems]
    assert set(doc["resource"]) == {"tfe_workspace", "tfe_workspace_settings", "tfe_variable"}
    assert len(doc["resource"]["tfe_workspace"]) == 8  # 4 stacks x dev, prod


def test_the_schema_check_catches_mistakes(project: Path, monkeypatch, capsys) -> None:
    """The check can fail: an unknown argument, a missing required one, a block written as an attribute."""
    doc = _bootstrap(project, monkeypatch, capsys)
    workspace = next(iter(doc["resource"]["tfe_workspace"].values()))
    workspace["auto_aply"] = True
    variable = next(iter(doc["resource"]["tfe_variable"].values()))
    del variable["key"]
    problems = [p.format() for p in check_json_document(doc, schema=load_tfe_schema())]
    assert any("auto_aply" in p for p in problems) and any("key" in p for p in problems)


def test_terraform_parses_the_bootstrap_stack(project: Path, monkeypatch, capsys) -> None:
    _bootstrap(project, monkeypatch, capsys)
    env = {**os.environ, "TF_IN_AUTOMATION": "1", "CHECKPOINT_DISABLE": "1"}
    proc = subprocess.run(
        [sys.executable, "-m", "strands_tf.terraform.embedded", "providers", "-no-color"],
        cwd=project / "infra" / "hcp-bootstrap",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "provider[registry.terraform.io/hashicorp/tfe] ~> 0.71" in proc.stdout


def test_workspaces_are_the_ones_the_cloud_blocks_name(project: Path, monkeypatch, capsys) -> None:
    doc = _bootstrap(project, monkeypatch, capsys)
    args = ["-C", str(project), "synth", "-e", "dev", "--hcl", str(project / "infra" / "dev"), "--no-package"]
    code, out = _cli(args, monkeypatch, capsys)
    assert code == 0, out
    workspaces = {w["name"]: w for w in doc["resource"]["tfe_workspace"].values()}
    for stack_dir in sorted((project / "infra" / "dev").iterdir()):
        if not stack_dir.is_dir():
            continue
        versions = hcl2.loads((stack_dir / "versions.tf").read_text())
        cloud = versions["terraform"][0]["cloud"][0]
        (block,) = cloud["workspaces"]
        name = block["name"].strip('"')
        assert block["project"].strip('"') == "agents" and cloud["organization"].strip('"') == "acme"
        ws = workspaces[name]
        assert ws["working_directory"] == f"infra/dev/{stack_dir.name}"
        assert ws["project_id"] == "${data.tfe_project.project_acme_agents.id}"
        assert ws["tag_names"] == ["ai", "strands", "strands-dev", "support-desk"]
        assert ws["auto_apply"] is False


def test_state_sharing_and_credentials(project: Path, monkeypatch, capsys) -> None:
    doc = _bootstrap(project, monkeypatch, capsys)
    workspaces = doc["resource"]["tfe_workspace"]
    # the API stack reads the support stack's outputs; the agent stacks and the API (its alarms notify the
    # shared alarm topic) read the main stack's
    assert workspaces["dev_support_desk_dev_support"]["remote_state_consumer_ids"] == [
        "${tfe_workspace.dev_support_desk_dev_api.id}"
    ]
    assert workspaces["dev_support_desk_dev"]["remote_state_consumer_ids"] == [
        "${tfe_workspace.dev_support_desk_dev_api.id}",
        "${tfe_workspace.dev_support_desk_dev_support.id}",
        "${tfe_workspace.dev_support_desk_dev_triage.id}",
    ]
    assert workspaces["dev_support_desk_dev_api"]["remote_state_consumer_ids"] == []
    variables = [v for v in doc["resource"]["tfe_variable"].values() if "dev_support_desk_dev_api" in v["workspace_id"]]
    assert {v["key"]: v["value"] for v in variables} == {
        "TFC_AWS_PROVIDER_AUTH": "true",
        "TFC_AWS_PLAN_ROLE_ARN": '${var.plan_role_arns["dev"]}',
        "TFC_AWS_APPLY_ROLE_ARN": '${var.apply_role_arns["dev"]}',
    }
    assert all(v["category"] == "env" for v in variables)
    settings = doc["resource"]["tfe_workspace_settings"]["dev_support_desk_dev_api"]
    assert settings == {"execution_mode": "remote", "workspace_id": "${tfe_workspace.dev_support_desk_dev_api.id}"}
    validation = doc["variable"]["apply_role_arns"]["validation"][0]["condition"]
    assert 'contains(keys(var.apply_role_arns), "dev")' in validation and '"prod"' in validation
    assert "token" not in json.dumps(doc["provider"]).lower()


def test_vcs_driven_runs(project: Path, monkeypatch, capsys) -> None:
    doc = _bootstrap(project, monkeypatch, capsys, "--vcs-repo", "acme/agents", "--oauth-token-id", "ot-abc")
    ws = doc["resource"]["tfe_workspace"]["prod_support_desk_prod_triage"]
    assert ws["vcs_repo"] == [{"branch": "main", "identifier": "acme/agents", "oauth_token_id": "ot-abc"}]
    assert ws["trigger_prefixes"] == ["infra/prod/support-desk-prod-triage"] and ws["file_triggers_enabled"] is True
    assert check_json_document(doc, schema=load_tfe_schema()) == []


def test_bootstrap_refusals(tmp_path: Path, project: Path, monkeypatch, capsys) -> None:
    code, out = _cli(["-C", str(project), "hcp", "bootstrap", "--vcs-repo", "acme/agents"], monkeypatch, capsys)
    assert code == 2 and "--oauth-token-id" in out
    code, out = _cli(["-C", str(project), "hcp", "bootstrap", "--environments", "local"], monkeypatch, capsys)
    assert code == 1 and "HCP Terraform" in out
    plain = tmp_path / "plain"
    shutil.copytree(SAMPLE, plain)
    code, out = _cli(["-C", str(plain), "hcp", "bootstrap"], monkeypatch, capsys)
    assert code == 1 and "backend: cloud" in out and not (plain / "infra").exists()
    _bootstrap(project, monkeypatch, capsys)
    stack = project / "infra" / "hcp-bootstrap" / "main.tf.json"
    stack.write_text(stack.read_text().replace('"auto_apply": false', '"auto_apply": true'))
    code, out = _cli(["-C", str(project), "hcp", "bootstrap"], monkeypatch, capsys)
    assert code == 1 and "--force" in out and '"auto_apply": true' in stack.read_text()


def test_committed_tfe_schema_is_current() -> None:
    """The committed subset equals a fresh extraction from the installed package (a dev dependency)."""
    pytest.importorskip("jsii", reason="cdktf-cdktf-provider-tfe (dev extra) is not installed")
    proc = subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "extract_tfe_schema.py"),
            "--check",
            "--output",
            str(TFE_SCHEMA_FILE),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
