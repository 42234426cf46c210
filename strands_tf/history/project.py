"""Load a project for history commands, which also run where only strands.yaml exists (no agent code)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pydantic import ValidationError

from strands_tf.config.loader import LoadedProject, Loc, Sources, find_config, load_project, require_resolved
from strands_tf.config.models import ProjectConfig
from strands_tf.config.yaml_source import read_yaml_file
from strands_tf.errors import ConfigError

log = logging.getLogger(__name__)


# what history commands read from strands.yaml besides the chosen environment
_HISTORY_SETTINGS: tuple[Loc, ...] = (("version",), ("project",), ("region",), ("history",), ("state",), ("emulator",))


def load_for_history(directory: Path | str, *, lenient_env: bool = False) -> LoadedProject:
    """The validated project; when only the files it references are missing (agent code, fragments),
    the configuration itself, so records can be listed, compared and rolled back to from any checkout.

    ``lenient_env``: values using unset ``${env:NAME}`` variables are left out (see
    :func:`require_history_settings`), for commands that only read records.
    """
    try:
        return load_project(directory, lenient_env=lenient_env)
    except ConfigError as full_error:
        root = Path(directory)
        path = find_config(root)
        doc = read_yaml_file(path, path.name, os.environ, lenient_env=lenient_env)
        if doc.issues or not isinstance(doc.data, dict):
            raise
        try:
            config = ProjectConfig.model_validate(doc.data)
        except ValidationError:
            raise full_error from None
        log.info("history: using strands.yaml without its agent directories (%d reference(s) missing)",
                 len(full_error.issues))  # fmt: skip
        return LoadedProject(
            config=config,
            root=root,
            config_file=path,
            sources=Sources(doc.source),
            raw=doc.data,
            unresolved=dict(doc.unresolved),
        )


def require_history_settings(loaded: LoadedProject, environment: str) -> None:
    """Fail on an unset ``${env:NAME}`` in what history commands use: history settings, the environment's target."""
    require_resolved(
        loaded,
        [*_HISTORY_SETTINGS, ("environments", environment)],
        ignore=[("environments", environment, "overrides")],
    )
