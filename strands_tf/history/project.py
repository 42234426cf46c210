"""Load a project for history commands, which also run where only strands.yaml exists (no agent code)."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from pydantic import ValidationError

from strands_tf.config.loader import LoadedProject, Sources, find_config, load_project
from strands_tf.config.models import ProjectConfig
from strands_tf.config.yaml_source import read_yaml_file
from strands_tf.errors import ConfigError

log = logging.getLogger(__name__)


def load_for_history(directory: Path | str) -> LoadedProject:
    """The validated project; when only the files it references are missing (agent code, fragments),
    the configuration itself, so records can be listed, compared and rolled back to from any checkout."""
    try:
        return load_project(directory)
    except ConfigError as full_error:
        root = Path(directory)
        path = find_config(root)
        doc = read_yaml_file(path, path.name, os.environ)
        if doc.issues or not isinstance(doc.data, dict):
            raise
        try:
            config = ProjectConfig.model_validate(doc.data)
        except ValidationError:
            raise full_error from None
        log.info("history: using strands.yaml without its agent directories (%d reference(s) missing)",
                 len(full_error.issues))  # fmt: skip
        return LoadedProject(config=config, root=root, config_file=path, sources=Sources(doc.source), raw=doc.data)
