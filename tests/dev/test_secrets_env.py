"""`strands dev` runs an agent with what the deployed function gets: its literal environment and secrets."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from strands_tf.config import load_project, resolve
from strands_tf.dev.environment import agent_environments

CONFIG = """\
version: 1
project: demo-desk
agents:
  support:
    path: agents/support
    environment: {LOG_LEVEL: debug, GREETING: "hi $${not-a-reference}"}
    secrets:
      OPENAI_API_KEY: {ssm: /demo/openai}
"""


def test_local_runs_get_the_literal_environment_and_the_secret_references(tmp_path: Path) -> None:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(CONFIG)
    loaded = load_project(tmp_path, env={})
    env = agent_environments(loaded, resolve(loaded, "local", environ={}))["support"]
    variables = env.function_variables
    # deployed apart (so Terraform masks them) but the same variables to the function
    assert variables["LOG_LEVEL"] == "debug"
    assert variables["GREETING"] == "hi ${not-a-reference}"
    assert json.loads(variables["STRANDS_SECRETS"]) == {"OPENAI_API_KEY": {"ssm": "/demo/openai"}}
    assert "OPENAI_API_KEY" not in variables


def test_the_worker_can_import_the_secrets_helper_and_an_agents_own_copy_wins(tmp_path: Path) -> None:
    script = (
        "import sys\n"
        "from strands_tf.dev.worker import _prepare_path\n"
        "_prepare_path({'code_dir': sys.argv[1]})\n"
        "import strands_secrets\n"
        "print(strands_secrets.__file__)\n"
    )
    code = tmp_path / "agent"
    code.mkdir()
    found = subprocess.run([sys.executable, "-c", script, str(code)], capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()).parent.name == "runtime"
    (code / "strands_secrets.py").write_text("# the agent's own\n")
    found = subprocess.run([sys.executable, "-c", script, str(code)], capture_output=True, text=True, check=True)
    assert Path(found.stdout.strip()) == code / "strands_secrets.py"
