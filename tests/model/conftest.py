"""Helpers of the model tests: a project written from a dict, loaded and resolved like the CLI does."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from strands_tf.config import load_project, resolve
from strands_tf.config.loader import LoadedProject
from strands_tf.config.resolve import ResolvedProject


def write_project(root: Path, agents: dict[str, Any], resources: dict[str, Any] | None = None, **top: Any) -> Path:
    """Write strands.yaml (project `demo`, environment `dev` in account 123456789012) and agent code."""
    doc: dict[str, Any] = {
        "version": 1,
        "project": "demo",
        "region": "us-east-1",
        "environments": {"dev": {"account": "123456789012"}},
        **top,
        "agents": {name: {"path": f"agents/{name}", **body} for name, body in agents.items()},
        "resources": resources or {},
    }
    root.mkdir(parents=True, exist_ok=True)
    (root / "strands.yaml").write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    for name in agents:
        (root / "agents" / name).mkdir(parents=True, exist_ok=True)
        (root / "agents" / name / "app.py").write_text("def handler(event, context):\n    return {}\n")
    return root


def load(root: Path, environment: str = "dev") -> tuple[LoadedProject, ResolvedProject]:
    """Load and resolve a written project."""
    loaded = load_project(root, env={})
    return loaded, resolve(loaded, environment, environ={})


@pytest.fixture
def make_project(tmp_path: Path):  # type: ignore[no-untyped-def]
    """`make_project(agents, resources, **top)` -> (loaded, resolved) for environment dev."""
    counter = iter(range(1000))

    def make(
        agents: dict[str, Any], resources: dict[str, Any] | None = None, **top: Any
    ) -> tuple[LoadedProject, ResolvedProject]:
        return load(write_project(tmp_path / f"p{next(counter)}", agents, resources, **top))

    return make
