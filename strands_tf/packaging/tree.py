"""Walk a source tree into a sorted list of files to zip: excludes, safe symlinks, stable names."""

from __future__ import annotations

import logging
import os
import stat
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .ignore import Excluder
from .spec import PackagingError

log = logging.getLogger(__name__)

# Never part of a deployed agent, whatever the patterns say: secrets, Terraform state and plans, strands'
# and git's own data. `exclude: ["!.env"]` cannot take them back.
PROTECTED_EXCLUDES: tuple[str, ...] = (
    # local secrets for `strands dev` and direnv; deployed agents get configuration from the environment
    ".env*",
    "*.tfstate*",
    "*.tfplan",
    ".terraform/",
    ".strands/",
    ".git/",
)

# Left out unless `exclude:` takes them back (`!tests/`): caches, virtualenvs, tests, tool output.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    "__pycache__",
    "*.pyc",
    "*.pyo",
    ".venv",
    ".hg",
    ".svn",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".tox",
    ".nox",
    "tests/",
    "cdktf.out",
    "*.zip",
    ".DS_Store",
)


@dataclass(frozen=True)
class FileEntry:
    """One regular file: its name in the zip and where its bytes are read from."""

    arcname: str
    path: Path
    size: int
    executable: bool


@dataclass(frozen=True)
class Tree:
    """Files and directories to zip, sorted by name in the archive."""

    files: tuple[FileEntry, ...]
    dirs: tuple[str, ...]

    @property
    def total_size(self) -> int:
        return sum(f.size for f in self.files)

    def top_level_sizes(self, depth: int = 0) -> list[tuple[str, int]]:
        """Sizes summed per top-level entry (``depth`` path parts skipped first, e.g. ``python/``)."""
        sizes: dict[str, int] = {}
        for f in self.files:
            parts = f.arcname.split("/")
            key = "/".join(parts[: depth + 1])
            if len(parts) > depth + 1:
                key += "/"
            sizes[key] = sizes.get(key, 0) + f.size
        return sorted(sizes.items(), key=lambda item: (-item[1], item[0]))


def _arcname(parts: Sequence[str]) -> str:
    # macOS hands out NFD names, Linux keeps what was written: one form makes the zip machine-independent.
    name = unicodedata.normalize("NFC", "/".join(parts))
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        raise PackagingError(
            f"file name {os.fsdecode(os.fsencode(name))!r} is not valid UTF-8",
            hint="Rename the file; Lambda zips need UTF-8 names.",
        ) from None
    return name


def _within(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


def collect(
    root: Path,
    excludes: Sequence[str] = (),
    *,
    defaults: Sequence[str] = (),
    protected: Sequence[str] = (),
    gitignore_root: Path | None = None,
    prefix: str = "",
    skip: Iterable[Path] = (),
    agent: str = "",
) -> Tree:
    """List the files under ``root`` to package, never following a symlink out of ``root``.

    What stays out is decided by :class:`~strands_tf.packaging.ignore.Excluder`: ``protected`` always,
    then ``defaults``, the `.gitignore` files (read only with ``gitignore_root``) and ``excludes``.
    """
    try:
        real_root = root.resolve(strict=True)
    except OSError:
        raise PackagingError(
            f"agent {agent!r}: source directory {root} does not exist",
            hint="Create it or fix the agent's code path.",
        ) from None
    if not real_root.is_dir():
        raise PackagingError(f"agent {agent!r}: source path {root} is not a directory")
    excluder = Excluder.build(
        real_root, defaults=defaults, excludes=excludes, protected=protected, gitignore_root=gitignore_root
    )
    skipped = {p.resolve() for p in skip if p.exists()}
    prefix_parts = tuple(p for p in prefix.split("/") if p)
    files: list[FileEntry] = []

    # (directory to read, its parts in the archive, real directories on the way down for loop detection)
    stack: list[tuple[Path, tuple[str, ...], frozenset[Path]]] = [(real_root, (), frozenset({real_root}))]
    while stack:
        directory, rel_parts, chain = stack.pop()
        excluder.enter(directory, "/".join(rel_parts))
        try:
            entries = sorted(os.scandir(directory), key=lambda e: e.name)
        except OSError as exc:
            raise PackagingError(
                f"agent {agent!r}: cannot read directory {directory}: {exc.strerror}",
                hint="Fix its permissions or add it to the agent's `exclude:` list in strands.yaml.",
            ) from None
        for entry in entries:
            parts = (*rel_parts, entry.name)
            relpath = "/".join(parts)
            is_link = entry.is_symlink()
            is_dir = entry.is_dir(follow_symlinks=True)
            if excluder.excluded(relpath, entry.name, is_dir):
                continue
            display = root / relpath
            if is_link:
                try:
                    real = Path(os.path.realpath(entry.path, strict=True))
                except OSError:
                    raise PackagingError(
                        f"agent {agent!r}: symlink {display} points to {os.readlink(entry.path)!r}, "
                        "which does not exist",
                        hint="Remove the link, fix its target, or add it to the agent's `exclude:` list in "
                        "strands.yaml.",
                    ) from None
                if not _within(real, real_root):
                    raise PackagingError(
                        f"agent {agent!r}: symlink {display} points outside the agent directory (to {real})",
                        detail="Links are only followed inside the source directory, so a package never "
                        "picks up files from elsewhere on the machine.",
                        hint="Copy the file into the agent directory, or add the link to the agent's `exclude:` "
                        "list in strands.yaml.",
                    )
            else:
                real = Path(entry.path)
            if real in skipped:
                continue
            try:
                st = real.stat()
            except OSError as exc:
                raise PackagingError(
                    f"agent {agent!r}: cannot read {display}: {exc.strerror or exc}",
                    hint="Fix its permissions or add it to the agent's `exclude:` list in strands.yaml.",
                ) from None
            if stat.S_ISDIR(st.st_mode):
                if real in chain:
                    raise PackagingError(
                        f"agent {agent!r}: symlink {display} loops back to {real}",
                        hint="Remove the link or add it to the agent's `exclude:` list in strands.yaml.",
                    )
                stack.append((real, parts, chain | {real}))
            elif stat.S_ISREG(st.st_mode):
                files.append(
                    FileEntry(
                        arcname=_arcname((*prefix_parts, *parts)),
                        path=real,
                        size=st.st_size,
                        executable=bool(st.st_mode & 0o111),
                    )
                )
            else:
                log.warning("skipping %s: not a regular file or directory", display)

    # Directories are implied by the files they hold; an empty one is left out (git does not track them).
    kept_dirs: set[str] = set()
    for f in files:
        parts = f.arcname.split("/")[:-1]
        for i in range(1, len(parts) + 1):
            kept_dirs.add("/".join(parts[:i]))
    counts = Counter(f.arcname for f in files)
    if len(counts) != len(files):
        dupes = sorted(name for name, count in counts.items() if count > 1)
        raise PackagingError(
            f"agent {agent!r}: several files map to the same name in the zip: {', '.join(dupes[:5])}",
            hint="Rename files whose names differ only in Unicode normalization.",
        )
    return Tree(files=tuple(sorted(files, key=lambda f: f.arcname)), dirs=tuple(sorted(kept_dirs)))
