"""Inputs and outputs of agent packaging: plain dataclasses, no config models."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from strands_tf.errors import Category, StrandsError

from .limits import DIRECT_UPLOAD_MAX_ZIPPED_BYTES

_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")
_RUNTIME_RE = re.compile(r"^python(3)\.(\d{1,2})$")

# Lambda's Python runtimes run on Amazon Linux 2 (glibc 2.26) up to 3.11 and on Amazon Linux 2023
# (glibc 2.34) from 3.12: the highest manylinux tag a wheel may carry and still load there.
_AL2_GLIBC_MINOR = 26
_AL2023_GLIBC_MINOR = 34
_FIRST_AL2023_PYTHON_MINOR = 12

ARCHITECTURES: dict[str, str] = {"arm64": "aarch64", "x86_64": "x86_64"}


class PackagingError(StrandsError):
    """A failure while building an agent's deployment artifacts."""

    category = Category.CONFIGURATION


@dataclass(frozen=True)
class PackageSpec:
    """What to package for one agent."""

    name: str
    source_dir: Path
    runtime: str
    architecture: str
    requirements_file: Path | None
    # gitignore-style patterns (last match wins, `!` takes a file back), after the defaults and .gitignore files
    exclude: tuple[str, ...] = ()
    # the project directory: .gitignore files from here down to source_dir apply (None: source_dir's own)
    project_root: Path | None = None
    # (name in the zip, file) added to the code zip unless the agent has a file of that name itself
    extra_files: tuple[tuple[str, Path], ...] = ()


@dataclass(frozen=True)
class Artifact:
    """One deterministic zip file and the hashes Lambda and Terraform compare."""

    path: Path
    sha256: str
    source_code_hash: str
    size: int
    unzipped_size: int

    @property
    def needs_s3_upload(self) -> bool:
        """True when the zip is too large to upload directly and must go through an S3 object."""
        return self.size > DIRECT_UPLOAD_MAX_ZIPPED_BYTES


@dataclass(frozen=True)
class AgentArtifacts:
    """The code zip and, when the agent has requirements, the dependencies layer zip."""

    code: Artifact
    layer: Artifact | None

    @property
    def needs_s3_upload(self) -> bool:
        """True when any artifact must be deployed through an S3 object (over the direct-upload limit)."""
        return self.code.needs_s3_upload or (self.layer is not None and self.layer.needs_s3_upload)

    @property
    def zipped_size(self) -> int:
        """Code plus layer, zipped."""
        return self.code.size + (self.layer.size if self.layer else 0)

    @property
    def unzipped_size(self) -> int:
        """Code plus layer, unzipped: what Lambda's 250 MB quota counts."""
        return self.code.unzipped_size + (self.layer.unzipped_size if self.layer else 0)


@dataclass(frozen=True)
class Target:
    """The Lambda platform a layer is built for, derived from runtime and architecture."""

    python_version: str  # "3.12"
    machine: str  # "aarch64" | "x86_64"
    glibc_minor: int

    @property
    def platforms(self) -> tuple[str, ...]:
        """pip ``--platform`` tags, most specific first; manylinux2014 always included."""
        newer = [f"manylinux_2_{m}_{self.machine}" for m in range(self.glibc_minor, 17, -1)]
        return (*newer, f"manylinux2014_{self.machine}")

    @property
    def label(self) -> str:
        """``cp312 manylinux2014_aarch64 (up to manylinux_2_34)``: what wheels must be tagged for."""
        return (
            f"cp{self.python_version.replace('.', '')} manylinux2014_{self.machine} "
            f"(up to manylinux_2_{self.glibc_minor})"
        )


def validate_name(name: str) -> None:
    """Agent names become file names: reject anything that could escape the output directory."""
    if not _NAME_RE.match(name):
        raise PackagingError(
            f"agent name {name!r} cannot be used as an artifact file name",
            hint="Use letters, digits, '-', '_' or '.', starting with a letter or digit (at most 128).",
        )


def target_for(name: str, runtime: str, architecture: str) -> Target:
    """Parse ``python3.12`` + ``arm64`` into pip's view of the Lambda platform."""
    match = _RUNTIME_RE.match(runtime)
    if not match:
        raise PackagingError(
            f"agent {name!r}: runtime {runtime!r} is not a Lambda Python runtime",
            hint="Use a runtime such as python3.12 or python3.13.",
        )
    minor = int(match.group(2))
    if architecture not in ARCHITECTURES:
        raise PackagingError(
            f"agent {name!r}: architecture {architecture!r} is not supported by Lambda",
            hint="Use arm64 or x86_64.",
        )
    glibc = _AL2023_GLIBC_MINOR if minor >= _FIRST_AL2023_PYTHON_MINOR else _AL2_GLIBC_MINOR
    return Target(python_version=f"3.{minor}", machine=ARCHITECTURES[architecture], glibc_minor=glibc)
