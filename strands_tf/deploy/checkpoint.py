"""The checkpoint of a deployment: what each stack reached, written atomically after every step."""

from __future__ import annotations

import os
import socket
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from strands_tf.deploy.workspace import Workspace
from strands_tf.errors import StateError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text, read_file_bytes
from strands_tf.inputfile import loads_json

StackStatus = Literal[
    "pending", "planned", "no_changes", "applying", "applied", "failed", "cancelled", "skipped", "interrupted"
]
# "interrupted": the process running the deployment died (SIGKILL, power loss) without finishing it
DeploymentStatus = Literal["running", "succeeded", "failed", "cancelled", "rolled_back", "interrupted"]
FINISHED = frozenset({"succeeded", "failed", "cancelled", "rolled_back", "interrupted"})
# what `apply --resume` continues; `running` only as found under the project lock, so its process is gone
RESUMABLE = frozenset({"failed", "cancelled", "interrupted", "running"})
CHECKPOINT_FILE = "checkpoint.json"
FORMAT_VERSION = 1


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class StackCheckpoint(BaseModel):
    """One stack's progress in a deployment."""

    model_config = ConfigDict(extra="ignore")

    name: str
    status: StackStatus = "pending"
    dependencies: list[str] = Field(default_factory=list)
    plan_file: str | None = None
    plan_json: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    changes: dict[str, int] = Field(default_factory=dict)
    # `-target` addresses when only part of the stack is in the deployment (`--agent` on a shared stack)
    targets: list[str] = Field(default_factory=list)
    # no longer made by the configuration: destroyed (from the copy beside the manifest's stacks)
    gone: bool = False


class AttemptStack(BaseModel):
    """What one attempt did to one stack."""

    model_config = ConfigDict(extra="ignore")

    status: StackStatus = "pending"
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    changes: dict[str, int] = Field(default_factory=dict)


class Owner(BaseModel):
    """The process running an attempt: how a later command tells a live deployment from a killed one."""

    model_config = ConfigDict(extra="ignore")

    pid: int
    host: str
    proc_start: str | None = None
    # what started the attempt: a canvas shows it under the right name after a restart
    source: Literal["cli", "canvas"] | None = None

    @classmethod
    def current(cls, source: Literal["cli", "canvas"] | None = None) -> Owner:
        """This process."""
        from strands_tf.state.lock import process_start

        return cls(pid=os.getpid(), host=socket.gethostname(), proc_start=process_start(os.getpid()), source=source)

    def gone(self) -> bool:
        """True when this process certainly no longer runs (only decidable on its own host)."""
        from strands_tf.state.lock import process_gone

        return process_gone(self.pid, self.host, self.proc_start)


class Attempt(BaseModel):
    """One run of a deployment: the first, then one per `apply --resume`."""

    model_config = ConfigDict(extra="ignore")

    number: int
    started_at: str = Field(default_factory=_now)
    finished_at: str | None = None
    status: DeploymentStatus = "running"
    owner: Owner | None = None
    stacks: dict[str, AttemptStack] = Field(default_factory=dict)


class Checkpoint(BaseModel):
    """A deployment (apply, destroy or rollback) as it stands on disk."""

    model_config = ConfigDict(extra="ignore")

    format_version: int = FORMAT_VERSION
    id: str
    command: Literal["apply", "destroy", "rollback"]
    project: str
    environment: str
    status: DeploymentStatus = "running"
    started_at: str = Field(default_factory=_now)
    finished_at: str | None = None
    stacks: dict[str, StackCheckpoint] = Field(default_factory=dict)
    rollback_of: str | None = None
    synth_dir: str = "cdktf.out"
    # the `--agent` selection the deployment was made for (None: every agent)
    agents: list[str] | None = None
    attempts: list[Attempt] = Field(default_factory=list)
    # "pending" from the start until the history record is built into the spool: a record that could not be
    # built (a full disk, a damaged file) is finished by the next command or `strands history sync`
    record: Literal["pending", "spooled"] | None = None

    def pending_stacks(self) -> list[str]:
        """Stacks that still need work when the deployment is resumed."""
        return [s.name for s in self.stacks.values() if s.status not in ("applied", "no_changes")]

    def all_attempts(self) -> list[Attempt]:
        """Every attempt; a checkpoint written before attempts were kept counts as one."""
        if self.attempts:
            return list(self.attempts)
        stacks = {
            name: AttemptStack(
                status=s.status, started_at=s.started_at, finished_at=s.finished_at, error=s.error, changes=s.changes
            )
            for name, s in self.stacks.items()
        }
        return [Attempt(number=1, started_at=self.started_at, finished_at=self.finished_at, status=self.status,
                        stacks=stacks)]  # fmt: skip

    @property
    def attempt(self) -> int:
        """Number of the latest attempt (1 for a checkpoint without attempts)."""
        return self.attempts[-1].number if self.attempts else 1


class CheckpointStore:
    """Reads and writes one deployment's checkpoint; safe to update from several stack threads."""

    def __init__(self, deployment_dir: Path, checkpoint: Checkpoint) -> None:
        self.dir = deployment_dir
        self.path = deployment_dir / CHECKPOINT_FILE
        self.checkpoint = checkpoint
        self._lock = threading.Lock()

    @classmethod
    def load(cls, deployment_dir: Path) -> CheckpointStore:
        """The checkpoint of an earlier deployment, with a clear error when it is missing or damaged."""
        path = deployment_dir / CHECKPOINT_FILE
        try:
            raw = loads_json(read_file_bytes(path))
            return cls(deployment_dir, Checkpoint.model_validate(raw))
        except FileNotFoundError:
            raise StateError(
                f"no checkpoint in {deployment_dir}",
                hint="list deployments with `strands history list`; only deployments started by apply can resume",
            ) from None
        except (OSError, ValueError, ValidationError) as exc:
            raise StateError(
                f"the checkpoint {path} is damaged: {exc}",
                hint="start a new deployment with `strands apply` (Terraform's own state is not affected)",
            ) from None

    def save(self) -> None:
        """Write the checkpoint atomically (temp file + rename)."""
        with self._lock:
            text = self.checkpoint.model_dump_json(indent=2)
            atomic_write_text(self.path, text + "\n", mode=PRIVATE_FILE_MODE)

    def begin_attempt(self, source: Literal["cli", "canvas"] | None = None) -> int:
        """Start an attempt run by this process (the first, or a resume); the deployment is running again."""
        with self._lock:
            checkpoint = self.checkpoint
            if not checkpoint.attempts and checkpoint.finished_at is not None:
                checkpoint.attempts = checkpoint.all_attempts()  # keep a pre-attempts first run as attempt 1
            number = checkpoint.attempts[-1].number + 1 if checkpoint.attempts else 1
            checkpoint.attempts.append(Attempt(number=number, owner=Owner.current(source)))
            checkpoint.status = "running"
            checkpoint.finished_at = None
            checkpoint.record = "pending"  # this attempt changes what the record says
        self.save()
        return number

    def update_stack(self, name: str, **changes: Any) -> None:
        """Change one stack's fields (in the deployment and in the current attempt) and save."""
        with self._lock:
            stack = self.checkpoint.stacks[name]
            for key, value in changes.items():
                setattr(stack, key, value)
            if self.checkpoint.attempts:
                mine = self.checkpoint.attempts[-1].stacks.setdefault(name, AttemptStack())
                for key, value in changes.items():
                    if key in AttemptStack.model_fields:
                        setattr(mine, key, value)
        self.save()

    def finish(self, status: DeploymentStatus) -> None:
        """Mark the deployment (and its current attempt) finished."""
        with self._lock:
            now = _now()
            self.checkpoint.status = status
            self.checkpoint.finished_at = now
            if self.checkpoint.attempts:
                self.checkpoint.attempts[-1].status = status
                self.checkpoint.attempts[-1].finished_at = now
        self.save()

    def skip_record(self) -> None:
        """Nothing happened in this attempt (a declined confirmation): no new record is due for it."""
        with self._lock:
            if self.checkpoint.record == "pending" and len(self.checkpoint.attempts) <= 1:
                self.checkpoint.record = None
        self.save()

    def mark_recorded(self) -> None:
        """The history record is built (in the spool or the store)."""
        with self._lock:
            self.checkpoint.record = "spooled"
        self.save()

    def mark_interrupted(self) -> None:
        """The process running the deployment is gone: stacks it was working on and the deployment are
        `interrupted` (resumable), and its record is still to be made."""
        with self._lock:
            now = _now()
            checkpoint = self.checkpoint
            for stack in checkpoint.stacks.values():
                if stack.status == "applying":
                    stack.status = "interrupted"
                    stack.error = "the process running this deployment was killed"
                    stack.finished_at = now
            if checkpoint.attempts:
                current = checkpoint.attempts[-1]
                current.status, current.finished_at = "interrupted", now
                for name, entry in current.stacks.items():
                    if checkpoint.stacks.get(name) is not None and checkpoint.stacks[name].status == "interrupted":
                        entry.status, entry.error, entry.finished_at = "interrupted", checkpoint.stacks[name].error, now
            checkpoint.status = "interrupted"
            checkpoint.finished_at = now
            if checkpoint.record is None:
                checkpoint.record = "pending"
        self.save()


def read_raw_checkpoint(directory: Path) -> dict[str, Any] | None:
    """A deployment's checkpoint as a JSON object, or None when it is missing, damaged or not a regular file."""
    try:
        raw = loads_json(read_file_bytes(directory / CHECKPOINT_FILE))
    except (OSError, ValueError):
        return None
    return raw if isinstance(raw, dict) else None


def raw_checkpoints(workspace: Workspace) -> list[tuple[Path, dict[str, Any]]]:
    """(deployment dir, raw checkpoint) of every deployment whose checkpoint reads as a JSON object, oldest first.

    For scans that skip what they cannot read (recovery, pruning, baselines); `resumable_deployment` does not.
    """
    found = []
    for directory in workspace.deployment_dirs():
        raw = read_raw_checkpoint(directory)
        if raw is not None:
            found.append((directory, raw))
    return found


def resumable_deployment(workspace: Workspace, environment: str) -> CheckpointStore:
    """The latest deployment of the environment, when it is one `apply --resume` may continue.

    Only the latest counts: an older failed deployment was superseded by whatever came after it, and
    resuming it would undo that. A checkpoint newer than it that cannot be read is an error, never a
    skip (it may be the environment's latest). Call it holding the project lock and after
    `recovery.mark_interrupted`: a deployment whose process was killed is then `interrupted`, and one still
    `running` is one whose process is gone too (no live command holds the lock), so both are resumable.
    A directory with no checkpoint at all ran nothing here (stacks `strands history rollback` downloaded, or
    a deployment killed before its checkpoint was written, which comes before any Terraform run): passed over.
    """
    found: CheckpointStore | None = None
    for candidate in reversed(workspace.deployment_dirs()):
        if not (candidate / CHECKPOINT_FILE).exists():
            continue
        store = _load_for_resume(candidate)
        if store.checkpoint.environment == environment:
            found = store
            break
    if found is None:
        raise UserError(f"no deployment of '{environment}' to resume", hint="run `strands apply` to start one")
    checkpoint = found.checkpoint
    if checkpoint.status not in RESUMABLE:
        raise UserError(
            f"nothing to resume: the latest deployment of '{environment}', {checkpoint.id} "
            f"(`strands {checkpoint.command}`), {checkpoint.status}",
            detail="older interrupted deployments are superseded by it; resuming one would undo what came after",
            hint="run `strands apply` to deploy the current configuration",
        )
    if checkpoint.command == "destroy":
        agents = "".join(f" --agent {a}" for a in checkpoint.agents or [])
        raise UserError(
            f"the interrupted deployment {checkpoint.id} is a `strands destroy`: `apply --resume` does not "
            "continue a destroy",
            detail=f"stacks it had not finished: {', '.join(checkpoint.pending_stacks()) or '(none)'}",
            hint=f"run `strands{agents} destroy -e {environment}` again: it lists what is left and asks first",
        )
    return found


def _load_for_resume(deployment_dir: Path) -> CheckpointStore:
    try:
        return CheckpointStore.load(deployment_dir)
    except StateError as exc:
        raise StateError(
            f"cannot tell which deployment {deployment_dir.name} is: {exc.summary}",
            detail=f"it is newer than every readable deployment, so it may be the latest of this environment: "
            f"{deployment_dir}",
            hint=f"if no other strands process is running, move {deployment_dir} out of .strands/deployments "
            "(keep it if you need its logs) and run again",
        ) from None
