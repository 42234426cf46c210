"""Actual spend and billing: cost allocation tags (activation), Cost Explorer by the tool's tags, Bedrock tokens used.

Cost Explorer answers from us-east-1 whatever the project's region; CloudWatch's `AWS/Bedrock` metrics live in
the region the agents call Bedrock from.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from strands_tf.cost.prices import PriceTable
from strands_tf.cost.tags import AGENT_KEY, ENVIRONMENT_KEY, PROJECT_KEY
from strands_tf.errors import UserError

COST_EXPLORER_REGION = "us-east-1"
MAX_TAGS_PER_UPDATE = 20  # UpdateCostAllocationTagsStatus takes at most 20 keys a call
COST_METRIC = "UnblendedCost"


@dataclass
class TagActivation:
    """What `strands cost tags activate` did: keys now active, already active, unknown to billing, failed."""

    activated: list[str] = field(default_factory=list)
    already_active: list[str] = field(default_factory=list)
    not_yet_known: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        """True when every key is active."""
        return not self.not_yet_known and not self.failed

    def to_json(self) -> dict[str, Any]:
        return {
            "activated": self.activated,
            "already_active": self.already_active,
            "not_yet_known": self.not_yet_known,
            "failed": self.failed,
            "complete": self.complete,
        }


def activate_tags(ce: Any, keys: Iterable[str]) -> TagActivation:
    """Activate `keys` as cost allocation tags; keys billing has not seen yet are reported, not failed.

    Billing learns a tag key up to 24 hours after a resource first carries it; until then the key is not in
    ListCostAllocationTags and activating it fails, so those keys are left for a later run.
    """
    wanted = sorted(set(keys))
    result = TagActivation()
    known: dict[str, str] = {}
    for start in range(0, len(wanted), 100):
        batch = wanted[start : start + 100]
        token: str | None = None
        while True:
            request: dict[str, Any] = {"TagKeys": batch, "Type": "UserDefined", "MaxResults": 100}
            if token:
                request["NextToken"] = token
            page = ce.list_cost_allocation_tags(**request)
            for tag in page.get("CostAllocationTags", []):
                known[tag["TagKey"]] = tag.get("Status", "Inactive")
            token = page.get("NextToken")
            if not token:
                break
    to_activate: list[str] = []
    for key in wanted:
        status = known.get(key)
        if status is None:
            result.not_yet_known.append(key)
        elif status == "Active":
            result.already_active.append(key)
        else:
            to_activate.append(key)
    for start in range(0, len(to_activate), MAX_TAGS_PER_UPDATE):
        batch = to_activate[start : start + MAX_TAGS_PER_UPDATE]
        response = ce.update_cost_allocation_tags_status(
            CostAllocationTagsStatus=[{"TagKey": key, "Status": "Active"} for key in batch]
        )
        errors = {
            e["TagKey"]: f"{e.get('Code', 'Error')}: {e.get('Message', '')}".strip() for e in response.get("Errors", [])
        }
        for key in batch:
            if key in errors:
                result.failed[key] = errors[key]
            else:
                result.activated.append(key)
    return result


@dataclass
class SpendRow:
    """Actual cost of one (agent, service) pair over the period."""

    agent: str  # "" when the cost carries no strands:agent tag (shared resources)
    service: str
    amount: Decimal


@dataclass
class TokenUsage:
    """Bedrock tokens an environment's agents used, per model, and their list-price cost."""

    model_id: str
    input_tokens: Decimal
    output_tokens: Decimal
    cost: Decimal | None


@dataclass
class SpendReport:
    """`strands cost report`: actual spend from Cost Explorer and Bedrock tokens from CloudWatch."""

    start: date
    end: date
    currency: str = "USD"
    rows: list[SpendRow] = field(default_factory=list)
    tokens: list[TokenUsage] = field(default_factory=list)
    estimated_total: Decimal | None = None
    warnings: list[str] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((row.amount for row in self.rows), Decimal(0))

    def by(self, attribute: str) -> dict[str, Decimal]:
        """Actual cost per agent or per service, largest first."""
        out: dict[str, Decimal] = defaultdict(Decimal)
        for row in self.rows:
            out[getattr(row, attribute) or "(shared)"] += row.amount
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    @property
    def days(self) -> int:
        return max((self.end - self.start).days, 1)

    def to_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "currency": self.currency,
            "total": float(self.total),
            "by_agent": {k: float(v) for k, v in self.by("agent").items()},
            "by_service": {k: float(v) for k, v in self.by("service").items()},
            "rows": [{"agent": r.agent, "service": r.service, "amount": float(r.amount)} for r in self.rows],
            "bedrock_tokens": [
                {
                    "model_id": t.model_id,
                    "input_tokens": float(t.input_tokens),
                    "output_tokens": float(t.output_tokens),
                    "list_price_cost": None if t.cost is None else float(t.cost),
                }
                for t in self.tokens
            ],
            "estimated_monthly_total": None if self.estimated_total is None else float(self.estimated_total),
            "warnings": self.warnings,
        }


def parse_since(text: str | None, today: date | None = None) -> date:
    """`--since`: an ISO date, or N days back (`30d`); default the first day of this month."""
    now = today or datetime.now(UTC).date()
    if not text:
        return now.replace(day=1)
    if text.endswith("d") and text[:-1].isdigit():
        return now - timedelta(days=int(text[:-1]))
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise UserError(
            f"--since {text!r} is not a date", hint="give YYYY-MM-DD (e.g. 2026-11-01) or a number of days (30d)"
        ) from None


def cost_and_usage(ce: Any, project: str, environment: str, start: date, end: date) -> list[SpendRow]:
    """Unblended cost per strands:agent tag and service, of resources tagged with the project and environment."""
    request: dict[str, Any] = {
        "TimePeriod": {"Start": start.isoformat(), "End": end.isoformat()},
        "Granularity": "MONTHLY",
        "Metrics": [COST_METRIC],
        "Filter": {
            "And": [
                {"Tags": {"Key": PROJECT_KEY, "Values": [project], "MatchOptions": ["EQUALS"]}},
                {"Tags": {"Key": ENVIRONMENT_KEY, "Values": [environment], "MatchOptions": ["EQUALS"]}},
            ]
        },
        "GroupBy": [{"Type": "TAG", "Key": AGENT_KEY}, {"Type": "DIMENSION", "Key": "SERVICE"}],
    }
    totals: dict[tuple[str, str], Decimal] = defaultdict(Decimal)
    while True:
        page = ce.get_cost_and_usage(**request)
        for period in page.get("ResultsByTime", []):
            for group in period.get("Groups", []):
                keys = group.get("Keys", [])
                tag = keys[0] if keys else ""
                agent = tag.split("$", 1)[1] if "$" in tag else ""
                service = keys[1] if len(keys) > 1 else "?"
                amount = Decimal(str(group.get("Metrics", {}).get(COST_METRIC, {}).get("Amount", "0")))
                totals[(agent, service)] += amount
        token = page.get("NextPageToken")
        if not token:
            break
        request["NextPageToken"] = token
    return [SpendRow(agent, service, amount) for (agent, service), amount in sorted(totals.items())]


def bedrock_tokens(
    cloudwatch: Any, model_ids: Iterable[str], start: datetime, end: datetime, prices: PriceTable | None = None
) -> list[TokenUsage]:
    """Tokens counted by CloudWatch (`AWS/Bedrock` InputTokenCount / OutputTokenCount per ModelId) over a period."""
    models = sorted(set(model_ids))
    if not models:
        return []
    period = max(60, int((end - start).total_seconds()) // 60 * 60)
    queries: list[dict[str, Any]] = []
    for i, model_id in enumerate(models):
        for kind, metric in (("in", "InputTokenCount"), ("out", "OutputTokenCount")):
            queries.append(
                {
                    "Id": f"{kind}{i}",
                    "MetricStat": {
                        "Metric": {
                            "Namespace": "AWS/Bedrock",
                            "MetricName": metric,
                            "Dimensions": [{"Name": "ModelId", "Value": model_id}],
                        },
                        "Period": period,
                        "Stat": "Sum",
                    },
                    "ReturnData": True,
                }
            )
    sums: dict[str, Decimal] = defaultdict(Decimal)
    request: dict[str, Any] = {"MetricDataQueries": queries, "StartTime": start, "EndTime": end}
    while True:
        page = cloudwatch.get_metric_data(**request)
        for result in page.get("MetricDataResults", []):
            sums[result["Id"]] += sum((Decimal(str(v)) for v in result.get("Values", [])), Decimal(0))
        token = page.get("NextToken")
        if not token:
            break
        request["NextToken"] = token
    out: list[TokenUsage] = []
    for i, model_id in enumerate(models):
        tokens_in, tokens_out = sums[f"in{i}"], sums[f"out{i}"]
        price = prices.model(model_id) if prices is not None else None
        cost = None
        if price is not None:
            cost = tokens_in / 1000 * price.input_per_1k + tokens_out / 1000 * price.output_per_1k
        out.append(TokenUsage(model_id, tokens_in, tokens_out, cost))
    return out
