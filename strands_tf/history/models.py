"""The record's metadata.json (format version 1), read and written through these models."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

FORMAT_VERSION = 1


class _Model(BaseModel):
    # keys added by a later version are ignored by older readers, never an error
    model_config = ConfigDict(extra="ignore")


class ObjectInfo(_Model):
    """One stored object: its digest and size (bytes as uploaded)."""

    sha256: str
    size: int
    redactions: int = 0


class GitInfo(_Model):
    """The project's git checkout at deployment time (all None outside a repository)."""

    commit: str | None = None
    branch: str | None = None
    dirty: bool | None = None


class CallerInfo(_Model):
    """Who deployed (STS GetCallerIdentity)."""

    account: str | None = None
    arn: str | None = None
    user_id: str | None = None


class StackInfo(_Model):
    """One stack's outcome."""

    status: str
    dependencies: list[str] = Field(default_factory=list)
    started_at: str | None = None
    finished_at: str | None = None
    error: str | None = None
    counts: dict[str, int] = Field(default_factory=dict)
    parallel_efficiency: float | None = None
    wall_seconds: float | None = None


class ChangeRef(_Model):
    """A resource address in a stack."""

    stack: str
    address: str


class Changes(_Model):
    """Addresses by what the deployment did to them."""

    created: list[ChangeRef] = Field(default_factory=list)
    updated: list[ChangeRef] = Field(default_factory=list)
    replaced: list[ChangeRef] = Field(default_factory=list)
    deleted: list[ChangeRef] = Field(default_factory=list)


class ResourceTiming(_Model):
    """How long Terraform worked on one resource."""

    stack: str
    address: str
    action: str | None = None
    status: str | None = None
    started_at: str | None = None
    duration_seconds: float | None = None
    attempt: int = 1


class AttemptInfo(_Model):
    """One run of the deployment: the first, then one per `apply --resume`."""

    number: int
    started_at: str | None = None
    finished_at: str | None = None
    status: str
    stacks: dict[str, str] = Field(default_factory=dict)
    parallel_efficiency: float | None = None


class RecordMetadata(_Model):
    """metadata.json: everything about one deployment, plus the sha256 of every other object."""

    format_version: int = FORMAT_VERSION
    id: str
    project: str
    environment: str
    command: Literal["apply", "destroy", "rollback"]
    status: str
    rollback_of: str | None = None
    started_at: str
    finished_at: str | None = None
    duration_seconds: float | None = None
    recorded_at: str
    caller: CallerInfo | None = None
    git: GitInfo = Field(default_factory=GitInfo)
    tool_version: str
    terraform_version: str | None = None
    target: dict[str, Any] = Field(default_factory=dict)
    stacks: dict[str, StackInfo] = Field(default_factory=dict)
    changes: Changes = Field(default_factory=Changes)
    resources: list[ResourceTiming] = Field(default_factory=list)
    parallel_efficiency: float | None = None
    attempts: list[AttemptInfo] = Field(default_factory=list)
    cost: dict[str, Any] | None = None
    redactions: int = 0
    objects: dict[str, ObjectInfo] = Field(default_factory=dict)

    def to_json_bytes(self) -> bytes:
        """Canonical JSON (sorted keys, two-space indent, trailing newline)."""
        import json

        return (json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True) + "\n").encode()
