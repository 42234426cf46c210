"""Monthly cost estimates, per agent, per resource and per service, from what Terraform manages.

The estimator prices Terraform resources (type + attribute values), wherever they come from:
the `after` (or `before`) side of a plan, the state file after an apply, or the InfraGraph of a
configuration expanded offline into the resources its modules create. Usage (invocations, tokens,
storage...) comes from `usage:` (see usage.py) and every line names the usage it assumed. Bedrock model
tokens are priced per agent from the model its function calls (STRANDS_MODEL_ID).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from strands_tf.config.resolve import ResolvedProject
from strands_tf.cost.prices import PriceTable, load_prices, source_model_id
from strands_tf.cost.usage import Figure, UsageModel, number

CENT = Decimal("0.01")
KB_PER_GB = Decimal(1024 * 1024)
MB_PER_GB = Decimal(1024)
# X-Ray's default sampling rule for Lambda active tracing: the first request each second, then 5%
SECONDS_PER_MONTH = Decimal(730 * 3600)
XRAY_EXTRA_RATE = Decimal("0.05")
# a log group that never expires: a year of logs is assumed stored
NEVER_EXPIRES_DAYS = 365
# the module id of a resource address: module.<id>.aws_...
_SERVICES = {
    "lambda": "Lambda",
    "bedrock": "Bedrock",
    "apigateway": "API Gateway",
    "dynamodb": "DynamoDB",
    "s3": "S3",
    "sqs": "SQS",
    "sns": "SNS",
    "nat": "NAT gateway",
    "ipv4": "Public IPv4",
    "endpoint": "VPC endpoints",
    "logs": "CloudWatch Logs",
    "alarms": "CloudWatch alarms",
    "kms": "KMS",
    "xray": "X-Ray",
}


def money_gb(value: Decimal) -> Decimal:
    """A size in GB for people: three decimals."""
    return value.quantize(Decimal("0.001"), rounding=ROUND_HALF_UP)


def money(value: Decimal) -> Decimal:
    """Rounded to the cent, half up."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class PricedResource:
    """A Terraform resource to price: its address, type and attribute values, and the module it sits in."""

    address: str
    type: str
    values: Mapping[str, Any]

    @property
    def module(self) -> str | None:
        """The id of the top-level module holding it (`agent_support`), None at the root."""
        if not self.address.startswith("module."):
            return None
        return self.address.split(".", 2)[1].split("[", 1)[0]


@dataclass(frozen=True)
class Owner:
    """The strands.yaml element a priced resource belongs to."""

    kind: str  # agent | resource | api | vpc | project | alarms | other
    name: str

    @property
    def label(self) -> str:
        return f"{self.kind} {self.name}" if self.kind not in ("api", "project", "alarms") else self.kind


@dataclass
class CostLine:
    """One priced component: what, how much, at which price, assuming what."""

    owner: Owner
    service: str
    component: str
    address: str | None
    quantity: Decimal
    unit: str
    unit_price: Decimal
    monthly: Decimal
    assumption: str
    price_key: str

    def to_json(self) -> dict[str, Any]:
        return {
            "owner": {"kind": self.owner.kind, "name": self.owner.name},
            "service": self.service,
            "component": self.component,
            "address": self.address,
            "quantity": float(self.quantity),
            "unit": self.unit,
            "unit_price": str(self.unit_price),
            "monthly": float(money(self.monthly)),
            "monthly_exact": str(self.monthly.normalize()),
            "assumption": self.assumption,
            "price": self.price_key,
        }


@dataclass
class Estimate:
    """A monthly estimate: every line, the prices used and what could not be priced."""

    region: str
    currency: str
    prices: str
    lines: list[CostLine] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unpriced: list[str] = field(default_factory=list)
    basis: str = ""  # what was priced: "plan", "state", "configuration"
    # the region whose table was missing when another region's prices stand in (the `prices` label says so too)
    stand_in_for: str | None = None

    @property
    def total(self) -> Decimal:
        """The monthly total (unrounded)."""
        return sum((line.monthly for line in self.lines), Decimal(0))

    def _by(self, key: Any) -> dict[str, Decimal]:
        out: dict[str, Decimal] = defaultdict(Decimal)
        for line in self.lines:
            out[key(line)] += line.monthly
        return dict(sorted(out.items(), key=lambda kv: (-kv[1], kv[0])))

    def by_service(self) -> dict[str, Decimal]:
        """Monthly cost per AWS service, largest first."""
        return self._by(lambda line: line.service)

    def by_owner(self) -> dict[str, Decimal]:
        """Monthly cost per strands.yaml element (`agent support`, `resource tickets`, `api`...), largest first."""
        return self._by(lambda line: line.owner.label)

    def to_json(self) -> dict[str, Any]:
        """The estimate as JSON (history records, `--json`); money as numbers rounded to the cent."""
        return {
            "currency": self.currency,
            "region": self.region,
            "prices": self.prices,
            "stand_in_for": self.stand_in_for,
            "basis": self.basis,
            "monthly_total": float(money(self.total)),
            "by_service": {k: float(money(v)) for k, v in self.by_service().items()},
            "by_owner": {k: float(money(v)) for k, v in self.by_owner().items()},
            "lines": [line.to_json() for line in self.lines],
            "unpriced": list(self.unpriced),
            "warnings": list(self.warnings),
        }


# --------------------------------------------------------------------------------------------- sources


def resources_from_plan(plan: Any, *, side: str = "after") -> list[PricedResource]:
    """Managed resources of a plan as they will be (`after`) or are now (`before`)."""
    out: list[PricedResource] = []
    for rc in plan.resource_changes:
        if rc.mode != "managed" or rc.deposed is not None:
            continue
        values = rc.after if side == "after" else rc.before
        if side == "after" and rc.action in ("delete", "forget"):
            continue
        if not isinstance(values, dict):
            continue
        out.append(PricedResource(rc.address, rc.type, values))
    return out


def resources_from_state(state: Any) -> list[PricedResource]:
    """Managed resources of the CDK-compatible state file (what is deployed)."""
    out: list[PricedResource] = []
    for stack in state.stacks.values():
        for record in stack.resources.values():
            if ".data." in f".{record.tf_address}" or record.tf_address.startswith("data."):
                continue
            out.append(PricedResource(record.tf_address, record.tf_type, record.attributes))
    return out


def resources_from_graph(graph: Any, project: ResolvedProject) -> list[PricedResource]:
    """The priced resources the modules of a graph create, expanded offline (mirrors modules/*/main.tf)."""
    out: list[PricedResource] = []
    for node in graph.nodes.values():
        if node.block != "module":
            continue
        body = node.body
        prefix = f"module.{node.id}"
        if node.module == "strands-agent":
            variables = body.get("environment_variables") or {}
            out.append(
                PricedResource(
                    f"{prefix}.aws_lambda_function.this",
                    "aws_lambda_function",
                    {
                        "memory_size": body.get("memory_size", 128),
                        "architectures": [body.get("architecture", "x86_64")],
                        "ephemeral_storage": [{"size": body.get("ephemeral_storage", 512)}],
                        "tracing_config": [{"mode": "Active" if body.get("tracing") else "PassThrough"}],
                        "environment": [{"variables": variables}] if variables else [],
                    },
                )
            )
            out.append(
                PricedResource(
                    f"{prefix}.aws_cloudwatch_log_group.this",
                    "aws_cloudwatch_log_group",
                    {"retention_in_days": body.get("log_retention_days", 0)},
                )
            )
        elif node.module == "http-api":
            out.append(
                PricedResource(f"{prefix}.aws_apigatewayv2_api.this", "aws_apigatewayv2_api", {"protocol_type": "HTTP"})
            )
            out.append(
                PricedResource(
                    f"{prefix}.aws_cloudwatch_log_group.access",
                    "aws_cloudwatch_log_group",
                    {"retention_in_days": body.get("log_retention_days", 0)},
                )
            )
        elif node.module == "dynamodb-table":
            out.append(
                PricedResource(
                    f"{prefix}.aws_dynamodb_table.this",
                    "aws_dynamodb_table",
                    {
                        "billing_mode": body.get("billing_mode", "PAY_PER_REQUEST"),
                        "read_capacity": body.get("read_capacity", 0),
                        "write_capacity": body.get("write_capacity", 0),
                        "point_in_time_recovery": [{"enabled": bool(body.get("point_in_time_recovery", True))}],
                    },
                )
            )
        elif node.module == "s3-bucket":
            out.append(PricedResource(f"{prefix}.aws_s3_bucket.this", "aws_s3_bucket", {}))
        elif node.module == "sqs-queue":
            fifo = bool(body.get("fifo", False))
            out.append(PricedResource(f"{prefix}.aws_sqs_queue.this", "aws_sqs_queue", {"fifo_queue": fifo}))
            if body.get("create_dead_letter_queue"):
                out.append(
                    PricedResource(f"{prefix}.aws_sqs_queue.dead_letter[0]", "aws_sqs_queue", {"fifo_queue": fifo})
                )
        elif node.module == "sns-topic":
            out.append(
                PricedResource(f"{prefix}.aws_sns_topic.this", "aws_sns_topic", {"fifo_topic": bool(body.get("fifo"))})
            )
        elif node.module == "vpc":
            out.extend(_vpc_resources(prefix, body))
        elif node.module == "alarm-topic":
            out.append(PricedResource(f"{prefix}.aws_kms_key.this", "aws_kms_key", {}))
            out.append(PricedResource(f"{prefix}.aws_sns_topic.this", "aws_sns_topic", {"fifo_topic": False}))
        if node.module in ("metric-alarms", "http-api"):
            out.extend(_alarm_resources(prefix, body.get("alarms")))
    return out


def _alarm_resources(prefix: str, alarms: Any) -> list[PricedResource]:
    # metric-alarms and http-api make one aws_cloudwatch_metric_alarm per key of their `alarms` input
    if not isinstance(alarms, Mapping):
        return []
    return [
        PricedResource(
            f'{prefix}.aws_cloudwatch_metric_alarm.this["{key}"]',
            "aws_cloudwatch_metric_alarm",
            {"period": alarm.get("period") if isinstance(alarm, Mapping) else None},
        )
        for key, alarm in alarms.items()
    ]


def _vpc_resources(prefix: str, body: Mapping[str, Any]) -> list[PricedResource]:
    zones = int(body.get("az_count", 2))
    nat = body.get("nat_gateway", "single")
    nats = zones if nat == "one_per_az" else (1 if nat == "single" else 0)
    out: list[PricedResource] = []
    for i in range(nats):
        out.append(PricedResource(f"{prefix}.aws_nat_gateway.this[{i}]", "aws_nat_gateway", {}))
        out.append(PricedResource(f"{prefix}.aws_eip.nat[{i}]", "aws_eip", {"domain": "vpc"}))
    for service in body.get("endpoints") or []:
        kind = "Gateway" if service in ("s3", "dynamodb") else "Interface"
        key = "gateway" if kind == "Gateway" else "interface"
        values: dict[str, Any] = {"vpc_endpoint_type": kind}
        if kind == "Interface":
            values["subnet_ids"] = [f"private-{i}" for i in range(zones)]
        out.append(PricedResource(f'{prefix}.aws_vpc_endpoint.{key}["{service}"]', "aws_vpc_endpoint", values))
    if body.get("flow_logs", True):
        out.append(
            PricedResource(
                f"{prefix}.aws_cloudwatch_log_group.flow_logs[0]",
                "aws_cloudwatch_log_group",
                {"retention_in_days": body.get("flow_log_retention_days", 365)},
            )
        )
    return out


def owners_from_graph(graph: Any) -> dict[str, Owner]:
    """Module id → the element it realises (an agent's role and dead-letter queue belong to the agent)."""
    out: dict[str, Owner] = {}
    for node in graph.nodes.values():
        kind = node.owner.kind
        if kind == "role":
            kind = "agent"
        out[node.id] = Owner(
            kind if kind in ("agent", "resource", "api", "vpc", "project", "alarms") else "other", node.owner.name
        )
    return out


# ------------------------------------------------------------------------------------------- estimator


@dataclass
class _Context:
    project: ResolvedProject
    prices: PriceTable
    usage: UsageModel
    owners: Mapping[str, Owner]
    estimate: Estimate
    interface_endpoints: int = 0
    nat_gateways: int = 0
    # tiered prices are tiered over the whole account: quantities are summed, then the cost is shared out
    tiered: dict[str, list[CostLine]] = field(default_factory=lambda: defaultdict(list))


def _owner(ctx: _Context, resource: PricedResource) -> Owner:
    module = resource.module
    if module is None:
        return Owner("other", resource.address)
    return ctx.owners.get(module) or Owner("other", module)


def _line(
    ctx: _Context,
    owner: Owner,
    service: str,
    component: str,
    address: str | None,
    quantity: Decimal,
    price_key: str,
    assumption: str,
) -> CostLine | None:
    if quantity <= 0:
        return None
    price = ctx.prices.price(price_key)
    line = CostLine(
        owner, _SERVICES[service], component, address, quantity, price.unit, price.first,
        quantity * price.first, assumption, price_key,
    )  # fmt: skip
    if len(price.tiers) > 1:
        ctx.tiered[price_key].append(line)
    ctx.estimate.lines.append(line)
    return line


def _first(values: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    block = values.get(name)
    if isinstance(block, list) and block and isinstance(block[0], Mapping):
        return block[0]
    return block if isinstance(block, Mapping) else {}


def _agent_name(owner: Owner) -> str | None:
    return owner.name if owner.kind == "agent" else None


def _agent_figure(ctx: _Context, owner: Owner, field_name: str) -> Figure:
    name = _agent_name(owner)
    if name is None:
        return Figure(ctx.usage.agent("", field_name).value, "default")
    return ctx.usage.agent(name, field_name)


def _price_lambda(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    values = r.values
    memory = Decimal(str(values.get("memory_size") or 128))
    arch = (values.get("architectures") or ["x86_64"])[0]
    arch = "arm64" if arch == "arm64" else "x86_64"
    invocations = _agent_figure(ctx, owner, "invocations")
    duration = _agent_figure(ctx, owner, "duration_ms")
    seconds = duration.value / 1000
    gb = memory / MB_PER_GB
    inv_text = invocations.text("invocations")
    _line(ctx, owner, "lambda", "requests", r.address, invocations.value, "lambda.requests", inv_text)
    _line(
        ctx, owner, "lambda", f"duration ({arch})", r.address, invocations.value * seconds * gb,
        f"lambda.duration.{arch}",
        f"{inv_text} × {duration.text('ms')} × {number(memory)} MB",
    )  # fmt: skip
    storage = Decimal(str(_first(values, "ephemeral_storage").get("size") or 512))
    if storage > 512:
        _line(
            ctx, owner, "lambda", "ephemeral storage", r.address,
            invocations.value * seconds * (storage - 512) / MB_PER_GB, "lambda.ephemeral_storage",
            f"{inv_text} × {duration.text('ms')} × {number(storage - 512)} MB of /tmp above 512 MB",
        )  # fmt: skip
    if _first(values, "tracing_config").get("mode") == "Active":
        reservoir = min(invocations.value, SECONDS_PER_MONTH)
        traces = reservoir + max(Decimal(0), invocations.value - SECONDS_PER_MONTH) * XRAY_EXTRA_RATE
        _line(
            ctx, owner, "xray", "traces recorded", r.address, traces, "xray.traces_recorded",
            f"{inv_text}; X-Ray's default sampling (first request each second, then 5%)",
        )  # fmt: skip
    variables = _first(values, "environment").get("variables") or {}
    model = variables.get("STRANDS_MODEL_ID") if isinstance(variables, Mapping) else None
    agent = ctx.project.agents.get(owner.name) if owner.kind == "agent" else None
    if not model and agent is not None:
        model = agent.model
    if model:
        _price_model(ctx, r, owner, str(model), invocations)


def _price_model(ctx: _Context, r: PricedResource, owner: Owner, model: str, invocations: Figure) -> None:
    price = ctx.prices.model(model)
    if price is None:
        ctx.estimate.unpriced.append(f"{owner.label}: Bedrock model {model}")
        ctx.estimate.warnings.append(
            f"{owner.label}: no token price for model '{source_model_id(model)}' in the {ctx.prices.label}; its "
            "tokens are not in the estimate (`strands cost prices update` may add it)"
        )
        return
    via = "" if source_model_id(model) == model else f" via {model}"
    for kind, per_1k in (("input", price.input_per_1k), ("output", price.output_per_1k)):
        tokens = _agent_figure(ctx, owner, f"{kind}_tokens")
        quantity = invocations.value * tokens.value / 1000
        if quantity <= 0:
            continue
        line = CostLine(
            owner, _SERVICES["bedrock"], f"{price.name} {kind} tokens{via}", r.address, quantity, "1K tokens",
            per_1k, quantity * per_1k,
            f"{invocations.text('invocations')} × {tokens.text(kind + ' tokens')}",
            f"bedrock_models.{price.model_id}.{kind}_per_1k",
        )  # fmt: skip
        ctx.estimate.lines.append(line)


def _log_ingestion(ctx: _Context, r: PricedResource, owner: Owner) -> tuple[Decimal, str] | None:
    if owner.kind == "agent":
        invocations = ctx.usage.agent(owner.name, "invocations")
        log_kb = ctx.usage.agent(owner.name, "log_kb")
        return invocations.value * log_kb.value / KB_PER_GB, f"{invocations.text('invocations')} × {log_kb.text('KB')}"
    if owner.kind == "api":
        requests = _api_requests(ctx)
        log_kb = ctx.usage.api_log_kb()
        return requests.value * log_kb.value / KB_PER_GB, f"{requests.text('requests')} × {log_kb.text('KB')}"
    if owner.kind == "vpc":
        gb = ctx.usage.network("flow_log_gb")
        return gb.value, gb.text("GB")
    return None


def _price_log_group(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    found = _log_ingestion(ctx, r, owner)
    if found is None:
        return
    gb, text = found
    _line(ctx, owner, "logs", "ingestion", r.address, gb, "logs.ingestion", text)
    retention = int(r.values.get("retention_in_days") or 0)
    days = retention if retention > 0 else NEVER_EXPIRES_DAYS
    kept = f"kept {days} days" if retention > 0 else f"never expires: {days} days assumed"
    _line(
        ctx, owner, "logs", "storage", r.address, gb * Decimal(days) / 30, "logs.storage",
        f"{text} = {number(money_gb(gb))} GB a month, {kept} (uncompressed size, an upper bound)",
    )  # fmt: skip


def _api_requests(ctx: _Context) -> Figure:
    agents = [a for a in ctx.project.agents.values() if a.api is not None]
    total = sum((ctx.usage.agent(a.name, "invocations").value for a in agents), Decimal(0))
    names = ", ".join(a.name for a in agents)
    return Figure(total, f"one per invocation of {names}" if names else "no agent has api routes")


def _price_dynamodb(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    name = owner.name
    values = r.values
    if values.get("billing_mode") == "PROVISIONED":
        hours = ctx.prices.hours_per_month
        for kind, key in (
            ("read", "dynamodb.read_capacity_unit_hours"),
            ("write", "dynamodb.write_capacity_unit_hours"),
        ):
            units = Decimal(str(values.get(f"{kind}_capacity") or 0))
            _line(
                ctx, owner, "dynamodb", f"provisioned {kind} capacity", r.address, units * hours, key,
                f"{number(units)} {kind} capacity units × {number(hours)} hours",
            )  # fmt: skip
    else:
        for field_name, key, unit in (
            ("reads", "dynamodb.read_request_units", "read request units"),
            ("writes", "dynamodb.write_request_units", "write request units"),
        ):
            figure = ctx.usage.accesses(name, field_name)
            _line(ctx, owner, "dynamodb", f"on-demand {field_name}", r.address, figure.value, key, figure.text(unit))
    storage = ctx.usage.storage_gb(name)
    _line(ctx, owner, "dynamodb", "storage", r.address, storage.value, "dynamodb.storage", storage.text("GB"))
    if _first(values, "point_in_time_recovery").get("enabled"):
        _line(
            ctx, owner, "dynamodb", "point-in-time recovery", r.address, storage.value, "dynamodb.pitr_storage",
            storage.text("GB") + " of continuous backups",
        )  # fmt: skip


def _price_s3(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    name = owner.name if owner.kind == "resource" else ""
    storage = ctx.usage.storage_gb(name)
    _line(ctx, owner, "s3", "storage (Standard)", r.address, storage.value, "s3.storage_standard", storage.text("GB"))
    if owner.kind != "resource":
        return
    writes = ctx.usage.accesses(name, "writes")
    reads = ctx.usage.accesses(name, "reads")
    _line(ctx, owner, "s3", "PUT requests", r.address, writes.value, "s3.put_requests", writes.text("requests"))
    _line(ctx, owner, "s3", "GET requests", r.address, reads.value, "s3.get_requests", reads.text("requests"))


def _price_sqs(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    if owner.kind != "resource" or "dead_letter" in r.address:
        return  # dead-letter queues only see failures: not estimated
    fifo = bool(r.values.get("fifo_queue"))
    requests = ctx.usage.requests(owner.name, "sqs")
    key = "sqs.fifo_requests" if fifo else "sqs.standard_requests"
    _line(
        ctx,
        owner,
        "sqs",
        "FIFO requests" if fifo else "requests",
        r.address,
        requests.value,
        key,
        requests.text("requests"),
    )


def _price_sns(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    if owner.kind != "resource":
        return
    if r.values.get("fifo_topic"):
        ctx.estimate.unpriced.append(f"{owner.label}: FIFO topic publishes")
        return
    publishes = ctx.usage.requests(owner.name, "sns")
    _line(ctx, owner, "sns", "publishes", r.address, publishes.value, "sns.publishes", publishes.text("publishes"))


def _price_fixed(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    hours = ctx.prices.hours_per_month
    if r.type == "aws_nat_gateway":
        _line(ctx, owner, "nat", "hours", r.address, hours, "natgateway.hours", f"{number(hours)} hours a month")
        data = ctx.usage.network("nat_gb")
        share = data.value / max(ctx.nat_gateways, 1)
        text = data.text("GB") + (f" shared by {ctx.nat_gateways} NAT gateways" if ctx.nat_gateways > 1 else "")
        _line(ctx, owner, "nat", "data processed", r.address, share, "natgateway.data", text)
    elif r.type == "aws_eip":
        _line(
            ctx,
            owner,
            "ipv4",
            "public IPv4 address",
            r.address,
            hours,
            "vpc.public_ipv4_hours",
            f"{number(hours)} hours a month",
        )
    elif r.type == "aws_vpc_endpoint" and r.values.get("vpc_endpoint_type") == "Interface":
        subnets = r.values.get("subnet_ids")
        zones = len(subnets) if isinstance(subnets, list) and subnets else _zones(ctx)
        _line(
            ctx, owner, "endpoint", "interface endpoint hours", r.address, hours * zones, "vpcendpoint.interface_hours",
            f"{number(hours)} hours × {zones} Availability Zones",
        )  # fmt: skip
        data = ctx.usage.network("endpoint_gb")
        share = data.value / max(ctx.interface_endpoints, 1)
        _line(ctx, owner, "endpoint", "data processed", r.address, share, "vpcendpoint.data",
              data.text("GB") + f" shared by {ctx.interface_endpoints} interface endpoints")  # fmt: skip
    elif r.type == "aws_cloudwatch_metric_alarm":
        queries = r.values.get("metric_query")
        metrics = (
            sum(1 for q in queries if isinstance(q, Mapping) and q.get("metric"))
            if isinstance(queries, list) and queries
            else 1
        )
        period = r.values.get("period")
        high = isinstance(period, int | float) and 0 < period < 60
        key = "cloudwatch.alarm_high_resolution" if high else "cloudwatch.alarm_standard"
        count = max(metrics, 1)
        component = "high-resolution alarm" if high else "alarm"
        _line(ctx, owner, "alarms", component, r.address, Decimal(count), key, f"{count} metric(s), a full month")
    elif r.type == "aws_kms_key":
        _line(
            ctx, owner, "kms", "customer managed key", r.address, Decimal(1), "kms.key_months", "one key, a full month"
        )


def _zones(ctx: _Context) -> int:
    vpc = ctx.project.environment.vpc
    return vpc.availability_zones if vpc is not None else 2


_PRICERS = {
    "aws_lambda_function": _price_lambda,
    "aws_cloudwatch_log_group": _price_log_group,
    "aws_dynamodb_table": _price_dynamodb,
    "aws_s3_bucket": _price_s3,
    "aws_sqs_queue": _price_sqs,
    "aws_sns_topic": _price_sns,
    "aws_nat_gateway": _price_fixed,
    "aws_eip": _price_fixed,
    "aws_vpc_endpoint": _price_fixed,
    "aws_cloudwatch_metric_alarm": _price_fixed,
    "aws_kms_key": _price_fixed,
}


def _price_api(ctx: _Context, r: PricedResource, owner: Owner) -> None:
    if r.values.get("protocol_type", "HTTP") != "HTTP":
        ctx.estimate.unpriced.append(f"{owner.label}: WebSocket API")
        return
    requests = _api_requests(ctx)
    _line(
        ctx,
        owner,
        "apigateway",
        "HTTP API requests",
        r.address,
        requests.value,
        "apigateway.http_requests",
        requests.text("requests"),
    )


_PRICERS["aws_apigatewayv2_api"] = _price_api


def _apply_tiers(ctx: _Context) -> None:
    """Price tiered quantities over their sum (AWS tiers by the account's monthly total) and share the cost out."""
    for key, lines in ctx.tiered.items():
        total = sum((line.quantity for line in lines), Decimal(0))
        if total <= 0:
            continue
        price = ctx.prices.price(key)
        cost = price.cost(total)
        if cost == total * price.first:
            continue
        for line in lines:
            line.monthly = cost * line.quantity / total
            line.unit_price = line.monthly / line.quantity
            line.assumption += f"; tiered over {number(total)} {price.unit}s in all"


def estimate_resources(
    resources: Iterable[PricedResource],
    project: ResolvedProject,
    *,
    owners: Mapping[str, Owner] | None = None,
    prices: PriceTable | None = None,
    basis: str = "",
) -> Estimate:
    """Price `resources` with the project's usage; lines come in resource order."""
    table = prices or load_prices(project.environment.region)
    est = Estimate(project.environment.region, table.currency, table.label, basis=basis)
    est.stand_in_for = table.stand_in_for
    ctx = _Context(project, table, UsageModel(project), owners or {}, est)
    items = list(resources)
    ctx.nat_gateways = sum(1 for r in items if r.type == "aws_nat_gateway")
    ctx.interface_endpoints = sum(
        1 for r in items if r.type == "aws_vpc_endpoint" and r.values.get("vpc_endpoint_type") == "Interface"
    )
    for resource in items:
        pricer = _PRICERS.get(resource.type)
        if pricer is not None:
            pricer(ctx, resource, _owner(ctx, resource))
    _apply_tiers(ctx)
    return est


def estimate_configuration(
    project: ResolvedProject, graph: Any | None = None, *, prices: PriceTable | None = None
) -> Estimate:
    """The estimate of a resolved configuration, offline: its graph expanded into the resources modules create."""
    if graph is None:
        from strands_tf.model.build import build_graph

        graph = build_graph(project)
    return estimate_resources(
        resources_from_graph(graph, project),
        project,
        owners=owners_from_graph(graph),
        prices=prices,
        basis="configuration",
    )


@dataclass(frozen=True)
class CostDelta:
    """Monthly cost before and after a change, and the difference."""

    before: Decimal | None
    after: Decimal
    baseline: str  # where `before` comes from

    @property
    def delta(self) -> Decimal | None:
        """after - before, to the cent (a recorded baseline is itself rounded to the cent)."""
        return None if self.before is None else money(self.after) - money(self.before)

    def to_json(self) -> dict[str, Any]:
        return {
            "monthly": float(money(self.after)),
            "deployed": None if self.before is None else float(money(self.before)),
            "delta": None if self.delta is None else float(money(self.delta)),
            "baseline": self.baseline,
        }


def format_money(value: Decimal, currency: str = "USD", *, sign: bool = False) -> str:
    """`$1,234.56` (`+$12.00` / `-$3.10` with sign)."""
    rounded = money(value)
    symbol = "$" if currency == "USD" else f"{currency} "
    text = f"{symbol}{abs(rounded):,.2f}"
    if sign:
        return ("-" if rounded < 0 else "+") + text
    return ("-" if rounded < 0 else "") + text
