"""The checkpoint of a deployment: what each stack reached, written atomically after every step."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from strands_tf.deploy.workspace import is_deployment_id
from strands_tf.errors import StateError, UserError
from strands_tf.fsutil import PRIVATE_FILE_MODE, atomic_write_text

StackStatus = Literal["pending", "planned", "no_changes", "applying", "applied", "failed", "cancelled", "skipped"]
DeploymentStatus = Literal["running", "succeeded", "failed", "cancelled", "rolled_back"]
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

    def pending_stacks(self) -> list[str]:
        """Stacks that still need work when the deployment is resumed."""
        return [s.name for s in self.stacks.values() if s.status not in ("applied", "no_changes")]


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
            raw = json.loads(path.read_bytes())
            return cls(deployment_dir, Checkpoint.model_validate(raw))
        except FileNotFoundError:
            raise StateError(
                f"no checkpoint in {deployment_dir}",
                hint="list deployments with `strands history list`; only deployments started by apply can resume",
            ) from None
        except (ValueError, ValidationError) as exc:
            raise StateError(
                f"the checkpoint {path} is damaged: {exc}",
                hint="start a new deployment with `strands apply` (Terraform's own state is not affected)",
            ) from None

    def save(self) -> None:
        """Write the checkpoint atomically (temp file + rename)."""
        with self._lock:
            text = self.checkpoint.model_dump_json(indent=2)
            atomic_write_text(self.path, text + "\n", mode=PRIVATE_FILE_MODE)

    def update_stack(self, name: str, **changes: Any) -> None:
        """Change one stack's fields and save."""
        with self._lock:
            stack = self.checkpoint.stacks[name]
            for key, value in changes.items():
                setattr(stack, key, value)
        self.save()

    def finish(self, status: DeploymentStatus) -> None:
        """Mark the deployment finished."""
        with self._lock:
            self.checkpoint.status = status
            self.checkpoint.finished_at = _now()
        self.save()


def resumable_deployment(deployments_dir: Path, environment: str) -> CheckpointStore:
    """The latest deployment of the environment, when it is one `apply --resume` may continue.

    Only the latest counts: an older failed deployment was superseded by whatever came after it, and
    resuming it would undo that. A checkpoint newer than it that cannot be read is an error, never a
    skip (it may be the environment's latest). Call it holding the project lock, so that a `running`
    checkpoint is one whose process is gone.
    """
    found: CheckpointStore | None = None
    if deployments_dir.is_dir():
        for candidate in sorted((p for p in deployments_dir.iterdir() if is_deployment_id(p.name)), reverse=True):
            store = _load_for_resume(candidate)
            if store.checkpoint.environment == environment:
                found = store
                break
    if found is None:
        raise UserError(f"no deployment of '{environment}' to resume", hint="run `strands apply` to start one")
    checkpoint = found.checkpoint
    if checkpoint.status not in ("failed", "cancelled", "running"):
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
