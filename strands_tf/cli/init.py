"""`strands init`: scaffold a project."""

from __future__ import annotations

from pathlib import Path

import click
from rich.markup import escape

from strands_tf.cli.render import make_console, print_json

TEMPLATE_NAMES = ["simple", "event-driven", "production", "monorepo"]


@click.command()
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path), default=".")
@click.option(
    "-t",
    "--template",
    type=click.Choice(TEMPLATE_NAMES),
    default="simple",
    show_default=True,
    help="simple: an HTTP agent; event-driven: a queue-triggered agent; production: staging + prod with VPCs and "
    "S3 state; monorepo: agents/*/agent.yaml.",
)
@click.option("--name", help="Project name (default: derived from the directory name).")
@click.option("--force", is_flag=True, help="Overwrite files that already exist.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
def init(directory: Path, template: str, name: str | None, force: bool, as_json: bool) -> None:
    """Create a strands.yaml and a real, runnable Strands agent with its tests in DIRECTORY.

    \b
    Examples:
      strands init support-desk
      strands init --template event-driven --name ticket-triage triage
      strands init . --template monorepo
    """
    from strands_tf.scaffold import TEMPLATES, scaffold

    written = scaffold(directory, template, name=name, force=force)
    if as_json:
        print_json({"ok": True, "directory": str(directory), "template": template, "files": written})
        return
    console = make_console()
    article = "an" if template[0] in "aeiou" else "a"
    console.print(
        f"[green]✓[/] created {article} [bold]{template}[/] project in {escape(str(directory))}: "
        f"{escape(TEMPLATES[template].description)}"
    )
    for rel in written:
        console.print(f"  {escape(rel)}")
    cd = "" if directory == Path(".") else f"cd {directory} && "
    console.print("\nNext:")
    console.print(f"  {escape(cd)}strands validate                   check the configuration")
    console.print("  pip install -r requirements-dev.txt && pytest agents   run the agent's tests")
    console.print("  strands plan -e local                  preview a deployment to the offline emulator")
