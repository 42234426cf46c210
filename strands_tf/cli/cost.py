"""`strands cost`: estimates, the cost change between deployments, actual spend, tag activation and prices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")


@click.group()
def cost() -> None:
    """Cost estimates (model tokens included), cost changes, actual spend, cost allocation tags, prices.

    \b
    Examples:
      strands cost estimate -e prod
      strands cost diff 20261125T150102Z-3fa1c2 20261126T091500Z-77ab01 -e prod
      strands cost report -e prod --since 30d
    """


def render_estimate(console: Any, estimate: Any, *, detail: bool = True) -> None:
    """An estimate per element (each line with the usage it assumed), then the totals per service."""
    from strands_tf.cost.estimate import format_money

    currency = estimate.currency
    totals = estimate.by_owner()
    for owner, total in totals.items():
        console.print(f"[bold]{escape(owner)}[/]  {format_money(total, currency)} a month")
        if not detail:
            continue
        for line in (x for x in estimate.lines if x.owner.label == owner):
            console.print(
                f"  {format_money(line.monthly, currency):>12}  {escape(line.service)} {escape(line.component)}: "
                f"[dim]{escape(line.assumption)}[/]"
            )
    services = ", ".join(f"{escape(k)} {format_money(v, currency)}" for k, v in estimate.by_service().items())
    console.print(f"per service: {services or '-'}")
    console.print(
        f"[bold]total {format_money(estimate.total, currency)} a month[/] "
        f"({escape(estimate.prices)}; list prices, no free tier)"
    )
    for item in estimate.unpriced:
        console.print(f"[yellow]not priced[/]: {escape(item)}")
    for warning in estimate.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    if estimate.stand_in_for:
        console.print(
            f"[yellow]note[/]: no price table for {escape(estimate.stand_in_for)} ships with strands-tf: "
            "`strands cost prices update` fetches that region's prices"
        )


@cost.command()
@_JSON_OPTION
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Price a saved plan JSON (`terraform show -json PLAN`) instead of the configuration.",
)
@click.option("--summary", is_flag=True, help="Only the totals per service and element, no lines.")
@click.pass_context
def estimate(ctx: click.Context, as_json: bool, plan_file: Path | None, summary: bool) -> None:
    """Estimate the monthly cost of an environment, per agent, resource and service, model tokens included.

    Offline: prices the resources the configuration creates with the shipped price table and
    the `usage:` block (every line names the usage it assumed). With --plan, prices what a saved
    plan will leave running.

    \b
    Examples:
      strands cost estimate -e prod
      strands cost estimate -e prod --json > cost.json
      terraform show -json tfplan > plan.json && strands cost estimate -e prod --plan plan.json
    """
    from strands_tf.cost.estimate import estimate_configuration, estimate_resources, resources_from_plan

    app = app_context(ctx)
    resolved = app.resolve()
    if plan_file is not None:
        from strands_tf.cost.deployed import project_owners
        from strands_tf.terraform.plan import load_plan

        resources = resources_from_plan(load_plan(plan_file))
        owners = project_owners(resolved, sorted({r.module for r in resources if r.module}))
        result = estimate_resources(resources, resolved, owners=owners, basis="plan")
    else:
        result = estimate_configuration(resolved)
    if as_json:
        print_json({"project": resolved.project, "environment": resolved.environment.name, **result.to_json()})
        return
    console = make_console()
    console.print(f"[bold]{escape(resolved.project)}[/] in [bold]{escape(resolved.environment.name)}[/]")
    render_estimate(console, result, detail=not summary)


def render_cost_change(console: Any, change: dict[str, Any] | None, label: str = "cost") -> None:
    """`cost: $10.00 → $12.50 a month (+$2.50)` and what moved, per service and per element."""
    from decimal import Decimal

    from strands_tf.cost.estimate import format_money

    if change is None:
        console.print(f"{label}: not estimated (records made before cost estimates have none)")
        return
    currency = change.get("currency", "USD")
    before, after, delta = (Decimal(str(change[k])) for k in ("before", "after", "delta"))
    console.print(
        f"{label}: {format_money(before, currency)} → {format_money(after, currency)} a month "
        f"({format_money(delta, currency, sign=True)})"
    )
    for title in ("by_service", "by_owner"):
        moved = change.get(title) or {}
        if moved:
            items = ", ".join(
                f"{escape(k)} {format_money(Decimal(str(v)), currency, sign=True)}" for k, v in moved.items()
            )
            console.print(f"  {title.replace('_', ' ')}: {items}")


@cost.command()
@click.argument("id_a", metavar="A")
@click.argument("id_b", metavar="B")
@_JSON_OPTION
@click.pass_context
def diff(ctx: click.Context, id_a: str, id_b: str, as_json: bool) -> int:
    """Show the monthly cost change between two deployments (history records A and B).

    \b
    Examples:
      strands cost diff 20261125T150102Z-3fa1c2 20261126T091500Z-77ab01 -e prod
    """
    from strands_tf.cli.history import _chosen, _open
    from strands_tf.cost.deployed import cost_change

    _loaded, _resolved, hist = _open(ctx, read_only=True)
    a = hist.find(id_a, _chosen(ctx))
    b = hist.find(id_b, _chosen(ctx))
    change = cost_change(a.cost, b.cost)
    if as_json:
        print_json({"a": a.id, "b": b.id, "cost": change})
    else:
        render_cost_change(make_console(), change, f"cost {a.id} → {b.id}")
    return 0 if change is not None else 1


def _aws(ctx: click.Context) -> tuple[Any, Any, Any]:
    """(resolved project, AWS target, session factory) of the environment; the emulator's endpoint when local."""
    from strands_tf.aws.session import default_factory
    from strands_tf.aws.target import target_for_environment

    app = app_context(ctx)
    resolved = app.resolve()
    endpoint = None
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.emulator_target import emulator_endpoint
        from strands_tf.deploy.workspace import Workspace

        endpoint = emulator_endpoint(Workspace(app.load().root))
    return resolved, target_for_environment(resolved, endpoint_url=endpoint), default_factory()


@cost.command()
@click.option(
    "--since", metavar="DATE", help="Start of the period: YYYY-MM-DD or N days back (30d). Default: this month."
)
@_JSON_OPTION
@click.pass_context
def report(ctx: click.Context, since: str | None, as_json: bool) -> None:
    """Actual spend from Cost Explorer by agent and service, and the Bedrock tokens the agents used.

    Costs are those of resources tagged strands:project and strands:environment (activate the tags
    first: `strands cost tags activate`), grouped by strands:agent; tokens come from CloudWatch
    (AWS/Bedrock InputTokenCount / OutputTokenCount per model). The estimate is shown beside them.

    \b
    Examples:
      strands cost report -e prod
      strands cost report -e prod --since 2026-11-01 --json
    """
    from datetime import UTC, datetime, time, timedelta

    from strands_tf.cost.estimate import estimate_configuration
    from strands_tf.cost.explorer import COST_EXPLORER_REGION, SpendReport, bedrock_tokens, cost_and_usage, parse_since
    from strands_tf.cost.prices import load_prices

    resolved, target, factory = _aws(ctx)
    start = parse_since(since)
    end = datetime.now(UTC).date() + timedelta(days=1)  # Cost Explorer's end date is exclusive
    if start >= end:
        raise click.BadParameter(f"{start} is in the future", param_hint="--since")
    result = SpendReport(start, end)
    ce = factory.client("ce", target, region=COST_EXPLORER_REGION)
    result.rows = cost_and_usage(ce, resolved.project, resolved.environment.name, start, end)
    models = {a.model for a in resolved.agents.values() if a.model}
    cloudwatch = factory.client("cloudwatch", target)
    begin = datetime.combine(start, time.min, tzinfo=UTC)
    result.tokens = bedrock_tokens(
        cloudwatch, models, begin, datetime.now(UTC), load_prices(resolved.environment.region)
    )
    estimate = estimate_configuration(resolved)
    result.estimated_total = estimate.total
    if not result.rows:
        result.warnings.append(
            "Cost Explorer returned no cost for resources tagged with this project and environment: new tags take up "
            "to 24 hours to reach billing and must be activated (`strands cost tags activate`)"
        )
    if as_json:
        print_json({"project": resolved.project, "environment": resolved.environment.name, **result.to_json()})
        return
    _render_report(make_console(), result, estimate)


def _render_report(console: Any, result: Any, estimate: Any) -> None:
    from strands_tf.cost.estimate import format_money
    from strands_tf.cost.usage import number

    currency = result.currency
    console.print(
        f"[bold]actual spend {result.start} – {result.end} (exclusive)[/]: {format_money(result.total, currency)}"
    )
    for agent, amount in result.by("agent").items():
        console.print(f"  {escape(agent)}: {format_money(amount, currency)}")
    services = ", ".join(f"{escape(k)} {format_money(v, currency)}" for k, v in result.by("service").items())
    console.print(f"per service: {services or '-'}")
    for usage in result.tokens:
        cost_text = "not priced" if usage.cost is None else format_money(usage.cost, currency)
        tokens = f"{number(usage.input_tokens)} input + {number(usage.output_tokens)} output tokens"
        console.print(f"Bedrock {escape(usage.model_id)}: {tokens} ({cost_text} at list price)")
    console.print(f"estimate: {format_money(estimate.total, currency)} a month ({escape(estimate.prices)})")
    for warning in result.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")


@cost.group()
def tags() -> None:
    """Cost allocation tags of the tool's and the project's tag keys.

    \b
    Examples:
      strands cost tags activate -e prod
    """


@tags.command()
@_JSON_OPTION
@click.pass_context
def activate(ctx: click.Context, as_json: bool) -> int:
    """Activate the tool's tag keys and the project's own as cost allocation tags (Cost Explorer).

    Billing learns a tag key up to 24 hours after a resource first carries it: keys it does not
    know yet are listed and the command can simply be run again later (exit code 0 all the same).

    \b
    Examples:
      strands cost tags activate -e prod
    """
    from strands_tf.cost.explorer import COST_EXPLORER_REGION, activate_tags
    from strands_tf.cost.tags import cost_allocation_keys

    resolved, target, factory = _aws(ctx)
    keys = cost_allocation_keys(resolved.tags)
    result = activate_tags(factory.client("ce", target, region=COST_EXPLORER_REGION), keys)
    if as_json:
        print_json(result.to_json())
    else:
        console = make_console()
        for title, items in (("activated", result.activated), ("already active", result.already_active)):
            if items:
                console.print(f"{title}: {escape(', '.join(items))}")
        if result.not_yet_known:
            console.print(
                f"[yellow]not yet known to billing[/]: {escape(', '.join(result.not_yet_known))} — keys appear up to "
                "24 hours after a deployed resource first carries them; run `strands cost tags activate` again then"
            )
        for key, message in result.failed.items():
            console.print(f"[red]failed[/] {escape(key)}: {escape(message)}")
    return 3 if result.failed else 0


@cost.group()
def prices() -> None:
    """The price table the estimates use (shipped, or refreshed from the AWS Price List API).

    \b
    Examples:
      strands cost prices update -e prod
    """


@prices.command()
@click.option(
    "--region", "regions", multiple=True, metavar="REGION", help="Regions to update (default: the environment's)."
)
@_JSON_OPTION
@click.pass_context
def update(ctx: click.Context, regions: tuple[str, ...], as_json: bool) -> None:
    """Refresh price tables from the AWS Price List API (needs AWS credentials; pricing:GetProducts).

    The new table goes to the user cache and is used from then on instead of the shipped one; figures
    the Price List does not return keep their previous value and are listed.

    \b
    Examples:
      strands cost prices update -e prod
      strands cost prices update --region eu-west-1 --region us-west-2
    """
    from strands_tf.cost.pricelist import PRICING_REGION, update_prices, write_table
    from strands_tf.errors import UserError

    environment = app_context(ctx).resolve().environment
    if environment.target == "emulator":  # checked before _aws, which would start the emulator for nothing
        raise UserError(
            f"environment '{environment.name}' is the offline emulator, which has no Price List API",
            hint="run it with an AWS environment: strands cost prices update -e <aws environment> (prices are public "
            "data: any account's credentials read them)",
        )
    resolved, target, factory = _aws(ctx)
    wanted = list(regions) or [resolved.environment.region]
    reports = []
    client = factory.client("pricing", target, region=PRICING_REGION)
    for region in wanted:
        doc, result = update_prices(client, region)
        result.path = write_table(doc, region)
        reports.append(result)
    if as_json:
        print_json({"regions": [r.to_json() for r in reports]})
        return
    console = make_console()
    for result in reports:
        console.print(f"[bold]{escape(result.region)}[/]: written to {escape(result.path)}")
        for key, (old, new) in result.updated.items():
            console.print(f"  {escape(key)}: {old} → {new}")
        console.print(f"  {len(result.unchanged)} unchanged")
        if result.not_found:
            console.print(f"  [yellow]not in the Price List, kept[/]: {escape(', '.join(result.not_found))}")
