"""`strands list`, `describe` and `outputs`: read the CDK-compatible state file, no AWS calls."""

from __future__ import annotations

import click
from rich.markup import escape
from rich.table import Table

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


def _manager(ctx: click.Context) -> object:
    from strands_tf.state.manager import StateManager

    app = app_context(ctx)
    resolved = app.resolve()
    root = app.load().root
    if resolved.environment.target == "emulator":
        from strands_tf.deploy.emulator_target import state_warning
        from strands_tf.deploy.workspace import Workspace

        # the emulator keeps resources in memory: say so when the state describes ones it no longer has
        warning = state_warning(Workspace(root), resolved.environment.name)
        if warning:
            make_console(stderr=True).print(f"[yellow]warning[/]: {escape(warning)}")
    return StateManager(root, resolved.environment.name)


@click.command("list")
@click.option("--type", "type_", metavar="TYPE", help="Only this type (AWS::Lambda::Function or aws_lambda_function).")
@click.option("--agent", "agent", metavar="NAME", help="Only resources of this agent.")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def list_resources(ctx: click.Context, type_: str | None, agent: str | None,
                   as_json: bool) -> None:  # fmt: skip
    """List deployed resources from the state file (no AWS calls).

    \b
    Examples:
      strands list -e dev
      strands list -e dev --type AWS::Lambda::Function --json
    """
    manager = _manager(ctx)
    views = manager.list_resources(type=type_, agent=f"agent_{agent}" if agent else None)  # type: ignore[attr-defined]
    if as_json:
        print_json([v.to_json() for v in views])
        return
    table = Table(box=None, header_style="bold")
    for col in ("stack", "logical id", "type", "physical id"):
        table.add_column(col, overflow="fold")
    for v in views:
        rec = v.record
        table.add_row(v.stack, rec.logical_id, rec.cfn_type, str(rec.physical_id or ""))
    console = make_console()
    console.print(table) if views else console.print("no resources recorded; run `strands apply` first")


@click.command()
@click.argument("ref")
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def describe(ctx: click.Context, ref: str, as_json: bool) -> None:
    """Describe one resource by logical id or Terraform address, with what it depends on.

    \b
    Examples:
      strands describe agent_support_aws_lambda_function_this_1A2B3C4D
      strands describe module.agent_support.aws_lambda_function.this --json
    """
    manager = _manager(ctx)
    view = manager.describe(ref)  # type: ignore[attr-defined]
    deps = manager.dependencies(ref)  # type: ignore[attr-defined]
    dependents = manager.dependents(ref)  # type: ignore[attr-defined]
    data = view.to_json()
    data["depends_on"] = [d.ref for d in deps]
    data["dependents"] = [d.ref for d in dependents]
    if as_json:
        print_json(data)
        return
    console = make_console()
    rec = view.record
    console.print(f"[bold]{escape(rec.logical_id)}[/] ({escape(rec.cfn_type)}) in stack {escape(view.stack)}")
    for key in ("tf_address", "construct_path", "physical_id", "arn"):
        value = getattr(rec, key, None)
        if value:
            console.print(f"  {key}: {escape(str(value))}")
    if data["depends_on"]:
        console.print("  depends on: " + escape(", ".join(data["depends_on"])))
    if data["dependents"]:
        console.print("  needed by: " + escape(", ".join(data["dependents"])))


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print `{stack: {output: value}}` (cdk --outputs-file shape).")
@click.pass_context
def outputs(ctx: click.Context, as_json: bool) -> None:
    """Show stack outputs (API URL, function names, table names...) from the state file.

    \b
    Examples:
      strands outputs -e dev
      strands outputs -e dev --json | jq -r '.["my-app-dev"].api_endpoint'
    """
    from strands_tf.cli.plan_view import outputs_table

    manager = _manager(ctx)
    values = manager.outputs()  # type: ignore[attr-defined]
    if as_json:
        print_json(values)
        return
    console = make_console()
    if not any(values.values()):
        console.print("no outputs recorded; run `strands apply` first")
        return
    console.print(outputs_table(values))
