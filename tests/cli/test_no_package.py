"""The hidden --no-package flag exists only where it can work: destroying needs no code zips, planning does."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.scaffold import scaffold

from .helpers import run_cli


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "np"
    scaffold(root, "simple", name="np")
    return root


def test_a_plan_without_packages_is_refused_before_any_work(project: Path, monkeypatch, capsys) -> None:
    result = run_cli(["-C", str(project), "plan", "-e", "local", "--no-package"], monkeypatch, capsys)
    assert result.code == 2
    assert "--no-package works with --destroy only" in result.err
    assert not (project / ".strands" / "build").exists()  # refused before synthesizing anything


def test_apply_has_no_no_package_flag(project: Path, monkeypatch, capsys) -> None:
    result = run_cli(["-C", str(project), "apply", "-e", "local", "--no-package"], monkeypatch, capsys)
    assert result.code == 2
    assert "No such option" in result.err or "no such option" in result.err.lower()
