"""The AWS API emulator: a moto server child process on 127.0.0.1 (start, health check, stop)."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from strands_tf.errors import ConflictError, DependencyError, NetworkError, ProvisioningError, StateError
from strands_tf.fsutil import open_private, private_mkdir

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # the emulator never listens on anything else
HEALTH_PATH = "/moto-api/"


@dataclass(frozen=True)
class ServerInfo:
    """A running emulator: what a pid file records and what clients need."""

    pid: int
    port: int
    started_at: float
    log_file: str | None = None

    @property
    def endpoint(self) -> str:
        """Base URL for every AWS service (moto serves them all on one port)."""
        return f"http://{HOST}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "host": HOST, "endpoint": self.endpoint}

    def save(self, path: Path) -> None:
        """Write the record atomically (temp file + rename)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(self.to_dict(), fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> ServerInfo | None:
        """Read a record written by ``save``; None if there is none, StateError if it is damaged."""
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                pid=int(raw["pid"]),
                port=int(raw["port"]),
                started_at=float(raw["started_at"]),
                log_file=raw.get("log_file"),
            )
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise StateError(
                "the emulator pid file is damaged",
                detail=f"{path}: {exc}",
                hint=f"Delete {path}; if a moto server is still running, stop it by its process id.",
            ) from exc


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((HOST, port))
        except OSError:
            return True
    return False


def moto_command() -> list[str]:
    """argv that starts the emulator's moto server (append `-H HOST -p PORT`); tests start theirs the same way."""
    try:
        import moto.server  # noqa: F401
    except ImportError as exc:
        raise DependencyError(
            "the AWS emulator (moto server) is not installed",
            detail=str(exc),
            hint='Install it into this environment: pip install "moto[server]>=5.1"',
        ) from exc
    # moto_server with bucket-policy conditions evaluated as AWS does (TLS-only policies, see moto_main)
    return [sys.executable, "-m", "strands_tf.emulator.moto_main"]


def is_healthy(endpoint: str, timeout: float = 1.0) -> bool:
    """True if a moto server answers its management API at ``endpoint``."""
    try:
        with urllib.request.urlopen(f"{endpoint}{HEALTH_PATH}", timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (OSError, urllib.error.URLError):
        return False


def _tail(path: str | None, lines: int = 20) -> str:
    if not path:
        return ""
    try:
        return "\n".join(Path(path).read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return ""


def start(*, port: int | None = None, log_file: Path | None = None, timeout: float = 30.0) -> ServerInfo:
    """Start a moto server on 127.0.0.1 in its own session (it outlives this process) and wait until healthy."""
    if port is not None and _port_in_use(port):
        raise ConflictError(
            f"port {port} on {HOST} is already in use",
            detail="Another process (maybe an emulator started earlier) listens on it.",
            hint="Stop that process, or start the emulator without a fixed port to get a free one.",
        )
    chosen = port if port is not None else free_port()
    cmd = [*moto_command(), "-H", HOST, "-p", str(chosen)]
    out: Any = subprocess.DEVNULL
    if log_file is not None:
        private_mkdir(log_file.parent)
        # request lines can carry values: private like everything under .strands/
        out = open_private(log_file, "ab")
    try:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    finally:
        if log_file is not None:
            out.close()
    info = ServerInfo(pid=proc.pid, port=chosen, started_at=time.time(), log_file=str(log_file) if log_file else None)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if is_healthy(info.endpoint, timeout=0.5):
            log.info("AWS emulator listening on %s (pid %d)", info.endpoint, proc.pid)
            return info
        code = proc.poll()
        if code is not None:
            raise ProvisioningError(
                f"the AWS emulator exited during start (exit code {code})",
                detail=_tail(info.log_file) or None,
                hint="Check the emulator log; if the port was taken meanwhile, start again.",
            )
        time.sleep(0.1)
    _terminate(proc.pid, grace=5)
    raise NetworkError(
        f"the AWS emulator did not answer on {info.endpoint} within {timeout:g} s",
        detail=_tail(info.log_file) or None,
        hint="The machine may be overloaded; start it again with a longer timeout.",
    )


def _is_moto(pid: int) -> bool:
    """Guard against signalling a recycled pid that is no longer our emulator."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ")
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc (macOS): trust the pid file
    return b"moto" in cmdline


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # a child that exited but was not reaped yet still answers kill(0)
    with contextlib.suppress(ChildProcessError, OSError):
        done, _ = os.waitpid(pid, os.WNOHANG)
        if done == pid:
            return False
    return True


def _terminate(pid: int, grace: float) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        if not _alive(pid):
            return
        time.sleep(0.05)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def stop(info: ServerInfo, grace: float = 10.0) -> bool:
    """Stop the emulator a record describes; False if it was not running (any more)."""
    if not _alive(info.pid) or not _is_moto(info.pid):
        return False
    _terminate(info.pid, grace)
    return True


def status(info: ServerInfo | None) -> str:
    """``running``, ``unhealthy`` (process up, API silent) or ``stopped``."""
    if info is None or not _alive(info.pid) or not _is_moto(info.pid):
        return "stopped"
    return "running" if is_healthy(info.endpoint) else "unhealthy"


def reset(info: ServerInfo) -> None:
    """Forget every emulated resource (moto's reset API)."""
    req = urllib.request.Request(f"{info.endpoint}/moto-api/reset", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5):
            pass
    except OSError as exc:
        raise NetworkError(f"cannot reach the AWS emulator at {info.endpoint}", detail=str(exc)) from exc
