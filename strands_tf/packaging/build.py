"""Build one agent's deployment artifacts: the code zip and the dependencies layer zip."""

from __future__ import annotations

import logging
import os
import secrets
import shutil
import time
from pathlib import Path

from strands_tf.errors import Category, StrandsError

from .layer import CachedLayer, layer_for
from .limits import check_unzipped, check_zipped, labelled
from .pip import PipRunner, SubprocessPipRunner
from .requirements import read_requirements
from .spec import AgentArtifacts, Artifact, PackageSpec, PackagingError, target_for, validate_name
from .tree import DEFAULT_EXCLUDES, PROTECTED_EXCLUDES, FileEntry, Tree, collect
from .zipper import ZipDigest, write_zip

log = logging.getLogger(__name__)

# Temp files in the output directory older than this come from a build that was killed.
STALE_TEMP_SECONDS = 3600.0


def code_zip_name(agent: str) -> str:
    """File name of an agent's code zip in the output directory."""
    return f"{agent}-code.zip"


def layer_zip_name(agent: str) -> str:
    """File name of an agent's dependencies layer zip in the output directory."""
    return f"{agent}-layer.zip"


def build_agent_artifacts(
    spec: PackageSpec, out_dir: Path, cache_dir: Path, *, pip: PipRunner | None = None
) -> AgentArtifacts:
    """Build the code zip and dependencies layer for ``spec`` into ``out_dir``, all or nothing."""
    validate_name(spec.name)
    # pip runs in the requirements file's directory: every path it is given must be absolute.
    out_dir, cache_dir = Path(os.path.abspath(out_dir)), Path(os.path.abspath(cache_dir))
    target = target_for(spec.name, spec.runtime, spec.architecture)
    requirements = (
        read_requirements(spec.name, spec.requirements_file, target, root=spec.project_root or spec.source_dir)
        if spec.requirements_file
        else None
    )
    tree = collect(
        spec.source_dir,
        spec.exclude,
        defaults=DEFAULT_EXCLUDES,
        protected=PROTECTED_EXCLUDES,
        gitignore_root=spec.project_root or spec.source_dir,
        skip=(out_dir, cache_dir),
        agent=spec.name,
    )
    tree = _with_extra_files(tree, spec)
    if not tree.files:
        raise PackagingError(
            f"agent {spec.name!r}: nothing to package in {spec.source_dir}",
            detail="Every file there is excluded (always: .env*, Terraform state and plans, .git, .strands; by "
            "default: caches, .venv, tests/, *.zip; and the .gitignore files) or the directory is empty.",
            hint="Point the agent at the directory that holds its code, or take files back with `exclude: "
            '["!pattern"]` for the agent in strands.yaml.',
        )
    code_items = labelled("code", tree.top_level_sizes())
    check_unzipped(spec.name, code_items, tree.total_size)

    layer: CachedLayer | None = None
    if requirements is not None and requirements.has_requirements:
        layer = layer_for(spec.name, requirements, target, cache_dir, pip or SubprocessPipRunner())
    if layer is not None:
        check_unzipped(
            spec.name,
            [*code_items, *labelled("layer", layer.top_level)],
            tree.total_size + layer.digest.unzipped_size,
        )

    out_dir.mkdir(parents=True, exist_ok=True)
    _remove_stale_temp_files(out_dir, spec.name)
    staged: list[tuple[Path, Path]] = []
    try:
        code_tmp = _temp_path(out_dir, code_zip_name(spec.name))
        staged.append((code_tmp, out_dir / code_zip_name(spec.name)))
        code_digest = write_zip(tree, code_tmp)
        check_zipped(spec.name, "code", code_digest.size)
        if layer is not None:
            check_zipped(spec.name, "layer", layer.digest.size)
            layer_tmp = _temp_path(out_dir, layer_zip_name(spec.name))
            staged.append((layer_tmp, out_dir / layer_zip_name(spec.name)))
            try:
                _link_or_copy(layer.path, layer_tmp)
            except FileNotFoundError:
                raise StrandsError(
                    f"agent {spec.name!r}: the cached layer {layer.path.name} was removed during the build",
                    hint="Another process pruned the packaging cache; run again.",
                    category=Category.CONFLICT,
                ) from None
        for tmp, final in staged:
            os.replace(tmp, final)
    finally:
        for tmp, _ in staged:
            tmp.unlink(missing_ok=True)

    code = _artifact(out_dir / code_zip_name(spec.name), code_digest)
    layer_artifact = _artifact(out_dir / layer_zip_name(spec.name), layer.digest) if layer else None
    if layer is None:
        # A layer left over from when the agent still had requirements would be stale.
        (out_dir / layer_zip_name(spec.name)).unlink(missing_ok=True)
    log.info(
        "packaged %s: code %d bytes%s",
        spec.name,
        code.size,
        f", layer {layer_artifact.size} bytes" if layer_artifact else "",
    )
    return AgentArtifacts(code=code, layer=layer_artifact)


def _with_extra_files(tree: Tree, spec: PackageSpec) -> Tree:
    """The tree plus the spec's extra files (a file of the same name in the agent's own tree wins)."""
    if not spec.extra_files:
        return tree
    present = {entry.arcname for entry in tree.files}
    added: list[FileEntry] = []
    for arcname, path in spec.extra_files:
        if arcname in present:
            log.info("agent %s has its own %s: it is packaged instead of strands' copy", spec.name, arcname)
            continue
        added.append(FileEntry(arcname=arcname, path=path, size=path.stat().st_size, executable=False))
    if not added:
        return tree
    files = tuple(sorted((*tree.files, *added), key=lambda entry: entry.arcname))
    return Tree(files=files, dirs=tree.dirs)


def _artifact(path: Path, digest: ZipDigest) -> Artifact:
    return Artifact(
        path=path,
        sha256=digest.sha256,
        source_code_hash=digest.source_code_hash,
        size=digest.size,
        unzipped_size=digest.unzipped_size,
    )


def _remove_stale_temp_files(out_dir: Path, agent: str) -> None:
    # A killed build leaves its temp file behind; one this old is not being written by anyone.
    cutoff = time.time() - STALE_TEMP_SECONDS
    prefixes = tuple(f".{name}." for name in (code_zip_name(agent), layer_zip_name(agent)))
    # one scandir, not a glob per name: every agent of a project shares this directory
    with os.scandir(out_dir) as entries:
        stale = [e.path for e in entries if e.name.startswith(prefixes) and e.name.endswith(".tmp")]
    for path in stale:
        try:
            if os.stat(path).st_mtime < cutoff:
                os.unlink(path)
        except FileNotFoundError:
            pass


def _temp_path(directory: Path, name: str) -> Path:
    # Not mkstemp: its files are private (0600); this one gets the mode any new file gets (umask).
    for _ in range(100):
        tmp = directory / f".{name}.{secrets.token_hex(8)}.tmp"
        try:
            os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
        except FileExistsError:
            continue
        return tmp
    raise FileExistsError(f"cannot create a temporary file in {directory}")


def _link_or_copy(src: Path, dest: Path) -> None:
    # A hard link shares the cache's bytes for free; the cache entry is never modified in place.
    dest.unlink(missing_ok=True)
    try:
        os.link(src, dest)
    except OSError:
        shutil.copyfile(src, dest)
