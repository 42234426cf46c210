"""`strands env list|use|show` and the per-user default every command honours (after -e and $STRANDS_ENV)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from strands_tf.deploy.workspace import Workspace
from tests.cli.helpers import run_cli

CONFIG = """\
version: 1
project: demo
region: us-east-1
environments:
  dev:
    account: "123456789012"
  prod:
    account: "210987654321"
    region: eu-west-1
    state: {backend: s3, bucket: demo-state, key_prefix: demo}
agents:
  support:
    path: agents/support
    handler: app.handler
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    (tmp_path / "agents" / "support").mkdir(parents=True)
    (tmp_path / "agents" / "support" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(CONFIG)
    monkeypatch.delenv("STRANDS_ENV", raising=False)
    return tmp_path


def _env_of(project: Path, monkeypatch, capsys, *extra: str) -> tuple[str, str]:
    result = run_cli(["-C", str(project), *extra, "config", "show", "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    return json.loads(result.out)["environment"]["name"], result.err


def test_use_sets_a_default_every_command_honours_and_names(project: Path, monkeypatch, capsys) -> None:
    assert _env_of(project, monkeypatch, capsys) == ("dev", "")  # the project's rule: dev
    result = run_cli(["-C", str(project), "env", "use", "prod"], monkeypatch, capsys)
    assert result.code == 0 and "prod" in result.out
    assert Workspace(project).default_environment_file.read_text() == "prod\n"
    name, err = _env_of(project, monkeypatch, capsys)
    assert name == "prod" and "environment: prod (your default" in err  # named in the command's header
    assert _env_of(project, monkeypatch, capsys, "-e", "dev") == ("dev", "")  # -e overrides, and nothing is said
    monkeypatch.setenv("STRANDS_ENV", "dev")
    assert _env_of(project, monkeypatch, capsys)[0] == "dev"  # so does $STRANDS_ENV
    monkeypatch.delenv("STRANDS_ENV")
    result = run_cli(["-C", str(project), "env", "use", "--unset"], monkeypatch, capsys)
    assert result.code == 0 and not Workspace(project).default_environment_file.exists()
    assert _env_of(project, monkeypatch, capsys)[0] == "dev"


def test_an_unknown_environment_is_refused_and_the_default_kept(project: Path, monkeypatch, capsys) -> None:
    run_cli(["-C", str(project), "env", "use", "prod"], monkeypatch, capsys)
    result = run_cli(["-C", str(project), "env", "use", "prdo"], monkeypatch, capsys)
    assert result.code == 1 and "unknown environment 'prdo'" in result.err and "did you mean 'prod'" in result.err
    assert Workspace(project).default_environment_file.read_text() == "prod\n"
    result = run_cli(["-C", str(project), "env", "use"], monkeypatch, capsys)
    assert result.code == 2


def test_a_default_that_left_strands_yaml_is_a_clear_error(project: Path, monkeypatch, capsys) -> None:
    Workspace(project).default_environment_file.parent.mkdir(parents=True)
    Workspace(project).default_environment_file.write_text("staging\n")
    result = run_cli(["-C", str(project), "config", "show"], monkeypatch, capsys)
    assert result.code == 1
    assert "your default environment 'staging'" in result.err and "strands env use" in result.err
    Workspace(project).default_environment_file.write_text("../../etc/passwd\n")
    result = run_cli(["-C", str(project), "config", "show"], monkeypatch, capsys)
    assert result.code == 1 and "does not hold an environment name" in result.err
    # -e still works with a broken default
    assert _env_of(project, monkeypatch, capsys, "-e", "prod")[0] == "prod"


def test_list_shows_backend_last_deployment_and_drift(project: Path, monkeypatch, capsys) -> None:
    workspace = Workspace(project)
    for deployment_id, env, status in (
        ("20261201T100000Z-aaaaaa", "prod", "failed"),
        ("20261202T100000Z-bbbbbb", "prod", "succeeded"),
        ("20261201T090000Z-cccccc", "dev", "succeeded"),
    ):
        folder = workspace.deployments_dir() / deployment_id
        folder.mkdir(parents=True)
        (folder / "checkpoint.json").write_text(
            json.dumps(
                {
                    "id": deployment_id,
                    "command": "apply",
                    "environment": env,
                    "status": status,
                    "finished_at": "2026-12-02T10:01:00+00:00",
                }
            )
        )
    (workspace.deployments_dir() / "20261203T100000Z-dddddd").mkdir()  # no checkpoint: ignored
    workspace.drift_dir().mkdir(parents=True)
    workspace.drift_report("prod").write_text(
        json.dumps(
            {
                "schema_version": 1,
                "checked_at": "2026-12-02T11:00:00+00:00",
                "status": "drifted",
                "counts": {"changed": 2, "missing": 1},
            }
        )
    )
    run_cli(["-C", str(project), "env", "use", "prod"], monkeypatch, capsys)
    result = run_cli(["-C", str(project), "env", "list", "--json"], monkeypatch, capsys)
    assert result.code == 0
    rows = {row["name"]: row for row in json.loads(result.out)}
    assert list(rows) == ["dev", "prod", "local"]
    prod = rows["prod"]
    assert prod["default"] and prod["account"] == "210987654321" and prod["region"] == "eu-west-1"
    assert prod["backend"] == "s3://demo-state/demo"
    assert prod["last_deployment"]["id"] == "20261202T100000Z-bbbbbb"
    assert prod["drift"] == {"checked_at": "2026-12-02T11:00:00+00:00", "status": "drifted", "changed": 2, "missing": 1}
    assert rows["dev"]["drift"] is None and rows["local"]["target"] == "emulator"
    assert rows["local"]["backend"] == "local" and rows["local"]["last_deployment"] is None
    monkeypatch.setenv("COLUMNS", "200")
    text = run_cli(["-C", str(project), "env", "list"], monkeypatch, capsys).out
    assert "2 changed, 1 missing" in text and "not checked" in text
    shown = run_cli(["-C", str(project), "env", "show", "prod", "--json"], monkeypatch, capsys)
    data = json.loads(shown.out)
    assert [d["id"] for d in data["recent_deployments"]] == ["20261202T100000Z-bbbbbb", "20261201T100000Z-aaaaaa"]
    assert data["history"].endswith(".strands/history") and data["agents"] == ["support"]


def test_the_default_file_is_private_and_a_fifo_there_does_not_block(project: Path, monkeypatch, capsys) -> None:
    import os
    import stat
    import threading

    from strands_tf.errors import StrandsError
    from strands_tf.operate.environments import read_default

    run_cli(["-C", str(project), "env", "use", "prod"], monkeypatch, capsys)
    path = Workspace(project).default_environment_file
    assert stat.S_IMODE(path.stat().st_mode) == 0o600  # like every file under .strands/
    path.unlink()
    os.mkfifo(path)
    outcome: list[object] = []

    def read() -> None:
        try:
            outcome.append(read_default(Workspace(project)))
        except StrandsError as exc:
            outcome.append(exc)

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    reader.join(timeout=20)
    if reader.is_alive():  # blocked opening the FIFO: unblock it, then fail
        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
        reader.join(timeout=5)
        pytest.fail("reading the default environment blocked on a FIFO")
    (error,) = outcome
    assert isinstance(error, StrandsError) and str(path) in error.summary and "FIFO" in str(error.summary).upper()
