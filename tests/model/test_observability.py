"""Alarms, alarm topic, dashboard and X-Ray sampling in the InfraGraph, as strands.yaml configures them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import ConfigError
from strands_tf.model.build import build_graph

from .conftest import load, write_project


def _graph(tmp_path: Path, agents: dict[str, Any], resources: dict[str, Any] | None = None, **top: Any):  # type: ignore[no-untyped-def]
    root = write_project(tmp_path / "p", agents, resources, **top)
    _loaded, resolved = load(root)
    return build_graph(resolved)


def test_every_agent_gets_its_alarms_by_default(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {
            "support": {"handler": "app.handler", "timeout": 120, "dead_letter": True, "triggers": [{"queue": "jobs"}],
                         "model": "anthropic.claude-3-haiku-20240307-v1:0", "tags": {"team": "care"}},
            "quiet": {"handler": "app.handler", "alarms": {"enabled": False}},
        },
        {"jobs": {"type": "sqs", "fifo": True, "visibility_timeout": 720}},
    )  # fmt: skip
    alarms = graph.nodes["alarms_support"]
    assert alarms.module == "metric-alarms" and alarms.group == "support"
    assert alarms.body["tags"] == {"team": "care", "strands:agent": "support"}
    assert alarms.body["alarm_actions"] == ["${module.alarm_topic.topic_arn}"]
    by_key = alarms.body["alarms"]
    assert sorted(by_key) == ["dead_letter_age", "dead_letter_messages", "duration_p95", "errors", "queue_age_jobs",
                              "throttles"]  # fmt: skip
    assert by_key["duration_p95"]["threshold"] == 96000  # 80% of 120 s, in ms
    assert by_key["duration_p95"]["extended_statistic"] == "p95"
    assert by_key["errors"]["dimensions"] == {"FunctionName": "demo-dev-support"}
    assert by_key["queue_age_jobs"]["dimensions"] == {"QueueName": "demo-dev-jobs.fifo"}
    assert by_key["dead_letter_messages"]["dimensions"] == {"QueueName": "demo-dev-support-dlq"}
    assert "alarms_quiet" not in graph.nodes  # alarms: {enabled: false}
    topic = graph.nodes["alarm_topic"]
    assert topic.module == "alarm-topic" and topic.body["name"] == "demo-dev-alarms"
    bedrock = graph.nodes["bedrock_alarms"].body["alarms"]
    assert [a["dimensions"] for a in bedrock.values()] == [{"ModelId": "anthropic.claude-3-haiku-20240307-v1:0"}]
    # no HTTP API: the dashboard is a module of its own
    dashboard = graph.nodes["dashboard"]
    titles = [w["properties"]["title"] for w in dashboard.body["widgets"]]
    assert titles[:3] == ["support: invocations, errors, throttles", "support: duration", "support: queues (depth, "
                          "oldest age)"]  # fmt: skip
    assert titles[-1] == "Bedrock anthropic.claude-3-haiku-20240307-v1:0"
    assert set(graph.outputs) >= {"alarm_topic_arn", "dashboard_name"}


def test_thresholds_come_from_defaults_agent_and_environment_override(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {"support": {"handler": "app.handler", "alarms": {"errors": 5}}},
        defaults={"alarms": {"errors": 3, "throttles": 10, "period": 60}},
        environments={"dev": {"account": "123456789012", "overrides": {"agents": {"support": {"alarms": {
            "duration_p95": 0.5}}}}}},
    )  # fmt: skip
    by_key = graph.nodes["alarms_support"].body["alarms"]
    assert by_key["errors"]["threshold"] == 5  # the agent over defaults
    assert by_key["throttles"]["threshold"] == 10  # defaults
    assert by_key["duration_p95"]["threshold"] == 30000  # the override: 50% of the 60 s default timeout
    assert {a["period"] for a in by_key.values()} == {60}


def test_the_api_holds_its_alarms_and_the_dashboard(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {"support": {"handler": "app.handler", "api": {"routes": ["POST /chat"]}}},
        environments={"dev": {"account": "123456789012", "alarms": {"api_4xx": None, "api_5xx": 3,
                                                                     "email": ["oncall@example.com"]}}},
    )  # fmt: skip
    api = graph.nodes["api"].body
    assert sorted(api["alarms"]) == ["5xx", "latency_p95"]  # api_4xx: null turns that alarm off
    assert api["alarms"]["5xx"]["threshold"] == 3
    assert api["dashboard_name"] == "demo-dev" and "dashboard" not in graph.nodes
    assert api["dashboard_widgets"][0]["properties"]["title"] == "support: invocations, errors, throttles"
    assert graph.nodes["alarm_topic"].body["email_addresses"] == ["oncall@example.com"]
    assert graph.outputs["dashboard_name"].value == "${module.api.dashboard_name}"


def test_alarms_off_in_an_environment_creates_nothing(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {"support": {"handler": "app.handler", "api": {"routes": ["POST /chat"]}}},
        environments={"dev": {"account": "123456789012", "alarms": {"enabled": False}}},
    )
    assert not {"alarm_topic", "alarms_support", "dashboard", "bedrock_alarms"} & set(graph.nodes)
    assert "alarms" not in graph.nodes["api"].body


@pytest.mark.parametrize(
    ("alarms", "message"),
    [
        ({"email": ["not-an-address"]}, "is not an e-mail address"),
        ({"https": ["http://hooks.example.com"]}, "https://"),
        ({"period": 120}, "period"),
    ],
)
def test_bad_alarm_settings_are_refused_with_their_line(tmp_path: Path, alarms: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _graph(tmp_path, {"support": {"handler": "app.handler"}},
               environments={"dev": {"account": "123456789012", "alarms": alarms}})  # fmt: skip
    issue = caught.value.issues[0]
    assert message in issue.message or message in issue.path
    assert issue.file == "strands.yaml" and issue.line is not None


def test_tracing_sampling_becomes_a_rule_named_within_x_rays_limit(tmp_path: Path) -> None:
    graph = _graph(
        tmp_path,
        {
            "a-rather-long-agent-name-for-x-ray": {"handler": "app.handler", "tracing_sampling": {"rate": 0.1}},
            "untraced": {"handler": "app.handler", "tracing": False, "tracing_sampling": {"rate": 0.5}},
        },
    )
    sampling = graph.nodes["agent_a-rather-long-agent-name-for-x-ray"].body["xray_sampling"]
    assert len(sampling["rule_name"]) <= 32
    assert (sampling["fixed_rate"], sampling["reservoir_size"], sampling["priority"]) == (0.1, 1, 1000)
    assert "xray_sampling" not in graph.nodes["agent_untraced"].body
    assert any("tracing_sampling but tracing is off" in w for w in graph.warnings)
