"""Reading a requirements file for packaging: is it empty, and what is its content-based cache key."""

from __future__ import annotations

import hashlib
import json
import os
import shlex
from dataclasses import dataclass
from pathlib import Path

from strands_tf.inputfile import MAX_CONFIG_BYTES, InputFileError, read_input

from .spec import PackagingError, Target

# Part of every cache key: bump it whenever the layer's layout or normalization changes.
PACKAGING_VERSION = "1"

_INCLUDE_OPTIONS = {"-r", "--requirement", "-c", "--constraint"}
_FIND_LINKS_OPTIONS = {"-f", "--find-links"}
_MAX_INCLUDE_DEPTH = 20


@dataclass(frozen=True)
class Requirements:
    """A requirements file with its nested includes and local wheels, hashed."""

    path: Path
    has_requirements: bool
    digest: str


def _strip_comment(line: str) -> str:
    # pip treats '#' as a comment only at the start or after whitespace (URLs may contain '#')
    if line.lstrip().startswith("#"):
        return ""
    for marker in (" #", "\t#"):
        idx = line.find(marker)
        if idx >= 0:
            line = line[:idx]
    return line.strip()


def _option_value(tokens: list[str], options: set[str]) -> str | None:
    head = tokens[0]
    if head in options and len(tokens) > 1:
        return tokens[1]
    for option in options:
        if option.startswith("--") and head.startswith(option + "="):
            return head.split("=", 1)[1]
        if not option.startswith("--") and head.startswith(option) and len(head) > len(option):
            return head[len(option) :]
    return None


def _is_local(ref: str) -> bool:
    return "://" not in ref or ref.startswith("file:")


def _local_path(base: Path, ref: str) -> Path:
    ref = ref.removeprefix("file://").removeprefix("file:")
    return (base / ref).resolve()


def _hash_file(h: hashlib._Hash, path: Path) -> None:
    with path.open("rb") as fh:
        h.update(hashlib.file_digest(fh, "sha256").digest())


def read_requirements(agent: str, path: Path, target: Target, *, root: Path | None = None) -> Requirements:
    """Hash the file, what it includes and the local wheels it names, with runtime, arch and tool version.

    Every file or directory it names (``-r``/``-c`` includes, ``-f`` folders, local paths and ``file:`` URLs)
    must lie inside ``root`` (the project; default: the requirements file's directory): a requirements file is
    project input like strands.yaml, and pip quotes what it reads in its errors (``-r /proc/self/environ``
    would print the environment's credentials).
    """
    if path.is_dir() or not os.path.lexists(path):  # anything else is read (and judged) by read_input
        raise PackagingError(
            f"agent {agent!r}: requirements file {path} "
            + ("is a directory, not a file" if path.is_dir() else "does not exist"),
            hint="Create the file, fix its path in the agent's configuration, or remove the setting.",
            data={"agent": agent, "requirements": str(path)},
        )
    h = hashlib.sha256()
    h.update(
        json.dumps(
            {
                "packaging": PACKAGING_VERSION,
                "python": target.python_version,
                "machine": target.machine,
                "platforms": list(target.platforms),
            },
            sort_keys=True,
        ).encode()
    )
    boundary = (root or path.parent).resolve()
    _check_inside(agent, path, str(path), path.resolve(), boundary)
    found = _walk(agent, path, h, set(), 0, boundary)
    return Requirements(path=path.absolute(), has_requirements=found, digest=h.hexdigest())


def _check_inside(agent: str, source: Path, ref: str, target: Path, boundary: Path) -> None:
    if target != boundary and not target.is_relative_to(boundary):
        raise PackagingError(
            f"agent {agent!r}: {source} names {ref}, which is outside the project ({boundary})",
            hint="Requirements files may name only files inside the project: copy it into the project, or "
            "name the package by version from the package index.",
            data={"agent": agent, "requirements": str(source), "reference": ref},
        )


def _local_ref(tokens: list[str]) -> str | None:
    """The local path or ``file:`` URL a requirement line installs from, if it names one."""
    line = " ".join(tokens)
    if "@" in line:  # a direct reference: name @ url
        url = line.split("@", 1)[1].split(";", 1)[0].strip()
        return url if url.startswith("file:") else None
    head = tokens[0].split(";", 1)[0]
    if head.startswith("file:"):
        return head
    if "://" in head:
        return None
    if head.startswith(("/", ".", "~")) or "/" in head or "\\" in head or head.endswith((".whl", ".zip", ".tar.gz")):
        return head
    return None


def _walk(agent: str, path: Path, h: hashlib._Hash, seen: set[Path], depth: int, boundary: Path) -> bool:
    real = path.resolve()
    if real in seen or depth > _MAX_INCLUDE_DEPTH:
        return False
    seen.add(real)
    try:
        # a requirements file (or one it includes with -r) is user input: regular files only, bounded
        text = read_input(path, MAX_CONFIG_BYTES).decode("utf-8-sig")
    except InputFileError as exc:
        raise PackagingError(
            f"agent {agent!r}: cannot read requirements file {path}: {exc.problem}",
            hint=exc.hint or "Check the path and its permissions.",
        ) from None
    except UnicodeDecodeError as exc:
        raise PackagingError(
            f"agent {agent!r}: cannot read requirements file {path}: {exc}",
            hint="Save it as UTF-8 text.",
        ) from None
    # The same file checked out with CRLF line endings must give the same key.
    text = text.replace("\r\n", "\n").replace("\\\n", "")
    h.update(b"\0file\0" + text.encode())
    found = False
    for raw in text.split("\n"):
        line = _strip_comment(raw)
        if not line:
            continue
        try:
            tokens = shlex.split(line)
        except ValueError:
            tokens = line.split()
        if not tokens:
            continue
        include = _option_value(tokens, _INCLUDE_OPTIONS)
        if include is not None:
            nested = _local_path(path.parent, include)
            if nested.is_dir() or not os.path.lexists(nested):
                raise PackagingError(
                    f"agent {agent!r}: {path} includes {include}, which does not exist",
                    hint="Fix the -r/-c line or create the file.",
                )
            _check_inside(agent, path, include, nested, boundary)
            found = _walk(agent, nested, h, seen, depth + 1, boundary) or found
            continue
        links = _option_value(tokens, _FIND_LINKS_OPTIONS)
        if links is not None:
            if _is_local(links):
                folder = _local_path(path.parent, links)
                _check_inside(agent, path, links, folder, boundary)
                if folder.is_dir():
                    for wheel in sorted(folder.iterdir()):
                        if wheel.is_file():
                            h.update(b"\0link\0" + wheel.name.encode())
                            _hash_file(h, wheel)
            continue
        if tokens[0] in {"-e", "--editable"} or tokens[0].startswith(("-e", "--editable=")):
            raise PackagingError(
                f"agent {agent!r}: {path} has an editable requirement ({line})",
                hint="A Lambda layer holds installed wheels, not links to a source tree: name the package "
                "by version, or put its code in the agent's directory.",
                data={"agent": agent, "requirements": str(path)},
            )
        if tokens[0].startswith("-"):
            continue
        found = True
        local = _local_ref(tokens)
        if local is not None:
            target = _local_path(path.parent, os.path.expanduser(local) if local.startswith("~") else local)
            _check_inside(agent, path, local, target, boundary)
            if target.suffix == ".whl" and target.is_file():
                _hash_file(h, target)
    return found
