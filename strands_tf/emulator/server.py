"""The AWS API emulator: a moto server child process on 127.0.0.1 (start, identity and health checks, stop).

Every start gets a random token, handed to the server in its environment and kept in the record (pid file).
The server answers it on a private endpoint (`moto_main.IDENTITY_PATH`), so a record is only ever matched
with the server it describes: not with another project's emulator that took the port after ours died, and
not with a process that inherited a recycled pid.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from strands_tf.emulator.moto_main import IDENTITY_PATH, TOKEN_ENV
from strands_tf.errors import ConflictError, DependencyError, NetworkError, ProvisioningError, StateError
from strands_tf.fsutil import open_private, private_mkdir, read_file_bytes

log = logging.getLogger(__name__)

HOST = "127.0.0.1"  # the emulator never listens on anything else
PROBE_TIMEOUT = 2.0  # one identity request
ANSWER_DEADLINE = 20.0  # how long a live emulator process may take to answer before it counts as hung
MOTO_MARKERS = (b"strands_tf.emulator.moto_main", b"moto_server", b"moto.server")


class Identity(Enum):
    """What answers on a record's port."""

    OURS = "ours"  # the server this record started (its token)
    FOREIGN = "foreign"  # something else: another emulator, another moto, any other server
    SILENT = "silent"  # nothing answered in time


@dataclass(frozen=True)
class ServerInfo:
    """A running emulator: what a pid file records and what clients need."""

    pid: int
    port: int
    started_at: float
    log_file: str | None = None
    token: str | None = None  # per-start identity; None in records written before tokens existed

    @property
    def endpoint(self) -> str:
        """Base URL for every AWS service (moto serves them all on one port)."""
        return f"http://{HOST}:{self.port}"

    def to_dict(self) -> dict[str, Any]:
        """What `emulator status --json` shows (the token stays in the record)."""
        public = {k: v for k, v in asdict(self).items() if k != "token"}
        return {**public, "host": HOST, "endpoint": self.endpoint}

    def save(self, path: Path) -> None:
        """Write the record atomically (temp file + rename), readable by its owner only."""
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump({**self.to_dict(), "token": self.token}, fh)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    @classmethod
    def load(cls, path: Path) -> ServerInfo | None:
        """Read a record written by ``save``; None if there is none, StateError if it is damaged."""
        try:
            raw = json.loads(read_file_bytes(path).decode("utf-8"))
            return cls(
                pid=int(raw["pid"]),
                port=int(raw["port"]),
                started_at=float(raw["started_at"]),
                log_file=raw.get("log_file"),
                token=raw.get("token"),
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


def identify(info: ServerInfo, timeout: float = PROBE_TIMEOUT) -> Identity:
    """Whether the server this record started answers on its port (its token), something else does, or nothing."""
    try:
        with urllib.request.urlopen(f"{info.endpoint}{IDENTITY_PATH}", timeout=timeout) as resp:
            raw = resp.read(4096)
    except urllib.error.HTTPError:
        if info.token is None and _answers_moto_api(info, timeout):
            return Identity.OURS  # a record and server from before tokens: the best evidence there is
        return Identity.FOREIGN  # a server without the identity endpoint: not one we started
    except (OSError, urllib.error.URLError):
        return Identity.SILENT
    try:
        answer = json.loads(raw)
    except ValueError:
        return Identity.FOREIGN
    if not isinstance(answer, dict) or answer.get("server") != "strands-emulator":
        return Identity.FOREIGN
    if info.token is None:
        return Identity.OURS  # a record from before tokens: an emulator on its port is the best evidence
    return Identity.OURS if secrets.compare_digest(str(answer.get("token")), info.token) else Identity.FOREIGN


def _answers_moto_api(info: ServerInfo, timeout: float) -> bool:
    try:
        with urllib.request.urlopen(f"{info.endpoint}/moto-api/", timeout=timeout) as resp:
            return 200 <= resp.status < 300
    except (OSError, urllib.error.URLError):
        return False


def wait_for_answer(info: ServerInfo, deadline: float = ANSWER_DEADLINE) -> Identity:
    """`identify` again until the server answers, its process exits, or `deadline` seconds pass.

    A live emulator on a loaded machine can take seconds to answer; one silent probe proves nothing.
    """
    end = time.monotonic() + deadline
    while True:
        found = identify(info, timeout=max(0.1, min(PROBE_TIMEOUT, end - time.monotonic())))
        if found is not Identity.SILENT or not is_emulator_process(info.pid) or time.monotonic() >= end:
            return found
        time.sleep(0.2)


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
    token = secrets.token_hex(16)
    out: Any = subprocess.DEVNULL
    if log_file is not None:
        private_mkdir(log_file.parent)
        # request lines can carry values: private like everything under .strands/
        out = open_private(log_file, "ab")
    try:
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, TOKEN_ENV: token},
        )
    finally:
        if log_file is not None:
            out.close()
    info = ServerInfo(
        pid=proc.pid,
        port=chosen,
        started_at=time.time(),
        log_file=str(log_file) if log_file else None,
        token=token,
    )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if identify(info, timeout=0.5) is Identity.OURS:
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


def is_emulator_process(pid: int) -> bool:
    """The pid runs a moto server (guards against signalling a recycled pid that is no longer our emulator)."""
    if not _alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except FileNotFoundError:
        return False
    except OSError:
        return True  # no /proc (macOS): the identity check has to do
    return any(marker in cmdline for marker in MOTO_MARKERS)


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
    """Stop the emulator a record describes; False if it was not running (any more).

    Never signals a process that is not that emulator: a recycled pid, or another emulator answering with
    another token.
    """
    if not is_emulator_process(info.pid):
        return False
    if identify(info) is Identity.FOREIGN:
        return False
    _terminate(info.pid, grace)
    return True


def status(info: ServerInfo | None, *, deadline: float = 0.0) -> str:
    """``running``, ``unhealthy`` (process up, silent for `deadline` seconds) or ``stopped``."""
    if info is None or not is_emulator_process(info.pid):
        return "stopped"
    found = wait_for_answer(info, deadline) if deadline > 0 else identify(info)
    if found is Identity.OURS:
        return "running"
    return "unhealthy" if found is Identity.SILENT else "stopped"


def reset(info: ServerInfo) -> None:
    """Forget every emulated resource (moto's reset API)."""
    req = urllib.request.Request(f"{info.endpoint}/moto-api/reset", method="POST")
    try:
        with urllib.request.urlopen(req, timeout=5):
            pass
    except OSError as exc:
        raise NetworkError(f"cannot reach the AWS emulator at {info.endpoint}", detail=str(exc)) from exc
