"""Installing the provider into a filesystem mirror; missing or corrupt mirrors; the emulator lock file."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from strands_tf.emulator import mirror
from strands_tf.emulator.provider.schema import SCHEMA_ENV
from strands_tf.errors import ConflictError, DependencyError


def test_install_layout_and_cli_config(tmp_path: Path) -> None:
    inst = mirror.install(tmp_path)
    rel = inst.executable.relative_to(inst.mirror_dir)
    assert rel.parts[:4] == ("registry.terraform.io", "hashicorp", "aws", inst.version)
    assert rel.parts[4] == mirror.platform_dir()
    assert rel.name == f"terraform-provider-aws_v{inst.version}"
    assert inst.version.startswith("6.")
    assert os.stat(inst.executable).st_mode & stat.S_IXUSR
    text = inst.cli_config.read_text()
    assert "filesystem_mirror" in text and str(inst.mirror_dir) in text
    assert 'exclude = ["registry.terraform.io/hashicorp/aws"]' in text
    assert mirror.verify(tmp_path) == inst
    # idempotent
    assert mirror.install(tmp_path) == inst


def test_missing_mirror_names_the_fix(tmp_path: Path) -> None:
    with pytest.raises(DependencyError) as err:
        mirror.verify(tmp_path)
    assert "not installed" in err.value.summary
    assert "strands emulator install" in (err.value.hint or "")


@pytest.mark.parametrize("damage", ["delete-exe", "edit-exe", "chmod-exe", "manifest", "cli-config"])
def test_corrupt_mirror_names_the_fix(tmp_path: Path, damage: str) -> None:
    inst = mirror.install(tmp_path)
    if damage == "delete-exe":
        inst.executable.unlink()
    elif damage == "edit-exe":
        inst.executable.write_text("#!/bin/sh\nexit 1\n")
    elif damage == "chmod-exe":
        inst.executable.chmod(0o644)
    elif damage == "manifest":
        (inst.mirror_dir / mirror.MANIFEST).write_text("{broken")
    else:
        inst.cli_config.unlink()
    with pytest.raises(DependencyError) as err:
        mirror.verify(tmp_path)
    assert "corrupt" in err.value.summary
    assert err.value.hint == mirror.REINSTALL_HINT
    # reinstalling repairs it
    mirror.install(tmp_path, force=True)
    assert mirror.verify(tmp_path).executable.is_file()


def test_launcher_python_gone(tmp_path: Path) -> None:
    mirror.install(tmp_path, python=str(tmp_path / "gone" / "python"))
    with pytest.raises(DependencyError) as err:
        mirror.verify(tmp_path)
    assert "Python" in (err.value.detail or "")


def test_schema_missing_is_a_dependency_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SCHEMA_ENV, str(tmp_path / "nope.json"))
    with pytest.raises(DependencyError) as err:
        mirror.install(tmp_path / "cache")
    assert "nope.json" in (err.value.detail or "")


def test_old_versions_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / "mirror" / mirror.PROVIDER_SOURCE / "6.99.0" / mirror.platform_dir()
    stale.mkdir(parents=True)
    (stale / "terraform-provider-aws_v6.99.0").write_text("old")
    inst = mirror.install(tmp_path)
    assert [p.name for p in (tmp_path / "mirror" / mirror.PROVIDER_SOURCE).iterdir()] == [inst.version]


def test_lock_file_pins_the_emulator_and_refuses_a_real_lock(tmp_path: Path) -> None:
    inst = mirror.install(tmp_path / "cache")
    stack = tmp_path / "stack"
    stack.mkdir()
    lock = mirror.write_lock_file(stack, inst)
    text = lock.read_text()
    assert f'version = "{inst.version}"' in text and mirror.package_hash(inst) in text
    mirror.write_lock_file(stack, inst)  # our own lock may be rewritten

    real = tmp_path / "real"
    real.mkdir()
    (real / ".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/aws" {\n  version = "6.20.0"\n  hashes = ["h1:abc="]\n}\n'
    )
    with pytest.raises(ConflictError):
        mirror.write_lock_file(real, inst)
    assert "h1:abc=" in (real / ".terraform.lock.hcl").read_text()
