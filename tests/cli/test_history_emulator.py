"""History commands find the project's running emulator the same way `strands emulator status` does."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from strands_tf.deploy import emulator_target
from strands_tf.deploy.workspace import Workspace
from strands_tf.history.service import emulator_bucket_name
from strands_tf.scaffold import scaffold
from tests.cli.helpers import run_cli

pytestmark = pytest.mark.moto


@pytest.fixture
def emulated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    root = tmp_path / "demo"
    scaffold(root, "simple", name="demo")
    monkeypatch.delenv(emulator_target.ENDPOINT_ENV, raising=False)
    workspace = Workspace(root)
    emulator_target.ensure_emulator(workspace)
    try:
        yield root
    finally:
        emulator_target.stop_emulator(workspace)


def test_history_init_uses_the_running_emulator(emulated: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    status = run_cli(["-C", str(emulated), "emulator", "status", "--json"], monkeypatch, capsys)
    assert status.code == 0 and json.loads(status.out)["running"] is True
    endpoint = json.loads(status.out)["endpoint"]

    result = run_cli(["-C", str(emulated), "history", "init", "-e", "local", "--json"], monkeypatch, capsys)
    assert result.code == 0, result.err
    from strands_tf.config import load_project

    # the templates name a history bucket (issue 16); the emulator then holds a bucket of that name
    bucket = load_project(emulated).config.history.bucket or emulator_bucket_name("demo")
    assert json.loads(result.out)["bucket"] == bucket
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id="test",
                      aws_secret_access_key="test")  # fmt: skip
    assert s3.get_bucket_versioning(Bucket=bucket)["Status"] == "Enabled"
    # and the read commands see the same store
    listed = run_cli(["-C", str(emulated), "history", "list", "-e", "local", "--json"], monkeypatch, capsys)
    assert listed.code == 0 and json.loads(listed.out)["store"] == f"s3://{bucket}"


def test_history_init_without_an_emulator_says_how_to_start_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                capsys) -> None:  # fmt: skip
    root = tmp_path / "demo"
    scaffold(root, "simple", name="demo")
    monkeypatch.delenv(emulator_target.ENDPOINT_ENV, raising=False)
    result = run_cli(["-C", str(root), "history", "init", "-e", "local"], monkeypatch, capsys)
    assert result.code == 1
    assert "not running" in result.err and "strands emulator start" in result.err
