"""`strands config show`: the configuration as one environment gets it."""

from __future__ import annotations

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


@click.group()
def config() -> None:
    """Inspect the resolved configuration.

    \b
    Examples:
      strands config show -e prod
      strands --agent 'support-*' config show --json
    """


@config.command("show")
@click.option("--json", "as_json", is_flag=True, help="Print the resolved configuration as JSON.")
@click.pass_context
def show(ctx: click.Context, as_json: bool) -> None:
    """Show the configuration resolved for ENV: defaults → agent → environment overrides.

    \b
    Examples:
      strands config show -e prod
      strands config show -e dev --json | jq '.agents.support.memory'
    """
    import yaml

    app = app_context(ctx)
    resolved = app.resolve()
    data = resolved.to_json_dict()
    data["agents"] = {name: agent for name, agent in data["agents"].items() if name in resolved.selected_agents}
    if as_json:
        print_json(data)
        return
    console = make_console()
    env = resolved.environment
    where = "offline emulator" if env.target == "emulator" else f"account {env.account or '(any)'}"
    console.print(
        f"[bold]{escape(resolved.project)}[/] · environment [bold]{escape(env.name)}[/] "
        f"({escape(where)}, {escape(env.region)})"
    )
    data.pop("warnings", None)
    console.print(escape(yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)), end="")
    for warning in resolved.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
