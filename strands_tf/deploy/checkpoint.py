"""The checkpoint of a deployment: what each stack reached, written atomically after every step."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from strands_tf.errors import StateError
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


def latest_checkpoint(deployments_dir: Path, environment: str, *, status: set[str] | None = None) -> Path | None:
    """Directory of the newest deployment of an environment (optionally with one of `status`)."""
    if not deployments_dir.is_dir():
        return None
    for candidate in sorted(deployments_dir.iterdir(), reverse=True):
        path = candidate / CHECKPOINT_FILE
        if not path.is_file():
            continue
        try:
            raw = json.loads(path.read_bytes())
        except ValueError:
            continue
        if raw.get("environment") != environment:
            continue
        if status is None or raw.get("status") in status:
            return candidate
    return None
