"""State shared by the commands of one `strands` invocation: project directory, environment, agents."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from strands_tf.aws.target import AwsTarget
    from strands_tf.config import LoadedProject, ResolvedProject


@dataclass
class AppContext:
    """Global options plus the project, loaded once on first use."""

    directory: Path = Path(".")
    environment: str | None = None
    agent_patterns: list[str] = field(default_factory=list)
    log_format: str = "text"
    debug: bool = False
    _loaded: LoadedProject | None = None
    _default_announced: bool = False

    def load(self) -> LoadedProject:
        """The validated project (raises ConfigError with every problem)."""
        if self._loaded is None:
            from strands_tf.config import load_project

            self._loaded = load_project(self.directory)
        return self._loaded

    def requested_environment(self, loaded: LoadedProject | None = None) -> str | None:
        """-e, else (when $STRANDS_ENV is unset) this user's default from `strands env use`, else None.

        None leaves the choice to the project's rule (`dev`, the only one declared, or `local`). The
        first time a user default is used it is named on stderr, the header of every command: a default
        kept on one machine must never surprise anyone.
        """
        from strands_tf.config.resolve import ENV_VAR

        if self.environment is not None or os.environ.get(ENV_VAR):
            return self.environment
        from strands_tf.operate.environments import checked_default

        name = checked_default(loaded or self.load())
        if name is not None and not self._default_announced:
            self._default_announced = True
            click.echo(f"environment: {name} (your default from `strands env use`; -e overrides)", err=True)
        return name

    def resolve(self, environment: str | None = None) -> ResolvedProject:
        """The project resolved for `environment` (or -e, or the user's default) with the --agent selection."""
        from strands_tf.config import resolve

        return resolve(self.load(), environment or self.requested_environment(), agents=self.agent_patterns)


def app_context(ctx: click.Context) -> AppContext:
    """The AppContext of the running command (a default one when a command is invoked on its own)."""
    obj = ctx.find_object(AppContext)
    if obj is None:
        obj = AppContext()
        ctx.obj = obj
    return obj


class EnvironmentOption(click.Option):
    """`-e/--env ENV`, the one definition every command gets (see `with_environment_option`).

    Not passed to the command function: it sets `AppContext.environment`, so `strands -e prod plan` and
    `strands plan -e prod` are the same command; a value given after the subcommand wins.
    """

    def __init__(self) -> None:
        super().__init__(
            ["-e", "--env", "environment"],
            metavar="ENV",
            expose_value=False,
            callback=_remember_environment,
            help="Environment to work on (default: $STRANDS_ENV, your `strands env use` default, dev, the only one "
            "declared, or local).",
        )


def _remember_environment(ctx: click.Context, _param: click.Parameter, value: str | None) -> None:
    if value is not None:
        app_context(ctx).environment = value


def with_environment_option(command: click.Command) -> click.Command:
    """Give `command` and, for a group, each of its subcommands the `-e/--env` option (once each)."""
    if not any(isinstance(p, EnvironmentOption) for p in command.params):
        taken = [p.name for p in command.params if {"-e", "--env"} & set(getattr(p, "opts", ()))]
        if taken:
            # one definition of -e for every command: a command that declares its own would shadow it
            raise RuntimeError(f"command {command.name!r} declares its own -e/--env ({taken[0]}); remove it")
        command.params.insert(0, EnvironmentOption())
    if isinstance(command, click.Group):
        for sub in command.commands.values():
            with_environment_option(sub)
    return command


def aws_targets_from_context(ctx: click.Context, *, all_environments: bool = False) -> list[AwsTarget]:
    """AWS targets of the chosen environment (or of every environment) for commands that talk to AWS."""
    from strands_tf.aws.target import target_for_environment
    from strands_tf.config import environment_names

    app = app_context(ctx)
    loaded = app.load()
    names = environment_names(loaded.config) if all_environments else [app.resolve().environment.name]
    targets = []
    for name in names:
        resolved = app.resolve(name)
        endpoint = None
        if resolved.environment.target == "emulator":
            from strands_tf.deploy.emulator_target import emulator_endpoint
            from strands_tf.deploy.workspace import Workspace

            endpoint = emulator_endpoint(Workspace(loaded.root))
        targets.append(target_for_environment(resolved, endpoint_url=endpoint))
    return targets
