"""An agent's requirements on the developer's machine: used from the running environment when it satisfies
them, else installed with pip into `.strands/dev/deps/<agent>/`, which goes first on the worker's sys.path.

The dependency layer built for Lambda cannot serve here (it holds wheels for Lambda's platform); this is
the local equivalent, reinstalled whenever the requirements file changes.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from strands_tf.config.resolve import ResolvedAgent
from strands_tf.errors import Category, StrandsError

STAMP = ".strands-dev-requirements.sha256"
PIP_TIMEOUT_SECONDS = 1800


def requirements_file(root: Path, agent: ResolvedAgent) -> Path | None:
    """The agent's requirements file, as packaging finds it (declared, or requirements.txt when present)."""
    source = root / agent.path
    if agent.requirements is not None:
        return source / agent.requirements
    default = source / "requirements.txt"
    return default if default.is_file() else None


def unsatisfied(requirements: Path) -> list[str]:
    """Requirements the running Python environment does not satisfy (any pip option counts as one)."""
    from packaging.requirements import InvalidRequirement, Requirement

    missing: list[str] = []
    for raw in requirements.read_text("utf-8").splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("-") or "://" in line or line.startswith((".", "/")):
            missing.append(line)  # includes, indexes, local paths: only pip can tell
            continue
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            missing.append(line)
            continue
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        try:
            installed = importlib.metadata.version(requirement.name)
        except importlib.metadata.PackageNotFoundError:
            missing.append(line)
            continue
        if requirement.specifier and not requirement.specifier.contains(installed, prereleases=True):
            missing.append(line)
    return missing


def _digest(requirements: Path) -> str:
    return hashlib.sha256(requirements.read_bytes()).hexdigest()


def ensure_dependencies(
    agent: str,
    requirements: Path | None,
    deps_dir: Path,
    progress: Callable[[str], None] | None = None,
    *,
    python: str = sys.executable,
) -> Path | None:
    """The dependency directory to put on the worker's path, installed when needed; None when none is needed."""
    say = progress or (lambda line: None)
    if requirements is None:
        return None
    if not requirements.is_file():
        raise StrandsError(
            f"agent '{agent}': requirements file {requirements} does not exist",
            hint="create it, or fix `requirements:` of the agent in strands.yaml",
            category=Category.CONFIGURATION,
        )
    digest = _digest(requirements)
    stamp = deps_dir / STAMP
    if stamp.is_file() and stamp.read_text("utf-8").strip() == digest:
        return deps_dir
    missing = unsatisfied(requirements)
    if not missing:
        if deps_dir.exists():
            shutil.rmtree(deps_dir, ignore_errors=True)  # stale packages must not shadow the satisfied ones
        say(f"{requirements.name}: every requirement is installed already")
        return None
    say(f"installing {len(missing)} requirement(s) of {requirements.name} into {deps_dir}: {', '.join(missing[:5])}")
    staging = deps_dir.with_name(f".{deps_dir.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    command = [python, "-m", "pip", "install", "--target", str(staging), "--upgrade", "--no-input",
               "--disable-pip-version-check", "--progress-bar", "off", "-r", str(requirements.resolve())]  # fmt: skip
    env = {**os.environ, "PIP_NO_INPUT": "1", "PIP_USER": "0", "PYTHONUNBUFFERED": "1"}
    lines: list[str] = []
    try:
        with subprocess.Popen(
            command, cwd=requirements.parent, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True, errors="replace",
        ) as proc:  # fmt: skip
            assert proc.stdout is not None
            for line in proc.stdout:
                line = line.rstrip()
                if line:
                    lines.append(line)
                    say(line)
            code = proc.wait(timeout=PIP_TIMEOUT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StrandsError(f"agent '{agent}': pip could not run: {exc}", category=Category.DEPENDENCY) from None
    if code != 0:
        shutil.rmtree(staging, ignore_errors=True)
        errors = [line for line in lines if line.upper().startswith("ERROR")] or lines[-10:]
        raise StrandsError(
            f"agent '{agent}': pip failed to install {requirements} for local development",
            detail="\n".join(errors[-10:]),
            hint="fix the requirement pip names above; the previous dependencies stay in use",
            category=Category.DEPENDENCY,
        )
    (staging / STAMP).write_text(digest + "\n", "utf-8")
    old = deps_dir.with_name(f".{deps_dir.name}.old-{os.getpid()}")
    if deps_dir.exists():
        os.replace(deps_dir, old)
    os.replace(staging, deps_dir)
    with contextlib.suppress(OSError):
        shutil.rmtree(old)
    say(f"installed into {deps_dir}")
    return deps_dir
