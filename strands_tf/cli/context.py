"""State shared by the commands of one `strands` invocation: project directory, environment, agents."""

from __future__ import annotations

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

    def load(self) -> LoadedProject:
        """The validated project (raises ConfigError with every problem)."""
        if self._loaded is None:
            from strands_tf.config import load_project

            self._loaded = load_project(self.directory)
        return self._loaded

    def resolve(self, environment: str | None = None) -> ResolvedProject:
        """The project resolved for `environment` (or the global -e) with the --agent selection."""
        from strands_tf.config import resolve

        return resolve(self.load(), environment or self.environment, agents=self.agent_patterns)


def app_context(ctx: click.Context) -> AppContext:
    """The AppContext of the running command (a default one when a command is invoked on its own)."""
    obj = ctx.find_object(AppContext)
    if obj is None:
        obj = AppContext()
        ctx.obj = obj
    return obj


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
            from strands_tf.deploy.emulator_target import running_emulator
            from strands_tf.deploy.workspace import Workspace

            info = running_emulator(Workspace(loaded.root))
            endpoint = info.endpoint if info is not None else None
        targets.append(target_for_environment(resolved, endpoint_url=endpoint))
    return targets
