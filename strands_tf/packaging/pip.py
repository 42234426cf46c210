"""Running pip for a Lambda platform, and turning its failures into clear errors."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from strands_tf.errors import Category, StrandsError

from .spec import Target

DEFAULT_PIP_TIMEOUT_SECONDS = 1800.0
_MAX_STDERR_LINES = 15

_NETWORK_MARKERS = (
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Name or service not known",
    "Max retries exceeded",
    "Network is unreachable",
    "Connection refused",
    "ConnectTimeoutError",
    "ReadTimeoutError",
    "ProxyError",
    "SSLError",
)
_NO_DIST_RE = re.compile(r"No matching distribution found for ([^\s;]+)")
_REQ_NAME_RE = re.compile(r"[<>=!~;\[(@ ]")
_NO_VERSION_RE = re.compile(r"Could not find a version that satisfies the requirement ([^\s;]+)")


@dataclass(frozen=True)
class PipResult:
    """Exit status and output of one pip run."""

    returncode: int
    stdout: str
    stderr: str


class PipRunner(Protocol):
    """Runs ``pip <args>`` in ``cwd``; injectable so tests need neither network nor a real pip."""

    def __call__(self, args: Sequence[str], *, cwd: Path) -> PipResult: ...


@dataclass(frozen=True)
class SubprocessPipRunner:
    """The real thing: ``sys.executable -m pip`` in a child process."""

    python: str = sys.executable
    timeout: float = DEFAULT_PIP_TIMEOUT_SECONDS

    def __call__(self, args: Sequence[str], *, cwd: Path) -> PipResult:
        env = dict(os.environ)
        env.update(
            PIP_NO_INPUT="1",
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            PYTHONDONTWRITEBYTECODE="1",
            # --target and --user cannot be combined; a user-level pip.conf must not break the build
            PIP_USER="0",
        )
        try:
            proc = subprocess.run(
                [self.python, "-m", "pip", *args],
                cwd=cwd,
                env=env,
                stdin=subprocess.DEVNULL,
                capture_output=True,
                text=True,
                errors="replace",
                timeout=self.timeout,
                check=False,
            )
        except subprocess.TimeoutExpired:
            raise StrandsError(
                f"pip did not finish within {self.timeout:.0f} s",
                hint="Check the network and the package index, then run again.",
                category=Category.NETWORK,
            ) from None
        except OSError as exc:
            raise StrandsError(
                f"cannot run pip with {self.python}: {exc.strerror or exc}",
                hint="Install pip into the Python that runs strands (python -m ensurepip).",
                category=Category.DEPENDENCY,
            ) from None
        return PipResult(proc.returncode, proc.stdout, proc.stderr)


def install_args(target: Target, requirements: Path, dest: Path) -> list[str]:
    """pip arguments that install wheels for the Lambda platform into ``dest``."""
    args = ["install", "--only-binary=:all:", "--implementation", "cp"]
    args += ["--python-version", target.python_version]
    for platform in target.platforms:
        args += ["--platform", platform]
    args += ["--target", str(dest), "--no-compile", "--no-input", "--disable-pip-version-check"]
    args += ["-r", str(requirements)]
    return args


def failure(agent: str, requirements: Path, target: Target, result: PipResult) -> StrandsError:
    """Turn a failed pip run into an error naming the packages, pip's own words and the fix."""
    text = f"{result.stderr}\n{result.stdout}"
    lines = [line.rstrip() for line in text.splitlines() if line.strip()]
    errors = [line for line in lines if line.lstrip().upper().startswith("ERROR")]
    network = [line for line in lines if any(marker in line for marker in _NETWORK_MARKERS)]
    shown = (network[-1:] + errors) or lines
    detail = "\n".join(shown[-_MAX_STDERR_LINES:]) or f"pip exited with status {result.returncode}"
    data = {"agent": agent, "requirements": str(requirements), "returncode": result.returncode}
    if "No module named pip" in text:
        return StrandsError(
            "pip is not installed in the Python that runs strands",
            detail=detail,
            hint="Install it with `python -m ensurepip` (or install strands-tf with pip).",
            category=Category.DEPENDENCY,
            data=data,
        )
    # Checked before "no matching distribution": pip reports an unreachable index that way too.
    if network:
        return StrandsError(
            f"agent {agent!r}: pip could not reach the package index while installing {requirements}",
            detail=detail,
            hint="Check the network, proxy and index settings (PIP_INDEX_URL, pip.conf), then run again.",
            category=Category.NETWORK,
            data=data,
        )
    missing = sorted(set(_NO_DIST_RE.findall(text)) | set(_NO_VERSION_RE.findall(text)))
    if missing:
        names = ", ".join(missing)
        projects = ", ".join(sorted({_REQ_NAME_RE.split(req, maxsplit=1)[0] for req in missing}))
        if "(from versions: none)" in text:
            # nothing at all: a typo, an index that does not have it, or no wheel for any version
            hint = (
                f"pip found no usable version of {projects}: check the spelling and the package index "
                f"(PIP_INDEX_URL, pip.conf); if the name is right, no release ships a wheel for "
                f"{target.label}: remove it or replace it with a package that does."
            )
        else:
            hint = (
                f"Lambda layers need prebuilt wheels for {target.label}; pin a version of {projects} "
                "that ships one (pip lists the versions it could use above; see the package's files on "
                "PyPI), or remove it from the requirements."
            )
        return StrandsError(
            f"agent {agent!r}: no wheel for {target.label} matches {names} (from {requirements})",
            detail=detail,
            hint=hint,
            category=Category.CONFIGURATION,
            data={**data, "packages": missing},
        )
    return StrandsError(
        f"agent {agent!r}: pip failed to install {requirements} for {target.label}",
        detail=detail,
        hint="Fix the requirement pip names above (a typo, a conflict, or a package without wheels).",
        category=Category.DEPENDENCY,
        data=data,
    )
