"""`strands plan`, `show`, `apply` (alias `deploy`), `destroy` and `rollback`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")
_SEQUENTIAL = click.option("--sequential", is_flag=True, help="Apply independent stacks one after another.")
_NO_PACKAGE = click.option(
    "--no-package", is_flag=True, hidden=True, help="Skip agent packaging (destroying needs no code zips)."
)
_FORMAT_OPTION = click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default=None,
    help="text (default), json (same as --json) or markdown (pull-request comments, split under 65,536 chars).",
)
_COMMENT_DIR_OPTION = click.option(
    "--comment-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="With --format markdown: write each comment to DIR/plan-<n>.md (for a pipeline to post).",
)
_CREATE_MISSING = click.option(
    "--create-missing",
    is_flag=True,
    help="Also re-create recorded stacks (or agents' modules) that are not deployed now.",
)


def _agents(ctx: click.Context, resolved: Any) -> list[str] | None:
    """The --agent selection (None when no --agent was given: every agent)."""
    return list(resolved.selected_agents) if app_context(ctx).agent_patterns else None


def _prepare(ctx: click.Context, reporter: Any, *, operation: str | None, include_shared: bool = False,
             parallel: bool = True, package: bool = True, resuming: bool = False) -> Any:  # fmt: skip
    """Synthesize, reach the target and, for `operation`, narrow the stacks to the --agent selection."""
    from strands_tf.deploy.project import prepare, select
    from strands_tf.terraform.runner import Cancellation

    app = app_context(ctx)
    loaded = app.load()
    resolved = app.resolve()
    op = prepare(loaded, resolved, reporter=reporter, parallel=parallel, package=package, cancellation=Cancellation())
    if operation is not None:
        # deployed stacks the configuration no longer makes are part of it (destroyed first): a selection note
        select(op, _agents(ctx, resolved), operation, include_shared=include_shared)  # type: ignore[arg-type]
    else:
        left_behind = _stacks_left_behind(op, resuming=resuming)
        if left_behind:
            op.warnings.append(left_behind)
    return op


def _stacks_left_behind(op: Any, *, resuming: bool = False) -> str | None:
    """A warning naming deployed stacks that the configuration no longer makes, or None.

    For the commands that do not plan them away (rollback, resume, orphans): `strands apply` destroys them.
    """
    from strands_tf.deploy.project import stacks_left_behind

    names = stacks_left_behind(op, resuming=resuming)
    if not names:
        return None
    env = op.resolved.environment.name
    return (
        f"deployed stack(s) {', '.join(names)} of environment {env} are no longer made by the configuration (did "
        f"`stacks:` change?): this command leaves them alone; `strands plan -e {env}` shows them destroyed and "
        f"`strands apply -e {env}` destroys them"
    )


def _render_warnings(console: Any, op: Any) -> None:
    """Warnings of the synth and the deployed stacks, said before anything is asked or changed."""
    for warning in op.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")


def _render_selection(console: Any, selection: Any) -> None:
    """What the selection leaves alone and why, and what the user should know (targeting)."""
    if selection is None:
        return
    for what, why in selection.left_alone.items():
        console.print(f"[dim]left alone[/] {escape(what)}: {escape(why)}")
    for note in selection.notes:
        console.print(f"[yellow]note[/]: {escape(note)}")


@click.command()
@_JSON_OPTION
@click.option(
    "--out",
    "out_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the summary JSON to this file.",
)
@click.option("--detailed-exitcode", is_flag=True, help="Exit 0 when nothing changes, 2 when something does.")
@click.option("--destroy", is_flag=True, help="Plan the destruction of every resource.")
@_NO_PACKAGE
@_FORMAT_OPTION
@_COMMENT_DIR_OPTION
@click.pass_context
def plan(ctx: click.Context, as_json: bool, out_file: Path | None,
         detailed_exitcode: bool, destroy: bool, no_package: bool, output_format: str | None,
         comment_dir: Path | None) -> int:  # fmt: skip
    """Show what `strands apply` would change, per agent and resource as named in strands.yaml.

    Synthesizes the stacks, runs terraform init (skipped when nothing changed), plan and show,
    then summarizes: counts per action, changes grouped by strands.yaml element with its line,
    replacements with their reason, drift and outputs.

    \b
    Examples:
      strands plan -e dev
      strands plan -e prod --json --out plan-summary.json
      strands plan -e dev --detailed-exitcode   # CI: 0 no changes, 2 changes, 1 error
      strands plan -e prod --format markdown --comment-dir comments/   # pull-request comment
    """
    from strands_tf.cli.plan_view import render_summary
    from strands_tf.deploy.project import plan_project
    from strands_tf.fsutil import atomic_write_text
    from strands_tf.terraform.runner import handle_signals

    output_format = _output_format(output_format, as_json, comment_dir)
    as_json = output_format == "json"
    console = make_console(stderr=output_format != "text")
    operation = "destroy" if destroy else "plan"
    if no_package and not destroy:
        raise click.UsageError("--no-package works with --destroy only: planning the functions needs their code zips")
    op = _prepare(ctx, None, operation=operation, package=not no_package)
    with handle_signals(op.ctx.cancellation), console.status("planning…", spinner="dots"):
        result = plan_project(op, destroy=destroy)
    cost = _plan_cost(op, result, destroy)
    document = {
        "schema_version": 1,
        "project": op.resolved.project,
        "environment": op.resolved.environment.name,
        "has_changes": result.has_changes,
        "stacks": {p.stack.name: p.summary.to_json() for p in result.plans},
        "deferred": result.deferred,
        "cost": None if cost is None else {"estimate": cost[0].to_json(), "change": cost[1].to_json()},
        "warnings": op.warnings,
        "selection": op.selection.to_json() if op.selection is not None else None,
    }
    if out_file is not None:
        import json

        atomic_write_text(out_file, json.dumps(document, indent=2, default=str) + "\n")
    if as_json:
        print_json(document)
    elif output_format == "markdown":
        from strands_tf.ci.markdown import StackReport, plan_cost
        from strands_tf.cli.plan_view import emit_markdown

        title = f"strands plan: {op.resolved.project} · {op.resolved.environment.name}"
        reports = [StackReport(p.stack.name, p.summary) for p in result.plans]
        money = None if cost is None else plan_cost(*cost)
        emit_markdown(reports, title, comment_dir, deferred=result.deferred, cost=money)
    else:
        _render_selection(console, op.selection)
        for stack_plan in result.plans:
            render_summary(console, stack_plan.stack.name, stack_plan.summary)
        for stack, blockers in result.deferred.items():
            console.print(f"[bold]{escape(stack)}[/]: planned after {escape(', '.join(blockers))} "
                          "is applied (it reads their outputs)")  # fmt: skip
        if cost is not None:
            _render_plan_cost(console, *cost)
        for warning in op.warnings:
            console.print(f"[yellow]warning[/]: {escape(warning)}")
    if detailed_exitcode:
        return 2 if result.has_changes else 0
    return 0


def _plan_cost(op: Any, result: Any, destroy: bool) -> tuple[Any, Any] | None:
    """The plan's monthly estimate and its change against the deployed version; a problem is a warning."""
    from strands_tf.cost.deployed import estimate_plan
    from strands_tf.deploy.project import previous_success
    from strands_tf.errors import StrandsError

    complete = not result.deferred and len(op.stacks) == len(result.plans) and not app_agent_selection(op)
    try:
        estimate, change = estimate_plan(
            op.resolved, [p.plan for p in result.plans], op.synth.graph, previous_success(op),
            complete=complete, destroy=destroy,
        )  # fmt: skip
    except StrandsError as exc:
        op.warnings.append(f"no cost estimate: {exc.summary}")
        return None
    op.warnings.extend(estimate.warnings)
    if result.deferred:
        op.warnings.append("the cost leaves out the stacks planned after others are applied")
    return estimate, change


def app_agent_selection(op: Any) -> bool:
    """True when --agent limited the stacks (the plan then covers part of the environment)."""
    return len(op.resolved.selected_agents) != len(op.resolved.agents)


def _render_plan_cost(console: Any, estimate: Any, change: Any) -> None:
    from strands_tf.cost.estimate import format_money

    currency = estimate.currency
    line = f"[bold]cost[/]: {format_money(change.after, currency)} a month"
    if change.delta is not None:
        line += f" ({format_money(change.delta, currency, sign=True)} vs {escape(change.baseline)})"
    bedrock = estimate.by_service().get("Bedrock")
    if bedrock:
        line += f", model tokens {format_money(bedrock, currency)}"
    console.print(line + f" [dim]— `strands cost estimate` for every line; {escape(estimate.prices)}[/]")


@click.command()
@click.argument("plan_files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@_JSON_OPTION
@_FORMAT_OPTION
@_COMMENT_DIR_OPTION
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when the plan changes nothing, 2 when it does, 1 when it errored (or on any error).",
)
@click.pass_context
def show(ctx: click.Context, plan_files: tuple[Path, ...], as_json: bool, output_format: str | None,
         comment_dir: Path | None, detailed_exitcode: bool) -> int:  # fmt: skip
    """Summarize saved plan JSON (`terraform show -json PLAN > plan.json`), from any tool.

    Useful in CI and pull-request comments. Also reads HCP Terraform's redacted plan JSON
    (/api/v2/plans/:id/json-output-redacted). Run inside the project (or with -C DIR), addresses
    made by strands are grouped under the strands.yaml agent or resource (with its line) that
    made them; -e picks the environment the plan was made for (default as for every command).
    Several files (one per stack, named after it) make one summary.

    \b
    Examples:
      terraform show -json tfplan > plan.json && strands show plan.json
      strands show plan.json --json
      strands -C services/support show plan.json -e prod --detailed-exitcode
      strands show -e prod plans/*.json --format markdown --comment-dir comments/
    """
    from strands_tf.cli.plan_view import render_summary
    from strands_tf.errors import ExitCode
    from strands_tf.terraform.plan import load_plan
    from strands_tf.terraform.plan_summary import summarize

    output_format = _output_format(output_format, as_json, comment_dir)
    owner_of, warning = _project_owners(ctx)
    summaries = [(_stack_label(path), summarize(load_plan(path), owner_of)) for path in plan_files]
    if output_format == "json":
        if len(summaries) == 1:
            print_json(summaries[0][1].to_json())
        else:
            print_json({"schema_version": 1, "stacks": {name: s.to_json() for name, s in summaries}})
    elif output_format == "markdown":
        from strands_tf.ci.markdown import StackReport
        from strands_tf.cli.plan_view import emit_markdown

        title = "strands plan: " + ", ".join(name for name, _ in summaries)
        emit_markdown([StackReport(name, s) for name, s in summaries], title, comment_dir)
    else:
        console = make_console()
        for name, summary in summaries:
            render_summary(console, name, summary)
    if warning:
        make_console(stderr=True).print(f"[yellow]warning[/]: {escape(warning)}")
    if not detailed_exitcode:
        return ExitCode.OK
    if any(summary.status == "errored" for _, summary in summaries):
        return ExitCode.DETAILED_ERROR
    return ExitCode.DETAILED_CHANGES if any(summary.has_changes for _, summary in summaries) else ExitCode.OK


def _stack_label(path: Path) -> str:
    """A plan file's label: its name without .json (a pipeline names them after the stacks)."""
    return path.name.removesuffix(".json") or path.name


def _output_format(output_format: str | None, as_json: bool, comment_dir: Path | None) -> str:
    if as_json and output_format not in (None, "json"):
        raise click.UsageError(f"--json and --format {output_format} contradict each other; give one")
    chosen = "json" if as_json else output_format or "text"
    if comment_dir is not None and chosen != "markdown":
        raise click.UsageError("--comment-dir goes with --format markdown")
    return chosen


def _project_owners(ctx: click.Context) -> tuple[Any, str | None]:
    """The owner resolver of the project around (None outside a project) and a warning when it cannot be built.

    `show` summarizes any plan: a project that does not load or resolve only costs the grouping.
    """
    from strands_tf.config.loader import CONFIG_FILENAME
    from strands_tf.deploy.project import project_owner_resolver
    from strands_tf.errors import StrandsError

    app = app_context(ctx)
    if not (app.directory / CONFIG_FILENAME).is_file():
        return None, None
    try:
        return project_owner_resolver(app.load(), app.resolve()), None
    except StrandsError as exc:
        return None, f"addresses are not mapped to {CONFIG_FILENAME}: {exc.summary}"


def _confirmer(console: Any, reporter: Any, auto_approve: bool, what: str) -> Any:
    from strands_tf.cli.plan_view import render_summary
    from strands_tf.errors import UserError

    if not auto_approve and not sys.stdin.isatty():
        raise UserError(
            f"refusing to {what.removesuffix(' with')} without confirmation: standard input is not a terminal",
            hint="review `strands plan`, then run again with --auto-approve",
        )

    def confirm(plans: list[Any]) -> bool:
        reporter.pause()
        for stack_plan in plans:
            render_summary(console, stack_plan.stack.name, stack_plan.summary)
        if auto_approve:
            reporter.resume()
            return True
        answer = click.confirm(f"Do you want to {what} these changes?", default=False)
        reporter.resume()
        return answer

    return confirm


def _finish(console: Any, result: Any, as_json: bool, op: Any) -> int:
    from strands_tf.deploy.project import next_steps, record_outcome
    from strands_tf.errors import ExitCode

    warnings = list(result.warnings)
    warnings += record_outcome(op, result)
    op.warnings.extend(warnings)
    if not as_json:
        for warning in warnings:
            console.print(f"[yellow]warning[/]: {escape(warning)}")
    checkpoint = result.checkpoint
    steps = next_steps(result, op.resolved.environment.name)
    if as_json:
        selection = op.selection.to_json() if op.selection is not None else None
        print_json({"ok": result.ok, "deployment": checkpoint.model_dump(mode="json"), "warnings": op.warnings,
                    "selection": selection, "next_steps": steps})  # fmt: skip
    else:
        style = "green" if result.ok else "red"
        console.print(f"[{style}]deployment {escape(checkpoint.id)}: {checkpoint.status}[/]")
        for name, error in result.errors.items():
            console.print(f"  [red]{escape(name)}[/]: {escape(str(error))}")
            detail = getattr(error, "detail", None)
            hint = getattr(error, "hint", None)
            if detail:
                console.print(f"    {escape(detail.splitlines()[0])}")
            if hint:
                console.print(f"    [bold]next step:[/] {escape(hint)}")
        for step in steps:
            console.print(f"[bold]next step:[/] {escape(step)}")
        if checkpoint.status in ("failed", "cancelled") and checkpoint.command == "destroy":
            console.print("run [bold]strands destroy[/] again (same --agent) to finish: it lists what is left first")
        elif checkpoint.status in ("failed", "cancelled"):
            console.print("resume with [bold]strands apply --resume[/], or roll back with [bold]strands rollback[/]")
        if checkpoint.status == "failed":
            console.print(f"[bold]strands analyze {escape(checkpoint.id)}[/] explains what failed and how to fix it")
    if checkpoint.status == "succeeded":
        return ExitCode.OK
    if checkpoint.status == "cancelled" and not result.errors:
        return ExitCode.USER
    return ExitCode.INFRA


@click.command()
@click.option("--auto-approve", is_flag=True, help="Apply without asking (required when stdin is not a terminal).")
@click.option(
    "--resume", is_flag=True, help="Continue the latest deployment if it failed or was interrupted (not a destroy)."
)
@click.option(
    "--rollback-on-failure",
    is_flag=True,
    help="If a stack fails, re-apply its configuration from the last successful deployment.",
)
@click.option(
    "--code-only",
    is_flag=True,
    help="Update only the functions whose code changed (falls back to a full plan, saying why, if more changed).",
)
@click.option("--full", is_flag=True, help="Plan everything even when only agent code changed.")
@_SEQUENTIAL
@_JSON_OPTION
@click.pass_context
def apply(ctx: click.Context, auto_approve: bool, resume: bool, rollback_on_failure: bool, code_only: bool,
          full: bool, sequential: bool, as_json: bool) -> int:  # fmt: skip
    """Plan, confirm and apply exactly that plan, with live progress and a deployment record.

    Independent stacks apply concurrently; every Terraform event goes to
    .strands/deployments/<id>/events.jsonl; the CDK-compatible state file and outputs are
    updated after each stack. Ctrl-C stops gracefully (Terraform writes its state); press it
    again to terminate. A second concurrent apply fails at once, naming the holder.

    \b
    Examples:
      strands apply -e dev
      strands apply -e prod --auto-approve --rollback-on-failure
      strands apply -e dev --resume
    """
    from strands_tf.cli.progress import LiveReporter
    from strands_tf.deploy.project import apply_project, resume_project, rollback_project
    from strands_tf.errors import StrandsError
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    reporter = LiveReporter(console)
    confirm = _confirmer(console, reporter, auto_approve, "apply")
    if code_only and (full or resume):
        raise click.UsageError("--code-only cannot be combined with --full or --resume")
    operation = None if resume else "apply"  # a resume continues its deployment's own stacks and targets
    op = _prepare(ctx, reporter, operation=operation, parallel=not sequential, resuming=resume)
    if not as_json:
        _render_warnings(console, op)
    _render_selection(console, op.selection)
    targeted = _code_only(console, op, requested=code_only) if not (resume or full) else None
    with handle_signals(op.ctx.cancellation), reporter:
        if resume:
            result = resume_project(op, confirm=confirm, agents=_agents(ctx, op.resolved))
        elif targeted is not None:
            from strands_tf.deploy.code_only import apply_code_only

            result = apply_code_only(op, targeted, confirm=confirm, approved=auto_approve)
        else:
            result = apply_project(op, confirm=confirm)
    if targeted is not None and auto_approve and not as_json:
        _render_applied(console, result)
    code = _finish(console, result, as_json and not rollback_on_failure, op)
    if rollback_on_failure and result.errors and not op.ctx.cancellation.requested:
        failed = sorted(result.errors)
        console.print(f"rolling back {', '.join(failed)} to the last successful deployment")
        try:
            with handle_signals(op.ctx.cancellation), reporter:
                rollback = rollback_project(
                    op, None, confirm=lambda plans: True, only_stacks=failed, failed_deployment=result.checkpoint.id,
                    agents=_agents(ctx, op.resolved),
                )  # fmt: skip
        except StrandsError as exc:  # the apply's own failure is what the exit code reports
            console.print(f"[yellow]warning[/]: no rollback: {escape(exc.summary)}")
            return code
        _finish(console, rollback, as_json, op)
    return code


def _render_applied(console: Any, result: Any) -> None:
    """What a code-only apply planned and applied in one Terraform run (there was no plan to show before)."""
    from strands_tf.cli.plan_view import render_summary

    for stack_plan in result.plans.values():
        render_summary(console, stack_plan.stack.name, stack_plan.summary)


def _code_only(console: Any, op: Any, *, requested: bool) -> Any:
    """The code-only decision when it applies (said on the console), else None (said when it was asked for)."""
    from strands_tf.deploy.code_only import check

    decision = check(op)
    if decision.possible:
        console.print(f"{escape(decision.reason)}: applying just their functions (--full plans everything)")
        return decision
    if requested:
        console.print(f"[yellow]--code-only: {escape(decision.reason)}; planning everything[/]")
    return None


def _destroy_confirmer(console: Any, reporter: Any, auto_approve: bool, op: Any, declined: list[bool]) -> Any:
    """Show every stack and resource the destroy deletes (and what it leaves), then ask for the project name."""
    from strands_tf.cli.plan_view import render_summary

    project = op.resolved.project

    def confirm(plans: list[Any]) -> bool:
        reporter.pause()
        console.print(f"[bold red]strands destroy[/] deletes in environment {escape(op.resolved.environment.name)}:")
        for stack_plan in plans:
            render_summary(console, stack_plan.stack.name, stack_plan.summary)
        for what, why in (op.selection.left_alone if op.selection is not None else {}).items():
            console.print(f"[dim]kept[/] {escape(what)}: {escape(why)}")
        if auto_approve:
            reporter.resume()
            return True
        typed = click.prompt(f"Type the project name ({project}) to destroy these resources", default="")
        reporter.resume()
        declined.append(typed != project)
        return typed == project

    return confirm


@click.command()
@click.option("--auto-approve", is_flag=True, help="Destroy without typing the project name.")
@click.option(
    "--include-shared",
    is_flag=True,
    help="With --agent: also destroy the shared stack (and HTTP API) that other deployed agents still use.",
)
@_SEQUENTIAL
@_JSON_OPTION
@_NO_PACKAGE
@click.pass_context
def destroy(ctx: click.Context, auto_approve: bool, include_shared: bool, sequential: bool, as_json: bool,
            no_package: bool) -> int:  # fmt: skip
    """Destroy the resources of an environment, stacks in reverse dependency order.

    Plans the destroy first, lists every stack and resource it deletes (and what it leaves alone),
    then asks you to type the project name unless --auto-approve. --agent NAME destroys only those
    agents' stacks (or, in a single stack, their modules); the shared stack and the HTTP API go only
    when no deployed agent still uses them, or with --include-shared.

    \b
    Examples:
      strands destroy -e dev
      strands --agent triage destroy -e dev
      strands destroy -e local --auto-approve
    """
    from strands_tf.cli.progress import LiveReporter
    from strands_tf.deploy.project import destroy_project
    from strands_tf.errors import ExitCode, UserError
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    reporter = LiveReporter(console)
    if not auto_approve and not sys.stdin.isatty():
        raise UserError("refusing to destroy without confirmation: standard input is not a terminal",
                        hint="run again with --auto-approve")  # fmt: skip
    op = _prepare(ctx, reporter, operation="destroy", include_shared=include_shared,
                  parallel=not sequential, package=not no_package)  # fmt: skip
    if not op.stacks:
        if as_json:
            print_json({"ok": True, "deployment": None, "warnings": op.warnings, "selection": op.selection.to_json()})
        else:
            _render_warnings(console, op)
            _render_selection(console, op.selection)
            console.print("nothing to destroy")
        return ExitCode.OK
    if not as_json:
        _render_warnings(console, op)
        for note in op.selection.notes:
            console.print(f"[yellow]note[/]: {escape(note)}")
    declined: list[bool] = []
    confirm = _destroy_confirmer(console, reporter, auto_approve, op, declined)
    with handle_signals(op.ctx.cancellation), reporter:
        result = destroy_project(op, confirm=confirm)
    if any(declined):
        raise UserError("the name did not match; nothing was destroyed")
    return _finish(console, result, as_json, op)


@click.command()
@click.argument("deployment", required=False)
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@_CREATE_MISSING
@_JSON_OPTION
@_NO_PACKAGE
@click.pass_context
def rollback(ctx: click.Context, deployment: str | None, auto_approve: bool, create_missing: bool, as_json: bool,
             no_package: bool) -> int:  # fmt: skip
    """Re-apply the stacks recorded by an earlier deployment (default: the last successful one).

    The recorded stacks include the agents' code, so no source tree is needed. Only stacks that are
    deployed now are re-applied (--create-missing re-creates the others); --agent NAME rolls back
    only those agents' own stacks (or, in a single stack, their modules).

    \b
    Examples:
      strands rollback -e prod
      strands --agent triage rollback -e prod
      strands rollback 20261125T150102Z-3fa1c2 -e prod --auto-approve
    """
    from strands_tf.cli.progress import LiveReporter
    from strands_tf.deploy.project import rollback_project
    from strands_tf.terraform.runner import handle_signals

    console = make_console(stderr=as_json)
    reporter = LiveReporter(console)
    confirm = _confirmer(console, reporter, auto_approve, "roll back with")
    op = _prepare(ctx, reporter, operation=None, package=not no_package)
    with handle_signals(op.ctx.cancellation), reporter:
        result = rollback_project(
            op, deployment, confirm=confirm, agents=_agents(ctx, op.resolved), create_missing=create_missing,
            on_selected=lambda selection: _render_selection(console, selection),
        )  # fmt: skip
    return _finish(console, result, as_json, op)
