"""Deployment metrics (history.metrics: true): published to CloudWatch (moto server), never failing a deployment."""

from __future__ import annotations

from pathlib import Path

import boto3
import pytest

from strands_tf.config import load_project, resolve
from strands_tf.history.metrics import NAMESPACE, metric_data, publish_deployment_metrics
from strands_tf.history.models import ChangeRef, Changes, RecordMetadata
from tests.conftest import free_port

pytestmark = pytest.mark.moto


def _metadata(status: str = "succeeded") -> RecordMetadata:
    ref = ChangeRef(stack="demo-local", address="module.a.aws_sqs_queue.this")
    return RecordMetadata(
        id="20261201T100000Z-abcdef", project="demo", environment="local", command="apply", status=status,
        started_at="2026-12-01T10:00:00+00:00", finished_at="2026-12-01T10:01:30+00:00", duration_seconds=90.0,
        recorded_at="2026-12-01T10:01:31+00:00", tool_version="0.1.0",
        changes=Changes(created=[ref, ref], updated=[ref], deleted=[]),
    )  # fmt: skip


def _resolved(tmp_path: Path):  # type: ignore[no-untyped-def]
    (tmp_path / "agents" / "a").mkdir(parents=True)
    (tmp_path / "agents" / "a" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (tmp_path / "strands.yaml").write_text(
        "version: 1\nproject: demo\nhistory: {metrics: true}\nagents:\n  a: {path: agents/a}\n"
    )
    loaded = load_project(tmp_path, env={})
    assert loaded.config.history.metrics is True
    return resolve(loaded, "local", environ={})


def test_the_entries_say_duration_outcome_and_counts() -> None:
    by_name = {d["MetricName"]: d for d in metric_data(_metadata("failed"))}
    assert by_name["DeploymentFailed"]["Value"] == 1 and by_name["DeploymentSucceeded"]["Value"] == 0
    assert by_name["DeploymentDuration"] == {
        "MetricName": "DeploymentDuration", "Value": 90.0, "Unit": "Seconds",
        "Dimensions": [{"Name": "Project", "Value": "demo"}, {"Name": "Environment", "Value": "local"},
                       {"Name": "Command", "Value": "apply"}],
    }  # fmt: skip
    assert [by_name[n]["Value"] for n in ("ResourcesCreated", "ResourcesUpdated", "ResourcesDeleted")] == [2, 1, 0]


def test_published_to_cloudwatch(tmp_path: Path, moto_server, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("AWS_CONFIG_FILE", "/dev/null")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
    resolved = _resolved(tmp_path)
    assert publish_deployment_metrics(_metadata(), resolved, endpoint_url=moto_server.endpoint) is None
    cloudwatch = boto3.client("cloudwatch", endpoint_url=moto_server.endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    names = {m["MetricName"] for m in cloudwatch.list_metrics(Namespace=NAMESPACE)["Metrics"]}
    assert {"DeploymentSucceeded", "DeploymentDuration", "ResourcesCreated"} <= names


def test_a_target_that_cannot_be_reached_is_a_warning(tmp_path: Path) -> None:
    resolved = _resolved(tmp_path)
    warning = publish_deployment_metrics(_metadata(), resolved, endpoint_url=f"http://127.0.0.1:{free_port()}")
    assert warning is not None and warning.startswith("deployment metrics were not published")
    assert "not running" in (publish_deployment_metrics(_metadata(), resolved, endpoint_url=None) or "")
