"""Deterministic zip writing: same files in, same bytes out, on any machine, streamed."""

from __future__ import annotations

import base64
import hashlib
import stat
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from strands_tf.errors import Category, StrandsError

from .spec import PackagingError
from .tree import FileEntry, Tree

# The earliest time a zip header can hold; every entry gets it so mtimes never reach the bytes.
FIXED_DATE_TIME = (1980, 1, 1, 0, 0, 0)
FILE_MODE = 0o644
EXEC_MODE = 0o755
DIR_MODE = 0o755
_UNIX = 3  # "made by" system; zipfile would write 0 on Windows
_MSDOS_DIRECTORY = 0x10
_CHUNK = 1024 * 1024
# Files at least this large are sampled; stored uncompressed when deflate saves under 2 % on the sample.
_SAMPLE_THRESHOLD = 1024 * 1024
_SAMPLE_BYTES = 256 * 1024
_INCOMPRESSIBLE_RATIO = 0.98


@dataclass(frozen=True)
class ZipDigest:
    """What is known about a written zip."""

    sha256: str
    source_code_hash: str
    size: int
    unzipped_size: int


def digest_file(path: Path) -> tuple[str, str, int]:
    """Hex sha256, base64 sha256 (Lambda's CodeSha256 / Terraform's source_code_hash) and size."""
    with path.open("rb") as fh:
        h = hashlib.file_digest(fh, "sha256")
    raw = h.digest()
    return raw.hex(), base64.b64encode(raw).decode("ascii"), path.stat().st_size


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_DATE_TIME)
    info.create_system = _UNIX
    info.external_attr = mode << 16
    return info


def write_zip(tree: Tree, dest: Path) -> ZipDigest:
    """Write ``tree`` to ``dest``: sorted entries, fixed times and modes, deflate at the default level."""
    entries: list[tuple[str, FileEntry | None]] = [(d + "/", None) for d in tree.dirs]
    entries += [(f.arcname, f) for f in tree.files]
    entries.sort(key=lambda item: item[0])
    unzipped = 0
    with zipfile.ZipFile(dest, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, entry in entries:
            if entry is None:
                info = _info(name, stat.S_IFDIR | DIR_MODE)
                info.external_attr |= _MSDOS_DIRECTORY
                zf.writestr(info, b"", compress_type=zipfile.ZIP_STORED)
            else:
                unzipped += _write_file(zf, name, entry)
    sha, b64, size = digest_file(dest)
    return ZipDigest(sha256=sha, source_code_hash=b64, size=size, unzipped_size=unzipped)


def _stored_is_smaller(sample: bytes) -> bool:
    """Whether deflate gains (almost) nothing on this sample: true for media, model weights, archives."""
    packer = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -zlib.MAX_WBITS)
    packed = len(packer.compress(sample)) + len(packer.flush())
    return packed >= len(sample) * _INCOMPRESSIBLE_RATIO


def _write_file(zf: zipfile.ZipFile, name: str, entry: FileEntry) -> int:
    info = _info(name, stat.S_IFREG | (EXEC_MODE if entry.executable else FILE_MODE))
    # Known size up front: zipfile picks zip64 headers from it, so that choice depends on content only.
    info.file_size = entry.size
    try:
        src = entry.path.open("rb")
    except OSError as exc:
        raise _unreadable(entry, exc) from None
    with src:
        chunk = _read(src, entry)
        # Decided from the bytes alone, so still deterministic; deflating random data is slow and useless.
        large = entry.size >= _SAMPLE_THRESHOLD
        incompressible = large and _stored_is_smaller(chunk[:_SAMPLE_BYTES])
        info.compress_type = zipfile.ZIP_STORED if incompressible else zipfile.ZIP_DEFLATED
        with zf.open(info, "w") as out:
            while chunk:
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise StrandsError(
                        f"cannot write {zf.filename}: {exc.strerror or exc}",
                        hint="Free disk space or choose another output directory, then run again.",
                        category=Category.STATE,
                    ) from None
                chunk = _read(src, entry)
    return info.file_size


def _read(src: BinaryIO, entry: FileEntry) -> bytes:
    try:
        return src.read(_CHUNK)
    except OSError as exc:
        raise _unreadable(entry, exc) from None


def _unreadable(entry: FileEntry, exc: OSError) -> PackagingError:
    return PackagingError(
        f"cannot read {entry.path}: {exc.strerror or exc}",
        hint="Fix the file's permissions or add it to the agent's `exclude:` list in strands.yaml.",
    )
