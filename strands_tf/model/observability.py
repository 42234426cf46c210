"""Observability of one environment: per-agent alarms, HTTP API and Bedrock alarms, the alarm topic, a dashboard.

Every alarm watches a metric by the names strands-tf gives things (function, queue and model names are known
before anything is deployed), so an agent's alarms live in the agent's own stack (tagged as the agent's, so
`--agent` selects them with it) and need nothing from other stacks but the alarm topic's ARN. The HTTP API's
metrics are keyed by its id, known only inside the API's module: that module holds the API's alarms and,
when there is an API, the dashboard (the other widgets are handed to it); without an API the dashboard is
a module of the shared resources.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from strands_tf.cost.tags import TagManager
from strands_tf.model.graph import InfraGraph, Node, Output, Owner
from strands_tf.model.naming import aws_name, template_literal

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
    # every attribute of the module's object type, always: the module call reads the same in every stack
    alarm = {
        "name": name,
        "description": description,
        "namespace": namespace,
        "metric_name": metric,
        "dimensions": dimensions,
        "statistic": "Sum",
        "extended_statistic": None,
        "comparison_operator": "GreaterThanOrEqualToThreshold",
        "threshold": threshold,
        "period": settings["period"],
        "evaluation_periods": settings.get("evaluation_periods", 1),
        "treat_missing_data": "notBreaching",
        "unit": None,
    }
    alarm.update(extra)
    return alarm


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


def _api_alarm(name: str, description: str, metric: str, threshold: int, period: int, **extra: Any) -> dict[str, Any]:
    # the http-api module's alarm type: namespace and the ApiId dimension are the module's own
    return {
        "name": name,
        "description": description,
        "metric_name": metric,
        "statistic": "Sum",
        "extended_statistic": None,
        "threshold": threshold,
        "period": period,
        "evaluation_periods": 1,
        "unit": None,
        **extra,
    }


def api_alarms(project: ResolvedProject, api_name: str) -> dict[str, dict[str, Any]]:
    """The HTTP API's alarms: 5xx, 4xx and p95 latency (each can be switched off with null)."""
    cfg = project.environment.alarms
    out: dict[str, dict[str, Any]] = {}
    if cfg.api_5xx is not None:
        out["5xx"] = _api_alarm(f"{api_name}-5xx", "Server errors of the HTTP API", "5xx", cfg.api_5xx, cfg.period)
    if cfg.api_4xx is not None:
        out["4xx"] = _api_alarm(f"{api_name}-4xx", "Client errors of the HTTP API", "4xx", cfg.api_4xx, cfg.period)
    if cfg.api_latency_p95 is not None:
        out["latency_p95"] = _api_alarm(
            f"{api_name}-latency-p95", "p95 latency of the HTTP API", "Latency", cfg.api_latency_p95, cfg.period,
            extended_statistic="p95", unit="Milliseconds",
        )  # fmt: skip
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


def dashboard_widgets(project: ResolvedProject, functions: dict[str, str]) -> list[dict[str, Any]]:
    """The dashboard's widgets but the API's: three per agent row, then the Bedrock models (placed in order)."""
    widgets: list[dict[str, Any]] = []
    for name, agent in project.agents.items():
        function = functions[name]
        period = agent.alarms["period"]
        widgets.append(_metric_widget(f"{name}: invocations, errors, throttles", [
            ["AWS/Lambda", "Invocations", "FunctionName", function],
            [".", "Errors", ".", "."],
            [".", "Throttles", ".", "."],
        ], period))  # fmt: skip
        widgets.append(_metric_widget(f"{name}: duration", [
            ["AWS/Lambda", "Duration", "FunctionName", function, {"stat": "p50"}],
            ["...", {"stat": "p95"}],
        ], period, stat="p95", annotation=agent.timeout * 1000))  # fmt: skip
        queues = [dead_letter_name(project, name)] if agent.dead_letter is not None else []
        queues += [_queue_name(project, t.queue) for t in agent.triggers]
        metrics: list[list[Any]] = []
        for queue in queues:
            metrics.append(["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", queue])
            metrics.append([".", "ApproximateAgeOfOldestMessage", ".", ".", {"yAxis": "right"}])
        if metrics:
            widgets.append(_metric_widget(f"{name}: queues (depth, oldest age)", metrics, period, stat="Maximum"))
        else:
            widgets.append(_metric_widget(f"{name}: concurrency", [
                ["AWS/Lambda", "ConcurrentExecutions", "FunctionName", function],
            ], period, stat="Maximum"))  # fmt: skip
    period = project.environment.alarms.period
    for model in _models(project):
        widgets.append(_metric_widget(f"Bedrock {model}", [
            ["AWS/Bedrock", "Invocations", "ModelId", model],
            [".", "InvocationThrottles", ".", "."],
            [".", "InputTokenCount", ".", ".", {"yAxis": "right"}],
            [".", "OutputTokenCount", ".", ".", {"yAxis": "right"}],
        ], period))  # fmt: skip
    return widgets


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
                    {
                        "alarms": alarms,
                        "alarm_actions": [_TOPIC_ARN],
                        "ok_actions": [_TOPIC_ARN],
                        "tags": TagManager.agent_tags(name, {k: template_literal(v) for k, v in agent.tags.items()}),
                    },
                    Owner("agent", name),
                    module="metric-alarms",
                    group=name,
                )
            )
    widgets = dashboard_widgets(project, functions)
    api = graph.nodes.get("api")
    if api is not None and api.module == "http-api":
        api.body["alarms"] = api_alarms(project, api.body["name"])
        api.body["alarm_actions"] = [_TOPIC_ARN]
        api.body["ok_actions"] = [_TOPIC_ARN]
        if cfg.dashboard:
            api.body["dashboard_name"] = aws_name("dashboard", project.project, env)
            api.body["dashboard_widgets"] = widgets
            graph.add_output(Output("dashboard_name", "${module.api.dashboard_name}",
                                    "CloudWatch dashboard of the environment", owner))  # fmt: skip
    elif cfg.dashboard:
        graph.add(
            Node(
                DASHBOARD_NODE,
                "module",
                {"name": aws_name("dashboard", project.project, env), "widgets": widgets},
                owner,
                module="dashboard",
            )
        )
        graph.add_output(Output("dashboard_name", f"${{module.{DASHBOARD_NODE}.dashboard_name}}",
                                "CloudWatch dashboard of the environment", owner))  # fmt: skip
    bedrock = bedrock_alarms(project)
    if bedrock:
        graph.add(
            Node(
                "bedrock_alarms",
                "module",
                {"alarms": bedrock, "alarm_actions": [_TOPIC_ARN], "ok_actions": [_TOPIC_ARN], "tags": {}},
                owner,
                module="metric-alarms",
            )
        )
