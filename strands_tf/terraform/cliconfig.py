"""Tool-controlled Terraform CLI configuration file and cache directories.

Terraform reads ``~/.terraformrc`` unless ``TF_CLI_CONFIG_FILE`` points elsewhere; strands points it at
a file it writes itself so a user's personal settings (credentials helpers, dev overrides) never change
what a deployment does, and so the embedded engine does not warn about a missing ``.terraformrc``.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "PluginCacheInfo",
    "cache_dir",
    "describe_plugin_cache",
    "ensure_cli_config",
    "plugin_cache_dir",
    "render_cli_config",
]


def cache_dir() -> Path:
    """Per-user cache root: ``$STRANDS_CACHE_DIR``, else ``$XDG_CACHE_HOME/strands-tf``, else ``~/.cache``."""
    explicit = os.environ.get("STRANDS_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    base = Path(xdg) if xdg else Path.home() / ".cache"
    return base / "strands-tf"


def plugin_cache_dir() -> Path:
    """Shared provider plugin cache (``TF_PLUGIN_CACHE_DIR``) used by every stack."""
    return cache_dir() / "plugins"


def render_cli_config(filesystem_mirrors: Sequence[Path] = ()) -> str:
    """Text of the CLI config: empty, or a provider_installation block using local mirrors first."""
    if not filesystem_mirrors:
        return ""
    lines = ["provider_installation {"]
    for mirror in filesystem_mirrors:
        lines += ["  filesystem_mirror {", f"    path = {json.dumps(str(mirror))}", "  }"]
    # providers not in a mirror still come from their registry when the network allows it
    lines += ["  direct {}", "}", ""]
    return "\n".join(lines)


def ensure_cli_config(path: Path | None = None, filesystem_mirrors: Sequence[Path] = ()) -> Path:
    """Write the CLI config (atomically, only when its content changes) and return its path."""
    if path is None:
        name = "terraform.rc" if not filesystem_mirrors else "terraform-mirrors.rc"
        path = cache_dir() / name
    text = render_cli_config(filesystem_mirrors)
    try:
        if path.read_text(encoding="utf-8") == text:
            return path
    except OSError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


@dataclass(frozen=True)
class PluginCacheInfo:
    """What the shared provider cache holds (for ``strands doctor``)."""

    path: Path
    exists: bool
    providers: tuple[str, ...]  # "registry.terraform.io/hashicorp/aws 6.0.0 linux_amd64"
    size_bytes: int


def describe_plugin_cache(path: Path | None = None) -> PluginCacheInfo:
    """List the providers in the plugin cache (layout ``HOST/NAMESPACE/TYPE/VERSION/OS_ARCH``)."""
    root = path or plugin_cache_dir()
    if not root.is_dir():
        return PluginCacheInfo(root, False, (), 0)
    found: list[str] = []
    size = 0
    for platform_dir in sorted(root.glob("*/*/*/*/*")):
        if not platform_dir.is_dir():
            continue
        host, namespace, name, version, platform = platform_dir.relative_to(root).parts
        found.append(f"{host}/{namespace}/{name} {version} {platform}")
        size += sum(f.stat().st_size for f in platform_dir.rglob("*") if f.is_file())
    return PluginCacheInfo(root, True, tuple(found), size)
