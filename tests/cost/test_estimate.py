"""The estimator: every priced component against figures computed by hand from the shipped table."""

from __future__ import annotations

import json
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.cost.estimate import (
    PricedResource,
    estimate_configuration,
    estimate_resources,
    money,
    owners_from_graph,
    resources_from_graph,
    resources_from_plan,
)
from strands_tf.cost.prices import load_prices
from strands_tf.model.build import build_graph
from strands_tf.terraform.plan import parse_plan_dict

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
TABLE = json.loads((resources.files("strands_tf.cost") / "prices" / "us-east-1.json").read_text("utf-8"))
KB_PER_GB = Decimal(1024 * 1024)


def price(key: str) -> Decimal:
    """A flat price, or the first tier's, straight from the shipped table file."""
    entry = TABLE["prices"][key]
    return Decimal(entry["price"] if "price" in entry else entry["tiers"][0]["price"])


def model(model_id: str, kind: str) -> Decimal:
    return Decimal(TABLE["bedrock_models"][model_id][f"{kind}_per_1k"])


WORKED = {
    "agents": {
        "assistant": {
            "memory": 1024,
            "architecture": "arm64",
            "model": "us.anthropic.claude-sonnet-4-20250514-v1:0",
            "api": {"routes": ["POST /chat"]},
        }
    },
    "usage": {
        "agents": {
            "assistant": {"invocations": 1_000_000, "duration_ms": 2000, "input_tokens": 1000, "output_tokens": 500}
        }
    },
}


def test_worked_example_equals_the_hand_computed_figure_to_the_cent(make_project: Any) -> None:
    """docs/cost.md, "Worked example": 1 agent, 1024 MB arm64, 1 M invocations x 2 s, 1000 in + 500 out tokens."""
    _loaded, resolved = make_project(WORKED["agents"], usage=WORKED["usage"])
    invocations = Decimal(1_000_000)
    sonnet = "anthropic.claude-sonnet-4-20250514-v1:0"
    log_gb = invocations * 4 / KB_PER_GB  # default 4 KB of logs per invocation
    access_gb = invocations * Decimal("0.5") / KB_PER_GB  # default 0.5 KB of access log per request
    by_hand = {
        "requests": invocations * price("lambda.requests"),
        "duration (arm64)": invocations * 2 * 1 * price("lambda.duration.arm64"),  # 2 s x 1 GB
        "traces recorded": invocations * price("xray.traces_recorded"),  # tracing on by default
        "Claude Sonnet 4 input tokens via us.anthropic.claude-sonnet-4-20250514-v1:0": invocations
        * 1000
        / 1000
        * model(sonnet, "input"),
        "Claude Sonnet 4 output tokens via us.anthropic.claude-sonnet-4-20250514-v1:0": invocations
        * 500
        / 1000
        * model(sonnet, "output"),
        "ingestion": log_gb * price("logs.ingestion"),
        "storage": log_gb * price("logs.storage"),  # 30 days retention by default: one month stored
        "HTTP API requests": invocations * price("apigateway.http_requests"),
        "api ingestion": access_gb * price("logs.ingestion"),
        "api storage": access_gb * price("logs.storage"),
        # the default alarms: the agent's errors, throttles and p95 duration, the API's 5xx, 4xx and p95
        # latency, the model's throttles; their topic's customer managed key
        "alarm": 7 * price("cloudwatch.alarm_standard"),
        "customer managed key": price("kms.key_months"),
    }
    estimate = estimate_configuration(resolved)
    got: dict[str, Decimal] = {}
    for line in estimate.lines:
        key = (
            f"api {line.component}"
            if line.owner.kind == "api" and line.service == "CloudWatch Logs"
            else line.component
        )
        got[key] = got.get(key, Decimal(0)) + line.monthly
    assert got.keys() == by_hand.keys()
    for key, value in by_hand.items():
        assert got[key] == value, key
    assert money(estimate.total) == money(sum(by_hand.values(), Decimal(0))) == Decimal("10536.84")
    # the model tokens dominate, and the docs say so
    assert estimate.by_service()["Bedrock"] == Decimal(10500)
    # the environment's alarm topic (its key) and the model's throttle alarm belong to no one element
    assert list(estimate.by_owner()) == ["agent assistant", "api", "alarms"]


def test_every_line_names_its_usage(make_project: Any) -> None:
    _loaded, resolved = make_project({"a": {"model": "anthropic.claude-3-5-haiku-20241022-v1:0"}})
    for line in estimate_configuration(resolved).lines:
        # usage lines say which figure (a default here) they assume; fixed monthly charges say so
        assert line.assumption and any(w in line.assumption for w in ("default", "hours", "a full month")), line


def test_memory_architecture_and_ephemeral_storage(make_project: Any) -> None:
    usage = {"defaults": {"invocations": 100_000, "duration_ms": 500}}
    _l, x86 = make_project({"a": {"memory": 2048, "architecture": "x86_64", "ephemeral_storage": 1536}}, usage=usage)
    lines = {line.component: line for line in estimate_configuration(x86).lines}
    gbs = Decimal(100_000) * Decimal("0.5") * 2
    assert lines["duration (x86_64)"].monthly == gbs * price("lambda.duration.x86_64")
    assert lines["ephemeral storage"].monthly == Decimal(100_000) * Decimal("0.5") * 1 * price(
        "lambda.ephemeral_storage"
    )
    _l, arm = make_project({"a": {"memory": 2048, "architecture": "arm64"}}, usage=usage)
    lines = {line.component: line for line in estimate_configuration(arm).lines}
    assert lines["duration (arm64)"].monthly == gbs * price("lambda.duration.arm64")
    assert "ephemeral storage" not in lines


def test_lambda_tiers_apply_to_the_sum_over_functions(make_project: Any) -> None:
    # two functions of 10 GB x 900 s x 500,000 invocations: 4.5e9 GB-s each, 9e9 in all (tier 1 ends at 7.5e9)
    usage = {"defaults": {"invocations": 500_000, "duration_ms": 900_000}}
    _l, resolved = make_project({"a": {"memory": 10240}, "b": {"memory": 10240}}, usage=usage)
    lines = [line for line in estimate_configuration(resolved).lines if line.component == "duration (arm64)"]
    tiers = TABLE["prices"]["lambda.duration.arm64"]["tiers"]
    total = Decimal("7500000000") * Decimal(tiers[0]["price"]) + Decimal("1500000000") * Decimal(tiers[1]["price"])
    assert sum((line.monthly for line in lines), Decimal(0)) == total
    assert lines[0].monthly == lines[1].monthly == total / 2
    assert "tiered over" in lines[0].assumption


def test_dynamodb_on_demand_and_provisioned(make_project: Any) -> None:
    resources_ = {
        "od": {"type": "dynamodb", "hash_key": "id"},
        "pv": {"type": "dynamodb", "hash_key": "id", "billing_mode": "provisioned", "read_capacity": 10,
               "write_capacity": 5, "point_in_time_recovery": False},
    }  # fmt: skip
    usage = {
        "defaults": {"invocations": 1000},
        "resources": {"od": {"storage_gb": 20}, "pv": {"storage_gb": 2}},
    }
    agents = {"a": {"permissions": [{"resource": "od", "access": "read_write"}, {"resource": "pv", "access": "read"}]}}
    _l, resolved = make_project(agents, resources_, usage=usage)
    lines = {(line.owner.name, line.component): line for line in estimate_configuration(resolved).lines}
    assert lines[("od", "on-demand reads")].monthly == 1000 * price("dynamodb.read_request_units")
    assert lines[("od", "on-demand writes")].monthly == 1000 * price("dynamodb.write_request_units")
    assert "one per invocation of a" in lines[("od", "on-demand reads")].assumption
    assert lines[("od", "storage")].monthly == 20 * price("dynamodb.storage")
    assert lines[("od", "point-in-time recovery")].monthly == 20 * price("dynamodb.pitr_storage")
    assert lines[("pv", "provisioned read capacity")].monthly == 10 * 730 * price("dynamodb.read_capacity_unit_hours")
    assert lines[("pv", "provisioned write capacity")].monthly == 5 * 730 * price("dynamodb.write_capacity_unit_hours")
    assert ("pv", "point-in-time recovery") not in lines
    assert ("pv", "on-demand reads") not in lines


def test_s3_sqs_sns(make_project: Any) -> None:
    resources_ = {
        "docs": {"type": "s3"},
        "jobs": {"type": "sqs", "visibility_timeout": 600},
        "ordered": {"type": "sqs", "fifo": True, "visibility_timeout": 600},
        "events": {"type": "sns"},
    }
    agents = {
        "w": {"triggers": [{"queue": "jobs"}], "permissions": [{"resource": "docs", "access": "write"},
                                                                {"resource": "events", "access": "publish"},
                                                                {"resource": "ordered", "access": "publish"}]},
    }  # fmt: skip
    usage = {"defaults": {"invocations": 2000}, "resources": {"docs": {"storage_gb": 50, "reads": 7000}}}
    _l, resolved = make_project(agents, resources_, usage=usage)
    lines = {(line.owner.name, line.component): line for line in estimate_configuration(resolved).lines}
    assert lines[("docs", "storage (Standard)")].monthly == 50 * price("s3.storage_standard")
    assert lines[("docs", "PUT requests")].monthly == 2000 * price("s3.put_requests")
    assert lines[("docs", "GET requests")].monthly == 7000 * price("s3.get_requests")
    assert lines[("jobs", "requests")].monthly == 3 * 2000 * price("sqs.standard_requests")
    assert lines[("ordered", "FIFO requests")].monthly == 3 * 2000 * price("sqs.fifo_requests")
    assert lines[("events", "publishes")].monthly == 2000 * price("sns.publishes")


def test_vpc_nat_endpoints_and_flow_logs(make_project: Any) -> None:
    env = {
        "dev": {
            "account": "123456789012",
            "vpc": {"cidr": "10.0.0.0/16", "availability_zones": 3, "nat": "one_per_az",
                    "endpoints": ["s3", "bedrock-runtime", "logs"]},
        }
    }  # fmt: skip
    usage = {"network": {"nat_gb": 300, "endpoint_gb": 40, "flow_log_gb": 2}}
    _l, resolved = make_project({"a": {"vpc": True}}, environments=env, usage=usage)
    lines = [line for line in estimate_configuration(resolved).lines if line.owner.kind == "vpc"]
    by = {}
    for line in lines:
        by.setdefault(line.component, []).append(line.monthly)
    assert by["hours"] == [730 * price("natgateway.hours")] * 3
    assert by["data processed"][:3] == [100 * price("natgateway.data")] * 3
    assert by["public IPv4 address"] == [730 * price("vpc.public_ipv4_hours")] * 3
    # two interface endpoints in three zones; s3 is a free gateway endpoint
    assert by["interface endpoint hours"] == [730 * 3 * price("vpcendpoint.interface_hours")] * 2
    assert by["data processed"][3:] == [20 * price("vpcendpoint.data")] * 2
    assert by["ingestion"] == [2 * price("logs.ingestion")]
    assert by["storage"] == [2 * Decimal(365) / 30 * price("logs.storage")]


def test_alarms_and_kms_keys_from_plan_resources(make_project: Any) -> None:
    _l, resolved = make_project({"a": {}})
    resources_ = [
        PricedResource(
            "module.alarms.aws_cloudwatch_metric_alarm.errors", "aws_cloudwatch_metric_alarm", {"period": 300}
        ),
        PricedResource("module.alarms.aws_cloudwatch_metric_alarm.fast", "aws_cloudwatch_metric_alarm", {"period": 10}),
        PricedResource(
            "module.alarms.aws_cloudwatch_metric_alarm.math",
            "aws_cloudwatch_metric_alarm",
            {"metric_query": [{"metric": [{}]}, {"metric": [{}]}, {"expression": "m1+m2"}]},
        ),
        PricedResource("aws_kms_key.data", "aws_kms_key", {}),
    ]
    lines = estimate_resources(resources_, resolved).lines
    assert [line.monthly for line in lines] == [
        price("cloudwatch.alarm_standard"),
        price("cloudwatch.alarm_high_resolution"),
        2 * price("cloudwatch.alarm_standard"),
        price("kms.key_months"),
    ]


@pytest.mark.parametrize(
    "model_id",
    [
        "anthropic.claude-sonnet-4-20250514-v1:0",
        "us.anthropic.claude-sonnet-4-20250514-v1:0",
        "eu.anthropic.claude-sonnet-4-20250514-v1:0",
        "apac.anthropic.claude-sonnet-4-20250514-v1:0",
        "global.anthropic.claude-sonnet-4-20250514-v1:0",
        "arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-sonnet-4-20250514-v1:0",
    ],
)
def test_inference_profiles_are_priced_as_their_source_model(model_id: str) -> None:
    found = load_prices("us-east-1").model(model_id)
    assert found is not None and found.input_per_1k == Decimal("0.003") and found.output_per_1k == Decimal("0.015")


def test_unknown_model_is_reported_not_priced_at_zero_silently(make_project: Any) -> None:
    _l, resolved = make_project({"a": {"model": "acme.secret-model-v9:0"}})
    estimate = estimate_configuration(resolved)
    assert not [line for line in estimate.lines if line.service == "Bedrock"]
    assert estimate.unpriced == ["agent a: Bedrock model acme.secret-model-v9:0"]
    assert "no token price for model 'acme.secret-model-v9:0'" in estimate.warnings[0]


def test_region_without_a_table_says_which_prices_it_used(make_project: Any) -> None:
    _l, resolved = make_project({"a": {}}, region="eu-west-1")
    estimate = estimate_configuration(resolved)
    assert estimate.region == "eu-west-1"
    assert "no table for eu-west-1" in estimate.prices
    assert estimate.stand_in_for == "eu-west-1"
    # not a warning: it would repeat on every plan of the environment; the prices label and the CLI say it
    assert estimate.warnings == []


def _plan(changes: list[dict[str, Any]]) -> Any:
    return parse_plan_dict({"format_version": "1.2", "resource_changes": changes})


def _change(address: str, type_: str, actions: list[str], before: Any, after: Any) -> dict[str, Any]:
    mode = "data" if address.startswith("data.") else "managed"
    name = address.rsplit(".", 1)[-1]
    change = {"actions": actions, "before": before, "after": after}
    return {"address": address, "mode": mode, "type": type_, "name": name, "change": change}


def test_plan_sides_price_what_is_and_what_will_be(make_project: Any) -> None:
    _l, resolved = make_project({"a": {}}, usage={"defaults": {"invocations": 1_000_000, "duration_ms": 1000}})
    graph = build_graph(resolved)
    function = "module.agent_a.aws_lambda_function.this"
    plan = _plan(
        [
            _change(function, "aws_lambda_function", ["update"], {"memory_size": 512, "architectures": ["arm64"]},
                    {"memory_size": 1024, "architectures": ["arm64"]}),
            _change("module.table_gone.aws_dynamodb_table.this", "aws_dynamodb_table", ["delete"],
                    {"billing_mode": "PAY_PER_REQUEST"}, None),
            _change("data.aws_region.region", "aws_region", ["read"], None, {}),
        ]
    )  # fmt: skip
    after = resources_from_plan(plan)
    before = resources_from_plan(plan, side="before")
    assert [r.address for r in after] == [function]
    assert [r.address for r in before] == [function, "module.table_gone.aws_dynamodb_table.this"]
    owners = owners_from_graph(graph)
    cost_after = estimate_resources(after, resolved, owners=owners)
    cost_before = estimate_resources(before[:1], resolved, owners=owners)
    arm = price("lambda.duration.arm64")
    duration = {line.component: line.monthly for line in cost_after.lines}["duration (arm64)"]
    assert duration == 1_000_000 * 1 * 1 * arm
    assert cost_after.total - cost_before.total == 1_000_000 * Decimal("0.5") * arm


def test_graph_expansion_matches_the_modules(make_project: Any) -> None:
    """The offline expansion names the resources (addresses, counts) that the modules' plans contain."""
    env = {
        "dev": {"account": "123456789012", "vpc": {"cidr": "10.0.0.0/16", "nat": "single", "endpoints": ["s3", "sts"]}}
    }
    resources_ = {"q": {"type": "sqs", "dead_letter": True}, "t": {"type": "dynamodb", "hash_key": "id"}}
    _l, resolved = make_project({"a": {"vpc": True, "api": {"routes": ["GET /x"]}}}, resources_, environments=env)
    graph = build_graph(resolved)
    addresses = sorted(r.address for r in resources_from_graph(graph, resolved))
    assert addresses == [
        "module.agent_a.aws_cloudwatch_log_group.this",
        "module.agent_a.aws_lambda_function.this",
        "module.alarm_topic.aws_kms_key.this",
        "module.alarm_topic.aws_sns_topic.this",
        'module.alarms_a.aws_cloudwatch_metric_alarm.this["duration_p95"]',
        'module.alarms_a.aws_cloudwatch_metric_alarm.this["errors"]',
        'module.alarms_a.aws_cloudwatch_metric_alarm.this["throttles"]',
        "module.api.aws_apigatewayv2_api.this",
        "module.api.aws_cloudwatch_log_group.access",
        'module.api.aws_cloudwatch_metric_alarm.this["4xx"]',
        'module.api.aws_cloudwatch_metric_alarm.this["5xx"]',
        'module.api.aws_cloudwatch_metric_alarm.this["latency_p95"]',
        "module.queue_q.aws_sqs_queue.dead_letter[0]",
        "module.queue_q.aws_sqs_queue.this",
        "module.table_t.aws_dynamodb_table.this",
        "module.vpc.aws_cloudwatch_log_group.flow_logs[0]",
        "module.vpc.aws_eip.nat[0]",
        "module.vpc.aws_nat_gateway.this[0]",
        'module.vpc.aws_vpc_endpoint.gateway["s3"]',
        'module.vpc.aws_vpc_endpoint.interface["sts"]',
    ]


@pytest.mark.parametrize("example", sorted(p.name for p in EXAMPLES.iterdir() if (p / "strands.yaml").is_file()))
def test_every_example_has_an_estimate(example: str) -> None:
    loaded = load_project(EXAMPLES / example, env={})
    for environment in [*loaded.config.environments, "local"]:
        estimate = estimate_configuration(resolve(loaded, environment, environ={}))
        assert estimate.total > 0
        assert {line.owner.kind for line in estimate.lines} >= {"agent"}
        assert all(line.assumption for line in estimate.lines)
        json.dumps(estimate.to_json())
