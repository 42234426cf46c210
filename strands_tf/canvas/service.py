"""One project as the canvas edits it: snapshots, edits with revision checks, atomic writes, node positions."""

from __future__ import annotations

import codecs
import contextlib
import json
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.canvas.edits import EditPlan, EditRequest, plan_edits
from strands_tf.canvas.merge import merge_texts
from strands_tf.canvas.project_files import ProjectText, file_revision, is_project_file, read_project
from strands_tf.canvas.snapshot import build_snapshot
from strands_tf.canvas.yamledit import EditError
from strands_tf.deploy.workspace import Workspace, project_write
from strands_tf.errors import ConflictError, UserError
from strands_tf.fsutil import atomic_write_json, atomic_write_text
from strands_tf.inputfile import loads_json

MAX_POSITIONS = 20_000
CANVAS_FILE_VERSION = 1


class StaleRevision(ConflictError):
    """The files changed on disk since the revision an edit was made on."""


@dataclass
class WriteResult:
    """Files written by one request, and the snapshot after it."""

    written: list[str]
    snapshot: dict[str, Any]


def _write(path: Path, text: str) -> None:
    """Write a project file atomically, keeping its permissions and its byte-order mark (texts are read without it)."""
    mode = None
    bom = ""
    with contextlib.suppress(FileNotFoundError):
        mode = path.stat().st_mode & 0o777
        with path.open("rb") as existing:
            bom = "\ufeff" if existing.read(3) == codecs.BOM_UTF8 else ""
    with project_write(path):
        atomic_write_text(path, bom + text.removeprefix("\ufeff"), mode=mode)


class CanvasProject:
    """The project directory behind one canvas server."""

    def __init__(self, root: Path, environment: str | None = None) -> None:
        self.root = Path(root).resolve()
        self.workspace = Workspace(self.root)
        self.environment = environment
        # one writer at a time: an edit reads, checks the revision and writes under this lock
        self._lock = threading.Lock()
        self._last: tuple[Any, dict[str, Any]] | None = None  # (what it depended on, the snapshot)

    # ------------------------------------------------------------------ reading

    def read(self) -> ProjectText:
        """The files as they are on disk now."""
        return read_project(self.root)

    def snapshot(self, environment: str | None = None) -> dict[str, Any]:
        """The canvas's view of the project now (`environment` also becomes the default for later snapshots).

        The last snapshot is reused while nothing it depends on changed: the files, the environment, the
        existence of the agents' code (the loader checks it) and the process environment (`${env:...}`).
        A reload, a second page or the watcher's echo of an edit then costs a few stats, not a full load.
        """
        if environment is not None:
            self.environment = environment
        project = self.read()
        key = (project.revision, self.environment, _code_fingerprint(project), hash(frozenset(os.environ.items())))
        last = self._last
        if last is not None and last[0] == key:
            return {**last[1], "positions": self.positions()}
        snapshot = build_snapshot(project, self.environment, self.positions())
        self._last = (key, snapshot)
        return snapshot

    # ------------------------------------------------------------------ writing

    def apply(self, request: EditRequest) -> WriteResult:
        """Apply edit operations made on revision `request.base`; StaleRevision when the files moved on."""
        with self._lock:
            project = self.read()
            if request.base != project.revision:
                raise StaleRevision(
                    "the project's files changed since the canvas last read them",
                    hint="review the other change, then make the edit again",
                    data={"revision": project.revision},
                )
            plan = plan_edits(project, list(request.ops))
            written = self._write_plan(plan)
            self._move_positions(plan)
        return WriteResult(written, self.snapshot())

    def _write_plan(self, plan: EditPlan) -> list[str]:
        from strands_tf.scaffold import agent_files

        for agent, kind in plan.code.items():
            directory = ensure_within(self.root, f"agents/{agent}")
            if directory.exists():
                continue  # code the user already has is never overwritten
            for rel, content in agent_files(agent, kind).items():
                target = directory / rel
                with project_write(target):
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
        written = []
        # new fragments and strands.yaml last: a watcher never sees an agent whose files are not there yet
        for rel in sorted(plan.files, key=lambda r: r == "strands.yaml"):
            text = plan.files[rel]
            path = ensure_within(self.root, rel)  # a symlink is written through, never out of the project
            if text is None:
                with project_write(path):
                    path.unlink(missing_ok=True)
            else:
                _write(path, text)
            written.append(rel)
        return written

    def save_file(self, rel: str, text: str, base_revision: str) -> WriteResult:
        """Save a file edited in the YAML view; StaleRevision when it changed on disk since `base_revision`."""
        if not is_project_file(rel):
            raise UserError(f"'{rel}' is not a file the canvas edits", hint="strands.yaml or agents/<name>/agent.yaml")
        path = ensure_within(self.root, rel)
        with self._lock:
            current = _read_text(path)
            if file_revision(current) != base_revision:
                raise StaleRevision(
                    f"{rel} changed on disk since the canvas opened it",
                    hint="compare the two versions and choose, or merge them",
                    data={"file": rel, "revision": file_revision(current)},
                )
            if current != text:
                _write(path, text)
        return WriteResult([rel] if current != text else [], self.snapshot())

    def merge(self, rel: str, base_text: str, mine: str) -> dict[str, Any]:
        """Three-way merge of the canvas's version of a file with the one on disk (conflict markers)."""
        if not is_project_file(rel):
            raise UserError(f"'{rel}' is not a file the canvas edits")
        path = ensure_within(self.root, rel)
        theirs = _read_text(path) or ""
        result = merge_texts(base_text, mine, theirs, ours_label="canvas (yours)", theirs_label=f"{rel} on disk")
        return {
            "file": rel,
            "text": result.text,
            "conflicts": result.conflicts,
            "conflict_lines": result.conflict_lines,
            "disk_revision": file_revision(theirs if path.exists() else None),
        }

    # ------------------------------------------------------------------ positions (.strands/canvas.json)

    def positions(self) -> dict[str, Any]:
        """Node positions the user dragged, by node id (an unreadable file counts as none)."""
        try:
            raw = loads_json(self.workspace.canvas_file.read_text("utf-8"))
        except (FileNotFoundError, ValueError, OSError):
            return {}
        positions = raw.get("positions") if isinstance(raw, dict) else None
        return positions if isinstance(positions, dict) else {}

    def save_positions(self, positions: dict[str, Any], *, replace: bool = False) -> dict[str, Any]:
        """Merge (or replace) node positions into .strands/canvas.json; null removes a node's position."""
        clean: dict[str, dict[str, float] | None] = {}
        if len(positions) > MAX_POSITIONS:
            raise UserError(f"too many positions ({len(positions)}; at most {MAX_POSITIONS})")
        for node_id, value in positions.items():
            if not isinstance(node_id, str) or len(node_id) > 200:
                raise UserError("node ids are strings of at most 200 characters")
            if value is None:
                clean[node_id] = None
                continue
            if not isinstance(value, dict):
                raise UserError(f"position of {node_id}: expected {{x, y}}")
            x, y = value.get("x"), value.get("y")
            if not all(isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v) for v in (x, y)):
                raise UserError(f"position of {node_id}: x and y must be finite numbers")
            clean[node_id] = {"x": round(float(x), 1), "y": round(float(y), 1)}  # type: ignore[arg-type]
        with self._lock:
            current = {} if replace else self.positions()
            for node_id, value in clean.items():
                if value is None:
                    current.pop(node_id, None)
                else:
                    current[node_id] = value
            self._write_positions(current)
        return current

    def _move_positions(self, plan: EditPlan) -> None:
        if not plan.renamed_nodes and not plan.removed_nodes:
            return
        current = self.positions()
        changed = False
        for old, new in plan.renamed_nodes.items():
            if old in current:
                current[new] = current.pop(old)
                changed = True
        for node_id in plan.removed_nodes:
            changed = current.pop(node_id, None) is not None or changed
        if changed:
            self._write_positions(current)

    def _write_positions(self, positions: dict[str, Any]) -> None:
        with project_write(self.workspace.canvas_file):
            atomic_write_json(self.workspace.canvas_file, {"version": CANVAS_FILE_VERSION, "positions": positions})


def _code_fingerprint(project: ProjectText) -> tuple[tuple[str, int], ...]:
    """When the agents' directories (and their handler packages) last changed: a file created or removed there
    changes the directory's mtime, and the loader's checks (directory, handler module, requirements) with it."""
    agents = project.data.get("agents")
    out: list[tuple[str, int]] = []
    for name, body in (agents if isinstance(agents, dict) else {}).items():
        body = body if isinstance(body, dict) else {}
        path = body.get("path") if isinstance(body.get("path"), str) else f"agents/{name}"
        handler = body.get("handler") if isinstance(body.get("handler"), str) else ""
        package = handler.rsplit(".", 1)[0].split(".")[:-1]
        for rel in {path, os.path.join(path, *package)}:
            try:
                out.append((rel, os.stat(project.root / rel).st_mtime_ns))
            except (OSError, ValueError):
                out.append((rel, -1))
    return tuple(sorted(out))


def _read_text(path: Path) -> str | None:
    try:
        return path.read_bytes().decode("utf-8-sig", errors="replace")
    except FileNotFoundError:
        return None


def ensure_within(root: Path, rel: str) -> Path:
    """`root/rel`, refusing anything that resolves outside root (`..`, absolute paths, symlinks out)."""
    if not rel or "\x00" in rel or os.path.isabs(rel):
        raise UserError(f"'{rel}' is not a relative path inside the project")
    target = (root / rel).resolve()
    base = root.resolve()
    if target != base and base not in target.parents:
        raise UserError(f"'{rel}' points outside the project directory")
    return target


__all__ = ["CanvasProject", "EditError", "StaleRevision", "WriteResult", "ensure_within"]
