"""`strands env list | use | show`: the project's environments and this user's default one."""

from __future__ import annotations

from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


@click.group("env")
def env() -> None:
    """List environments, show one, and set your default (`strands env use NAME`).

    The default is yours alone: it is kept in .strands/environment (never committed) and used by
    every command when neither -e nor $STRANDS_ENV names an environment.

    \b
    Examples:
      strands env list
      strands env use prod
      strands env show prod --json
    """


def _drift_text(drift: dict[str, Any] | None) -> str:
    if not drift:
        return "not checked"
    status = drift.get("status")
    when = str(drift.get("checked_at") or "")[:16].replace("T", " ")
    if status == "drifted":
        return f"{drift.get('changed', 0)} changed, {drift.get('missing', 0)} missing ({when})"
    return f"{status} ({when})"


def _deployment_text(last: dict[str, Any] | None, *, with_id: bool = False) -> str:
    if not last:
        return "never"
    when = str(last.get("finished_at") or "")[:16].replace("T", " ")
    text = f"{last['command']} {last['status']}" + (f" {when}" if when else "")
    return f"{last['id']} {text}" if with_id else text


@env.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_environments(ctx: click.Context, as_json: bool) -> None:
    """Every environment: target, account, region, state backend, last deployment, drift.

    The last deployment is the newest made from this checkout (.strands/deployments); drift is the
    verdict of the last `strands drift`. Nothing here calls AWS.

    \b
    Examples:
      strands env list
      strands env list --json
    """
    from rich.table import Table

    from strands_tf.operate.environments import summarize_environments

    rows = summarize_environments(app_context(ctx).load())
    if as_json:
        print_json([row.to_json() for row in rows])
        return
    table = Table(box=None, header_style="bold")
    for column in ("", "name", "account", "region", "state", "last deployment", "drift"):
        table.add_column(column, overflow="fold")
    for row in rows:
        data = row.to_json()
        table.add_row(
            "*" if row.is_default else "",
            row.name,
            row.account or ("emulator" if row.target == "emulator" else "(any)"),
            row.region,
            row.backend,
            _deployment_text(data["last_deployment"]),
            _drift_text(row.drift),
        )
    console = make_console()
    console.print(table)
    if not any(row.is_default for row in rows):
        console.print("[dim]no default set: `strands env use NAME` picks one for you (-e still overrides)[/]")


@env.command("use")
@click.argument("name", required=False)
@click.option("--unset", is_flag=True, help="Forget your default environment.")
@click.pass_context
def use(ctx: click.Context, name: str | None, unset: bool) -> None:
    """Make NAME your default environment (kept in .strands/environment, never committed).

    Every command then works on NAME unless -e or $STRANDS_ENV names another; each says so on stderr.

    \b
    Examples:
      strands env use prod
      strands env use --unset
    """
    from strands_tf.deploy.workspace import Workspace
    from strands_tf.operate.environments import clear_default, write_default

    loaded = app_context(ctx).load()
    console = make_console()
    if unset == (name is not None):
        raise click.UsageError("give an environment NAME, or --unset")
    if unset:
        removed = clear_default(Workspace(loaded.root))
        console.print("default environment removed" if removed else "no default environment was set")
        return
    assert name is not None
    write_default(loaded, name)
    console.print(f"default environment: [bold]{escape(name)}[/] (-e or $STRANDS_ENV still override it)")


@env.command("show")
@click.argument("name", required=False)
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def show(ctx: click.Context, name: str | None, as_json: bool) -> None:
    """Everything about one environment (default: the chosen one): target, identity, state, VPC, deployments, drift.

    \b
    Examples:
      strands env show prod
      strands env show --json
    """
    from strands_tf.operate.environments import describe_environment

    app = app_context(ctx)
    loaded = app.load()
    data = describe_environment(loaded, name or app.resolve().environment.name)
    if as_json:
        print_json(data)
        return
    console = make_console()
    console.print(f"[bold]{escape(data['name'])}[/]" + (" (your default)" if data["default"] else ""))
    fields = [
        ("target", data["target"]),
        ("account", data["account"] or "(any)"),
        ("region", data["region"]),
        ("profile", data["profile"]),
        ("role", data["role_arn"]),
        ("state", data["backend"]),
        ("history", data["history"]),
        ("agents", ", ".join(data["agents"]) or "(none)"),
    ]
    for label, value in fields:
        if value:
            console.print(f"  {label}: {escape(str(value))}")
    if data["tags"]:
        console.print("  tags: " + escape(", ".join(f"{k}={v}" for k, v in data["tags"].items())))
    if data["vpc"]:
        console.print("  vpc: " + escape(", ".join(f"{k}={v}" for k, v in data["vpc"].items())))
    stacks = data["deployed_stacks"]
    console.print(
        "  deployed: "
        + (escape(", ".join(f"{s} ({n} resources)" for s, n in stacks.items())) if stacks else "nothing recorded")
    )
    for deployment in data["recent_deployments"]:
        console.print(f"  deployment {escape(_deployment_text(deployment, with_id=True))}")
    console.print(f"  drift: {escape(_drift_text(data['drift']))}")
