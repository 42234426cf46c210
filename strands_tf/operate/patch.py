"""A proposed change to strands.yaml (and agents/*/agent.yaml): made, checked by the loader, shown, then written.

Reconcile (accepting drift) and analyze (a fix) propose changes the same way: as operations on the merged
document (`set agents.support.memory 1024`, `remove resource inbox`), turned into line-minimal edits of
the file that holds each part by the round-trip YAML editor the canvas uses (comments, order and quoting
kept). Before anyone sees the diff, the changed files are loaded by the real loader and resolved for
every environment, in a scratch copy of the project; nothing in the project is touched until `write`.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from strands_tf.errors import ConflictError, UserError
from strands_tf.fsutil import atomic_write_text


@dataclass(frozen=True)
class PatchOp:
    """One change to the merged document: `set` a value, `delete` a key or item, `remove` an agent or resource."""

    op: str  # "set" | "delete" | "remove"
    path: tuple[str | int, ...] = ()
    value: Any = None
    kind: str | None = None  # remove: "agent" | "resource"
    name: str | None = None  # remove: the element's name

    def describe(self) -> str:
        """`set agents.support.memory = 1024`."""
        where = ".".join(str(p) for p in self.path)
        if self.op == "set":
            return f"set {where} = {self.value!r}"
        if self.op == "delete":
            return f"delete {where}"
        return f"remove {self.kind} {self.name} (and every reference to it)"

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {"op": self.op}
        if self.op == "remove":
            out.update(kind=self.kind, name=self.name)
        else:
            out["path"] = list(self.path)
            if self.op == "set":
                out["value"] = self.value
        return out


@dataclass
class ConfigPatch:
    """New texts of the project's configuration files, next to the texts they were made from."""

    root: Path
    before: dict[str, str | None] = field(default_factory=dict)  # rel -> text it was made from (None: new file)
    after: dict[str, str | None] = field(default_factory=dict)  # rel -> new text (None: delete the file)
    ops: list[PatchOp] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return all(self.before.get(rel) == text for rel, text in self.after.items())

    def diff(self) -> str:
        """A unified diff of every changed file (`a/strands.yaml` → `b/strands.yaml`)."""
        chunks: list[str] = []
        for rel in sorted(self.after):
            old, new = self.before.get(rel), self.after[rel]
            if old == new:
                continue
            chunks.extend(
                difflib.unified_diff(
                    (old or "").splitlines(keepends=True),
                    (new or "").splitlines(keepends=True),
                    fromfile=f"a/{rel}" if old is not None else "/dev/null",
                    tofile=f"b/{rel}" if new is not None else "/dev/null",
                )
            )
        return "".join(line if line.endswith("\n") else line + "\n" for line in chunks)

    def to_json(self) -> dict[str, Any]:
        """JSON form: the operations, the files they change and the diff."""
        return {
            "operations": [op.to_json() for op in self.ops],
            "files": sorted(rel for rel, text in self.after.items() if self.before.get(rel) != text),
            "diff": self.diff(),
        }


def plan_patch(root: Path, ops: Sequence[PatchOp]) -> ConfigPatch:
    """The file texts `ops` produce, through the round-trip editor (EditError when an operation does not fit)."""
    from strands_tf.canvas.edits import DeleteOp, RemoveOp, SetOp, plan_edits
    from strands_tf.canvas.project_files import read_project

    project = read_project(root)
    if project.parse_errors:
        rel, reason = next(iter(project.parse_errors.items()))
        raise UserError(f"{rel} cannot be edited: {reason}", hint="fix the file (`strands validate`) and run again")
    edits: list[Any] = []
    for op in ops:
        if op.op == "set":
            edits.append(SetOp(op="set", path=list(op.path), value=op.value))
        elif op.op == "delete":
            edits.append(DeleteOp(op="delete", path=list(op.path)))
        elif op.op == "remove":
            edits.append(RemoveOp(op="remove", kind=op.kind, name=op.name))  # type: ignore[arg-type]
        else:
            raise UserError(f"unknown patch operation '{op.op}'", hint="use set, delete or remove")
    plan = plan_edits(project, edits)
    return ConfigPatch(root, {rel: project.files.get(rel) for rel in plan.files}, dict(plan.files), list(ops))


def _project_files(root: Path) -> dict[str, str]:
    from strands_tf.canvas.project_files import read_project

    return dict(read_project(root).files)


def validate_patch(patch: ConfigPatch, *, environ: Any = None) -> Any:
    """Load the patched configuration with the real loader and resolve it for every environment.

    Runs in a scratch copy (configuration files with the new texts, agent directories linked in), so the
    project is untouched. Raises ConfigError with every problem, located in the patched files.
    """
    from strands_tf.config import load_project, resolve_all

    files = {**_project_files(patch.root), **patch.after}
    with tempfile.TemporaryDirectory(prefix="strands-patch-") as scratch:
        overlay = Path(scratch)
        for rel, text in files.items():
            if text is None:
                continue
            target = overlay / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _link_agent_code(patch.root, overlay, _agent_paths(files))
        loaded = load_project(overlay, env=environ)
        resolve_all(loaded, environ=environ)
    return loaded


def _agent_paths(files: dict[str, str | None]) -> list[str]:
    """Agent directories named by the files (best effort, for a configuration the loader refuses)."""
    from strands_tf.canvas.project_files import merge_files

    merged = merge_files(Path("."), {rel: text for rel, text in files.items() if text is not None})
    agents = merged.data.get("agents")
    paths = []
    for body in (agents or {}).values() if isinstance(agents, dict) else []:
        if isinstance(body, dict) and isinstance(body.get("path"), str):
            paths.append(body["path"])
    return paths


def _link_agent_code(root: Path, overlay: Path, paths: list[str]) -> None:
    """Make each agent directory a real directory in the overlay whose entries link to the project's."""
    real_root = root.resolve()
    for rel in paths:
        if "\x00" in rel or PurePosixPath(rel).is_absolute() or ".." in PurePosixPath(rel).parts:
            continue  # the loader reports such paths itself
        source = (real_root / rel).resolve()
        if not source.is_dir() or (source != real_root and real_root not in source.parents):
            continue
        target = overlay / rel
        target.mkdir(parents=True, exist_ok=True)
        for entry in source.iterdir():
            link = target / entry.name
            if link.exists() or link.is_symlink():
                continue  # a configuration file written from the patch
            os.symlink(entry, link, target_is_directory=entry.is_dir())


def write_patch(patch: ConfigPatch) -> list[str]:
    """Write the new texts (each atomically); refused when a file changed since the patch was made."""
    current = _project_files(patch.root)
    for rel, text in patch.before.items():
        if current.get(rel) != text:
            raise ConflictError(
                f"{rel} changed since the patch was made",
                hint="run the command again so the patch is made from the file as it is now",
            )
    written: list[str] = []
    # fragments first, strands.yaml last: a watcher (strands dev, the canvas) never sees half a change
    for rel in sorted(patch.after, key=lambda r: r == "strands.yaml"):
        text = patch.after[rel]
        if patch.before.get(rel) == text:
            continue
        path = patch.root / rel
        if text is None:
            path.unlink(missing_ok=True)
        else:
            atomic_write_text(path, text)
        written.append(rel)
    return written
