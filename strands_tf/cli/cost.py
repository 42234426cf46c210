"""`strands cost`: estimates, the cost change between deployments, actual spend, tag activation and prices."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

_ENV_OPTION = click.option("-e", "--env", "environment", metavar="ENV", help="Environment (overrides the global -e).")
_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")


@click.group()
def cost() -> None:
    """Cost estimates (model tokens included), cost changes, actual spend, cost allocation tags, prices."""


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


@cost.command()
@_ENV_OPTION
@_JSON_OPTION
@click.option(
    "--plan",
    "plan_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="Price a saved plan JSON (`terraform show -json PLAN`) instead of the configuration.",
)
@click.option("--summary", is_flag=True, help="Only the totals per service and element, no lines.")
@click.pass_context
def estimate(ctx: click.Context, environment: str | None, as_json: bool, plan_file: Path | None, summary: bool) -> None:
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
    resolved = app.resolve(environment)
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
@_ENV_OPTION
@_JSON_OPTION
@click.pass_context
def diff(ctx: click.Context, id_a: str, id_b: str, environment: str | None, as_json: bool) -> int:
    """Show the monthly cost change between two deployments (history records A and B).

    \b
    Examples:
      strands cost diff 20261125T150102Z-3fa1c2 20261126T091500Z-77ab01 -e prod
    """
    from strands_tf.cli.history import _open
    from strands_tf.cost.deployed import cost_change

    _loaded, _resolved, hist = _open(ctx, environment)
    a = hist.find(id_a, environment)
    b = hist.find(id_b, environment)
    change = cost_change(a.cost, b.cost)
    if as_json:
        print_json({"a": a.id, "b": b.id, "cost": change})
    else:
        render_cost_change(make_console(), change, f"cost {a.id} → {b.id}")
    return 0 if change is not None else 1
