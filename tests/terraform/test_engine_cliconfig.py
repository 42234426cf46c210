"""The tool-controlled CLI config file and the plugin cache description."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.terraform.cliconfig import (
    cache_dir,
    describe_plugin_cache,
    ensure_cli_config,
    plugin_cache_dir,
    render_cli_config,
)


def test_cache_dir_resolution(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("STRANDS_CACHE_DIR", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "strands-tf"
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "explicit"))
    assert cache_dir() == tmp_path / "explicit"
    assert plugin_cache_dir() == tmp_path / "explicit" / "plugins"


def test_ensure_cli_config_writes_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path))
    path = ensure_cli_config()
    assert path == tmp_path / "terraform.rc"
    assert path.read_text() == ""
    mtime = path.stat().st_mtime_ns
    assert ensure_cli_config() == path
    assert path.stat().st_mtime_ns == mtime, "rewritten although nothing changed"


def test_cli_config_with_filesystem_mirror(tmp_path: Path) -> None:
    mirror = tmp_path / "mirror"
    text = render_cli_config([mirror])
    assert "provider_installation {" in text
    assert f'path = "{mirror}"' in text
    assert "direct {}" in text
    path = ensure_cli_config(tmp_path / "rc" / "mirrors.rc", [mirror])
    assert path.read_text() == text
    assert not list(path.parent.glob("*.tmp")), "temp file left behind"


def test_describe_plugin_cache(tmp_path: Path) -> None:
    assert not describe_plugin_cache(tmp_path / "none").exists
    plat = tmp_path / "registry.terraform.io" / "hashicorp" / "aws" / "6.0.0" / "linux_amd64"
    plat.mkdir(parents=True)
    (plat / "terraform-provider-aws_v6.0.0").write_bytes(b"x" * 1000)
    info = describe_plugin_cache(tmp_path)
    assert info.exists
    assert info.providers == ("registry.terraform.io/hashicorp/aws 6.0.0 linux_amd64",)
    assert info.size_bytes == 1000
