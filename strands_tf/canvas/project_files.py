"""The YAML files the canvas shows and edits: strands.yaml and agents/*/agent.yaml, as written (no interpolation).

The merged document mirrors what the config loader builds (fragments mounted under `agents`), but
values stay exactly as written: `${env:API_KEY}` is shown and edited as that text, never its value.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from strands_tf.canvas.yamledit import load_plain
from strands_tf.config.loader import CONFIG_FILENAME, FRAGMENT_GLOB
from strands_tf.config.yaml_source import MAX_CONFIG_BYTES, SourceMap, parse_yaml
from strands_tf.errors import UserError

NAME_RE = re.compile(r"^[a-z][a-z0-9_-]*$")
_FRAGMENT_RE = re.compile(r"^agents/([^/]+)/agent\.yaml$")


class _AnyEnv(Mapping[str, str]):
    """Every variable "set" to its own reference: positions are read without interpolation problems."""

    def __getitem__(self, key: str) -> str:
        return "${env:" + key + "}"

    def __contains__(self, key: object) -> bool:
        return True

    def __iter__(self) -> Iterator[str]:
        return iter(())

    def __len__(self) -> int:
        return 0



def config_started(text: str | None) -> bool:
    """Whether strands.yaml has anything in it: a missing, empty or blank file starts from a template."""
    return text is not None and text.lstrip("\ufeff").strip() != ""

def file_revision(text: str | None) -> str:
    """Short content hash of one file (None: the file does not exist)."""
    if text is None:
        return "absent"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def is_project_file(rel: str) -> bool:
    """Whether a relative path names a file the canvas may write: strands.yaml or agents/<name>/agent.yaml."""
    if rel == CONFIG_FILENAME:
        return True
    match = _FRAGMENT_RE.match(rel)
    return bool(match and NAME_RE.match(match.group(1)))


@dataclass
class ProjectText:
    """The project's YAML files as written, merged the way the loader merges them."""

    root: Path
    files: dict[str, str]  # rel -> text ("strands.yaml" first, fragments sorted)
    data: dict[str, Any]  # merged document (agents from fragments mounted under agents)
    origins: dict[str, str] = field(default_factory=dict)  # agent name -> rel of the file defining it
    parse_errors: dict[str, str] = field(default_factory=dict)  # rel -> why its data is unusable
    _sources: dict[str, SourceMap] | None = field(default=None, repr=False)

    @property
    def sources(self) -> dict[str, SourceMap]:
        """Line and column of every value, per file (built on first use: edits never need it)."""
        if self._sources is None:
            env = _AnyEnv()
            self._sources = {rel: parse_yaml(text.encode("utf-8"), rel, env).source for rel, text in self.files.items()}
        return self._sources

    def use_sources(self, sources: dict[str, SourceMap]) -> None:
        """Line maps already made for these very files (by the config loader)."""
        if self._sources is None:
            self._sources = sources

    @property
    def revision(self) -> str:
        """One hash over every file: what an edit's `base` must match."""
        digest = hashlib.sha256()
        for rel in sorted(self.files):
            digest.update(rel.encode() + b"\0" + self.files[rel].encode("utf-8") + b"\0")
        return digest.hexdigest()[:16]

    def fragment_of(self, agent: str) -> str | None:
        """The fragment file defining an agent, or None when it is in strands.yaml."""
        origin = self.origins.get(agent)
        return origin if origin and origin != CONFIG_FILENAME else None

    def route(self, path: tuple[str | int, ...]) -> tuple[str, tuple[str | int, ...]]:
        """Which file holds a path of the merged document, and the path inside that file."""
        if len(path) >= 3 and path[0] == "agents" and isinstance(path[1], str):
            fragment = self.fragment_of(path[1])
            if fragment is not None:
                return fragment, tuple(path[2:])
        return CONFIG_FILENAME, tuple(path)

    def locate(self, path: tuple[str | int, ...], *, key: bool = True) -> tuple[str, int | None]:
        """File and line of a path of the merged document (the nearest known ancestor)."""
        if len(path) >= 2 and path[0] == "agents" and isinstance(path[1], str):
            fragment = self.fragment_of(path[1])
            if fragment is not None:
                source = self.sources.get(fragment)
                if source is None:
                    return fragment, None
                inner = tuple(path[2:])
                line, _col = source.position(inner, key=key) if inner else (1, 1)
                return fragment, line
        source = self.sources.get(CONFIG_FILENAME)
        if source is None:
            return CONFIG_FILENAME, None
        line, _col = source.position(path, key=key)
        return CONFIG_FILENAME, line


def _read(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise UserError(f"cannot read {path}: {exc.strerror}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise UserError(f"{path} is larger than {MAX_CONFIG_BYTES // (1024 * 1024)} MB; the canvas does not open it")
    return raw.decode("utf-8-sig", errors="replace")


def _outside(root: Path, path: Path) -> bool:
    """Whether a path (symlinks followed) leaves the project directory."""
    target = path.resolve()
    return target != root and root not in target.parents


def read_project(root: Path) -> ProjectText:
    """Read strands.yaml and the fragments of a project directory (a missing strands.yaml is an empty project).

    Files that are symlinks into the project are read (and later written) through the link; a file that links
    out of the project is never opened: the canvas neither shows nor writes anything outside the directory.
    """
    root = root.resolve()
    files: dict[str, str] = {}
    outside: dict[str, str] = {}
    main_path = root / CONFIG_FILENAME
    if _outside(root, main_path):
        raise UserError(
            f"{CONFIG_FILENAME} links to {main_path.resolve()}, outside the project; the canvas does not open it",
            hint="open the canvas in the directory that holds the file",
        )
    main = _read(main_path)
    if main is not None:
        files[CONFIG_FILENAME] = main
    for fragment in sorted(root.glob(FRAGMENT_GLOB)):
        rel = fragment.relative_to(root).as_posix()
        if not is_project_file(rel):
            continue
        if _outside(root, fragment):
            outside[rel] = "the file links outside the project; the canvas does not open it"
            continue
        text = _read(fragment)
        if text is not None:
            files[rel] = text
    project = merge_files(root, files)
    project.parse_errors.update(outside)
    return project


def merge_files(root: Path, files: dict[str, str]) -> ProjectText:
    """The merged document of a set of file texts (tolerant: unreadable files are noted, not raised)."""
    project = ProjectText(root, dict(files), {})
    main = files.get(CONFIG_FILENAME)
    data: dict[str, Any] = {}
    if main is not None:
        try:
            loaded = load_plain(main)
        except (yaml.YAMLError, UserError) as exc:
            project.parse_errors[CONFIG_FILENAME] = str(exc)
            loaded = None
        if isinstance(loaded, dict):
            data = dict(loaded)
        elif loaded is not None:
            project.parse_errors[CONFIG_FILENAME] = "the file is not a mapping"
    agents = data.get("agents")
    if agents is None:
        agents = {}
    if isinstance(agents, dict):
        agents = dict(agents)
        for name in agents:
            project.origins[str(name)] = CONFIG_FILENAME
    for rel, text in files.items():
        if rel == CONFIG_FILENAME:
            continue
        try:
            body = load_plain(text)
        except (yaml.YAMLError, UserError) as exc:
            project.parse_errors[rel] = str(exc)
            continue
        if body is None:
            body = {}
        if not isinstance(body, dict) or not isinstance(agents, dict):
            project.parse_errors[rel] = "an agent fragment must be a mapping of agent settings"
            continue
        body = dict(body)
        name = body.pop("name", None) or rel.split("/")[1]
        if not isinstance(name, str) or name in agents:
            continue  # the loader reports both problems
        body.setdefault("path", os.path.dirname(rel))
        agents[name] = body
        project.origins[name] = rel
    if isinstance(agents, dict) and (agents or "agents" in data):
        data["agents"] = agents
    project.data = data
    return project
