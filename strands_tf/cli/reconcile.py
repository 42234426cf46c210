"""`strands reconcile`: per drifted object, revert it (apply the configuration) or accept it into strands.yaml."""

from __future__ import annotations

import sys
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.drift import owner_title, prepare_operation, render_report
from strands_tf.cli.render import make_console, print_json


def _ask(console: Any, resource: Any, reason: str | None) -> str:
    """Ask what to do with one drifted object: revert, accept (when possible) or skip."""
    choices = ["r", "s"] if reason else ["r", "a", "s"]
    words = "[r]evert, [s]kip" if reason else "[r]evert, [a]ccept, [s]kip"
    console.print(f"[bold]{escape(resource.address)}[/] ({resource.status}, {escape(owner_title(resource.owner))})")
    if reason:
        console.print(f"  [dim]accept is not possible: {escape(reason)}[/]")
    answer = click.prompt(f"  {words}", type=click.Choice(choices), default="s", show_choices=False)
    return {"r": "revert", "a": "accept", "s": "skip"}[answer]


def _record(op: Any, result: Any) -> list[str]:
    """Record the revert deployment in history; a history problem is a warning."""
    from strands_tf.history import record_deployment

    endpoint = op.ctx.runtime.env.get("AWS_ENDPOINT_URL") if op.resolved.environment.target == "emulator" else None
    record = record_deployment(
        op.loaded, op.resolved, op.workspace.deployment_dir(result.checkpoint.id), endpoint_url=endpoint
    )
    return list(record.warnings)


@click.command()
@click.option(
    "--revert",
    "reverts",
    multiple=True,
    metavar="WHAT",
    help="Revert what drifted in WHAT: an address, kind:name (agent:support), a name, or '*' (repeatable).",
)
@click.option(
    "--accept",
    "accepts",
    multiple=True,
    metavar="WHAT",
    help="Accept what drifted in WHAT into strands.yaml (same forms as --revert; repeatable).",
)
@click.option("--auto-approve", is_flag=True, help="Do it without asking (needed when stdin is not a terminal).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable result on stdout.")
@click.option("--no-package", is_flag=True, hidden=True, help="Skip agent packaging (tests).")
@click.pass_context
def reconcile(ctx: click.Context, reverts: tuple[str, ...], accepts: tuple[str, ...], auto_approve: bool,
              as_json: bool, no_package: bool) -> int:  # fmt: skip
    """Revert or accept each object that drifted, after a fresh drift check.

    Revert applies the configuration to just those objects (a recorded deployment; deleted ones are
    created again). Accept keeps what AWS has: the state records it (a refresh-only apply limited to
    those objects) and strands.yaml is changed to say the same, shown as a diff first and checked by
    the loader; an element whose main object was deleted is removed with every reference to it.
    Without --revert/--accept you are asked per object.

    \b
    Examples:
      strands reconcile -e prod
      strands reconcile -e prod --revert '*' --auto-approve
      strands reconcile -e dev --accept agent:support --revert resource:inbox
    """
    from strands_tf.errors import ExitCode, UserError
    from strands_tf.operate.drift import detect_drift, save_report
    from strands_tf.operate.reconcile import (
        accept_patch,
        decide,
        key_of,
        skipped,
        together,
        why_not_acceptable,
    )
    from strands_tf.operate.reconcile import (
        reconcile as run_reconcile,
    )
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    interactive = sys.stdin.isatty() and not auto_approve
    if not interactive and not auto_approve:
        raise UserError(
            "refusing to reconcile without confirmation: standard input is not a terminal",
            hint="review `strands drift`, then run again with --revert/--accept and --auto-approve",
        )
    op = prepare_operation(ctx, package=not no_package)
    with handle_signals(op.ctx.cancellation), console.status("refreshing…", spinner="dots"):
        report, _plans = detect_drift(op)
    save_report(op.workspace, report)
    if not report.resources:
        if as_json:
            print_json({"drift": report.to_json(), "decisions": {}, "patch": None, "revert": None})
        else:
            render_report(console, report)
        return ExitCode.OK
    decisions, unused = decide(report, reverts, accepts)
    if unused:
        raise UserError(
            f"{', '.join(unused)} names no drifted object",
            hint="`strands drift` lists them; use an address, kind:name, a name or '*'",
        )
    if not as_json:
        render_report(console, report)
    for resource in report.resources:
        if key_of(resource) in decisions:
            continue
        decisions[key_of(resource)] = _ask(console, resource, why_not_acceptable(resource, report)) if interactive \
            else "skip"  # fmt: skip
    decisions = together(report, decisions)
    accepted = [r for r in report.resources if decisions[key_of(r)] == "accept"]
    reverted = [r for r in report.resources if decisions[key_of(r)] == "revert"]
    patch = accept_patch(op, accepted, report) if accepted else None
    if not accepted and not reverted:
        console.print("nothing to do: every drifted object was skipped")
        return ExitCode.OK
    if patch is not None and not as_json:
        console.print("[bold]strands.yaml change[/] (what AWS has now):")
        console.print(escape(patch.diff()) or "  (no change to the files: the state only records it)", soft_wrap=True)
    if accepted and interactive and not click.confirm("Accept the drift and write this change?", default=False):
        raise UserError("not confirmed; nothing was changed")

    def confirm_revert(plans: list[Any]) -> bool:
        from strands_tf.cli.plan_view import render_summary

        for stack_plan in plans:
            render_summary(console, stack_plan.stack.name, stack_plan.summary)
        return auto_approve or click.confirm("Revert these objects to the configuration?", default=False)

    with handle_signals(op.ctx.cancellation):
        result = run_reconcile(
            op, report, decisions, patch=patch, confirm_revert=confirm_revert,
            on_step=lambda text: console.print(escape(text)),
        )  # fmt: skip
    warnings = _record(op, result.reverted) if result.reverted is not None else []
    for warning in warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    if as_json:
        print_json(
            {
                "drift": report.to_json(),
                "decisions": {key: decisions[key] for key in sorted(decisions)},
                "patch": patch.to_json() if patch is not None else None,
                "written": result.written,
                "accepted": result.accepted,
                "revert": result.reverted.checkpoint.model_dump(mode="json") if result.reverted else None,
                "warnings": warnings,
            }
        )
    elif result.ok:
        left = skipped(report, decisions)
        for address, why in left:
            console.print(f"[yellow]skipped[/] {escape(address)}: {escape(why)}; it is still drifted")
        console.print(f"[green]reconciled {report.environment}[/]: {len(accepted)} accepted, {len(reverted)} "
                      f"reverted{f', {len(left)} skipped' if left else ''}; `strands drift -e {report.environment}` "
                      "checks again")  # fmt: skip
    if result.reverted is not None and not result.reverted.ok:
        for name, error in result.reverted.errors.items():
            console.print(f"  [red]{escape(name)}[/]: {escape(str(error))}")
        return ExitCode.INFRA if result.reverted.errors else ExitCode.USER
    return ExitCode.OK
