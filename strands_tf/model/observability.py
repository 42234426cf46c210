"""Observability of one environment: per-agent alarms, HTTP API and Bedrock alarms, the alarm topic, a dashboard.

Every alarm watches a metric by the names strands gives things (function, queue and model names are known
before anything is deployed), so an agent's alarms live in the agent's own stack and need nothing from
other stacks but the alarm topic's ARN. The dashboard shows the same metrics; it goes with the HTTP API
when there is one (the API's metrics are keyed by its id), else with the shared resources.
"""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name

if TYPE_CHECKING:
    from strands_tf.config.resolve import ResolvedAgent, ResolvedProject

TOPIC_NODE = "alarm_topic"
DASHBOARD_NODE = "dashboard"
_TOPIC_ARN = f"${{module.{TOPIC_NODE}.topic_arn}}"
REGION = "${data.aws_region.region.region}"
_ALARM_NAME = re.compile(r"[^A-Za-z0-9._-]+")


def alarms_enabled(project: ResolvedProject) -> bool:
    """Whether the environment has alarms at all (`environments.<env>.alarms.enabled`)."""
    return project.environment.alarms.enabled


def _queue_name(project: ResolvedProject, queue: str) -> str:
    resource = project.resources[queue]
    name = aws_name("sqs", project.project, project.environment.name, queue)
    return f"{name}.fifo" if getattr(resource, "fifo", False) else name


def dead_letter_name(project: ResolvedProject, agent: str) -> str:
    """The name of an agent's dead-letter queue (as build.py names it)."""
    return aws_name("sqs", project.project, project.environment.name, agent, "dlq")


def _alarm(name: str, description: str, namespace: str, metric: str, dimensions: dict[str, str],
           threshold: float, settings: dict[str, Any], **extra: Any) -> dict[str, Any]:  # fmt: skip
    return {
        "name": name,
        "description": description,
        "namespace": namespace,
        "metric_name": metric,
        "dimensions": dimensions,
        "threshold": threshold,
        "period": settings["period"],
        "evaluation_periods": settings.get("evaluation_periods", 1),
        **extra,
    }


def agent_alarms(project: ResolvedProject, agent: ResolvedAgent, function: str) -> dict[str, dict[str, Any]]:
    """The alarm definitions of one agent (module metric-alarms' `alarms` input), by key."""
    settings = agent.alarms
    if not settings.get("enabled", True):
        return {}
    dims = {"FunctionName": function}
    out = {
        "errors": _alarm(f"{function}-errors", f"Invocation errors of agent {agent.name}", "AWS/Lambda", "Errors",
                         dims, settings["errors"], settings),
        "throttles": _alarm(f"{function}-throttles", f"Throttled invocations of agent {agent.name}", "AWS/Lambda",
                            "Throttles", dims, settings["throttles"], settings),
        "duration_p95": _alarm(
            f"{function}-duration-p95",
            f"p95 duration of agent {agent.name} at {round(settings['duration_p95'] * 100)}% of its {agent.timeout} s "
            "timeout",
            "AWS/Lambda", "Duration", dims, round(agent.timeout * 1000 * settings["duration_p95"]), settings,
            extended_statistic="p95", unit="Milliseconds",
        ),
    }  # fmt: skip
    if agent.dead_letter is not None:
        queue = {"QueueName": dead_letter_name(project, agent.name)}
        out["dead_letter_messages"] = _alarm(
            f"{function}-dlq-messages", f"Failed events of agent {agent.name} waiting in its dead-letter queue",
            "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, settings["dead_letter_messages"], settings,
            statistic="Maximum",
        )  # fmt: skip
        out["dead_letter_age"] = _alarm(
            f"{function}-dlq-age", f"Age of the oldest failed event of agent {agent.name} in its dead-letter queue",
            "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, settings["dead_letter_age"], settings,
            statistic="Maximum", unit="Seconds",
        )  # fmt: skip
    for trigger in agent.triggers:
        queue_name = _queue_name(project, trigger.queue)
        out[f"queue_age_{trigger.queue}"] = _alarm(
            f"{function}-{trigger.queue}-age",
            f"Age of the oldest message of queue {trigger.queue} waiting for agent {agent.name}",
            "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": queue_name}, settings["queue_age"], settings,
            statistic="Maximum", unit="Seconds",
        )  # fmt: skip
    return out


def _models(project: ResolvedProject) -> list[str]:
    return sorted({a.model for a in project.agents.values() if a.model and not a.model.startswith("arn:")})


def api_alarms(project: ResolvedProject, api_name: str) -> dict[str, dict[str, Any]]:
    """The HTTP API's alarms: 5xx, 4xx and p95 latency (each can be switched off with null)."""
    cfg = project.environment.alarms
    settings = {"period": cfg.period}
    dims = {"ApiId": "${module.api.api_id}"}
    out: dict[str, dict[str, Any]] = {}
    if cfg.api_5xx is not None:
        out["5xx"] = _alarm(f"{api_name}-5xx", "Server errors of the HTTP API", "AWS/ApiGateway", "5xx", dims,
                            cfg.api_5xx, settings)  # fmt: skip
    if cfg.api_4xx is not None:
        out["4xx"] = _alarm(f"{api_name}-4xx", "Client errors of the HTTP API", "AWS/ApiGateway", "4xx", dims,
                            cfg.api_4xx, settings)  # fmt: skip
    if cfg.api_latency_p95 is not None:
        out["latency_p95"] = _alarm(f"{api_name}-latency-p95", "p95 latency of the HTTP API", "AWS/ApiGateway",
                                    "Latency", dims, cfg.api_latency_p95, settings, extended_statistic="p95",
                                    unit="Milliseconds")  # fmt: skip
    return out


def bedrock_alarms(project: ResolvedProject) -> dict[str, dict[str, Any]]:
    """One alarm per Bedrock model the agents call: throttled invocations."""
    cfg = project.environment.alarms
    if cfg.bedrock_throttles is None:
        return {}
    prefix = aws_name("alarm", project.project, project.environment.name, "bedrock")
    out: dict[str, dict[str, Any]] = {}
    for model in _models(project):
        key = _ALARM_NAME.sub("-", model)
        out[f"throttles_{key}"] = _alarm(
            f"{prefix}-{key}-throttles", f"Throttled Bedrock calls to {model}", "AWS/Bedrock", "InvocationThrottles",
            {"ModelId": model}, cfg.bedrock_throttles, {"period": cfg.period},
        )  # fmt: skip
    return out


def _metric_widget(title: str, metrics: list[list[Any]], period: int, *, stat: str = "Sum",
                   annotation: float | None = None) -> dict[str, Any]:  # fmt: skip
    properties: dict[str, Any] = {
        "title": title,
        "region": REGION,
        "metrics": metrics,
        "stat": stat,
        "period": period,
        "view": "timeSeries",
    }
    if annotation is not None:
        properties["annotations"] = {"horizontal": [{"label": "timeout", "value": annotation}]}
    return {"type": "metric", "width": 8, "height": 6, "properties": properties}


def dashboard_body(project: ResolvedProject, functions: dict[str, str], has_api: bool) -> str:
    """The dashboard's JSON: a row per agent, then the HTTP API and the Bedrock models."""
    widgets: list[dict[str, Any]] = []
    for name, agent in project.agents.items():
        function = functions[name]
        period = agent.alarms["period"]
        row = [
            _metric_widget(f"{name}: invocations, errors, throttles", [
                ["AWS/Lambda", "Invocations", "FunctionName", function],
                [".", "Errors", ".", "."],
                [".", "Throttles", ".", "."],
            ], period),
            _metric_widget(f"{name}: duration", [
                ["AWS/Lambda", "Duration", "FunctionName", function, {"stat": "p50"}],
                ["...", {"stat": "p95"}],
            ], period, stat="p95", annotation=agent.timeout * 1000),
        ]  # fmt: skip
        queues = [dead_letter_name(project, name)] if agent.dead_letter is not None else []
        queues += [_queue_name(project, t.queue) for t in agent.triggers]
        if queues:
            metrics: list[list[Any]] = []
            for queue in queues:
                metrics.append(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue])
                metrics.append([".", "ApproximateAgeOfOldestMessage", ".", ".", {"yAxis": "right"}])
            row.append(_metric_widget(f"{name}: queues (depth, oldest age)", metrics, period, stat="Maximum"))
        widgets.extend(row)
    period = project.environment.alarms.period
    if has_api:
        api = "${module.api.api_id}"
        widgets.append(_metric_widget("HTTP API: requests and errors", [
            ["AWS/ApiGateway", "Count", "ApiId", api], [".", "4xx", ".", "."], [".", "5xx", ".", "."],
        ], period))  # fmt: skip
        widgets.append(_metric_widget("HTTP API: latency", [
            ["AWS/ApiGateway", "Latency", "ApiId", api, {"stat": "p50"}], ["...", {"stat": "p95"}],
        ], period, stat="p95"))  # fmt: skip
    for model in _models(project):
        widgets.append(_metric_widget(f"Bedrock {model}", [
            ["AWS/Bedrock", "Invocations", "ModelId", model], [".", "InvocationThrottles", ".", "."],
            [".", "InputTokenCount", ".", ".", {"yAxis": "right"}], [".", "OutputTokenCount", ".", ".",
                                                                      {"yAxis": "right"}],
        ], period))  # fmt: skip
    for index, widget in enumerate(widgets):  # three widgets a row on CloudWatch's 24-column grid
        widget["x"], widget["y"] = (index % 3) * 8, (index // 3) * 6
    return json.dumps({"widgets": widgets}, sort_keys=True, separators=(",", ":"))


def add_observability(graph: InfraGraph, project: ResolvedProject, functions: dict[str, str]) -> None:
    """Add the alarm topic, every alarm and the dashboard of the environment (nothing when alarms are off).

    `functions` maps each agent to its Lambda function name. Call it after the agents and the API.
    """
    cfg = project.environment.alarms
    if not cfg.enabled or not project.agents:
        return
    env = project.environment.name
    owner = Owner("alarms", env)
    topic_name = aws_name("sns", project.project, env, "alarms")
    graph.add(
        Node(
            TOPIC_NODE,
            "module",
            {
                "name": topic_name,
                "display_name": f"{project.project} {env} alarms"[:100],
                "email_addresses": list(cfg.email),
                "https_endpoints": list(cfg.https),
                "tags": {},
            },
            owner,
            module="alarm-topic",
        )
    )
    graph.add_output(Output("alarm_topic_arn", f"${{module.{TOPIC_NODE}.topic_arn}}", "Topic the alarms notify", owner))
    for name, agent in project.agents.items():
        alarms = agent_alarms(project, agent, functions[name])
        if alarms:
            graph.add(
                Node(
                    f"alarms_{name}",
                    "module",
                    {"alarms": alarms, "alarm_actions": [_TOPIC_ARN], "ok_actions": [_TOPIC_ARN], "tags": {}},
                    Owner("agent", name),
                    module="metric-alarms",
                    group=name,
                )
            )
    has_api = "api" in graph.nodes
    if has_api:
        alarms = api_alarms(project, graph.nodes["api"].body["name"])
        if alarms:
            graph.add(
                Node(
                    "alarms_api",
                    "module",
                    {"alarms": alarms, "alarm_actions": [_TOPIC_ARN], "ok_actions": [_TOPIC_ARN], "tags": {}},
                    Owner("api", "api"),
                    module="metric-alarms",
                    group="api",
                )
            )
    bedrock = bedrock_alarms(project)
    if bedrock:
        graph.add(
            Node(
                "alarms_bedrock",
                "module",
                {"alarms": bedrock, "alarm_actions": [_TOPIC_ARN], "ok_actions": [_TOPIC_ARN], "tags": {}},
                owner,
                module="metric-alarms",
            )
        )
    if cfg.dashboard:
        name = aws_name("dashboard", project.project, env)
        graph.add(
            Node(
                DASHBOARD_NODE,
                "module",
                {"name": name, "body": dashboard_body(project, functions, has_api)},
                owner,
                module="dashboard",
                group="api" if has_api else "shared",
            )
        )
        graph.add_output(Output("dashboard_name", f"${{module.{DASHBOARD_NODE}.dashboard_name}}",
                                "CloudWatch dashboard of the environment", owner))  # fmt: skip
