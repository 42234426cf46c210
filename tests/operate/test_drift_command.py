"""`strands drift --json` prints one JSON document, also when a stack could not be checked (QA round 2: the
report and then the error document were printed one after the other, so stdout was not JSON)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

from strands_tf.deploy.workspace import Workspace
from strands_tf.operate.drift import DriftReport, StackDrift
from tests.cli.helpers import SAMPLE, run_cli


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "sample"
    shutil.copytree(SAMPLE, root)

    def prepared(ctx, *, package):  # type: ignore[no-untyped-def]
        from strands_tf.terraform.runner import Cancellation

        return SimpleNamespace(workspace=Workspace(root), ctx=SimpleNamespace(cancellation=Cancellation()))

    def detected(op):  # type: ignore[no-untyped-def]
        report = DriftReport("sample", "local", "2026-12-03T00:00:00+00:00")
        report.stacks["sample-local"] = StackDrift("sample-local", "error", "terraform plan failed: Invalid index")
        return report, {}

    monkeypatch.setattr("strands_tf.cli.drift.prepare_operation", prepared)
    monkeypatch.setattr("strands_tf.operate.drift.detect_drift", detected)
    return root


@pytest.mark.parametrize(("flags", "code"), [([], 3), (["--detailed-exitcode"], 1)])
def test_a_stack_that_could_not_be_checked_is_one_json_document(
    project: Path, flags: list[str], code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["-C", str(project), "drift", "-e", "local", "--json", *flags], monkeypatch, capsys)
    assert result.code == code
    doc = json.loads(result.out)  # one document: the report, whose status says it is incomplete
    assert doc["status"] == "incomplete"
    assert doc["stacks"]["sample-local"] == {"status": "error", "error": "terraform plan failed: Invalid index"}
    assert "Traceback" not in result.err


def test_without_json_the_failure_is_the_error_message(
    project: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["-C", str(project), "drift", "-e", "local"], monkeypatch, capsys)
    assert result.code == 3
    assert "drift could not be checked for sample-local" in result.err
