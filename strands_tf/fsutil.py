"""File writes that are atomic (a crash or Ctrl-C never leaves a half-written file) and private where asked.

Modes are explicit per file: a caller that needs a mode passes it, and nothing here ever changes the
process umask (it is process-wide: changing it, even briefly, races with threads that start Terraform or
create files at the same time).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

# Files that can hold a value from a deployment (state, plans, logs, configuration) and their directories.
PRIVATE_FILE_MODE = 0o600
PRIVATE_DIR_MODE = 0o700
# What Terraform children run with: everything they create (tfstate, plan files, .terraform/) is private.
PRIVATE_UMASK = 0o077

_TEMP_ATTEMPTS = 100

_HASH_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file's content, read in chunks."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _open_temp(directory: Path, name: str, mode: int | None) -> tuple[int, Path]:
    """A new temp file next to `name`; with no mode the kernel applies the umask as for any new file."""
    for _ in range(_TEMP_ATTEMPTS):
        tmp = directory / f".{name}.{secrets.token_hex(4)}.tmp"
        try:
            # created private while it is written; the final mode is set once the content is complete
            fd = os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666 if mode is None else PRIVATE_FILE_MODE)
        except FileExistsError:
            continue
        return fd, tmp
    raise FileExistsError(f"could not create a temporary file in {directory}")


def atomic_write_bytes(path: Path, data: bytes, *, mode: int | None = None) -> None:
    """Write `data` so readers see the old or the new file, never a part: temp file, fsync, rename.

    `mode` is the exact permission of the file (the umask does not apply); None gives what a plain
    open() would (0o666 minus the umask).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = _open_temp(path.parent, path.name, mode)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            os.fsync(handle.fileno())
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


def private_mkdir(path: Path) -> Path:
    """Create `path` and its missing parents as private directories (0700); existing ones are left as they are."""
    missing: list[Path] = []
    current = Path(path)
    while not current.exists():
        missing.append(current)
        if current.parent == current:
            break
        current = current.parent
    for directory in reversed(missing):
        try:
            os.mkdir(directory, PRIVATE_DIR_MODE)
        except FileExistsError:
            if not directory.is_dir():
                raise
            continue
        # the umask can only have removed bits; set exactly 0700
        os.chmod(directory, PRIVATE_DIR_MODE)
    if not Path(path).is_dir():
        raise NotADirectoryError(f"{path} is not a directory")
    return Path(path)


def make_private(path: Path) -> None:
    """Restrict one existing directory to 0700 or file to 0600 (0700 if executable); symlinks are skipped."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return
    if stat.S_ISLNK(st.st_mode):
        return
    if stat.S_ISDIR(st.st_mode):
        wanted = PRIVATE_DIR_MODE
    else:
        wanted = 0o700 if st.st_mode & stat.S_IXUSR else PRIVATE_FILE_MODE
    if stat.S_IMODE(st.st_mode) != wanted:
        os.chmod(path, wanted)


def make_tree_private(root: Path) -> None:
    """make_private on `root` and everything under it (symlinks are not followed)."""
    make_private(root)
    for dirpath, dirnames, filenames in os.walk(root):
        base = Path(dirpath)
        for name in (*dirnames, *filenames):
            make_private(base / name)


def open_private(path: Path, mode: str = "a", encoding: str | None = "utf-8") -> IO[Any]:
    """Open a file for writing ('a' or 'w', text or binary) that is 0600, whether new or already there."""
    if mode.rstrip("b") not in ("a", "w"):
        raise ValueError(f"open_private writes only ('a' or 'w'), not {mode!r}")
    flags = os.O_WRONLY | os.O_CREAT | (os.O_APPEND if mode.startswith("a") else os.O_TRUNC)
    fd = os.open(path, flags, PRIVATE_FILE_MODE)
    try:
        os.fchmod(fd, PRIVATE_FILE_MODE)
        return os.fdopen(fd, mode, encoding=None if "b" in mode else encoding)
    except BaseException:
        os.close(fd)
        raise


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


def read_file_bytes(path: Path) -> bytes:
    """`path.read_bytes()` for files strands keeps under `.strands/`, except that it never blocks: a FIFO or a
    device planted there is an OSError (EINVAL, "not a regular file"), like any other file that cannot be read."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            return fh.read()
    finally:
        os.close(fd)
