"""`strands drift`: what changed in AWS outside Terraform, per strands.yaml element and setting."""

from __future__ import annotations

import json
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


def prepare_operation(ctx: click.Context, *, package: bool) -> Any:
    """Synthesize the chosen environment and reach its target (the --agent selection narrows the stacks)."""
    from strands_tf.deploy.project import prepare, select
    from strands_tf.terraform.runner import Cancellation

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    op = prepare(loaded, resolved, package=package, cancellation=Cancellation())
    if app.agent_patterns:
        select(op, list(resolved.selected_agents), "plan")
    return op


def show_value(value: Any) -> str:
    """A setting's value as strands.yaml would show it (absent: `(not set)`)."""
    if value is None:
        return "(not set)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def owner_title(owner: Any) -> str:
    """`agent support (strands.yaml:12)`, or `(no strands.yaml element)`."""
    if owner is None:
        return "(no strands.yaml element)"
    where = f" ({owner.file}:{owner.line})" if owner.file and owner.line else ""
    return f"{owner.kind} {owner.name}{where}"


def render_report(console: Any, report: Any) -> None:
    """The drift report as text: a verdict, then each element with its drifted objects and settings."""
    counts = report.counts
    checked = [s for s in report.stacks.values() if s.status != "not_deployed"]
    head = f"drift of {report.project}/{report.environment}"
    if report.status == "clean":
        console.print(f"[green]{escape(head)}: no drift[/] ({len(checked)} deployed stack(s) checked)")
    elif report.resources:
        console.print(
            f"[bold magenta]{escape(head)}[/]: {counts['changed']} changed, {counts['missing']} missing outside "
            f"Terraform ({len(checked)} deployed stack(s) checked)"
        )
    for owner, items in report.elements():
        console.print(f"  [bold]{escape(owner_title(owner))}[/]")
        for item in items:
            if item.status == "missing":
                console.print(f"    [red]missing[/] {escape(item.address)} (deleted outside Terraform)")
                continue
            console.print(f"    [yellow]changed[/] {escape(item.address)}")
            for verdict in item.verdicts:
                for change in verdict.changes:
                    setting = ".".join(str(p) for p in change.path)
                    console.print(
                        f"      {escape(setting)}: {escape(show_value(change.before))} → "
                        f"{escape(show_value(change.after))}"
                    )
                if not verdict.expressible:
                    console.print(f"      {escape(verdict.attribute)} [dim](not a strands.yaml setting)[/]")
    for name, stack in report.stacks.items():
        if stack.status == "error":
            console.print(f"[red]{escape(name)}[/]: not checked: {escape(stack.error or '')}")
        elif stack.status == "not_deployed":
            console.print(f"[dim]{escape(name)}: not deployed[/]")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable report on stdout.")
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 without drift, 2 with drift, 1 on any error (for CI).")
@click.option("--no-package", is_flag=True, hidden=True, help="Skip agent packaging (tests).")
@click.pass_context
def drift(ctx: click.Context, as_json: bool, detailed_exitcode: bool, no_package: bool) -> int:
    """Find what changed in AWS outside Terraform: changed settings and deleted objects.

    Runs a refresh-only plan per deployed stack (nothing is changed) and maps every drifted object
    to the strands.yaml element and line that made it, and each changed attribute to its setting
    (memory, timeout, tags.team...). The report is kept in .strands/drift/<env>.json; `strands
    env list` shows the last verdict and `strands reconcile` reverts or accepts what drifted.

    \b
    Examples:
      strands drift -e prod
      strands drift -e prod --json
      strands drift -e prod --detailed-exitcode   # CI schedule: 0 clean, 2 drift, 1 error
    """
    from strands_tf.errors import Category, ExitCode, StrandsError
    from strands_tf.operate.drift import detect_drift, save_report
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    op = prepare_operation(ctx, package=not no_package)
    with handle_signals(op.ctx.cancellation), console.status("refreshing…", spinner="dots"):
        report, _plans = detect_drift(op)
    try:
        save_report(op.workspace, report)
    except OSError as exc:
        console.print(f"[yellow]warning[/]: the report was not kept: {escape(str(exc))}")
    if as_json:
        print_json(report.to_json())
    else:
        render_report(console, report)
        if report.resources:
            console.print(f"next step: `strands reconcile -e {report.environment}` reverts or accepts each change")
    failed = [name for name, stack in report.stacks.items() if stack.status == "error"]
    if failed and as_json:
        # the report is the one JSON document: its status (`incomplete`) and stacks say what could not be checked
        return ExitCode.DETAILED_ERROR if detailed_exitcode else ExitCode.INFRA
    if failed:
        raise StrandsError(
            f"drift could not be checked for {', '.join(failed)}",
            hint="fix the error shown for each stack (`strands doctor` checks credentials) and run again",
            category=Category.PROVISIONING,
        )
    if detailed_exitcode:
        return ExitCode.DETAILED_CHANGES if report.resources else ExitCode.OK
    return ExitCode.OK
