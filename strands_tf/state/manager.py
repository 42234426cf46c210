"""Read, update and query the CDK-compatible state file of one environment.

Every read-modify-write holds a file lock (``<state>.json.lock``) and writes atomically, so stacks applied
concurrently (threads or processes) each land their own entry without losing the others'.
"""

from __future__ import annotations

import difflib
import json
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout
from pydantic import ValidationError

from strands_tf.errors import NotFoundError, StateError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, private_mkdir, read_file_bytes
from strands_tf.state.files import atomic_write_json
from strands_tf.state.mapper import map_stack, outputs_file
from strands_tf.state.models import FORMAT_VERSION, ResourceRecord, StackState, StateFile
from strands_tf.terraform.tfstate import TfState

log = logging.getLogger(__name__)

STATE_DIR = Path(".strands") / "state"
_ENV_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
LOCK_TIMEOUT = 30.0
_REBUILD_HINT = "Run `strands apply`: it sets the damaged file aside and rebuilds it from the Terraform state."


class DamagedStateError(StateError):
    """The state file is not valid JSON or not a strands state file (it can be rebuilt from tfstate)."""


@dataclass(frozen=True, slots=True)
class ResourceView:
    """A resource record together with the stack it lives in (the record is shared: treat it as read-only)."""

    stack: str
    record: ResourceRecord

    @property
    def ref(self) -> str:
        """``Stack/LogicalId``: unique across the environment."""
        return f"{self.stack}/{self.record.logical_id}"

    def to_json(self) -> dict[str, Any]:
        """JSON form (record fields plus the stack)."""
        return {"stack": self.stack, **self.record.model_dump(mode="json")}


class StateManager:
    """The state file ``.strands/state/<environment>.json`` of a project, and its outputs file."""

    def __init__(self, project_dir: str | Path, environment: str, lock_timeout: float = LOCK_TIMEOUT) -> None:
        if not _ENV_RE.match(environment):
            raise UserError(
                f"invalid environment name {environment!r}",
                hint="Use letters, digits, '-', '_' or '.', starting with a letter or digit.",
            )
        self.project_dir = Path(project_dir)
        self.environment = environment
        self.path = self.project_dir / STATE_DIR / f"{environment}.json"
        self.outputs_path = self.project_dir / STATE_DIR / f"{environment}.outputs.json"
        self._lock = FileLock(str(self.path) + ".lock", timeout=lock_timeout, mode=PRIVATE_FILE_MODE)
        self._cache: tuple[tuple[int, int, int], StateFile] | None = None

    # -- reading and writing

    def _read(self) -> StateFile:
        """A private copy of the state on disk (callers may change it)."""
        return self._current().model_copy(deep=True)

    def _current(self) -> StateFile:
        """The state on disk, shared with the cache: read-only use only."""
        try:
            stat = self.path.stat()
        except FileNotFoundError:
            return StateFile(environment=self.environment)
        stamp = (stat.st_mtime_ns, stat.st_size, stat.st_ino)
        if self._cache and self._cache[0] == stamp:
            return self._cache[1]
        try:
            raw = json.loads(read_file_bytes(self.path))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" (line {exc.lineno}, column {exc.colno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise DamagedStateError(
                f"{self.path}: the state file is not valid JSON{where}",
                detail=str(exc),
                hint=_REBUILD_HINT,
            ) from None
        except RecursionError:  # the decoder gives up on absurd nesting: a damaged or crafted file, not a bug
            raise StateError(
                f"{self.path}: the state file is not valid JSON (nested too deeply)",
                hint="Restore it from history, or run `strands apply` to write it again.",
            ) from None
        except OSError as exc:
            raise StateError(f"{self.path}: cannot be read: {exc.strerror}") from None
        version = raw.get("format_version") if isinstance(raw, dict) else None
        if isinstance(version, int) and version > FORMAT_VERSION:
            raise StateError(
                f"{self.path}: state format_version {version} is newer than this strands-tf reads ({FORMAT_VERSION})",
                hint="Upgrade strands-tf.",
            )
        try:
            state = StateFile.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise DamagedStateError(
                f"{self.path}: not a strands state file ({where}: {first['msg']})",
                detail=str(exc),
                hint=_REBUILD_HINT,
            ) from None
        self._cache = (stamp, state)
        return state

    def _write(self, state: StateFile) -> None:
        state.updated_at = datetime.now(UTC).isoformat()
        atomic_write_json(self.path, state.to_json())
        atomic_write_json(self.outputs_path, outputs_file(state))
        self._cache = None

    def _locked(self) -> FileLock:
        private_mkdir(self.path.parent)
        return self._lock

    def load(self) -> StateFile:
        """The current state (an empty one when nothing was deployed yet)."""
        return self._read()

    def damage(self) -> str | None:
        """Why the state file cannot be read (not JSON, not a state file), or None when it is fine or absent.

        A file written by a newer strands-tf is not damage: that error is raised, never repaired over.
        """
        try:
            self._current()
        except DamagedStateError as exc:
            return exc.summary
        return None

    def set_aside(self) -> Path:
        """Move a damaged state file out of the way (`<env>.json.damaged-<UTC time>`); returns where it went.

        The state file is a view derived from tfstate: the next mapping of every stack writes it anew.
        """
        stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            with self._locked():
                self.path.replace(target)
        except Timeout:
            raise StateError(
                f"{self.path}: could not lock the state file within {self._lock.timeout:.0f} s",
                hint="Another strands process is writing it; try again when it has finished.",
            ) from None
        self._cache = None
        return target

    def has_stack(self, stack_name: str) -> bool:
        """True when the state file has an entry for the stack (False when it is damaged)."""
        try:
            return stack_name in self._current().stacks
        except DamagedStateError:
            return False

    def modify(self, change: Callable[[StateFile], None]) -> StateFile:
        """Read, apply ``change`` and write back, all under the file lock; returns the new state."""
        try:
            with self._locked():
                state = self._read()
                change(state)
                self._write(state)
                return state
        except Timeout:
            raise StateError(
                f"{self.path}: could not lock the state file within {self._lock.timeout:.0f} s",
                hint="Another strands process is writing it; try again when it has finished.",
            ) from None

    def save(self, state: StateFile) -> None:
        """Replace the whole state file with ``state``."""
        if state.environment != self.environment:
            raise UserError(f"state of environment {state.environment!r} cannot be saved as {self.environment!r}")

        def change(cur: StateFile) -> None:
            cur.project = state.project
            cur.stacks = {k: v.model_copy(deep=True) for k, v in state.stacks.items()}

        self.modify(change)

    def put_stack(self, stack: StackState, project: str | None = None) -> StateFile:
        """Add or replace one stack's entry (other stacks are kept as they are on disk)."""

        def change(state: StateFile) -> None:
            state.stacks[stack.stack_name] = stack
            if project:
                state.project = project

        return self.modify(change)

    def record_apply(
        self,
        stack_name: str,
        tfstate: TfState,
        synth: dict[str, Any] | None = None,
        project: str | None = None,
    ) -> StackState:
        """Map a stack's tfstate after an apply and store it; an older mapping never replaces a newer one.

        When the stored entry has the same lineage and a higher serial (a late writer of an earlier apply),
        the stored entry is kept and returned, with a warning.
        """
        mapped = map_stack(stack_name, tfstate, synth)
        kept: list[StackState] = []

        def change(state: StateFile) -> None:
            current = state.stacks.get(stack_name)
            if (
                current is not None
                and current.tfstate_lineage == mapped.tfstate_lineage
                and current.tfstate_serial > mapped.tfstate_serial
            ):
                log.warning(
                    "state of stack %s not updated: stored serial %d is newer than %d",
                    stack_name,
                    current.tfstate_serial,
                    mapped.tfstate_serial,
                )
                kept.append(current)
                return
            state.stacks[stack_name] = mapped
            if project:
                state.project = project

        self.modify(change)
        return kept[0] if kept else mapped

    def remove_stack(self, stack_name: str) -> StateFile:
        """Drop a stack's entry (after it was destroyed)."""

        def change(state: StateFile) -> None:
            state.stacks.pop(stack_name, None)

        return self.modify(change)

    # -- queries

    def resources(self) -> list[ResourceView]:
        """Every resource of every stack."""
        state = self._current()
        return [ResourceView(s, r) for s, st in sorted(state.stacks.items()) for r in st.resources.values()]

    def list_resources(
        self, type: str | None = None, agent: str | None = None, stack: str | None = None
    ) -> list[ResourceView]:
        """Resources filtered by type (CloudFormation or Terraform name), agent, or stack.

        ``agent`` matches a construct path prefix (``app/agent_support``) or any path component after
        the stack (``agent_support``).
        """
        views = self.resources()
        if stack:
            views = [v for v in views if v.stack == stack]
        if type:
            t = type.lower()
            views = [v for v in views if v.record.cfn_type.lower() == t or v.record.tf_type.lower() == t]
        if agent:
            views = [v for v in views if _agent_match(v.record.construct_path, agent)]
        return views

    def describe(self, ref: str) -> ResourceView:
        """One resource by logical id, ``Stack/LogicalId``, Terraform address or construct path."""
        views = self.resources()
        for key in (
            lambda v: v.record.logical_id,
            lambda v: v.ref,
            lambda v: v.record.tf_address,
            lambda v: v.record.construct_path,
        ):
            hits = [v for v in views if key(v) == ref]
            if len(hits) == 1:
                return hits[0]
            if len(hits) > 1:
                raise UserError(
                    f"{ref!r} matches resources in several stacks: {', '.join(v.ref for v in hits)}",
                    hint="Name it as Stack/LogicalId.",
                )
        names = [v.record.logical_id for v in views] + [v.record.tf_address for v in views]
        close = difflib.get_close_matches(ref, names, n=3)
        raise NotFoundError(
            f"no resource {ref!r} in environment {self.environment!r}",
            hint=(f"Did you mean {', '.join(close)}?" if close else "List them with `strands list`."),
        )

    def _graph(self, stack: str) -> dict[str, list[str]]:
        st = self._current().stacks.get(stack)
        return {lid: list(r.dependencies) for lid, r in st.resources.items()} if st else {}

    def dependencies(self, ref: str, transitive: bool = True) -> list[ResourceView]:
        """What the resource depends on (transitively by default), nearest first."""
        view = self.describe(ref)
        return self._walk(view, self._graph(view.stack), transitive)

    def dependents(self, ref: str, transitive: bool = True) -> list[ResourceView]:
        """What depends on the resource (transitively by default), nearest first."""
        view = self.describe(ref)
        reverse: dict[str, list[str]] = {}
        for lid, deps in self._graph(view.stack).items():
            for d in deps:
                reverse.setdefault(d, []).append(lid)
        return self._walk(view, reverse, transitive)

    def _walk(self, start: ResourceView, edges: dict[str, list[str]], transitive: bool) -> list[ResourceView]:
        stack_state = self._current().stacks[start.stack]
        seen: list[str] = []
        frontier = sorted(edges.get(start.record.logical_id, []))
        visited = {start.record.logical_id}
        while frontier:
            nxt: list[str] = []
            for lid in frontier:
                if lid in visited or lid not in stack_state.resources:
                    continue
                visited.add(lid)
                seen.append(lid)
                if transitive:
                    nxt.extend(sorted(edges.get(lid, [])))
            frontier = nxt
        return [ResourceView(start.stack, stack_state.resources[lid]) for lid in seen]

    def outputs(self, stack: str | None = None) -> dict[str, dict[str, Any]]:
        """Outputs in the ``--outputs-file`` shape (sensitive values masked)."""
        shaped = outputs_file(self._current())
        if stack is None:
            return shaped
        if stack not in shaped:
            raise NotFoundError(f"no stack {stack!r} in environment {self.environment!r}")
        return {stack: shaped[stack]}


def _agent_match(construct_path: str, agent: str) -> bool:
    agent = agent.strip("/")
    if construct_path == agent or construct_path.startswith(agent + "/"):
        return True
    parts = construct_path.split("/")[1:]
    return any(p == agent or p.split("[", 1)[0] == agent for p in parts)
