"""Shared helpers of the generator tests: the sample project, synth in-process and through the CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import hcl2
import pytest

from strands_tf.config import load_project, resolve
from strands_tf.generators.synth import SynthResult, synthesize

REPO_ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).resolve().parent / "data"
SAMPLE = DATA / "sample"
GOLDEN = Path(__file__).resolve().parent / "golden"
MODULES_DIR = REPO_ROOT / "modules"
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"
CHECKOV_CONFIG = REPO_ROOT / ".checkov.yaml"
# A fixed tool version keeps golden files stable across releases (it only appears in default tags).
TOOL_VERSION = "0.0.0-test"


def copy_project(source: Path, dest: Path) -> Path:
    """Copy a project directory (without any earlier synth output) and return the copy."""
    shutil.copytree(source, dest, ignore=shutil.ignore_patterns("cdktf.out", ".strands", "__pycache__"))
    return dest


def synth(
    root: Path,
    environment: str = "dev",
    *,
    out: Path | None = None,
    hcl: Path | None = None,
    package: bool = False,
    environ: dict[str, str] | None = None,
) -> SynthResult:
    """Load, resolve and synthesize a project in-process (packaging off unless asked)."""
    from strands_tf.generators.synth import package_agents

    loaded = load_project(root, env=environ or {})
    resolved = resolve(loaded, environment, environ=environ or {})
    return synthesize(
        loaded,
        resolved,
        out or root / "cdktf.out",
        packager=package_agents if package else None,
        tool_version=TOOL_VERSION,
        hcl_dir=hcl,
    )


def run_cli(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`strands <args>` in a child process (real exit codes, real stdout/stderr)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("STRANDS_")}
    env["NO_COLOR"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "strands_tf.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def tree_bytes(root: Path, *, skip: tuple[str, ...] = ()) -> dict[str, bytes]:
    """Every file under `root` (relative posix path -> content), skipping paths that start with `skip`."""
    out: dict[str, bytes] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_file() and not rel.startswith(skip):
            out[rel] = path.read_bytes()
    return out


def parse_hcl_dir(directory: Path) -> dict[str, list[Any]]:
    """All top-level blocks of the .tf files in one directory, merged by block kind (python-hcl2)."""
    merged: dict[str, list[Any]] = {}
    for path in sorted(directory.glob("*.tf")):
        for kind, blocks in hcl2.loads(path.read_text("utf-8")).items():
            merged.setdefault(kind, []).extend(blocks)
    return merged


@pytest.fixture
def sample(tmp_path: Path) -> Path:
    """A fresh copy of the issue-2 sample project."""
    return copy_project(SAMPLE, tmp_path / "sample")
