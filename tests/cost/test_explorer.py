"""Billing APIs moto lacks, tested with botocore's Stubber against their documented shapes; moto where it works.

Cost Explorer UpdateCostAllocationTagsStatus / ListCostAllocationTags, GetCostAndUsage grouped by tag, the
Price List API's GetProducts and CloudWatch GetMetricData for AWS/Bedrock token counts.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from strands_tf.cost.explorer import activate_tags, bedrock_tokens, cost_and_usage, parse_since
from strands_tf.cost.pricelist import on_demand_tiers, update_prices
from strands_tf.cost.prices import load_prices, parse_table
from strands_tf.errors import UserError


def client(service: str) -> Any:
    return boto3.client(service, region_name="us-east-1", aws_access_key_id="testing", aws_secret_access_key="testing")


def test_activation_activates_known_keys_and_reports_unknown_and_failed() -> None:
    ce = client("ce")
    keys = ["managed-by", "strands:agent", "strands:environment", "strands:project", "strands:resource", "team"]
    with Stubber(ce) as stub:
        stub.add_response(
            "list_cost_allocation_tags",
            {
                "CostAllocationTags": [
                    {"TagKey": "managed-by", "Type": "UserDefined", "Status": "Active"},
                    {"TagKey": "strands:project", "Type": "UserDefined", "Status": "Inactive"},
                ],
                "NextToken": "page-2",
            },
            {"TagKeys": keys, "Type": "UserDefined", "MaxResults": 100},
        )
        stub.add_response(
            "list_cost_allocation_tags",
            {
                "CostAllocationTags": [
                    {"TagKey": "strands:environment", "Type": "UserDefined", "Status": "Inactive"},
                    {"TagKey": "team", "Type": "UserDefined", "Status": "Inactive"},
                ]
            },
            {"TagKeys": keys, "Type": "UserDefined", "MaxResults": 100, "NextToken": "page-2"},
        )
        stub.add_response(
            "update_cost_allocation_tags_status",
            {"Errors": [{"TagKey": "team", "Code": "TagKeysNotFoundException", "Message": "not found"}]},
            {
                "CostAllocationTagsStatus": [
                    {"TagKey": "strands:environment", "Status": "Active"},
                    {"TagKey": "strands:project", "Status": "Active"},
                    {"TagKey": "team", "Status": "Active"},
                ]
            },
        )
        result = activate_tags(ce, reversed(keys))
        stub.assert_no_pending_responses()
    assert result.activated == ["strands:environment", "strands:project"]
    assert result.already_active == ["managed-by"]
    assert result.not_yet_known == ["strands:agent", "strands:resource"]
    assert result.failed == {"team": "TagKeysNotFoundException: not found"}
    assert not result.complete


def test_activation_sends_at_most_twenty_keys_a_call() -> None:
    ce = client("ce")
    keys = [f"k{i:02d}" for i in range(25)]
    with Stubber(ce) as stub:
        stub.add_response(
            "list_cost_allocation_tags",
            {"CostAllocationTags": [{"TagKey": k, "Type": "UserDefined", "Status": "Inactive"} for k in keys]},
            {"TagKeys": keys, "Type": "UserDefined", "MaxResults": 100},
        )
        for batch in (keys[:20], keys[20:]):
            stub.add_response(
                "update_cost_allocation_tags_status",
                {"Errors": []},
                {"CostAllocationTagsStatus": [{"TagKey": k, "Status": "Active"} for k in batch]},
            )
        result = activate_tags(ce, keys)
        stub.assert_no_pending_responses()
    assert result.activated == keys and result.complete


def test_cost_and_usage_groups_by_agent_tag_and_service_across_pages() -> None:
    ce = client("ce")
    expected = {
        "TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"},
        "Granularity": "MONTHLY",
        "Metrics": ["UnblendedCost"],
        "Filter": {
            "And": [
                {"Tags": {"Key": "strands:project", "Values": ["desk"], "MatchOptions": ["EQUALS"]}},
                {"Tags": {"Key": "strands:environment", "Values": ["prod"], "MatchOptions": ["EQUALS"]}},
            ]
        },
        "GroupBy": [{"Type": "TAG", "Key": "strands:agent"}, {"Type": "DIMENSION", "Key": "SERVICE"}],
    }

    def group(agent: str, service: str, amount: str) -> dict[str, Any]:
        return {
            "Keys": [f"strands:agent${agent}", service],
            "Metrics": {"UnblendedCost": {"Amount": amount, "Unit": "USD"}},
        }

    with Stubber(ce) as stub:
        stub.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {"TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"}, "Estimated": False,
                     "Groups": [group("support", "AWS Lambda", "12.5"), group("", "Amazon DynamoDB", "3.25")]},
                ],
                "NextPageToken": "next",
            },
            expected,
        )  # fmt: skip
        stub.add_response(
            "get_cost_and_usage",
            {
                "ResultsByTime": [
                    {"TimePeriod": {"Start": "2026-11-01", "End": "2026-12-01"}, "Estimated": True,
                     "Groups": [group("support", "Amazon Bedrock", "900.10"), group("support", "AWS Lambda", "0.5")]},
                ]
            },
            {**expected, "NextPageToken": "next"},
        )  # fmt: skip
        rows = cost_and_usage(ce, "desk", "prod", date(2026, 11, 1), date(2026, 12, 1))
        stub.assert_no_pending_responses()
    got = {(r.agent, r.service): r.amount for r in rows}
    assert got == {
        ("", "Amazon DynamoDB"): Decimal("3.25"),
        ("support", "AWS Lambda"): Decimal("13.0"),
        ("support", "Amazon Bedrock"): Decimal("900.10"),
    }


def test_cost_and_usage_against_moto_server(aws_env: Any) -> None:
    """moto answers GetCostAndUsage over HTTP: the request is accepted and its answer parsed."""
    ce = boto3.client("ce", region_name="us-east-1", endpoint_url=aws_env.endpoint)
    rows = cost_and_usage(ce, "desk", "prod", date(2026, 11, 1), date(2026, 12, 1))
    assert all(isinstance(r.amount, Decimal) for r in rows)


def test_bedrock_token_counts_from_cloudwatch_priced_at_list_price() -> None:
    cloudwatch = client("cloudwatch")
    start = datetime(2026, 11, 1, tzinfo=UTC)
    end = datetime(2026, 11, 2, tzinfo=UTC)
    models = ["us.anthropic.claude-sonnet-4-20250514-v1:0", "acme.unknown-v1:0"]
    queries = [
        {
            "Id": f"{kind}{i}",
            "MetricStat": {
                "Metric": {
                    "Namespace": "AWS/Bedrock",
                    "MetricName": metric,
                    "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                },
                "Period": 86400,
                "Stat": "Sum",
            },
            "ReturnData": True,
        }
        for i, model_id in enumerate(sorted(models))
        for kind, metric in (("in", "InputTokenCount"), ("out", "OutputTokenCount"))
    ]
    with Stubber(cloudwatch) as stub:
        stub.add_response(
            "get_metric_data",
            {
                "MetricDataResults": [
                    {"Id": "in1", "Values": [600000.0, 400000.0], "StatusCode": "Complete"},
                    {"Id": "out1", "Values": [250000.0], "StatusCode": "Complete"},
                    {"Id": "in0", "Values": [10.0], "StatusCode": "Complete"},
                ]
            },
            {"MetricDataQueries": queries, "StartTime": start, "EndTime": end},
        )
        usage = bedrock_tokens(cloudwatch, models, start, end, load_prices("us-east-1"))
        stub.assert_no_pending_responses()
    sonnet = next(u for u in usage if u.model_id.startswith("us."))
    assert (sonnet.input_tokens, sonnet.output_tokens) == (Decimal(1_000_000), Decimal(250_000))
    assert sonnet.cost == Decimal(1000) * Decimal("0.003") + Decimal(250) * Decimal("0.015")
    unknown = next(u for u in usage if u.model_id.startswith("acme"))
    assert unknown.input_tokens == 10 and unknown.cost is None


def test_parse_since() -> None:
    today = date(2026, 12, 3)
    assert parse_since(None, today) == date(2026, 12, 1)
    assert parse_since("30d", today) == date(2026, 11, 3)
    assert parse_since("2026-10-15", today) == date(2026, 10, 15)
    with pytest.raises(UserError, match="is not a date"):
        parse_since("last tuesday", today)


def _product(sku: str, dims: list[tuple[str, str, str]], unit: str = "Requests", **attributes: str) -> str:
    return json.dumps(
        {
            "product": {"sku": sku, "attributes": attributes},
            "terms": {
                "OnDemand": {
                    f"{sku}.JRTCKXETXF": {
                        "priceDimensions": {
                            f"{sku}.JRTCKXETXF.{i}": {
                                "beginRange": begin,
                                "endRange": end,
                                "unit": unit,
                                "pricePerUnit": {"USD": price},
                            }
                            for i, (begin, end, price) in enumerate(dims)
                        }
                    }
                }
            },
        }
    )


def test_on_demand_tiers_drop_free_tiers_and_keep_order() -> None:
    product = json.loads(_product("X", [("1000000", "Inf", "0.0000004"), ("0", "1000000", "0")]))
    assert on_demand_tiers(product) == [(None, Decimal("0.0000004"))]


def test_prices_update_from_the_price_list(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path))
    pricing = client("pricing")
    base = load_prices("us-west-2")  # no shipped table: us-east-1's figures stand in
    with Stubber(pricing) as stub:
        for key, entry in base.raw["prices"].items():
            spec = entry["price_list"]
            filters = [
                {"Type": "TERM_MATCH", "Field": "regionCode", "Value": "us-west-2"},
                {"Type": "TERM_MATCH", "Field": "usagetype", "Value": f"USW2-{spec['usagetype']}"},
            ]
            items: list[str] = []
            if key == "lambda.duration.arm64":
                tiers = [
                    ("0", "7500000000", "0.0000133334"),
                    ("7500000000", "18750000000", "0.0000120001"),
                    ("18750000000", "Inf", "0.0000106667"),
                ]
                items = [_product("ARM", tiers, "Lambda-GB-Second")]
            elif key == "natgateway.hours":
                items = [_product("NAT", [("0", "Inf", "0.048")], "Hrs")]
            elif key == "xray.traces_recorded":
                items = [_product("XR", [("0", "100000", "0"), ("100000", "Inf", "0.000005")], "Traces")]
            expected = {
                "ServiceCode": spec["service_code"],
                "Filters": filters,
                "FormatVersion": "aws_v1",
                "MaxResults": 100,
            }
            stub.add_response("get_products", {"PriceList": items, "FormatVersion": "aws_v1"}, expected)
        for _model_id, entry in base.raw["bedrock_models"].items():
            items = []
            if entry["name"] == "Claude Sonnet 4":
                on_demand = "On-demand Inference"
                items = [
                    _product(
                        "SIN", [("0", "Inf", "0.003")], "1K tokens", inferenceType="Input tokens", feature=on_demand
                    ),
                    _product(
                        "SOUT", [("0", "Inf", "0.015")], "1K tokens", inferenceType="Output tokens", feature=on_demand
                    ),
                    _product(
                        "SBAT", [("0", "Inf", "0.0015")], "1K tokens", inferenceType="Input tokens", feature="Batch"
                    ),
                ]
            stub.add_response(
                "get_products",
                {"PriceList": items, "FormatVersion": "aws_v1"},
                {"ServiceCode": "AmazonBedrock", "Filters": ANY, "FormatVersion": "aws_v1", "MaxResults": 100},
            )
        doc, report = update_prices(pricing, "us-west-2", now=datetime(2026, 12, 3, tzinfo=UTC))
        stub.assert_no_pending_responses()
    table = parse_table(doc, "updated")
    assert table.region == "us-west-2" and table.as_of == "2026-12-03"
    assert report.updated == {"natgateway.hours": ("0.045", "0.048")}
    assert set(report.unchanged) == {"lambda.duration.arm64", "xray.traces_recorded"}
    assert "lambda.requests" in report.not_found
    assert "bedrock_models.anthropic.claude-3-5-haiku-20241022-v1:0" in report.not_found
    assert table.price("lambda.duration.arm64").tiers[1].price == Decimal("0.0000120001")
    assert table.price("xray.traces_recorded").first == Decimal("0.000005")  # the free tier dropped
    assert "sku NAT" in doc["prices"]["natgateway.hours"]["verified"]
    assert table.model("anthropic.claude-sonnet-4-20250514-v1:0").input_per_1k == Decimal("0.003")


def test_a_price_list_failure_is_a_strands_error(tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from strands_tf.errors import StrandsError

    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path))
    pricing = client("pricing")
    with Stubber(pricing) as stub:
        stub.add_client_error("get_products", "AccessDeniedException", "not authorized to perform: pricing:GetProducts")
        with pytest.raises(StrandsError) as raised:
            update_prices(pricing, "us-east-1")
    assert raised.value.category == "permissions" and "pricing:GetProducts" in str(raised.value.summary)
