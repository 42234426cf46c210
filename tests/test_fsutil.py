"""Atomic writes and private files: explicit modes, and the process umask is never touched."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from strands_tf import fsutil
from strands_tf.deploy.workspace import Workspace


def mode_of(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


def test_atomic_writes_never_change_the_process_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the umask is process-wide: setting it to 0 even for an instant makes a file a worker thread (or a
    # Terraform child started by one) creates meanwhile world-writable
    def forbidden(_mask: int) -> int:
        raise AssertionError("os.umask called")

    monkeypatch.setattr(os, "umask", forbidden)
    fsutil.atomic_write_text(tmp_path / "default.txt", "x")
    fsutil.atomic_write_json(tmp_path / "explicit.json", {"a": 1}, mode=0o640)
    assert (tmp_path / "default.txt").read_text() == "x"


def test_default_mode_follows_the_umask_and_explicit_modes_are_exact(tmp_path: Path) -> None:
    # in a child process: the test must not change this process's umask either
    script = (
        "import os, sys; from pathlib import Path; from strands_tf import fsutil; os.umask(0o027); "
        "d = Path(sys.argv[1]); fsutil.atomic_write_text(d / 'plain', 'x'); "
        "fsutil.atomic_write_text(d / 'script', 'x', mode=0o755)"
    )
    subprocess.run([sys.executable, "-c", script, str(tmp_path)], check=True)
    assert mode_of(tmp_path / "plain") == 0o640  # what open() would give under umask 027
    assert mode_of(tmp_path / "script") == 0o755  # explicit: the umask does not remove bits
    fsutil.atomic_write_text(tmp_path / "private", "secret", mode=fsutil.PRIVATE_FILE_MODE)
    assert mode_of(tmp_path / "private") == 0o600
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain", "private", "script"]  # no temp file left


def test_private_helpers_never_change_the_process_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "umask", lambda _mask: pytest.fail("os.umask called"))
    fsutil.private_mkdir(tmp_path / "a" / "b")
    with fsutil.open_private(tmp_path / "a" / "b" / "log", "a") as fh:
        fh.write("line\n")
    fsutil.make_tree_private(tmp_path / "a")


def test_concurrent_atomic_writes_into_one_directory(tmp_path: Path) -> None:
    errors: list[BaseException] = []

    def write(n: int) -> None:
        try:
            for i in range(50):
                fsutil.atomic_write_text(tmp_path / f"f{n}", f"{n}-{i}", mode=0o600)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert {p.name: p.read_text() for p in tmp_path.iterdir()} == {f"f{n}": f"{n}-49" for n in range(4)}
    assert {mode_of(p) for p in tmp_path.iterdir()} == {0o600}


def test_private_mkdir_makes_every_new_directory_0700(tmp_path: Path) -> None:
    existing = tmp_path / "shared"
    existing.mkdir(mode=0o755)
    os.chmod(existing, 0o755)
    fsutil.private_mkdir(existing / "a" / "b" / "c")
    assert mode_of(existing) == 0o755  # only what it creates
    assert [mode_of(existing / p) for p in ("a", "a/b", "a/b/c")] == [0o700] * 3
    fsutil.private_mkdir(existing / "a")  # existing: fine
    (tmp_path / "file").write_text("x")
    with pytest.raises(OSError):
        fsutil.private_mkdir(tmp_path / "file")


def test_open_private_tightens_an_existing_file(tmp_path: Path) -> None:
    log = tmp_path / "events.jsonl"
    log.write_text("old\n")
    os.chmod(log, 0o644)
    with fsutil.open_private(log, "a") as fh:
        fh.write("new\n")
    assert mode_of(log) == 0o600
    assert log.read_text() == "old\nnew\n"
    with fsutil.open_private(log, "wb") as fh:
        fh.write(b"replaced")
    assert log.read_bytes() == b"replaced"
    with pytest.raises(ValueError):
        fsutil.open_private(log, "r")


def test_make_tree_private_keeps_exec_bits_and_skips_symlinks(tmp_path: Path) -> None:
    root = tmp_path / "tree"
    (root / "sub").mkdir(parents=True)
    (root / "sub" / "data.json").write_text("{}")
    (root / "run.sh").write_text("#!/bin/sh\n")
    os.chmod(root / "run.sh", 0o755)
    outside = tmp_path / "outside"
    outside.write_text("x")
    os.chmod(outside, 0o644)
    (root / "link").symlink_to(outside)
    fsutil.make_tree_private(root)
    assert mode_of(root) == 0o700
    assert mode_of(root / "sub") == 0o700
    assert mode_of(root / "sub" / "data.json") == 0o600
    assert mode_of(root / "run.sh") == 0o700
    assert mode_of(outside) == 0o644  # a symlink's target is not ours to change


def test_workspace_secure_makes_an_old_strands_dir_private(tmp_path: Path) -> None:
    old = tmp_path / ".strands"
    old.mkdir()
    os.chmod(old, 0o755)
    Workspace(tmp_path).secure()
    assert mode_of(old) == 0o700
    fresh = tmp_path / "fresh"
    fresh.mkdir()
    assert mode_of(Workspace(fresh).secure()) == 0o700
