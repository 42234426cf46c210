"""`strands init`: every template validates and its generated agents' own tests pass."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from strands_tf.config import load_project, resolve_all
from strands_tf.scaffold import TEMPLATES

from .helpers import run_cli

EXPECTED_AGENTS = {
    "simple": ["assistant"],
    "event-driven": ["triage"],
    "production": ["assistant"],
    "monorepo": ["assistant", "triage"],
}


@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_init_then_validate(
    template: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / f"{template}-demo"
    created = run_cli(["init", str(project), "--template", template, "--json"], monkeypatch, capsys)
    assert created.code == 0, created.err
    report = json.loads(created.out)
    assert report["ok"] is True
    assert "strands.yaml" in report["files"]
    for agent in EXPECTED_AGENTS[template]:
        assert f"agents/{agent}/app.py" in report["files"]
        assert f"agents/{agent}/requirements.txt" in report["files"]
        assert f"agents/{agent}/tests/test_{agent}.py" in report["files"]
    assert all((project / rel).is_file() for rel in report["files"])

    validated = run_cli(["-C", str(project), "validate", "--json"], monkeypatch, capsys)
    assert validated.code == 0, validated.out + validated.err
    result = json.loads(validated.out)
    assert result["project"] == f"{template}-demo"
    assert result["agents"] == EXPECTED_AGENTS[template]
    assert result["environments"] == (["staging", "prod", "local"] if template == "production" else ["dev", "local"])
    if template == "monorepo":
        assert result["fragments"] == {a: f"agents/{a}/agent.yaml" for a in EXPECTED_AGENTS[template]}
    loaded = load_project(project, env={})
    assert set(resolve_all(loaded, environ={})) == set(result["environments"])


@pytest.mark.slow
@pytest.mark.parametrize("template", sorted(TEMPLATES))
def test_generated_agent_tests_pass(template: str, tmp_path: Path) -> None:
    """The scaffolded agents are real Strands agents whose own tests pass (`pytest agents`, as init suggests)."""
    if importlib.util.find_spec("strands") is None:
        pytest.fail("the generated agents' tests need strands-agents: pip install -e '.[dev]' (a dev dependency)")
    project = tmp_path / "demo-project"
    subprocess.run(
        [str(Path(sys.executable).parent / "strands"), "init", str(project), "-t", template],
        check=True,
        capture_output=True,
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "STRANDS_"))}
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "agents", "-q", "-p", "no:cacheprovider"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert " passed" in proc.stdout and "failed" not in proc.stdout


def test_init_refuses_to_overwrite(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "demo-desk"
    assert run_cli(["init", str(project)], monkeypatch, capsys).code == 0
    (project / "strands.yaml").write_text("# mine\n")
    again = run_cli(["init", str(project)], monkeypatch, capsys)
    assert again.code == 1
    assert f"error (configuration): {project} already has files this template would overwrite:" in again.err
    assert "pass --force to overwrite them" in again.err
    assert (project / "strands.yaml").read_text() == "# mine\n"
    forced = run_cli(["init", str(project), "--force"], monkeypatch, capsys)
    assert forced.code == 0
    assert (project / "strands.yaml").read_text().startswith("# strands.yaml")


def test_init_project_names(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    odd = tmp_path / "My Agents 2"
    assert run_cli(["init", str(odd)], monkeypatch, capsys).code == 0
    assert load_project(odd, env={}).config.project == "my-agents-2"
    named = run_cli(["init", str(tmp_path / "x"), "--name", "ticket-triage"], monkeypatch, capsys)
    assert named.code == 0
    assert load_project(tmp_path / "x", env={}).config.project == "ticket-triage"
    bad = run_cli(["init", str(tmp_path / "y"), "--name", "Bad_Name"], monkeypatch, capsys)
    assert bad.code == 1
    assert "'Bad_Name' is not a valid project name" in bad.err
    assert not (tmp_path / "y").exists()


def test_init_text_output(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    result = run_cli(["init", str(tmp_path / "demo-desk"), "-t", "event-driven"], monkeypatch, capsys)
    assert result.code == 0
    lines = result.out.splitlines()
    assert lines[0].startswith(f"✓ created an event-driven project in {tmp_path / 'demo-desk'}:")
    assert "  agents/triage/app.py" in lines
    assert any("strands validate" in line for line in lines)


def test_unknown_template_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_cli(["init", str(tmp_path), "--template", "serverless"], monkeypatch, capsys)
    assert result.code == 2
    assert "'serverless' is not one of 'simple', 'event-driven', 'production', 'monorepo'" in result.err


# ------------------------------------------------------------------------------ symlinks in the target


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_init_refuses_a_symlinked_directory_inside_the_target(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "demo-desk"
    project.mkdir()
    (project / "agents").symlink_to(outside)
    result = run_cli(["init", str(project)], monkeypatch, capsys)
    assert result.code == 1, result.out + result.err
    assert "Traceback" not in result.err
    assert f"agents is a symlink (to {outside})" in result.err
    assert _tree(outside) == []  # nothing written through the link
    assert _tree(project) == ["agents"]  # and nothing half-written inside: refused before any write


def test_init_refuses_a_deeper_symlinked_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    project = tmp_path / "demo-desk"
    (project / "agents").mkdir(parents=True)
    (project / "agents" / "assistant").symlink_to(outside)
    result = run_cli(["init", str(project), "--force"], monkeypatch, capsys)
    assert result.code == 1
    assert "agents/assistant is a symlink" in result.err
    assert _tree(outside) == []


def test_init_refuses_a_target_that_is_a_symlink(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    link = tmp_path / "demo-desk"
    link.symlink_to(outside)
    result = run_cli(["init", str(link)], monkeypatch, capsys)
    assert result.code == 1
    assert f"{link} is a symlink (to {outside})" in result.err
    assert _tree(outside) == []


def test_init_replaces_a_symlinked_file_instead_of_writing_through_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret = tmp_path / "outside.txt"
    secret.write_text("keep me\n")
    project = tmp_path / "demo-desk"
    project.mkdir()
    (project / ".gitignore").symlink_to(secret)
    (project / "strands.yaml").symlink_to(tmp_path / "dangling")  # a dangling link counts as existing too
    refused = run_cli(["init", str(project)], monkeypatch, capsys)
    assert refused.code == 1
    assert "already has files this template would overwrite: .gitignore, strands.yaml" in refused.err
    assert run_cli(["init", str(project), "--force"], monkeypatch, capsys).code == 0
    assert secret.read_text() == "keep me\n"
    assert not (tmp_path / "dangling").exists()
    assert not (project / ".gitignore").is_symlink() and ".strands/" in (project / ".gitignore").read_text()
    assert not (project / "strands.yaml").is_symlink()


def test_write_inside_never_follows_a_link_that_appears_after_the_check(tmp_path: Path) -> None:
    """The writer itself opens every directory with O_NOFOLLOW: a link swapped in late is an error, not a write."""
    from strands_tf.fsutil import SymlinkInTheWay, write_files_inside

    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "root"
    root.mkdir()
    (root / "a").symlink_to(outside)
    with pytest.raises(SymlinkInTheWay) as caught:
        write_files_inside(root, {"a/b/file.txt": b"x"})
    assert caught.value.relative == "a"
    assert _tree(outside) == []
    write_files_inside(root, {"c/d/file.txt": b"y", "top.txt": b"z"})
    assert (root / "c" / "d" / "file.txt").read_bytes() == b"y" and (root / "top.txt").read_bytes() == b"z"
    with pytest.raises(ValueError):
        write_files_inside(root, {"../escape.txt": b"x"})
