"""A project directory the user cannot write: a clear error naming the directory, never "a bug in strands"."""

from __future__ import annotations

import shutil
from pathlib import Path

from .helpers import run_cli

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "simple-assistant"


def test_plan_in_a_read_only_project_says_what_to_do(tmp_path, monkeypatch, capsys, read_only) -> None:
    root = tmp_path / "project"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
    read_only(root)
    monkeypatch.chdir(root)
    result = run_cli(["plan", "-e", "local"], monkeypatch, capsys)
    assert result.code == 1, result
    assert "cannot write" in result.err and str(root / ".strands") in result.err, result.err
    assert "writable" in result.err
    assert "bug" not in result.err
    assert not (root / ".strands").exists()
