"""The synthesized stacks as one deterministic tar.gz, without Terraform's working files or any state."""

from __future__ import annotations

import fnmatch
import gzip
import io
import os
import shutil
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from strands_tf.errors import StateError
from strands_tf.fsutil import PRIVATE_FILE_MODE, open_private, private_mkdir
from strands_tf.history.redact import Redactor

# Never archived: Terraform's data dir, state (may hold secrets), plan files (hold secrets), lock info.
EXCLUDED_DIRS = frozenset({".terraform"})
EXCLUDED_FILES = ("*.tfstate", "*.tfstate.*", "*.tfplan", ".terraform.tfstate.lock.info", "*.tmp")


@dataclass
class ArchiveResult:
    """What went into the archive."""

    files: int = 0
    redactions: dict[str, int] = field(default_factory=dict)


def _excluded(name: str) -> bool:
    return any(fnmatch.fnmatch(name, pattern) for pattern in EXCLUDED_FILES)


def _walk(root: Path) -> list[Path]:
    found: list[Path] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in EXCLUDED_DIRS)
        base = Path(dirpath)
        for name in filenames:
            path = base / name
            if not _excluded(name) and path.is_file() and not path.is_symlink():
                found.append(path)
    return sorted(found, key=lambda p: p.relative_to(root).as_posix())


def write_stacks_archive(source: Path, target: Path, redactor: Redactor) -> ArchiveResult:
    """Write `source` (a cdktf.out directory) to `target` as `cdktf.out/...` members, byte-identical each time.

    Members are sorted, with zero times and owners and normalized modes; text files pass through the
    redactor (zips and other binaries are kept as they are).
    """
    if not (source / "manifest.json").is_file():
        raise StateError(f"{source} has no manifest.json: not a synthesized stacks directory")
    result = ArchiveResult()
    private_mkdir(target.parent)
    with (
        open_private(target, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        for path in _walk(source):
            rel = path.relative_to(source).as_posix()
            data = path.read_bytes()
            if redactor.active:
                data, count = redactor.data(data)
                if count:
                    result.redactions[rel] = count
            info = tarfile.TarInfo(f"cdktf.out/{rel}")
            info.size = len(data)
            info.mtime = 0
            info.mode = 0o755 if os.access(path, os.X_OK) else 0o644
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            tar.addfile(info, io.BytesIO(data))
            result.files += 1
    return result


def extract_stacks_archive(archive: Path, destination: Path) -> Path:
    """Unpack a stacks archive into `destination` (the cdktf.out directory), refusing unsafe members."""
    staging = destination.parent / f".{destination.name}.unpacking"
    if staging.exists():
        shutil.rmtree(staging)
    private_mkdir(staging)
    try:
        with tarfile.open(archive, mode="r:gz") as tar:
            for member in tar:
                name = PurePosixPath(member.name)
                if name.is_absolute() or ".." in name.parts or not name.parts or name.parts[0] != "cdktf.out":
                    raise StateError(
                        f"{archive}: unsafe member {member.name!r}",
                        hint="the record may be damaged; run `strands history verify`",
                    )
                if member.isdir():
                    continue
                if not member.isfile():
                    raise StateError(f"{archive}: member {member.name!r} is not a regular file")
                out = staging.joinpath(*name.parts[1:])
                private_mkdir(out.parent)
                fh = tar.extractfile(member)
                assert fh is not None  # regular file
                # unpacked under .strands/: private, like the stacks a deployment copies
                with open_private(out, "wb") as dst:
                    while chunk := fh.read(1 << 20):
                        dst.write(chunk)
                    os.fchmod(dst.fileno(), 0o700 if member.mode & 0o111 else PRIVATE_FILE_MODE)
    except (tarfile.TarError, EOFError, OSError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise StateError(
            f"{archive}: cannot unpack the stacks archive: {exc}",
            hint="the record may be damaged; run `strands history verify`",
        ) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if destination.exists():
        shutil.rmtree(destination)
    os.replace(staging, destination)
    return destination
