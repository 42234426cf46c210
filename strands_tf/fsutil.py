"""Atomic file writes: a crash or Ctrl-C never leaves a half-written file behind."""

from __future__ import annotations

import contextlib
import errno
import json
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any


def _default_mode() -> int:
    # what a plain open() would create: 0o666 minus the process umask
    current = os.umask(0)
    os.umask(current)
    return 0o666 & ~current


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` so readers see the old or the new file, never a part: temp file, fsync, rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, _default_mode() if mode is None else mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    # persist the rename itself (the directory entry) where the platform allows it
    with contextlib.suppress(OSError):
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def atomic_write_text(path: Path, text: str, *, mode: int | None = None) -> None:
    """Text version of atomic_write_bytes (UTF-8)."""
    atomic_write_bytes(path, text.encode("utf-8"), mode=mode)


def atomic_write_json(path: Path, doc: Any, *, mode: int | None = None) -> None:
    """Indented, key-sorted JSON with a trailing newline, written atomically."""
    atomic_write_text(path, json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n", mode=mode)


class SymlinkInTheWay(OSError):
    """A directory on the way to a file is a symlink: writing would land wherever it points."""

    def __init__(self, relative: str, target: str) -> None:
        super().__init__(f"{relative} is a symlink (to {target})")
        self.relative = relative
        self.target = target


def _open_dir(name: str, dir_fd: int | None, relative: str) -> int:
    """Open a directory without following a symlink (O_NOFOLLOW); a link is SymlinkInTheWay."""
    flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    try:
        return os.open(name, flags, dir_fd=dir_fd)
    except OSError as exc:
        # O_NOFOLLOW on a symlink: ELOOP on Linux, ENOTDIR with O_DIRECTORY on some systems
        if exc.errno not in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):
            raise
        try:
            target = os.readlink(name, dir_fd=dir_fd)
        except OSError:
            raise exc from None  # not a link: a plain file in the way, say so as the OS does
        raise SymlinkInTheWay(relative, target) from None


def write_files_inside(root: Path, files: Mapping[str, bytes]) -> None:
    """Write `files` (relative POSIX path -> content) under `root`, each atomically, never leaving `root`.

    Every directory from `root` down is opened with O_NOFOLLOW and files are created relative to it
    (openat/renameat), so a symlink at any level, even one swapped in while this runs, raises
    SymlinkInTheWay instead of redirecting the write. An existing symlink *file* is replaced by the new
    file, not written through. `root` itself must not be a symlink; its parents are the caller's choice.
    """
    parts_of: dict[str, list[str]] = {}
    for rel in files:
        parts = rel.split("/")
        if rel.startswith("/") or any(p in ("", ".", "..") for p in parts):
            raise ValueError(f"not a relative path inside the target: {rel!r}")
        parts_of[rel] = parts
    root.mkdir(parents=True, exist_ok=True)
    root_fd = _open_dir(str(root), None, str(root))
    try:
        for rel, content in files.items():
            *dirs, name = parts_of[rel]
            fd = os.dup(root_fd)
            try:
                for depth, part in enumerate(dirs):
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o777, dir_fd=fd)
                    child = _open_dir(part, fd, "/".join(dirs[: depth + 1]))
                    os.close(fd)
                    fd = child
                _write_at(fd, name, content)
            finally:
                os.close(fd)
    finally:
        os.close(root_fd)


def _write_at(dir_fd: int, name: str, content: bytes) -> None:
    """Atomic write of one file in an open directory: temp file (umask applies), fsync, rename over `name`."""
    tmp = f".{name}.{os.getpid()}.{os.urandom(4).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(tmp, flags, 0o666, dir_fd=dir_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)
        raise
