"""examples/production (issue 16 item 8): its pipeline is what `strands ci init github` writes and passes actionlint,
and its committed HCL exports are current (the pipeline's own stale check, run here as CI runs it).

The export check builds the agents' dependency layer (pinned requirements, pip for the Lambda platform), so it
needs PyPI and is marked slow; dev and prod share one layer build.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from .test_pipelines import actionlint

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "production"
STRANDS = Path(sys.executable).with_name("strands")


def _strands(*args: str, cwd: Path = EXAMPLE) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and k != "STRANDS_ENV"}
    return subprocess.run([str(STRANDS), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
                          check=False)  # fmt: skip


def test_pipeline_is_the_generated_one_and_passes_actionlint(tmp_path: Path) -> None:
    copy = tmp_path / "production"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".strands", "infra", ".github"))
    result = _strands("ci", "init", "github", "--repo-root", ".", cwd=copy)
    assert result.returncode == 0, result.stderr
    committed = EXAMPLE / ".github" / "workflows" / "strands.yml"
    assert (copy / ".github" / "workflows" / "strands.yml").read_text() == committed.read_text()
    lint = actionlint(committed)
    assert lint.returncode == 0, lint.stdout + lint.stderr
    jobs = yaml.safe_load(committed.read_text())["jobs"]
    assert jobs["apply-prod"]["needs"] == "apply-dev" and jobs["apply-prod"]["environment"] == "prod"


def test_the_example_is_the_production_path() -> None:
    from strands_tf.config import load_project, resolve

    loaded = load_project(EXAMPLE, env={})
    accounts = set()
    for name in ("dev", "prod"):
        resolved = resolve(loaded, name, environ={})
        accounts.add(resolved.environment.account)
        assert resolved.state.backend == "s3" and resolved.state.lock
        vpc = resolved.environment.vpc
        assert vpc is not None and vpc.ipam_pool_id and vpc.nat == "one_per_az" and vpc.endpoints
    assert len(accounts) == 2 and loaded.config.history.bucket
    agents = loaded.config.agents
    assert any(a.api for a in agents.values()) and any(a.triggers for a in agents.values())
    for requirements in EXAMPLE.glob("agents/*/requirements.txt"):
        pins = [line for line in requirements.read_text().splitlines() if line and not line.startswith("#")]
        assert pins and all("==" in line for line in pins), f"{requirements}: pin every requirement exactly"


@pytest.mark.slow
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_committed_export_is_current(environment: str) -> None:
    """What the example's pipeline runs first: `strands synth --hcl infra/<env> --check`."""
    result = _strands("synth", "-e", environment, "--hcl", f"infra/{environment}", "--check")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
