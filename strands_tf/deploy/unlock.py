"""Release locks left by runs that are gone: the project lock, and a stack's Terraform state lock.

The project lock (``.strands/project.lock``, :class:`~strands_tf.state.lock.ProjectLock`) names its holder;
a holder still running on this host is never broken without ``force``.

Terraform's state lock depends on the backend:

- ``s3`` (``use_lockfile``): a ``<key>.tflock`` object holding the lock info; released by
  ``terraform force-unlock`` run against the stack's backend alone (no providers needed);
- ``local``: an OS lock on the state file, held only while the Terraform process runs (it goes when the
  process dies), plus a ``.<name>.lock.info`` file. Terraform cannot unlock another process's local lock:
  a live holder must be stopped; a lock-info file without a live lock is stale and removed;
- ``cloud`` (HCP Terraform): ``terraform force-unlock`` on the workspace.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import logging
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from strands_tf.errors import NotFoundError, StateError, UserError
from strands_tf.inputfile import loads_json
from strands_tf.state.lock import LockHolder, ProjectLock
from strands_tf.terraform.diagnostics import LockInfo

log = logging.getLogger(__name__)

LOCKFILE_SUFFIX = ".tflock"  # Terraform's S3 backend with use_lockfile


# --- the project lock -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ProjectLockState:
    """The project lock file, who holds it and whether that process still runs."""

    lock_file: Path
    holder: LockHolder | None
    running: bool | None  # True: runs on this host; False: gone; None: cannot tell (another host, unreadable)

    @property
    def age_seconds(self) -> float | None:
        """How long the lock has been held, when its start time is readable."""
        if self.holder is None:
            return None
        try:
            started = datetime.fromisoformat(self.holder.started)
        except ValueError:
            return None
        if started.tzinfo is None:
            started = started.replace(tzinfo=UTC)
        return max(0.0, (datetime.now(UTC) - started).total_seconds())

    def to_json(self) -> dict[str, Any]:
        holder = self.holder
        return {
            "lock": "project",
            "lock_file": str(self.lock_file),
            "held": holder is not None,
            "holder": None
            if holder is None
            else {"pid": holder.pid, "host": holder.host, "command": holder.command, "since": holder.started},
            "running": self.running,
            "age_seconds": self.age_seconds,
        }


def inspect_project_lock(root: Path) -> ProjectLockState:
    """Who holds the project lock of the project at ``root``, and whether that process still runs."""
    lock = ProjectLock(root, "strands force-unlock")
    holder = lock.read_holder()
    return ProjectLockState(lock.path, holder, lock.holder_running(holder) if holder is not None else None)


def release_project_lock(state: ProjectLockState, *, force: bool) -> bool:
    """Remove the project lock ``state`` describes; a holder alive on this host needs ``force``.

    False when there was nothing to release (free, or it changed hands since ``state`` was read).
    """
    if state.holder is None:
        return False
    if state.running and not force:
        raise StateError(
            f"the project lock is held by a command that is still running: {state.holder.describe()}",
            detail=f"lock file: {state.lock_file}",
            hint=f"Wait for it to finish or stop it (kill {state.holder.pid}); `strands force-unlock --force` "
            "releases the lock anyway, which lets two commands change the same deployment at once.",
            data=state.to_json(),
        )
    root = state.lock_file.parent.parent
    return ProjectLock(root, "strands force-unlock").break_lock(state.holder)


# --- Terraform state locks ----------------------------------------------------------------------


@dataclass(frozen=True)
class StackBackend:
    """Where one stack keeps its Terraform state: the backend block of its synthesized `cdk.tf.json`."""

    stack: str
    kind: str  # "local" | "s3" | "cloud"
    config: Mapping[str, Any]
    workdir: Path

    def terraform_block(self) -> dict[str, Any]:
        """The stack's `terraform` block reduced to its backend (all `force-unlock` needs: no providers)."""
        if self.kind == "cloud":
            return {"terraform": {"cloud": [dict(self.config)]}}
        return {"terraform": {"backend": {self.kind: dict(self.config)}}}

    @property
    def local_state_file(self) -> Path:
        """The state file of a local backend (its path is relative to the stack's directory)."""
        return Path(os.path.normpath(self.workdir / str(self.config.get("path", "terraform.tfstate"))))


def stack_backends(out_dir: Path) -> list[StackBackend]:
    """The backend of every stack synthesized into ``out_dir`` (a CDKTF layout)."""
    from strands_tf.deploy.executor import read_manifest

    found: list[StackBackend] = []
    for stack in read_manifest(out_dir):
        doc = loads_json((stack.workdir / "cdk.tf.json").read_text("utf-8"))
        terraform = doc.get("terraform") or {}
        if "cloud" in terraform:
            cloud = terraform["cloud"]
            found.append(
                StackBackend(stack.name, "cloud", cloud[0] if isinstance(cloud, list) else cloud, stack.workdir)
            )
            continue
        backend = terraform.get("backend") or {"local": {}}
        kind, config = next(iter(backend.items()))
        found.append(StackBackend(stack.name, kind, config, stack.workdir))
    return found


@dataclass(frozen=True)
class StateLock:
    """A Terraform state lock of one stack."""

    stack: str
    backend: str
    info: LockInfo
    location: str
    # local backend: whether a running process holds the OS lock (None where it cannot be checked)
    held_by_running_process: bool | None = None

    @property
    def id(self) -> str | None:
        return self.info.id

    def to_json(self) -> dict[str, Any]:
        return {
            "lock": "state",
            "stack": self.stack,
            "backend": self.backend,
            "location": self.location,
            "id": self.info.id,
            "holder": self.info.to_dict(),
            "held_by_running_process": self.held_by_running_process,
        }


S3ClientFor = Callable[[StackBackend], Any]


def read_state_lock(backend: StackBackend, *, s3_client_for: S3ClientFor | None = None) -> StateLock | None:
    """The lock a stack's state holds now (None when it is not locked); `cloud` locks cannot be read."""
    if backend.kind == "local":
        return _read_local_lock(backend)
    if backend.kind == "s3":
        if s3_client_for is None:
            raise ValueError("reading an S3 lock needs an S3 client")
        return _read_s3_lock(backend, s3_client_for(backend))
    return None


def find_state_lock(
    backends: list[StackBackend],
    lock_id: str | None,
    *,
    stack: str | None = None,
    environment: str = "",
    s3_client_for: S3ClientFor | None = None,
) -> tuple[StackBackend, StateLock | None]:
    """The stack holding the lock ``lock_id`` (or the lock of ``stack``); NotFoundError naming what was searched.

    A `cloud` stack's lock cannot be read: it is returned with None, and ``stack`` must name it.
    """
    names = [b.stack for b in backends]
    if stack is not None:
        chosen = [b for b in backends if b.stack == stack]
        if not chosen:
            raise UserError(f"environment '{environment}' has no stack '{stack}'",
                            hint="its stacks: " + ", ".join(names))  # fmt: skip
        candidates = chosen
    else:
        candidates = backends
    for backend in candidates:
        if backend.kind == "cloud":
            if stack is not None:
                return backend, None
            continue
        lock = read_state_lock(backend, s3_client_for=s3_client_for)
        if lock is None:
            continue
        if lock_id is None or lock.id == lock_id:
            return backend, lock
        if stack is not None:
            raise StateError(
                f"stack {backend.stack} is locked with lock ID {lock.id}, not {lock_id}",
                detail=_describe(lock),
                hint=f"Check the ID; `strands force-unlock --stack {backend.stack}` shows the current lock.",
                data=lock.to_json(),
            )
    where = f"stack {stack}" if stack else f"the stacks of environment '{environment}' ({', '.join(names)})"
    what = f"lock ID {lock_id}" if lock_id else "state lock"
    hint = "The lock may already be released: run the command again."
    if stack is None:
        hint += " If the lock belongs to another environment, add -e ENV."
    if any(b.kind == "cloud" for b in candidates) and stack is None:
        hint += " HCP Terraform locks cannot be read: name the workspace's stack with --stack."
    raise NotFoundError(f"no {what} on {where}", hint=hint)


def release_local_lock(lock: StateLock, backend: StackBackend) -> None:
    """Clear a local backend's lock: only its stale lock-info file can be removed, never a live lock."""
    if lock.held_by_running_process:
        raise StateError(
            f"the state of stack {lock.stack} is locked by a Terraform process that is still running "
            f"({lock.info.who or 'unknown holder'}, {lock.info.operation or 'unknown operation'})",
            detail=_describe(lock),
            hint="Terraform cannot release a local state lock another process holds, and neither can strands: "
            "wait for that run to finish, or stop it (its lock goes with it).",
            data=lock.to_json(),
        )
    with contextlib.suppress(FileNotFoundError):
        Path(lock.location).unlink()
    log.info("removed the stale lock info %s of stack %s", lock.location, lock.stack)


def unlock_with_terraform(
    backend: StackBackend,
    lock_id: str,
    *,
    engine: Any,
    env: Mapping[str, str],
    unset: frozenset[str] = frozenset(),
    cli_config: Path | None = None,
) -> None:
    """``terraform force-unlock -force LOCK_ID`` against the stack's backend alone, in a scratch directory."""
    from strands_tf.terraform.runner import TerraformRunner

    with tempfile.TemporaryDirectory(prefix="strands-unlock-") as scratch:
        work = Path(scratch) / backend.stack
        work.mkdir()
        (work / "backend.tf.json").write_text(json.dumps(backend.terraform_block(), indent=2), encoding="utf-8")
        runner = TerraformRunner(
            engine, work, data_dir=Path(scratch) / "data", cli_config=cli_config, env=dict(env), unset=unset
        )
        runner.init()
        runner.force_unlock(lock_id)
    log.warning("released the Terraform state lock %s of stack %s", lock_id, backend.stack)


def _describe(lock: StateLock) -> str:
    info = lock.info
    rows = [("Lock ID", info.id), ("Who", info.who), ("Operation", info.operation), ("Created", info.created),
            ("Path", info.path), ("Lock", lock.location)]  # fmt: skip
    return "\n".join(f"{k}: {v}" for k, v in rows if v)


def _lock_info(raw: Any) -> LockInfo:
    data = raw if isinstance(raw, dict) else {}

    def text(key: str) -> str | None:
        value = data.get(key)
        return str(value) if value not in (None, "") else None

    return LockInfo(
        id=text("ID"),
        path=text("Path"),
        operation=text("Operation"),
        who=text("Who"),
        version=text("Version"),
        created=text("Created"),
        info=text("Info"),
    )


def _local_lock_info_path(state_file: Path) -> Path:
    """Where Terraform's local backend writes the lock info: `.<name>.lock.info` beside the state file."""
    name = state_file.name[1:] if state_file.name.startswith(".") else state_file.name
    return state_file.with_name(f".{name}.lock.info")


def _read_local_lock(backend: StackBackend) -> StateLock | None:
    state_file = backend.local_state_file
    info_file = _local_lock_info_path(state_file)
    held = _os_lock_held(state_file)
    try:
        raw = loads_json(info_file.read_text("utf-8"))
    except FileNotFoundError:
        raw = None
    except (OSError, ValueError):
        raw = {}
    if raw is None and not held:
        return None
    return StateLock(backend.stack, "local", _lock_info(raw), str(info_file), held)


def _os_lock_held(state_file: Path) -> bool:
    """Whether another process holds Terraform's lock (a POSIX record lock) on the state file."""
    try:
        fd = os.open(state_file, os.O_RDWR)
    except FileNotFoundError:
        return False
    try:
        try:
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EAGAIN):
                return True
            raise
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


def _read_s3_lock(backend: StackBackend, client: Any) -> StateLock | None:
    from strands_tf.aws.errors import aws_errors

    bucket = str(backend.config.get("bucket"))
    key = str(backend.config.get("key")) + LOCKFILE_SUFFIX
    try:
        with aws_errors(operation="s3:GetObject"):
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    except NotFoundError:
        return None
    try:
        raw = loads_json(body)
    except ValueError:
        raw = {}
    return StateLock(backend.stack, "s3", _lock_info(raw), f"s3://{bucket}/{key}")
