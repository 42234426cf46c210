"""`strands orphans`: resources an interrupted apply created in AWS that Terraform's state does not know."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from strands_tf.cli.render import make_console, print_json


@click.command()
@click.argument("addresses", nargs=-1, metavar="[ADDRESS]...")
@click.option("--adopt", "action", flag_value="adopt", help="Import them into the state (the next apply manages them).")
@click.option("--delete", "action", flag_value="delete", help="Delete them from AWS.")
@click.option("--auto-approve", is_flag=True, help="Do not ask (required when stdin is not a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
@click.option("--no-package", is_flag=True, hidden=True, help="Skip agent packaging (tests).")
@click.pass_context
def orphans(ctx: click.Context, addresses: tuple[str, ...], action: str | None, auto_approve: bool, as_json: bool,
            no_package: bool) -> int:  # fmt: skip
    """Find (and adopt or delete) resources that exist in AWS but not in Terraform's state.

    An apply killed mid-way (SIGKILL, a lost machine) can leave a resource created but unrecorded; the
    next apply then fails with "already exists". This plans every stack and looks up each resource it
    would create: one that already exists and carries this project's tags (strands:project,
    strands:environment) and naming is an orphan of ours. --adopt imports it (Terraform import blocks), so
    the next apply manages it; --delete removes it from AWS. A same-named resource that is not ours is only reported.

    \b
    Examples:
      strands orphans -e dev
      strands orphans -e dev --adopt
      strands orphans -e dev --delete module.agent_support.aws_iam_role.this
    """
    from strands_tf.cli.deploy import _prepare
    from strands_tf.deploy.orphans import select
    from strands_tf.deploy.project import adopt_project_orphans, delete_project_orphans, find_project_orphans
    from strands_tf.errors import ExitCode, UserError
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    if action is not None and not auto_approve and not sys.stdin.isatty():
        raise UserError(f"refusing to {action} without confirmation: standard input is not a terminal",
                        hint="review `strands orphans`, then run again with --auto-approve")  # fmt: skip
    op = _prepare(ctx, None, operation=None, package=not no_package)  # orphans may be in any stack
    env = op.resolved.environment.name
    with handle_signals(op.ctx.cancellation), console.status("planning…", spinner="dots"):
        report = find_project_orphans(op)
    chosen = select(report, list(addresses))
    document: dict[str, Any] = {"environment": env, **report.to_json()}
    if action is None:
        if as_json:
            print_json(document)
        else:
            _render(console, env, chosen, report.unchecked)
        return ExitCode.OK
    ours = [o for o in chosen if o.ours]
    if not as_json:
        _render(console, env, chosen, report.unchecked)
    if not ours:
        if as_json:
            print_json({**document, "adopted": [], "deleted": [], "refused": [o.to_json() for o in chosen],
                        "failed": {}})  # fmt: skip
        elif not chosen:
            console.print("nothing to do")
        return ExitCode.OK if not chosen else ExitCode.USER
    if not auto_approve:
        what = ", ".join(o.address for o in ours)
        if action == "delete":
            typed = click.prompt(f"Type the project name ({op.resolved.project}) to delete {what}", default="")
            if typed != op.resolved.project:
                raise UserError("the name did not match; nothing was deleted")
        elif not click.confirm(f"Import {what} into the Terraform state?", default=False):
            raise UserError("not confirmed; nothing was imported")
    with handle_signals(op.ctx.cancellation):
        outcome = delete_project_orphans(op, chosen) if action == "delete" else adopt_project_orphans(op, chosen)
    if as_json:
        print_json({**document, **outcome.to_json()})
    else:
        for orphan in outcome.adopted:
            console.print(f"[green]adopted[/] {escape(orphan.stack)}/{escape(orphan.address)} ({escape(orphan.name)})")
        for orphan in outcome.deleted:
            console.print(f"[green]deleted[/] {escape(orphan.stack)}/{escape(orphan.address)} ({escape(orphan.name)})")
        for orphan in outcome.refused:
            console.print(f"[yellow]left alone[/] {escape(orphan.address)}: {escape(orphan.reason)}")
        for key, reason in outcome.failed.items():
            console.print(f"[red]failed[/] {escape(key)}: {escape(reason)}")
        if outcome.adopted:
            console.print(f"next: [bold]strands apply -e {escape(env)}[/] manages them like any other resource")
    return ExitCode.INFRA if outcome.failed else ExitCode.OK


def _render(console: Any, env: str, chosen: list[Any], unchecked: dict[str, str]) -> None:
    if not chosen:
        console.print(f"no orphans in {escape(env)}: every resource the stacks would create is new")
    else:
        table = Table(box=None, header_style="bold")
        for column in ("stack", "address", "name", "ours"):
            table.add_column(column, overflow="fold")
        for orphan in chosen:
            ours = "[green]yes[/]" if orphan.ours else f"[yellow]no[/]: {escape(orphan.reason)}"
            table.add_row(escape(orphan.stack), escape(orphan.address), escape(orphan.name), ours)
        console.print(table)
        if any(o.ours for o in chosen):
            console.print(
                f"adopt them with [bold]strands orphans -e {escape(env)} --adopt[/] (imports them into the state) "
                f"or remove them with [bold]strands orphans -e {escape(env)} --delete[/]"
            )
        if not all(o.ours for o in chosen):
            console.print("resources that are not ours are never touched: rename yours in strands.yaml, or import "
                          "or delete them by hand")  # fmt: skip
    for where, reason in unchecked.items():
        console.print(f"[yellow]not checked[/] {escape(where)}: {escape(reason)}")
