"""Read-only history commands work when `${env:NAME}` variables they do not need are unset; writes still need them."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.config import load_project
from strands_tf.errors import ConfigError
from strands_tf.history.project import load_for_history
from tests.cli.helpers import run_cli

CONFIG = """\
version: 1
project: demo
region: us-east-1
environments:
  dev:
    region: us-east-1
  prod:
    region: eu-west-1
    account: "${env:PROD_ACCOUNT}"
agents:
  support:
    path: agents/support
    handler: app.handler
    memory: ${env:SUPPORT_MEMORY}
    environment:
      UPSTREAM_KEY: ${env:SUPPORT_API_KEY}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "demo"
    (root / "agents" / "support").mkdir(parents=True)
    (root / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "strands.yaml").write_text(CONFIG)
    for name in ("PROD_ACCOUNT", "SUPPORT_MEMORY", "SUPPORT_API_KEY", "HISTORY_BUCKET", "STRANDS_ENV"):
        monkeypatch.delenv(name, raising=False)
    return root


@pytest.mark.parametrize(
    "command",
    [
        ["history", "list"],
        ["history", "list", "-e", "dev"],
        ["-e", "dev", "history", "show", "20260101T000000Z-abcdef"],
    ],
)
def test_read_only_history_commands_do_not_need_unrelated_variables(
    project: Path, command: list[str], monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    result = run_cli(["-C", str(project), *command], monkeypatch, capsys)
    assert "is not set" not in result.err, result.err
    if command[1] == "list" or command[3] == "list":
        assert result.code == 0, result.err
    else:
        assert result.code == 3 and "no deployment record" in result.err.lower()  # nothing recorded yet


def test_commands_that_deploy_still_need_every_variable(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    result = run_cli(["-C", str(project), "plan", "-e", "dev"], monkeypatch, capsys)
    assert result.code == 1
    assert "SUPPORT_API_KEY is not set" in result.err and "SUPPORT_MEMORY is not set" in result.err
    with pytest.raises(ConfigError):
        load_project(project)


def test_a_variable_the_history_command_needs_is_still_an_error(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    # the chosen environment's settings decide which account the records are read from
    result = run_cli(["-C", str(project), "history", "list", "-e", "prod"], monkeypatch, capsys)
    assert result.code == 1
    assert "PROD_ACCOUNT is not set" in result.err and "strands.yaml:9:" in result.err
    # so do the history settings themselves
    (project / "strands.yaml").write_text(CONFIG + "history:\n  bucket: ${env:HISTORY_BUCKET}\n")
    result = run_cli(["-C", str(project), "history", "list", "-e", "dev"], monkeypatch, capsys)
    assert result.code == 1 and "HISTORY_BUCKET is not set" in result.err


def test_history_writes_need_every_variable(project: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    result = run_cli(["-C", str(project), "history", "prune", "--dry-run"], monkeypatch, capsys)
    assert result.code == 1 and "SUPPORT_API_KEY is not set" in result.err


def test_lenient_loading_drops_only_the_unset_values(project: Path) -> None:
    loaded = load_for_history(project, lenient_env=True)
    agent = loaded.config.agents["support"]
    assert agent.memory is None and agent.environment == {}  # left to the defaults
    assert loaded.config.environments["prod"].account is None
    assert {".".join(map(str, loc)) for loc in loaded.unresolved} == {
        "environments.prod.account",
        "agents.support.memory",
        "agents.support.environment.UPSTREAM_KEY",
    }
