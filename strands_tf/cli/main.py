"""Entry point of `strands`: global options, lazily loaded command modules, one error handler.

Command modules are imported only when their command runs, so `strands --help` stays fast.
"""

from __future__ import annotations

import atexit
import contextlib
import gc
import importlib
import os
import sys
from pathlib import Path
from typing import Any

import click

from strands_tf import __version__
from strands_tf.cli.context import with_environment_option

# Start-up builds tens of thousands of long-lived objects (pydantic's validators above all); with the
# default threshold (700) the collector walks them again and again for no garbage. A larger first
# generation still collects cycles in long-running commands.
gc.set_threshold(20_000, 10, 10)

# The exit code of a finished command run as a process; None until then (and always in-process callers).
_exit_code: int | None = None


def _end_without_teardown() -> None:
    """The last exit handler: flush what is buffered and end the process without tearing the interpreter down.

    Tearing down a process that loaded pydantic and built its models frees every object one by one:
    about 0.1 s of a 0.5 s `strands synth` (the same trick Instagram uses for its workers). Everything
    with a visible effect has run by now: non-daemon threads are joined before exit handlers, the other
    exit handlers (registered later, so run earlier) have run, and logging and the standard streams are
    flushed here.
    """
    if _exit_code is None:
        return
    if "logging" in sys.modules:
        import logging

        logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe (`strands ... | head`) or a closed stream
            stream.flush()
    os._exit(_exit_code)


# registered at import, before logging or tempfile register theirs: exit handlers run last-in first-out
atexit.register(_end_without_teardown)

# command name -> (module, attribute, one-line help shown by `strands --help` without importing it)
COMMANDS: dict[str, tuple[str, str, str]] = {
    "init": ("strands_tf.cli.init", "init", "Create a strands.yaml and a runnable Strands agent."),
    "validate": ("strands_tf.cli.validate", "validate", "Check strands.yaml and report every problem."),
    "ci": (
        "strands_tf.cli.ci",
        "ci",
        "Pipeline files (GitHub, GitLab, Atlantis, HCP Terraform) and plan comments.",
    ),
    "config": ("strands_tf.cli.config", "config", "Show the configuration resolved for an environment."),
    "schema": ("strands_tf.cli.schema", "schema", "Print the JSON Schema of strands.yaml."),
    "synth": ("strands_tf.cli.synth", "synth", "Write the Terraform (CDKTF layout or HCL) for an environment."),
    "package": (
        "strands_tf.cli.package",
        "package",
        "Build the agent zips (into an HCL export, checked against its hashes).",
    ),
    "plan": ("strands_tf.cli.deploy", "plan", "Show what apply would change, per agent and resource."),
    "show": ("strands_tf.cli.deploy", "show", "Summarize a saved plan JSON from any tool."),
    "apply": ("strands_tf.cli.deploy", "apply", "Plan, confirm and apply with live progress."),
    "deploy": ("strands_tf.cli.deploy", "apply", "Alias of apply."),
    "destroy": ("strands_tf.cli.deploy", "destroy", "Destroy an environment's resources."),
    "rollback": ("strands_tf.cli.deploy", "rollback", "Re-apply an earlier deployment's stacks."),
    "list": ("strands_tf.cli.state", "list_resources", "List deployed resources from the state file."),
    "describe": ("strands_tf.cli.state", "describe", "Describe one deployed resource and its dependencies."),
    "outputs": ("strands_tf.cli.state", "outputs", "Show stack outputs (API URL, names, ARNs)."),
    "hcp": (
        "strands_tf.cli.hcp",
        "hcp",
        "HCP Terraform: a bootstrap stack for one workspace per stack.",
    ),
    "history": ("strands_tf.cli.history", "history", "Deployment records: list, show, diff, logs, verify, rollback."),
    "orphans": ("strands_tf.cli.orphans", "orphans", "Find, adopt or delete resources missing from the state."),
    "cost": ("strands_tf.cli.cost", "cost", "Cost estimates with model tokens, cost diffs, actual spend, cost tags."),
    "drift": ("strands_tf.cli.drift", "drift", "Find what changed in AWS outside Terraform, per strands.yaml element."),
    "reconcile": (
        "strands_tf.cli.reconcile",
        "reconcile",
        "Revert drift, or accept it into strands.yaml (shown as a diff first).",
    ),
    "analyze": ("strands_tf.cli.analyze", "analyze", "Explain a failed deployment and propose a fix."),
    "env": ("strands_tf.cli.env", "env", "List environments, show one, set your default (env use)."),
    "emulator": ("strands_tf.cli.emulator", "emulator", "Start, stop or check the offline AWS emulator."),
    "force-unlock": (
        "strands_tf.cli.unlock",
        "force_unlock",
        "Release a lock left by a run that is gone (project or Terraform state).",
    ),
    "dev": ("strands_tf.cli.dev", "dev", "Run the agents locally with hot reload against real resources."),
    "canvas": ("strands_tf.cli.canvas", "canvas", "Visual builder: strands.yaml as a graph, plan preview."),
    "doctor": (
        "strands_tf.cli.doctor",
        "doctor",
        "Check AWS identity, accounts and regions per environment.",
    ),
}


class LazyGroup(click.Group):
    """A group whose subcommands are imported on first use."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        spec = COMMANDS.get(cmd_name)
        if spec is None:
            return None
        module = importlib.import_module(spec[0])
        command: click.Command = getattr(module, spec[1])
        return with_environment_option(command)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, COMMANDS[name][2]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def resolve_command(
        self, ctx: click.Context, args: list[str]
    ) -> tuple[str | None, click.Command | None, list[str]]:
        name = args[0] if args else None
        if name and name not in COMMANDS and not name.startswith("-"):
            import difflib

            guess = difflib.get_close_matches(name, list(COMMANDS), n=1)
            hint = f" Did you mean '{guess[0]}'?" if guess else ""
            raise click.UsageError(f"No such command '{name}'.{hint} See `strands --help`.", ctx)
        return super().resolve_command(ctx, args)


EPILOG = """\b
Examples:
  strands init my-project            scaffold a project with a runnable agent
  strands -C my-project validate     check strands.yaml, every problem in one run
  strands config show -e prod        the configuration as prod will get it

\b
Exit codes: 0 ok, 1 configuration or other user error, 2 bad command line,
3 infrastructure or runtime failure (AWS, Terraform, network, state).
With --detailed-exitcode (plan, show): 0 no changes, 2 changes, 1 any error.
Environment: STRANDS_ENV (default environment), NO_COLOR (plain output).
"""


@click.group(cls=LazyGroup, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "-C",
    "--directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=".",
    show_default=True,
    help="Run as if started in this project directory.",
)
@click.option(
    "--agent",
    "agents",
    multiple=True,
    metavar="NAME",
    help="Only these agents (repeatable; globs like 'support-*' work).",
)
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Format of log lines on stderr (json: one object per line).",
)
@click.option("--log-file", type=click.Path(dir_okay=False, path_type=Path), help="Write logs to this file.")
@click.option("-v", "--verbose", count=True, help="More log output (-v info, -vv debug).")
@click.option("--debug", is_flag=True, help="Show tracebacks and debug logs.")
@click.version_option(__version__, "--version", prog_name="strands")
@click.pass_context
def cli(
    ctx: click.Context,
    directory: Path,
    agents: tuple[str, ...],
    log_format: str,
    log_file: Path | None,
    verbose: int,
    debug: bool,
) -> None:
    """strands: deploy Strands Agents to AWS through Terraform, from one strands.yaml."""
    import logging

    from strands_tf.cli.context import app_context
    from strands_tf.logs import setup_logging

    level = logging.DEBUG if debug or verbose >= 2 else logging.INFO if verbose == 1 else logging.WARNING
    setup_logging(log_format, level=level, log_file=log_file)
    app = app_context(ctx)  # made by -e/--env when given, which already set its environment
    app.directory = directory
    app.agent_patterns = list(agents)
    app.log_format = log_format
    app.debug = debug


# the root group takes -e/--env like every command, through the same definition
with_environment_option(cli)


def _json_output(args: list[str]) -> bool:
    """True when `--json` is among the options (before a `--` that ends them)."""
    return "--json" in (args[: args.index("--")] if "--" in args else args)


def _detailed_exitcode(args: list[str]) -> bool:
    """True when `--detailed-exitcode` is among the options (before a `--` that ends them)."""
    options = args[: args.index("--")] if "--" in args else args
    return "--detailed-exitcode" in options


def main(argv: list[str] | None = None) -> Any:
    """Run the CLI and turn every expected failure into its documented exit code."""
    args = sys.argv[1:] if argv is None else argv
    debug = "--debug" in args
    try:
        result = cli.main(args=args, prog_name="strands", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return _exit(exc.exit_code)
    except click.ClickException as exc:
        exc.show()
        code = exc.exit_code
        if _detailed_exitcode(args):  # click's usage code 2 would read as "changes"
            from strands_tf.errors import ExitCode

            code = ExitCode.DETAILED_ERROR
        if _json_output(args):  # stdout holds one JSON document in every case (docs/cli.md)
            from strands_tf.cli.render import print_json

            command = exc.ctx.command_path if isinstance(exc, click.UsageError) and exc.ctx else "strands"
            print_json({"ok": False, "error": {"category": "usage", "summary": exc.format_message(),
                                               "hint": f"see `{command} --help`", "exit_code": code}})  # fmt: skip
        return _exit(code)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return _exit(1)
    except KeyboardInterrupt:
        click.echo("Interrupted.", err=True)
        return _exit(130)
    except Exception as exc:
        from strands_tf.cli.render import render_exception

        code = render_exception(
            exc, debug=debug, json_output=_json_output(args), detailed_exitcode=_detailed_exitcode(args)
        )
        return _exit(code)
    return _exit(result if isinstance(result, int) else 0)


def _exit(code: int | None) -> Any:
    global _exit_code
    code = 0 if code is None else code
    if os.environ.get("STRANDS_NO_EXIT") == "1":  # lets in-process callers (tests, benchmarks) read the code
        return code
    _exit_code = code
    sys.exit(code)


if __name__ == "__main__":  # pragma: no cover
    main()
