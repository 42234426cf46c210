"""The real-AWS runtime hands Terraform the configured identity, and only that one."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.deploy.executor import DeployContext, StackSpec
from strands_tf.deploy.project import aws_runtime
from strands_tf.deploy.workspace import Workspace
from strands_tf.scaffold import scaffold
from strands_tf.terraform.engine import Engine, EngineKind

pytestmark = pytest.mark.moto

# a stand-in for terraform that prints the AWS variables it was started with
PRINT_ENV = """
import json, os, sys
print(json.dumps({k: v for k, v in os.environ.items() if k.startswith("AWS_")}))
"""


@pytest.fixture
def profile_project(tmp_path: Path, aws_env, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    scaffold(root, "simple", name="demo")
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("# profile: dev ", "profile: deployer "))
    aws_config = tmp_path / "aws-config"
    aws_config.write_text("[profile deployer]\naws_access_key_id = AKIADEPLOYER\naws_secret_access_key = x\n")
    monkeypatch.setenv("AWS_CONFIG_FILE", str(aws_config))
    return root


def test_exported_static_keys_do_not_override_the_configured_profile(
    profile_project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # keys exported in the shell (aws_env sets them too) would win over AWS_PROFILE in the AWS SDKs
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIALEAKEDFROMSHELL")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "leaked-secret")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "leaked-token")
    resolved = resolve(load_project(profile_project), "dev")
    assert resolved.environment.profile == "deployer"
    workspace = Workspace(profile_project)
    runtime = aws_runtime(resolved, workspace)

    script = tmp_path / "fake_terraform.py"
    script.write_text(PRINT_ENV)
    engine = Engine(EngineKind.BINARY, (sys.executable, str(script)), "1.15.0", str(script))
    ctx = DeployContext(workspace=workspace, project="demo", environment="dev", engine=engine, runtime=runtime)
    stack_dir = tmp_path / "stack"
    stack_dir.mkdir()
    runner = ctx.runner(StackSpec("demo-dev", stack_dir, []))
    seen = json.loads(runner.run(["env"], capture_stdout=True).stdout or b"{}")
    assert seen["AWS_PROFILE"] == "deployer"
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        assert name not in seen, f"{name} from the parent reached Terraform"
