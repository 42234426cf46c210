"""Install the emulator provider into a Terraform filesystem mirror and write the CLI config that selects it."""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import os
import platform
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from strands_tf.emulator.provider.schema import ProviderSchema, SchemaFileError, load_schema
from strands_tf.errors import ConflictError, DependencyError
from strands_tf.fsutil import atomic_write_text

log = logging.getLogger(__name__)

PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
DEFAULT_VERSION = "6.0.0"
MANIFEST = "strands-emulator-provider.json"
REINSTALL_HINT = "Run `strands emulator install --force` to reinstall the emulator provider."


@dataclass(frozen=True)
class MirrorInstall:
    """Where the provider lives and the CLI config file that makes Terraform use it."""

    mirror_dir: Path
    version: str
    executable: Path
    cli_config: Path

    def env(self, data_dir: Path) -> dict[str, str]:
        """Environment for a Terraform run against the emulator (own CLI config and data dir)."""
        return {"TF_CLI_CONFIG_FILE": str(self.cli_config), "TF_DATA_DIR": str(data_dir)}


def platform_dir() -> str:
    """Terraform's ``<os>_<arch>`` name for this machine."""
    machine = platform.machine().lower()
    arch = {"x86_64": "amd64", "amd64": "amd64", "aarch64": "arm64", "arm64": "arm64"}.get(machine, machine)
    return f"{sys.platform if sys.platform != 'win32' else 'windows'}_{arch}".replace("linux2", "linux")


def provider_version(schema: ProviderSchema) -> str:
    """The 6.x version to serve: the one the schema was taken from, else 6.0.0."""
    value = schema.version or ""
    parts = value.split(".")
    if len(parts) == 3 and parts[0] == "6" and all(p.isdigit() for p in parts):
        return value
    return DEFAULT_VERSION


def _launcher(python: str) -> str:
    # exec keeps one process so go-plugin's kill reaches the provider itself
    return f'#!/bin/sh\nexec "{python}" -m strands_tf.emulator.provider "$@"\n'


def _cli_config(mirror_dir: Path) -> str:
    mirror = json.dumps(str(mirror_dir))
    return (
        "provider_installation {\n"
        "  filesystem_mirror {\n"
        f"    path    = {mirror}\n"
        f'    include = ["{PROVIDER_SOURCE}"]\n'
        "  }\n"
        "  direct {\n"
        f'    exclude = ["{PROVIDER_SOURCE}"]\n'
        "  }\n"
        "}\n"
    )


def _atomic_write(path: Path, text: str, mode: int = 0o644) -> None:
    atomic_write_text(path, text, mode=mode)


def _layout(root: Path, version: str) -> tuple[Path, Path, Path]:
    mirror_dir = root / "mirror"
    pkg_dir = mirror_dir / PROVIDER_SOURCE / version / platform_dir()
    return mirror_dir, pkg_dir / f"terraform-provider-aws_v{version}", root / "terraform.rc"


def install(root: Path, *, python: str | None = None, force: bool = False) -> MirrorInstall:
    """Install (or refresh) the provider launcher and CLI config under ``root``; idempotent."""
    try:
        schema = load_schema()
    except SchemaFileError as exc:
        raise DependencyError(
            "the emulator provider has no schema to serve",
            detail=str(exc),
            hint="Reinstall strands-tf; the package ships strands_tf/schema/aws_provider_schema.json.",
        ) from exc
    version = provider_version(schema)
    mirror_dir, exe, cli_config = _layout(root, version)
    launcher = _launcher(python or sys.executable)
    # one version per mirror: a stale higher version would be picked by Terraform instead
    source_dir = mirror_dir / PROVIDER_SOURCE
    if source_dir.is_dir():
        for other in source_dir.iterdir():
            if other.name != version:
                shutil.rmtree(other, ignore_errors=True)
    if force or not exe.is_file() or exe.read_text(encoding="utf-8", errors="replace") != launcher:
        _atomic_write(exe, launcher, 0o755)
        log.info("installed emulator provider %s at %s", version, exe)
    _atomic_write(
        mirror_dir / MANIFEST,
        json.dumps({"version": version, "launcher_sha256": hashlib.sha256(launcher.encode()).hexdigest()}),
    )
    _atomic_write(cli_config, _cli_config(mirror_dir))
    return MirrorInstall(mirror_dir=mirror_dir, version=version, executable=exe, cli_config=cli_config)


def verify(root: Path) -> MirrorInstall:
    """Check an installed mirror; a missing or corrupt one raises a DependencyError naming the fix."""
    mirror_dir = root / "mirror"
    manifest_path = mirror_dir / MANIFEST
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        version = str(manifest["version"])
        expected = str(manifest["launcher_sha256"])
    except FileNotFoundError as exc:
        raise DependencyError(
            "the emulator provider is not installed",
            detail=f"no provider mirror at {mirror_dir}",
            hint=REINSTALL_HINT,
        ) from exc
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise DependencyError(
            "the emulator provider mirror is corrupt",
            detail=f"{manifest_path} is unreadable: {exc}",
            hint=REINSTALL_HINT,
        ) from exc
    _, exe, cli_config = _layout(root, version)
    problem = None
    if not exe.is_file():
        problem = f"provider executable missing: {exe}"
    elif not os.access(exe, os.X_OK):
        problem = f"provider executable is not executable: {exe}"
    else:
        content = exe.read_bytes()
        if hashlib.sha256(content).hexdigest() != expected:
            problem = f"provider launcher {exe} was modified"
        else:
            python = _launcher_python(content.decode("utf-8", errors="replace"))
            if python is None or not Path(python).is_file():
                problem = f"the Python the provider runs with is gone: {python}"
    if problem is None and not cli_config.is_file():
        problem = f"CLI config file missing: {cli_config}"
    if problem:
        raise DependencyError("the emulator provider mirror is corrupt", detail=problem, hint=REINSTALL_HINT)
    return MirrorInstall(mirror_dir=mirror_dir, version=version, executable=exe, cli_config=cli_config)


def _launcher_python(text: str) -> str | None:
    for line in text.splitlines():
        if line.startswith("exec "):
            parts = line.split('"')
            return parts[1] if len(parts) > 2 else None
    return None


def package_hash(install: MirrorInstall) -> str:
    """Terraform's ``h1:`` hash of the unpacked provider package (dirhash Hash1 over the package dir)."""
    pkg_dir = install.executable.parent
    lines = "".join(
        f"{hashlib.sha256(f.read_bytes()).hexdigest()}  {f.relative_to(pkg_dir).as_posix()}\n"
        for f in sorted(p for p in pkg_dir.rglob("*") if p.is_file())
    )
    return "h1:" + base64.b64encode(hashlib.sha256(lines.encode()).digest()).decode()


def lock_file_text(install: MirrorInstall) -> str:
    """A ``.terraform.lock.hcl`` that pins the emulator provider (so ``init -lockfile=readonly`` works)."""
    return (
        "# Written by strands-tf for the offline emulator target; it pins the local emulator provider,\n"
        "# not the registry provider. Do not commit it next to a real environment's lock file.\n\n"
        f'provider "{PROVIDER_SOURCE}" {{\n'
        f'  version = "{install.version}"\n'
        f'  hashes = [\n    "{package_hash(install)}",\n  ]\n'
        "}\n"
    )


def write_lock_file(workdir: Path, install: MirrorInstall) -> Path:
    """Pin the emulator provider in ``workdir``; refuse to overwrite a lock file of the real provider."""
    path = workdir / ".terraform.lock.hcl"
    if path.is_file():
        text = path.read_text(encoding="utf-8", errors="replace")
        if "strands-tf for the offline emulator target" not in text and PROVIDER_SOURCE in text:
            raise ConflictError(
                f"{path} pins the real {PROVIDER_SOURCE} provider",
                detail="Running the emulator target in this directory would replace the real environment's "
                "provider lock.",
                hint="Generate the emulator environment into its own stack directory (target: emulator "
                "environments get a separate output directory) and run it there.",
            )
    _atomic_write(path, lock_file_text(install))
    return path
