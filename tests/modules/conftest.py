"""Shared helpers of the HCL module tests: module list, the embedded engine, the extraction script."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULES_DIR = REPO_ROOT / "modules"
MODULES = sorted(p.parent.name for p in MODULES_DIR.glob("*/main.tf"))
FIXTURE_ROOT = Path(__file__).resolve().parent / "fixtures" / "all_modules"
VARIANTS_ROOT = Path(__file__).resolve().parent / "fixtures" / "variants"
CHECKOV = REPO_ROOT / ".venv-checkov" / "bin" / "checkov"


def run_engine(args: list[str], cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run one command of the embedded Terraform engine in a child process."""
    return subprocess.run(
        [sys.executable, "-m", "strands_tf.terraform.embedded", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def load_script(name: str) -> ModuleType:
    """Import scripts/<name>.py (scripts/ is not a package)."""
    path = REPO_ROOT / "scripts" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"strands_scripts_{name}", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def extract_script() -> ModuleType:
    return load_script("extract_aws_schema")


@pytest.fixture(scope="session")
def readme_script() -> ModuleType:
    return load_script("gen_module_readmes")
