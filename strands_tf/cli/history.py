"""`strands history`: list, show, diff, logs, verify, prune, sync, push, init and rollback of deployment records."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import click
from rich.markup import escape
from rich.table import Table

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json

_JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Machine-readable output on stdout.")


@click.group()
def history() -> None:
    """Deployment records: what was deployed, when, by whom, what changed; roll back to any of them.

    Records live in the S3 bucket named by `history.bucket`, in a bucket inside the emulator for
    emulator environments, or in .strands/history/ when no bucket is configured.

    \b
    Examples:
      strands history init
      strands history list -e prod --limit 10
      strands history diff 20261125T150102Z-3fa1c2 20261126T091500Z-77ab01
      strands history rollback 20261125T150102Z-3fa1c2 -e prod
    """


def _chosen(ctx: click.Context) -> str | None:
    """The environment named with -e (records of every environment when None)."""
    return app_context(ctx).environment


def _project(ctx: click.Context, *, read_only: bool = False) -> tuple[Any, Any]:
    """(loaded, resolved): strands.yaml alone is enough, agent code need not be present.

    Read-only commands also work when `${env:NAME}` variables that only other parts of strands.yaml use
    are unset; a variable the command needs (history settings, the environment's target) is still an error.
    """
    from strands_tf.config import resolve
    from strands_tf.history.project import load_for_history, require_history_settings

    app = app_context(ctx)
    loaded = load_for_history(app.directory, lenient_env=read_only)
    resolved = resolve(loaded, app.requested_environment(loaded))
    require_history_settings(loaded, resolved.environment.name)
    return loaded, resolved


def _emulator_endpoint(loaded: Any, resolved: Any) -> str | None:
    """The running emulator's endpoint for an emulator environment (its records live in its bucket)."""
    if resolved.environment.target != "emulator":
        return None
    from strands_tf.deploy.emulator_target import emulator_endpoint
    from strands_tf.deploy.workspace import Workspace

    return emulator_endpoint(Workspace(loaded.root))


def _open(ctx: click.Context, *, read_only: bool = False, local: bool = False) -> tuple[Any, Any, Any]:
    from strands_tf.history.service import open_history

    loaded, resolved = _project(ctx, read_only=read_only)
    endpoint = _emulator_endpoint(loaded, resolved)
    return loaded, resolved, open_history(loaded, resolved, endpoint_url=endpoint, local=local)


_STATUS_STYLE = {"succeeded": "green", "failed": "red", "cancelled": "yellow", "interrupted": "red"}


def _cost_text(cost: dict[str, Any] | None) -> str:
    """`$12.34 a month (us-east-1 prices of 2026-12-03)` for a record's cost summary."""
    from strands_tf.cost.deployed import monthly_total
    from strands_tf.cost.estimate import format_money

    amount = monthly_total(cost)
    if cost is None or amount is None:
        return "not estimated"
    total = format_money(amount, str(cost.get("currency", "USD")))
    return f"{total} a month ({cost.get('prices', '?')})"


def _short(value: str | None, n: int = 8) -> str:
    return (value or "")[:n]


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "-"
    if seconds < 10:
        return f"{seconds:.1f}s"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes}m{secs:02d}s" if minutes else f"{secs}s"


def _counts(meta: Any) -> str:
    c = meta.changes
    parts = [f"+{len(c.created)}", f"~{len(c.updated)}", f"±{len(c.replaced)}", f"-{len(c.deleted)}"]
    return " ".join(parts)


@history.command("list")
@click.option("--limit", type=click.IntRange(min=1), metavar="N", help="Show at most N records.")
@_JSON_OPTION
@click.pass_context
def list_records(ctx: click.Context, limit: int | None, as_json: bool) -> None:
    """List deployment records, newest first.

    \b
    Examples:
      strands history list
      strands history list -e prod --limit 5 --json
    """
    loaded, resolved, hist = _open(ctx, read_only=True)
    records = hist.list(_chosen(ctx), limit)
    spooled = hist.spooled()
    if as_json:
        print_json(
            {
                "store": hist.store.location,
                "records": [r.model_dump(mode="json", exclude={"objects", "resources"}) for r in records],
                "spooled": [key for key, _ in spooled],
                "not_recorded": [d.name for d in _records_due(loaded, resolved)],
            }
        )
        return
    console = make_console()
    if not records:
        console.print(f"no deployment records in {escape(hist.store.location)}")
    else:
        table = Table(box=None, header_style="bold")
        for col in ("id", "env", "command", "status", "duration", "changes", "commit", "by"):
            table.add_column(col, overflow="fold")
        for r in records:
            by = r.caller.arn.rsplit("/", 1)[-1] if r.caller and r.caller.arn else ""
            commit = _short(r.git.commit) + ("*" if r.git.dirty else "")
            style = _STATUS_STYLE.get(r.status, "")
            status = f"[{style}]{r.status}[/]" if style else r.status
            table.add_row(r.id, r.environment, r.command, status, _duration(r.duration_seconds), _counts(r),
                          commit, escape(by))  # fmt: skip
        console.print(table)
    if spooled:
        console.print(f"[yellow]{len(spooled)} record(s) waiting in the spool[/]: upload with `strands history sync`")
    due = _records_due(loaded, resolved)
    if due:
        console.print(f"[yellow]{len(due)} deployment(s) not recorded yet[/]: `strands history sync` records them")


def _records_due(loaded: Any, resolved: Any) -> list[Any]:
    from strands_tf.deploy.recovery import records_due
    from strands_tf.deploy.workspace import Workspace

    return records_due(Workspace(loaded.root), resolved.environment.name)


@history.command()
@click.argument("deployment_id", metavar="ID")
@_JSON_OPTION
@click.pass_context
def show(ctx: click.Context, deployment_id: str, as_json: bool) -> None:
    """Show one record: outcome, who and from which commit, stacks, changes, timings, objects.

    \b
    Examples:
      strands history show 20261125T150102Z-3fa1c2
      strands history show 20261125T150102Z-3fa1c2 --json
    """
    _loaded, _resolved, hist = _open(ctx, read_only=True)
    meta = hist.find(deployment_id, _chosen(ctx))
    if as_json:
        print_json(meta.model_dump(mode="json"))
        return
    console = make_console()
    console.print(f"[bold]{meta.id}[/] {meta.command} of {escape(meta.project)}/{escape(meta.environment)}: "
                  f"[bold]{meta.status}[/]")  # fmt: skip
    if meta.rollback_of:
        console.print(f"  rollback to   {meta.rollback_of}")
    console.print(f"  started       {meta.started_at}   finished {meta.finished_at or '-'}   "
                  f"duration {_duration(meta.duration_seconds)}")  # fmt: skip
    if meta.caller:
        console.print(f"  by            {escape(meta.caller.arn or '')} (account {meta.caller.account})")
    git = meta.git
    if git.commit:
        console.print(f"  git           {git.commit} on {git.branch or '(detached)'}{' (dirty)' if git.dirty else ''}")
    console.print(f"  versions      strands-tf {meta.tool_version}, terraform {meta.terraform_version or '?'}")
    if meta.parallel_efficiency is not None:
        console.print(f"  parallel efficiency {meta.parallel_efficiency:.0%}")
    console.print(f"  cost          {_cost_text(meta.cost)}")
    for name, stack in meta.stacks.items():
        counts = ", ".join(f"{k} {v}" for k, v in stack.counts.items() if v)
        console.print(f"  stack [bold]{escape(name)}[/]: {stack.status}" + (f" ({counts})" if counts else ""))
        if stack.error:
            console.print(f"    [red]{escape(stack.error)}[/]")
    for label in ("created", "updated", "replaced", "deleted"):
        refs = getattr(meta.changes, label)
        if refs:
            console.print(f"  {label}:")
            for ref in refs:
                console.print(f"    {escape(ref.stack)}: {escape(ref.address)}")
    slowest = sorted(meta.resources, key=lambda r: r.duration_seconds or 0, reverse=True)[:5]
    if slowest:
        console.print("  slowest resources:")
        for r in slowest:
            console.print(f"    {_duration(r.duration_seconds):>7} {escape(r.stack)}: {escape(r.address)}")
    if meta.redactions:
        console.print(f"  [yellow]{meta.redactions} value(s) redacted before upload[/]")


@history.command()
@click.argument("id_a", metavar="ID_A")
@click.argument("id_b", metavar="ID_B")
@_JSON_OPTION
@click.pass_context
def diff(ctx: click.Context, id_a: str, id_b: str, as_json: bool) -> None:
    """Compare two records: config diff, resources added/removed/changed, duration and cost deltas.

    \b
    Examples:
      strands history diff 20261125T150102Z-3fa1c2 20261126T091500Z-77ab01
    """
    from strands_tf.history.diff import diff_records

    _loaded, _resolved, hist = _open(ctx, read_only=True)
    result = diff_records(hist, hist.find(id_a, _chosen(ctx)), hist.find(id_b, _chosen(ctx)))
    if as_json:
        print_json(result.to_json())
        return
    console = make_console()
    if not result.config:
        console.print("configuration: unchanged")
    for name, text in result.config.items():
        console.print(f"[bold]{escape(name)}[/]")
        for line in text.splitlines():
            style = "green" if line.startswith("+") else "red" if line.startswith("-") else ""
            console.print(f"[{style}]{escape(line)}[/]" if style else escape(line))
    console.print(f"resources: {len(result.added)} added, {len(result.removed)} removed, "
                  f"{len(result.changed)} changed")  # fmt: skip
    for key in result.added:
        console.print(f"  [green]+ {escape(key)}[/]")
    for key in result.removed:
        console.print(f"  [red]- {escape(key)}[/]")
    for key, fields in result.changed.items():
        console.print(f"  [yellow]~ {escape(key)}[/] ({escape(', '.join(fields))})")
    if result.duration_delta is not None:
        console.print(f"duration: {result.duration_delta:+.1f}s")
    from strands_tf.cli.cost import render_cost_change

    render_cost_change(console, result.cost)


def _event_line(line: str) -> str:
    """One events.jsonl line as text (decoded like the live stream; a resume's attempts are numbered)."""
    from strands_tf.deploy.events import decode_log_line

    logged = decode_log_line(line)
    if logged is None:
        return line
    stamp = (logged.event.timestamp or "")[:19]
    attempt = f" (attempt {logged.attempt})" if logged.attempt > 1 else ""
    return f"{stamp} {logged.stack} {logged.phase}{attempt}: {logged.event.message or logged.event.type}"


@history.command()
@click.argument("deployment_id", metavar="ID")
@click.option("--resource", "address", metavar="ADDR", help="Only the events of this resource address.")
@_JSON_OPTION
@click.pass_context
def logs(ctx: click.Context, deployment_id: str, address: str | None, as_json: bool) -> None:
    """Print a record's execution log (or one resource's events).

    \b
    Examples:
      strands history logs 20261125T150102Z-3fa1c2
      strands history logs 20261125T150102Z-3fa1c2 --resource module.agent_support.aws_lambda_function.this
    """
    from strands_tf.errors import NotFoundError
    from strands_tf.history import layout
    from strands_tf.history.service import iter_object_lines

    _loaded, _resolved, hist = _open(ctx, read_only=True)
    meta = hist.find(deployment_id, _chosen(ctx))
    if address is None:
        names = [layout.EVENTS]
    else:
        names = []
        for name in sorted(meta.objects):
            parsed = layout.parse_resource_log_name(name)
            if parsed and (parsed[1] == address or f"{parsed[0]}/{parsed[1]}" == address):
                names.append(name)
        if not names:
            known = sorted({p[1] for n in meta.objects if (p := layout.parse_resource_log_name(n))})
            raise NotFoundError(f"record {meta.id} has no events for {address}",
                                hint="resources in this record: " + (", ".join(known[:20]) or "none"))  # fmt: skip
    from strands_tf.printable import printable

    for name in names:
        for number, line in enumerate(iter_object_lines(hist.read_object(meta, name)), start=1):
            if not as_json:
                click.echo(printable(_event_line(line)))
                continue
            try:  # re-encoded: JSON may carry DEL and C1 controls raw, ensure_ascii writes them as \u escapes
                click.echo(json.dumps(json.loads(line), ensure_ascii=True))
            except (ValueError, RecursionError):
                click.echo(f"warning: {name} line {number} is not JSON, left out: {printable(line[:200])}", err=True)


@history.command()
@click.argument("deployment_id", metavar="ID")
@_JSON_OPTION
@click.pass_context
def verify(ctx: click.Context, deployment_id: str, as_json: bool) -> int:
    """Check every object of a record against the sha256 and size in its metadata.json.

    Exit code 3 when an object is missing or differs.

    \b
    Examples:
      strands history verify 20261125T150102Z-3fa1c2
    """
    from strands_tf.errors import ExitCode

    _loaded, _resolved, hist = _open(ctx, read_only=True)
    meta = hist.find(deployment_id, _chosen(ctx))
    with tempfile.TemporaryDirectory(prefix="strands-verify-") as scratch:
        report = hist.verify(meta, Path(scratch))
    if as_json:
        print_json(report.to_json())
    else:
        console = make_console()
        if report.ok:
            console.print(f"[green]record {meta.id}: {report.checked} objects match their sha256[/]")
        for name in report.missing:
            console.print(f"[red]missing[/]: {escape(name)}")
        for name in report.mismatched:
            console.print(f"[red]sha256 differs[/]: {escape(name)}")
        for name in report.unlisted:
            console.print(f"[yellow]not in metadata.json[/]: {escape(name)}")
    return ExitCode.OK if report.ok else ExitCode.INFRA


@history.command()
@click.option("--older-than", "days", type=click.IntRange(min=1), metavar="DAYS",
              help="Delete records older than DAYS (default: history.retention_days).")  # fmt: skip
@click.option("--dry-run", is_flag=True, help="Only show what would be deleted.")
@_JSON_OPTION
@click.pass_context
def prune(ctx: click.Context, days: int | None, dry_run: bool, as_json: bool) -> None:
    """Delete records older than the retention (every environment of the project).

    \b
    Examples:
      strands history prune --dry-run
      strands history prune --older-than 30
    """
    loaded, _resolved, hist = _open(ctx)
    days = days or loaded.config.history.retention_days
    removed = hist.prune(days, dry_run=dry_run)
    if as_json:
        print_json({"older_than_days": days, "dry_run": dry_run, "records": removed})
        return
    console = make_console()
    verb = "would delete" if dry_run else "deleted"
    console.print(f"{verb} {len(removed)} record(s) older than {days} days")
    for key in removed:
        console.print(f"  {escape(key)}")


@history.command()
@_JSON_OPTION
@click.pass_context
def sync(ctx: click.Context, as_json: bool) -> int:
    """Finish recording: build records that could not be built, then upload spooled records.

    Records are spooled while the bucket cannot be reached (uploaded with the same bytes and hashes);
    a record that could not be built at all (a full disk, a damaged state file) or belongs to a
    deployment killed mid-way (marked interrupted here) is built first.

    \b
    Examples:
      strands history sync
    """
    from strands_tf.errors import ExitCode
    from strands_tf.history.recorder import sync_records

    loaded, resolved, hist = _open(ctx)
    outcome = sync_records(loaded, resolved, hist)
    report = outcome.report
    unbuilt = {b.deployment_id or "?": b.error for b in outcome.built if b.error is not None}
    if as_json:
        print_json({
            "uploaded": report.uploaded, "pending": report.pending, "busy": report.skipped_busy,
            "interrupted": outcome.interrupted, "built": [b.deployment_id for b in outcome.built if b.error is None],
            "not_built": unbuilt,
        })  # fmt: skip
    else:
        console = make_console()
        for deployment_id in outcome.interrupted:
            console.print(f"deployment {escape(deployment_id)} was killed before it finished: marked interrupted")
        for built in outcome.built:
            if built.error is None:
                console.print(f"built the record of {escape(built.deployment_id or '?')}")
        if report.skipped_busy:
            console.print("another strands process is uploading spooled records; try again shortly")
        console.print(f"uploaded {len(report.uploaded)} spooled record(s) to {escape(hist.store.location)}")
        for key, reason in report.pending.items():
            console.print(f"  [red]still spooled[/]: {escape(key)}: {escape(reason)}")
        for deployment_id, reason in unbuilt.items():
            console.print(f"  [red]not built[/]: {escape(deployment_id)}: {escape(str(reason))}")
    return ExitCode.INFRA if report.pending or unbuilt else ExitCode.OK


@history.command()
@_JSON_OPTION
@click.pass_context
def push(ctx: click.Context, as_json: bool) -> None:
    """Copy records from .strands/history/ into the configured bucket (once one is set).

    Records already in the bucket are left alone; local copies are kept.

    \b
    Examples:
      strands history push
    """
    from strands_tf.history.service import HISTORY_DIR, require_bucket

    loaded, _resolved, hist = _open(ctx)
    require_bucket(loaded)
    pushed, present = hist.push_local(loaded.root / HISTORY_DIR, environment=_chosen(ctx))
    if as_json:
        print_json({"pushed": pushed, "already_present": present, "store": hist.store.location})
        return
    console = make_console()
    console.print(f"pushed {len(pushed)} record(s) to {escape(hist.store.location)}"
                  + (f", {len(present)} already there" if present else ""))  # fmt: skip


@history.command()
@_JSON_OPTION
@click.pass_context
def init(ctx: click.Context, as_json: bool) -> None:
    """Create the history bucket: versioning, encryption, public access block, TLS-only policy,
    ownership controls, tags and lifecycle from history.retention_days. Safe to run again.

    \b
    Examples:
      strands history init
      strands history init -e local     # the bucket inside the emulator
    """
    from strands_tf.aws.session import default_factory
    from strands_tf.aws.target import target_for_environment
    from strands_tf.errors import UserError
    from strands_tf.history.bucket import BucketSettings, init_bucket
    from strands_tf.history.service import emulator_bucket_name, require_bucket

    loaded, resolved = _project(ctx)
    cfg = loaded.config.history
    emulator = resolved.environment.target == "emulator"
    endpoint = _emulator_endpoint(loaded, resolved)
    if emulator:
        if not endpoint:
            raise UserError(f"environment '{resolved.environment.name}' runs on the emulator, which is not running",
                            hint="start it with `strands emulator start` (any `-e local` deployment also starts it, "
                                 "and creates the bucket on first use)")  # fmt: skip
        bucket = cfg.bucket or emulator_bucket_name(loaded.config.project)
    else:
        bucket = require_bucket(loaded)
    target = target_for_environment(resolved, endpoint_url=endpoint if emulator else None)
    client = default_factory().client("s3", target)
    settings = BucketSettings(
        bucket=bucket,
        region=resolved.environment.region,
        retention_days=cfg.retention_days,
        prefix=cfg.prefix,
        kms_key=None if emulator else cfg.kms_key,
        tags=dict(resolved.tags),
    )
    report = init_bucket(client, settings, target=target)
    if as_json:
        print_json({"bucket": report.bucket, "created": report.created, "applied": report.applied})
        return
    console = make_console()
    console.print(f"{'created' if report.created else 'updated'} s3://{escape(report.bucket)}")
    for item in report.applied:
        console.print(f"  [green]✓[/] {escape(item)}")


@history.command()
@click.argument("deployment_id", metavar="ID")
@click.option("--auto-approve", is_flag=True, help="Apply without asking.")
@click.option("--allow-redacted", is_flag=True,
              help="Roll back even though values in the recorded stacks were redacted (they would be deployed "
                   "as the redaction markers).")  # fmt: skip
@click.option("--create-missing", is_flag=True,
              help="Also re-create recorded stacks (or agents' modules) that are not deployed now.")  # fmt: skip
@_JSON_OPTION
@click.pass_context
def rollback(ctx: click.Context, deployment_id: str, auto_approve: bool, allow_redacted: bool, create_missing: bool,
             as_json: bool) -> int:  # fmt: skip
    """Re-apply the stacks recorded by a deployment, from any machine (no source tree needed).

    Downloads the record's stacks archive (checked against its sha256) into
    .strands/deployments/<ID>/cdktf.out, then plans, confirms and applies it like `strands apply`,
    with progress, a checkpoint and a new history record.

    \b
    Examples:
      strands history rollback 20261125T150102Z-3fa1c2 -e prod
    """
    from strands_tf.cli.deploy import _agents, _confirmer, _finish, _render_selection
    from strands_tf.cli.progress import LiveReporter
    from strands_tf.deploy.project import prepare, rollback_project
    from strands_tf.history.recorder import record_deployment
    from strands_tf.history.rollback import fetch_stacks
    from strands_tf.terraform.runner import Cancellation, handle_signals

    loaded, resolved, hist = _open(ctx)
    meta = hist.find(deployment_id, resolved.environment.name)
    console = make_console(stderr=as_json)
    fetched = fetch_stacks(hist, meta, loaded.root, allow_redacted=allow_redacted)
    source_config = hist.record_config(meta)
    if fetched.downloaded:
        console.print(f"downloaded the stacks of {meta.id} into {escape(str(fetched.directory))}")
    reporter = LiveReporter(console)
    confirm = _confirmer(console, reporter, auto_approve, "roll back with")
    # the recorded stacks carry the agents' code: nothing is packaged, and agent sources need not exist
    op = prepare(loaded, resolved, reporter=reporter, package=False, cancellation=Cancellation())
    with handle_signals(op.ctx.cancellation), reporter:
        result = rollback_project(
            op, meta.id, confirm=confirm, agents=_agents(ctx, resolved), create_missing=create_missing,
            on_selected=lambda selection: _render_selection(console, selection),
        )  # fmt: skip
    code = _finish(console, result, as_json, op)
    recorded = record_deployment(
        op.loaded,
        op.resolved,
        op.workspace.deployment_dir(result.checkpoint.id),
        endpoint_url=_emulator_endpoint(loaded, resolved),
        history=hist,
        config_override=source_config,
    )
    for warning in recorded.warnings:
        console.print(f"[yellow]warning[/]: {escape(warning)}")
    return int(code)
