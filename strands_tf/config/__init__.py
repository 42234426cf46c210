"""strands.yaml: pydantic models, a loader with line-aware errors, environment resolution, monorepo discovery."""

from strands_tf.config.loader import CONFIG_FILENAME, LoadedProject, load_project
from strands_tf.config.models import ProjectConfig
from strands_tf.config.resolve import (
    ResolvedAgent,
    ResolvedEnvironment,
    ResolvedProject,
    choose_environment,
    environment_names,
    resolve,
    resolve_all,
    select_agents,
)

__all__ = [
    "CONFIG_FILENAME",
    "LoadedProject",
    "ProjectConfig",
    "ResolvedAgent",
    "ResolvedEnvironment",
    "ResolvedProject",
    "choose_environment",
    "environment_names",
    "load_project",
    "resolve",
    "resolve_all",
    "select_agents",
]
