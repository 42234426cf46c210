"""Project lock: one mutating command (apply, destroy, rollback) per project at a time.

The lock is a small JSON file ``.strands/<name>.lock`` naming its holder. A second command fails at once
(no waiting) with a :class:`StateError` that names the holder. A lock whose holder is a dead process on
this host (or a reused pid with another start time) is stale: it is taken over with a warning. The
check-and-create step runs under a short :mod:`filelock` guard so two takers cannot both win.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import socket
import sys
import uuid
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any

from filelock import FileLock, Timeout

from strands_tf.errors import StateError
from strands_tf.fsutil import PRIVATE_FILE_MODE, private_mkdir
from strands_tf.inputfile import loads_json
from strands_tf.state.files import atomic_write_json

log = logging.getLogger(__name__)

GUARD_TIMEOUT = 10.0


@dataclass(frozen=True, slots=True)
class LockHolder:
    """Who holds the lock."""

    pid: int
    host: str
    command: str
    started: str
    token: str
    proc_start: str | None = None  # /proc start time, to tell a reused pid from the holder

    def describe(self) -> str:
        """``pid 123 on host-a, `strands apply`, since 2026-01-01T10:00:00+00:00``."""
        return f"pid {self.pid} on {self.host}, `{self.command}`, since {self.started}"


def process_gone(pid: int, host: str, proc_start: str | None) -> bool:
    """True when the process `pid` started at `proc_start` on `host` certainly no longer runs.

    Only decidable on the same host: a process elsewhere is never declared gone. A pid that now belongs to
    another process (a different start time) counts as gone.
    """
    if host != socket.gethostname() or pid <= 0:
        return False
    if not _pid_alive(pid):
        return True
    current = _proc_start(pid)
    return bool(proc_start and current and current != proc_start)


def process_start(pid: int) -> str | None:
    """Start time of a process in clock ticks since boot (Linux), or None where unavailable."""
    return _proc_start(pid)


def _proc_start(pid: int) -> str | None:
    """Start time of a process in clock ticks since boot (Linux), or None where unavailable."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # Field 22; the command name (field 2) may contain spaces, so split after its closing paren.
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[19] if len(fields) > 19 else None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class ProjectLock:
    """``with ProjectLock(project_dir, "strands apply"):`` — fails at once if another command holds it."""

    def __init__(self, project_dir: str | Path, command: str, name: str = "project") -> None:
        self.dir = Path(project_dir) / ".strands"
        self.path = self.dir / f"{name}.lock"
        self.command = command
        self._guard = FileLock(str(self.path) + ".guard", timeout=GUARD_TIMEOUT, mode=PRIVATE_FILE_MODE)
        self.holder: LockHolder | None = None

    # -- holder file

    def read_holder(self) -> LockHolder | None:
        """The current holder, or None when the lock is free (an unreadable file counts as held)."""
        try:
            raw = loads_json(self.path.read_bytes())
        except FileNotFoundError:
            return None
        except (OSError, ValueError):
            return LockHolder(-1, "unknown", "unknown", "unknown", "")
        if not isinstance(raw, dict):
            return LockHolder(-1, "unknown", "unknown", "unknown", "")
        try:
            return LockHolder(
                pid=int(raw.get("pid", -1)),
                host=str(raw.get("host", "unknown")),
                command=str(raw.get("command", "unknown")),
                started=str(raw.get("started", "unknown")),
                token=str(raw.get("token", "")),
                proc_start=raw.get("proc_start"),
            )
        except (TypeError, ValueError):
            return LockHolder(-1, "unknown", "unknown", "unknown", "")

    def _is_stale(self, holder: LockHolder) -> bool:
        # cannot check another machine's processes; unreadable files (pid -1) need a human
        return process_gone(holder.pid, holder.host, holder.proc_start)

    # -- acquire / release

    def acquire(self) -> LockHolder:
        """Take the lock or raise :class:`StateError` naming the holder (never waits for it)."""
        if self.holder is not None:
            return self.holder
        private_mkdir(self.dir)
        try:
            with self._guard:
                current = self.read_holder()
                if current is not None:
                    if not self._is_stale(current):
                        raise StateError(
                            f"another command holds the project lock: {current.describe()}",
                            detail=f"lock file: {self.path}",
                            hint="Wait for it to finish. If that process is gone (for example on another "
                            "machine), release the lock with `strands force-unlock` and run again.",
                            data={"holder": asdict(current), "lock_file": str(self.path)},
                        )
                    log.warning("taking over a stale project lock: %s is no longer running", current.describe())
                me = LockHolder(
                    pid=os.getpid(),
                    host=socket.gethostname(),
                    command=self.command,
                    started=datetime.now(UTC).isoformat(timespec="seconds"),
                    token=uuid.uuid4().hex,
                    proc_start=_proc_start(os.getpid()),
                )
                atomic_write_json(self.path, asdict(me), mode=PRIVATE_FILE_MODE)
        except Timeout:
            raise StateError(
                f"could not check the project lock within {GUARD_TIMEOUT:.0f} s",
                detail=f"guard file: {self._guard.lock_file}",
                hint="Another strands process is starting or stopping; run again.",
            ) from None
        self.holder = me
        atexit.register(self.release)
        return me

    def holder_running(self, holder: LockHolder) -> bool | None:
        """True while the holder runs on this host, False once it is gone, None when that cannot be told
        (another host's process, or an unreadable lock file)."""
        if holder.pid <= 0 or holder.host != socket.gethostname():
            return None
        return not self._is_stale(holder)

    def break_lock(self, holder: LockHolder) -> bool:
        """Remove the lock whoever holds it (`strands force-unlock`), if ``holder`` (what was shown to the user)
        still holds it; False when the lock changed hands or was released meanwhile."""
        try:
            with self._guard:
                current = self.read_holder()
                if current is None or current != holder:
                    return False
                self.path.unlink(missing_ok=True)
                log.warning("project lock of %s released by force", holder.describe())
                return True
        except Timeout:
            raise StateError(
                f"could not check the project lock within {GUARD_TIMEOUT:.0f} s",
                detail=f"guard file: {self._guard.lock_file}",
                hint="Another strands process is starting or stopping; run again.",
            ) from None

    def release(self) -> None:
        """Give the lock back (only if this object still holds it); safe to call twice."""
        if self.holder is None:
            return
        token = self.holder.token
        self.holder = None
        with contextlib.suppress(OSError):
            atexit.unregister(self.release)
        try:
            with self._guard:
                current = self.read_holder()
                if current is not None and current.token == token:
                    self.path.unlink(missing_ok=True)
        except Timeout:
            log.warning("could not release the project lock %s; it will be taken over as stale", self.path)

    @property
    def held(self) -> bool:
        """True while this object holds the lock."""
        return self.holder is not None

    def __enter__(self) -> ProjectLock:
        self.acquire()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.release()


def current_command() -> str:
    """The command line of this process, for the holder record (``strands apply --env prod``)."""
    argv: list[Any] = list(sys.argv) or ["strands"]
    argv[0] = Path(str(argv[0])).name
    return " ".join(str(a) for a in argv)
