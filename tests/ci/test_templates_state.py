"""Issue 16 item 8: no template leaves an AWS environment on local state or local history."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.scaffold import TEMPLATES, scaffold


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_aws_environments_keep_state_and_history_in_s3(tmp_path: Path, template: str) -> None:
    root = tmp_path / "demo"
    scaffold(root, template, name="demo")
    loaded = load_project(root, env={})
    aws = [name for name, env in loaded.config.environments.items() if env.target == "aws"]
    assert aws, template
    for name in aws:
        resolved = resolve(loaded, name, environ={})
        assert resolved.state.backend == "s3" and resolved.state.lock, (template, name)
        assert resolved.state.bucket == "demo-terraform-state"
    assert loaded.config.history.bucket == "demo-strands-history"
    # the emulator still keeps its state locally, whatever the project says
    assert resolve(loaded, "local", environ={}).state.backend == "local"
