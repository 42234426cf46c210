"""The dependencies layer: pip for the Lambda platform, normalized, zipped, cached by requirements hash."""

from __future__ import annotations

import csv
import io
import json
import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from filelock import FileLock, Timeout

from strands_tf.errors import Category, StrandsError

from .limits import check_unzipped, labelled
from .pip import PipRunner, failure, install_args
from .requirements import PACKAGING_VERSION, Requirements
from .spec import Target
from .tree import collect
from .zipper import ZipDigest, digest_file, write_zip

log = logging.getLogger(__name__)

LAYER_PREFIX = "python"  # Lambda puts /opt/python on sys.path
LAYER_EXCLUDES: tuple[str, ...] = ("__pycache__", "*.pyc", "*.pyo")
CACHE_LOCK_TIMEOUT_SECONDS = 3600.0


@dataclass(frozen=True)
class CachedLayer:
    """A layer zip in the cache and what is known about it."""

    path: Path
    digest: ZipDigest
    top_level: tuple[tuple[str, int], ...]


def _entry_paths(cache_dir: Path, key: str) -> tuple[Path, Path, Path]:
    layers = cache_dir / "layers"
    return layers / f"{key}.zip", layers / f"{key}.json", layers / f"{key}.lock"


def _load(zip_path: Path, meta_path: Path) -> CachedLayer | None:
    """A complete, intact cache entry, or None (missing, torn, or corrupted on disk)."""
    try:
        meta = json.loads(meta_path.read_text())
        if meta.get("packaging") != PACKAGING_VERSION:
            return None
        sha, b64, size = digest_file(zip_path)
    except (OSError, ValueError):
        return None
    if sha != meta.get("sha256") or size != meta.get("size"):
        log.warning("layer cache entry %s does not match its metadata; rebuilding it", zip_path.name)
        return None
    digest = ZipDigest(sha256=sha, source_code_hash=b64, size=size, unzipped_size=meta["unzipped_size"])
    top = tuple((str(name), int(n)) for name, n in meta["top_level"])
    return CachedLayer(path=zip_path, digest=digest, top_level=top)


def _touch(meta_path: Path) -> None:
    # The metadata's mtime records the last use, which is what pruning goes by.
    try:
        os.utime(meta_path)
    except OSError:
        log.debug("cannot update the last-use time of %s", meta_path)


def prune_layer_cache(cache_dir: Path, *, unused_for: float) -> list[Path]:
    """Delete cached layers not used for ``unused_for`` seconds; entries locked by a build are kept."""
    layers = cache_dir / "layers"
    if not layers.is_dir():
        return []
    cutoff = time.time() - unused_for
    removed: list[Path] = []
    keys = {p.stem for p in layers.glob("*.zip")} | {p.stem for p in layers.glob("*.json")}
    for key in sorted(keys):
        zip_path, meta_path, lock_path = _entry_paths(cache_dir, key)
        last_use = max((p.stat().st_mtime for p in (zip_path, meta_path) if p.exists()), default=0.0)
        if last_use >= cutoff:
            continue
        try:
            # Lock files stay: removing one another process waits on would let two builders in.
            with FileLock(str(lock_path), timeout=0):
                for path in (meta_path, zip_path):
                    if path.exists():
                        path.unlink()
                        removed.append(path)
        except Timeout:
            log.info("layer cache entry %s is in use; keeping it", key)
    return removed


def _write_atomic(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def layer_for(
    agent: str, requirements: Requirements, target: Target, cache_dir: Path, pip: PipRunner
) -> CachedLayer | None:
    """The cached layer for these requirements, building it (under a lock) when it is not there yet."""
    zip_path, meta_path, lock_path = _entry_paths(cache_dir, requirements.digest)
    zip_path.parent.mkdir(parents=True, exist_ok=True)
    hit = _load(zip_path, meta_path)
    if hit is not None:
        _touch(meta_path)
        return hit
    try:
        with FileLock(str(lock_path), timeout=CACHE_LOCK_TIMEOUT_SECONDS):
            # Another thread or process may have built it while this one waited for the lock.
            hit = _load(zip_path, meta_path)
            if hit is not None:
                return hit
            _remove_orphans(zip_path)
            return _build(agent, requirements, target, zip_path, meta_path, pip)
    except Timeout:
        raise StrandsError(
            f"agent {agent!r}: another build has held the layer cache lock {lock_path} for "
            f"{CACHE_LOCK_TIMEOUT_SECONDS:.0f} s",
            hint="Wait for the other strands process to finish, or stop it and run again.",
            category=Category.CONFLICT,
        ) from None


def _work_prefix(zip_path: Path) -> str:
    return f".{zip_path.stem[:16]}-"


def _remove_orphans(zip_path: Path) -> None:
    """Delete work directories a killed build of this entry left behind; only the lock holder makes them."""
    for orphan in zip_path.parent.glob(_work_prefix(zip_path) + "*"):
        log.info("removing %s, left over from an interrupted layer build", orphan.name)
        shutil.rmtree(orphan, ignore_errors=True)


def _build(
    agent: str,
    requirements: Requirements,
    target: Target,
    zip_path: Path,
    meta_path: Path,
    pip: PipRunner,
) -> CachedLayer | None:
    with tempfile.TemporaryDirectory(dir=zip_path.parent, prefix=_work_prefix(zip_path)) as tmp:
        root = Path(tmp)
        site = root / LAYER_PREFIX
        site.mkdir()
        log.info("installing %s for %s into a layer", requirements.path, target.label)
        result = pip(install_args(target, requirements.path.resolve(), site), cwd=requirements.path.parent)
        if result.returncode != 0:
            raise failure(agent, requirements.path, target, result)
        normalize_site(site)
        tree = collect(root, LAYER_EXCLUDES, agent=agent)
        if not tree.files:
            log.warning("pip installed nothing from %s; the agent gets no layer", requirements.path)
            return None
        top = tree.top_level_sizes(depth=1)
        # Refuse before spending time on a zip that can never be deployed.
        check_unzipped(agent, labelled("layer", top), tree.total_size)
        staged = root / "layer.zip"
        digest = write_zip(tree, staged)
        os.replace(staged, zip_path)
        meta = {
            "packaging": PACKAGING_VERSION,
            "sha256": digest.sha256,
            "size": digest.size,
            "unzipped_size": digest.unzipped_size,
            "top_level": [list(item) for item in top],
            "python_version": target.python_version,
            "platforms": list(target.platforms),
        }
        _write_atomic(meta_path, json.dumps(meta, indent=2, sort_keys=True).encode())
        return CachedLayer(path=zip_path, digest=digest, top_level=tuple(top))


def normalize_site(site: Path) -> None:
    """Make pip's output machine-independent: no bytecode, scripts or local paths; sorted RECORDs."""
    for dirpath, dirnames, filenames in os.walk(site):
        for name in list(dirnames):
            if name == "__pycache__":
                shutil.rmtree(Path(dirpath) / name)
                dirnames.remove(name)
        for name in filenames:
            if name.endswith((".pyc", ".pyo")):
                (Path(dirpath) / name).unlink()
    # Console scripts carry this machine's interpreter in their shebang and are not on Lambda's PATH.
    scripts = site / "bin"
    if scripts.is_dir() and not scripts.is_symlink():
        shutil.rmtree(scripts)
    for dist_info in sorted(site.glob("*.dist-info")):
        # direct_url.json records where a wheel came from (absolute local paths for --find-links)
        (dist_info / "direct_url.json").unlink(missing_ok=True)
        record = dist_info / "RECORD"
        if record.is_file():
            _rewrite_record(site, record)


def _rewrite_record(site: Path, record: Path) -> None:
    rows = list(csv.reader(io.StringIO(record.read_text(encoding="utf-8"))))
    site_str = os.path.normpath(site)
    kept = []
    for row in rows:
        if not row:
            continue
        target = os.path.normpath(os.path.join(site_str, row[0]))
        inside = target.startswith(site_str + os.sep)
        if inside and os.path.lexists(target):
            kept.append(row)
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(sorted(kept, key=lambda r: r[0]))
    record.write_text(out.getvalue(), encoding="utf-8")
