"""`strands validate`: check strands.yaml (and agent fragments) for every environment."""

from __future__ import annotations

import logging

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

logger = logging.getLogger(__name__)


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON on stdout.")
@click.pass_context
def validate(ctx: click.Context, as_json: bool) -> None:
    """Check strands.yaml and every agents/*/agent.yaml; report every problem in one run.

    Checks types and ranges, unknown keys (with suggestions), references between agents and
    resources, handler and requirements files, and the rules that hold per environment (for
    example an SQS trigger's visibility timeout against the agent's timeout).

    \b
    Examples:
      strands validate
      strands -C services/support validate --json
    """
    from strands_tf.config import choose_environment, resolve_all, select_agents

    app = app_context(ctx)
    loaded = app.load()
    resolved = resolve_all(loaded)
    # -e / $STRANDS_ENV and --agent must name something that exists, as they would for any other command
    choose_environment(loaded.config, app.requested_environment(loaded))
    selected = select_agents(loaded.config.agents, app.agent_patterns)
    logger.info(
        "validated %s",
        loaded.config_file.name,
        extra={"project": loaded.config.project, "agents": len(selected), "environments": list(resolved)},
    )
    warnings = sorted({w for project in resolved.values() for w in project.warnings})
    config = loaded.config
    if as_json:
        print_json(
            {
                "ok": True,
                "file": loaded.config_file.name,
                "project": config.project,
                "agents": sorted(config.agents),
                "resources": sorted(config.resources),
                "environments": list(resolved),
                "fragments": {
                    name: path.relative_to(loaded.root).as_posix()
                    for name, path in sorted(loaded.fragment_files.items())
                },
                "warnings": warnings,
            }
        )
        return
    console = make_console()
    console.print(
        f"[green]✓[/] {escape(loaded.config_file.name)} is valid: project [bold]{escape(config.project)}[/], "
        f"{len(config.agents)} agent(s), {len(config.resources)} resource(s), "
        f"environments {escape(', '.join(resolved))}"
    )
    for warning in warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
