"""Issue 16, done when: a fresh clone holding only strands.yaml, the agents and the committed export (written by
`strands ci init github` + `strands synth --hcl`) plans on the emulator with Terraform and the pipeline's package
step alone: no `.strands/`, no cdktf.out, no zips in git, no `strands plan`.

"Terraform" is the engine bundled with strands-tf (`python -m strands_tf.terraform.embedded`, Terraform 1.15),
run by hand in the export's directory exactly as the generated workflow runs `terraform`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .project import STRANDS

pytestmark = [pytest.mark.engine, pytest.mark.slow]

SAMPLE = Path(__file__).resolve().parents[1] / "generators" / "data" / "sample"


def _run(
    args: list[str], cwd: Path, env: dict[str, str], ok: tuple[int, ...] = (0,)
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    assert proc.returncode in ok, f"{' '.join(args)} exited {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def _git(repo: Path, *args: str) -> str:
    return _run(["git", "-C", str(repo), *args], repo, dict(os.environ)).stdout


def test_fresh_clone_plans_with_terraform_and_the_package_step_alone(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "STRANDS_ENV"}
    env.update({"NO_COLOR": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
                "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com"})  # fmt: skip
    env.setdefault("STRANDS_CACHE_DIR", str(tmp_path / "cache"))

    # the team's repository: strands.yaml, agents, the pipeline and the committed export
    repo = tmp_path / "repo"
    shutil.copytree(SAMPLE, repo)
    (repo / ".gitignore").write_text(".strands/\ncdktf.out/\n")  # what `strands init` writes
    _git(repo, "init", "-q", "-b", "main")
    _run([STRANDS, "ci", "init", "github", "--environments", "local"], repo, env)
    _run([STRANDS, "synth", "-e", "local", "--hcl", "infra/local"], repo, env)
    shutil.rmtree(repo / "cdktf.out")  # a synth's review output; not part of what is committed
    (repo / "cdktf.json").unlink()
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "strands project with its committed export")
    committed = _git(repo, "ls-files").split()
    assert ".github/workflows/strands.yml" in committed and "infra/local/versions.tf" in committed
    assert not [f for f in committed if f.endswith(".zip") or f.startswith(".strands") or "tfstate" in f]

    # a fresh clone, as the pipeline gets it
    clone = tmp_path / "clone"
    _run(["git", "clone", "-q", str(repo), str(clone)], tmp_path, env)
    workflow = yaml.safe_load((clone / ".github" / "workflows" / "strands.yml").read_text())
    steps = workflow["jobs"]["plan-local"]["steps"]
    check = next(s["run"] for s in steps if s.get("name", "").startswith("Fail on a stale export"))
    emulator = next(s["run"] for s in steps if s.get("name", "").startswith("Start the offline AWS emulator"))
    assert check.splitlines() == [
        "strands synth -e local --hcl infra/local --check",
        "strands package -e local --hcl infra/local",
    ]
    try:
        # the pipeline's own steps, verbatim: stale check and package step, then the emulator's environment
        for line in check.splitlines():
            _run([STRANDS, *line.split()[1:]], clone, env)
        assert sorted(p.name for p in (clone / "infra" / "local" / "assets").iterdir()) == [
            "support-code.zip", "triage-code.zip",
        ]  # fmt: skip
        printed = _run([STRANDS, *emulator.split(">>")[0].split()[1:]], clone, env).stdout
        tf_env = {**env, **dict(line.split("=", 1) for line in printed.splitlines() if "=" in line)}
        assert {"TF_CLI_CONFIG_FILE", "TF_VAR_emulator_endpoint", "AWS_ACCESS_KEY_ID"} <= set(tf_env)

        # Terraform alone in the export's directory
        terraform = [sys.executable, "-m", "strands_tf.terraform.embedded"]
        workdir = clone / "infra" / "local"
        _run([*terraform, "init", "-input=false", "-no-color"], workdir, tf_env)
        plan = _run([*terraform, "plan", "-input=false", "-no-color", "-out=tfplan", "-detailed-exitcode"],
                    workdir, tf_env, ok=(2,))  # fmt: skip
        shown = json.loads(_run([*terraform, "show", "-json", "tfplan"], workdir, tf_env).stdout)
        creates = [rc["address"] for rc in shown["resource_changes"] if rc["change"]["actions"] == ["create"]]
        assert "module.agent_support.aws_lambda_function.this" in creates, plan.stdout
        assert "module.agent_triage.aws_lambda_function.this" in creates
        assert not (clone / ".strands" / "build").exists()  # strands did not plan; Terraform did

        # and the pipeline's comment step renders it, mapped to strands.yaml
        (tmp_path / "plans").mkdir()
        (tmp_path / "plans" / "support-desk-local.json").write_text(json.dumps(shown))
        comment = _run([STRANDS, "show", "-e", "local", str(tmp_path / "plans" / "support-desk-local.json"),
                        "--format", "markdown"], clone, env).stdout  # fmt: skip
        assert "<b>agent support (strands.yaml:" in comment

        # the committed tree is untouched by all of it (zips, plans and .terraform/ are ignored); the lock file
        # Terraform wrote is the one a team commits after its first init
        assert _git(clone, "status", "--porcelain").splitlines() == ["?? infra/local/.terraform.lock.hcl"]
    finally:
        _run([STRANDS, "emulator", "stop"], clone, env, ok=(0, 1, 2, 3))


def test_plan_as_a_pull_request_comment_on_the_emulator(tmp_path: Path) -> None:
    """`strands plan --format markdown`: the summary of a real plan, with the cost estimate when there is one."""
    from .project import Project

    root = tmp_path / "project"
    shutil.copytree(SAMPLE, root)
    project = Project(root, Path(os.environ.get("STRANDS_CACHE_DIR", tmp_path / "cache")))
    try:
        comments = tmp_path / "comments"
        project.run("plan", "-e", "local", "--format", "markdown", "--comment-dir", str(comments))
        (part,) = sorted(comments.iterdir())
        text = part.read_text()
        assert text.startswith("<!-- strands-plan -->\n### strands plan: support-desk · local")
        assert "#### `support-desk-local`:" in text and "<b>agent support (strands.yaml:" in text
        assert "| + | `module.agent_support.aws_lambda_function.this` |" in text
        assert "#### Cost (monthly estimate)" in text and "| after this plan |" in text
        assert text.count("<details>") == text.count("</details>")
    finally:
        project.run("emulator", "stop", ok=(0, 1, 3))
