"""Content-addressed store of deployment assets: an agent zip or layer is kept once, whatever the deployments.

Every deployment keeps a copy of its synthesized stacks (`.strands/deployments/<id>/cdktf.out`) so resume and
rollback need no source tree. The agents' code zips and dependency layers are most of those bytes and rarely
change between applies: they are stored once under `.strands/objects/<2 hex>/<sha256>` and each deployment's
copy is a hard link to the stored object (a plain copy where the filesystem cannot link). Stored objects are
read-only for the owner (0400), so no deployment can change another's files; the store, like all of
`.strands/`, is private (0700 directories; a deployment's other files 0600). An object no deployment links to
any more (its link count is 1) is removed by :meth:`AssetStore.collect_garbage`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from strands_tf.fsutil import make_private, private_mkdir, sha256_file

log = logging.getLogger(__name__)

OBJECT_MODE = 0o400  # read-only for the owner: a link shares the bytes with every deployment


def is_asset(path: Path) -> bool:
    """Files the store keeps: everything under an `assets/` directory of a stack, and zip archives."""
    return "assets" in path.parts[:-1] or path.suffix == ".zip"


@dataclass
class CopyStats:
    """What a copy into a deployment cost: files linked to stored objects, and bytes actually written."""

    linked: int = 0
    copied: int = 0
    bytes_written: int = 0


class AssetStore:
    """`.strands/objects/`: one read-only file per distinct asset content."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, digest: str) -> Path:
        """Where the object with this sha256 lives."""
        return self.root / digest[:2] / digest

    def put(self, source: Path) -> Path:
        """Store the content of `source` (once); returns the object's path."""
        digest = sha256_file(source)
        target = self.path_of(digest)
        if target.is_file():
            return target
        private_mkdir(target.parent)
        fd, tmp = tempfile.mkstemp(prefix=f".{digest[:12]}.", suffix=".tmp", dir=target.parent)
        os.close(fd)
        try:
            shutil.copyfile(source, tmp)
            os.chmod(tmp, OBJECT_MODE)
            try:
                os.link(tmp, target)  # atomic: a concurrent writer of the same content finds it there
            except FileExistsError:
                pass
            except OSError:  # no hard links on this filesystem: a rename is atomic too
                os.replace(tmp, target)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
        return target

    def materialize(self, source: Path, destination: Path, stats: CopyStats | None = None) -> None:
        """Make `destination` hold the content of `source`: a hard link to the stored object, else a copy."""
        stored = self.put(source)
        private_mkdir(destination.parent)
        try:
            os.link(stored, destination)
            if stats is not None:
                stats.linked += 1
        except OSError as exc:  # another filesystem, or links not supported: a private copy
            log.debug("cannot link %s to %s (%s): copying", destination, stored, exc)
            shutil.copyfile(stored, destination)
            os.chmod(destination, 0o600)
            if stats is not None:
                stats.copied += 1
                stats.bytes_written += destination.stat().st_size

    def copy_tree(
        self, source: Path, destination: Path, *, ignore: Callable[[str, list[str]], set[str]] | None = None
    ) -> CopyStats:
        """`shutil.copytree`, with assets linked to stored objects instead of copied; the copy is private
        (directories 0700, other files 0600 or 0700 if executable; stored objects stay 0400)."""
        stats = CopyStats()

        def copy(src: str, dst: str) -> str:
            path = Path(src)
            if is_asset(path.relative_to(source)):
                self.materialize(path, Path(dst), stats)
            else:
                shutil.copy2(src, dst)
                make_private(Path(dst))
                stats.copied += 1
                stats.bytes_written += path.stat().st_size
            return dst

        shutil.copytree(source, destination, ignore=ignore, copy_function=copy)
        # copytree gives each directory its source's mode at the end
        for directory, _dirs, _files in os.walk(destination):
            make_private(Path(directory))
        return stats

    def collect_garbage(self) -> int:
        """Remove objects no deployment links to any more; returns the bytes freed."""
        if not self.root.is_dir():
            return 0
        freed = 0
        for folder in self.root.iterdir():
            if not folder.is_dir():
                continue
            for obj in folder.iterdir():
                try:
                    info = obj.stat()
                except FileNotFoundError:
                    continue
                if obj.name.startswith(".") or info.st_nlink > 1:
                    continue
                with contextlib.suppress(FileNotFoundError):
                    obj.unlink()
                    freed += info.st_size
            with contextlib.suppress(OSError):
                folder.rmdir()  # only when empty
        return freed
