"""`strands emulator start|stop|status`: the offline AWS API emulator (moto on 127.0.0.1)."""

from __future__ import annotations

import click
from rich.markup import escape

from strands_tf.cli.context import app_context
from strands_tf.cli.render import make_console, print_json


@click.group()
def emulator() -> None:
    """Manage the offline AWS emulator that `-e local` (and `target: emulator`) deploys to.

    Commands that target the emulator start it on demand; these commands are for doing it by hand.
    It only ever listens on 127.0.0.1.

    \b
    Examples:
      strands emulator start
      strands emulator status --json
      strands emulator stop
    """


def _workspace(ctx: click.Context):  # type: ignore[no-untyped-def]
    from strands_tf.deploy.workspace import Workspace

    app = app_context(ctx)
    return Workspace(app.load().root)


@emulator.command()
@click.option("--port", type=click.IntRange(1024, 65535), help="Fixed port (default: emulator.port or a free one).")
@click.option("--json", "as_json", is_flag=True, help="Print the emulator's record as JSON.")
@click.pass_context
def start(ctx: click.Context, port: int | None, as_json: bool) -> None:
    """Start the emulator (or report the one already running).

    \b
    Examples:
      strands emulator start
      strands emulator start --port 5055 --json
    """
    from strands_tf.deploy.emulator_target import ensure_emulator

    app = app_context(ctx)
    chosen = port or app.load().config.emulator.port
    info = ensure_emulator(_workspace(ctx), chosen)
    if as_json:
        print_json({"running": True, **info.to_dict()})
    else:
        make_console().print(f"[green]✓[/] emulator on {escape(info.endpoint)} (pid {info.pid})")


@emulator.command()
@click.option("--force", is_flag=True, help="Reinstall even when the installed provider looks fine.")
@click.option("--json", "as_json", is_flag=True, help="Print where it was installed as JSON.")
def install(force: bool, as_json: bool) -> None:
    """Install (or repair) the offline provider in the filesystem mirror under the cache directory.

    Commands that target the emulator install it on first use; run this to repair a damaged one.

    \b
    Examples:
      strands emulator install
      strands emulator install --force
    """
    from strands_tf.deploy.emulator_target import cache_root
    from strands_tf.emulator import mirror

    installed = mirror.install(cache_root() / "emulator", force=force)
    if as_json:
        print_json({"version": installed.version, "mirror": str(installed.mirror_dir),
                    "cli_config": str(installed.cli_config)})  # fmt: skip
    else:
        make_console().print(
            f"[green]✓[/] hashicorp/aws {escape(installed.version)} (offline) in {escape(str(installed.mirror_dir))}"
        )


@emulator.command()
@click.option("--force", is_flag=True, help="Stop it even while a command of the project (apply, destroy) uses it.")
@click.pass_context
def stop(ctx: click.Context, force: bool) -> None:
    """Stop the project's emulator (its resources are gone afterwards; its history records are kept).

    Refused while apply, destroy or rollback of the project runs (it names that command); `--force` stops
    the emulator anyway and that command fails.

    \b
    Examples:
      strands emulator stop
      strands emulator stop --force
    """
    from strands_tf.deploy.emulator_target import stop_emulator

    stopped = stop_emulator(_workspace(ctx), force=force)
    make_console().print("emulator stopped" if stopped else "no emulator was running")


@emulator.command()
@click.option("--json", "as_json", is_flag=True, help="Print as JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> int:
    """Show whether the emulator runs, where, and its health (exit 1 when it does not run or does not answer).

    \b
    Example:
      strands emulator status --json
    """
    from strands_tf.deploy.emulator_target import emulator_status

    state, info = emulator_status(_workspace(ctx))
    if as_json:
        print_json({"running": state == "running", "status": state, **(info.to_dict() if info else {})})
    elif state == "running":
        make_console().print(f"emulator running on {escape(info.endpoint)} (pid {info.pid})")
    elif state == "unhealthy":
        make_console().print(
            f"emulator process {info.pid} runs but does not answer on {escape(info.endpoint)}; "
            "`strands emulator stop` ends it"
        )
    else:
        make_console().print("no emulator running; `strands emulator start` or any `-e local` command starts one")
    return 0 if state == "running" else 1


@emulator.command("env")
@click.option("--shell", is_flag=True, help="`export KEY='value'` lines for eval instead of KEY=value lines.")
@click.pass_context
def env(ctx: click.Context, shell: bool) -> None:
    """Start the emulator if needed and print what plain Terraform needs to use it.

    Prints TF_CLI_CONFIG_FILE (the offline provider's mirror), TF_VAR_emulator_endpoint, test
    credentials and the region, for running `terraform` yourself in an HCL export of an emulator
    environment (`strands synth -e local --hcl DIR`). KEY=value lines append to $GITHUB_ENV as they are.

    \b
    Examples:
      eval "$(strands -e local emulator env --shell)" && terraform -chdir=infra/local plan
      strands -e local emulator env >> "$GITHUB_ENV"
    """
    import shlex

    from strands_tf.deploy.emulator_target import emulator_runtime
    from strands_tf.errors import UserError

    app = app_context(ctx)
    resolved = app.resolve()
    if resolved.environment.target != "emulator":
        raise UserError(
            f"environment '{resolved.environment.name}' deploys to AWS, not to the emulator",
            hint="pick an emulator environment: strands -e local emulator env",
        )
    runtime = emulator_runtime(resolved, _workspace(ctx))
    values = dict(runtime.env)
    if runtime.cli_config is not None:
        values["TF_CLI_CONFIG_FILE"] = str(runtime.cli_config)
    for name, value in runtime.variables.items():
        values[f"TF_VAR_{name}"] = str(value)
    for key, value in sorted(values.items()):
        click.echo(f"export {key}={shlex.quote(value)}" if shell else f"{key}={value}")
