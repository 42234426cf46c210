"""One agent's dev worker seen from the server: start, invoke, hot reload, restart after a crash.

The worker process (strands_tf/dev/worker.py) is a zygote that forks one child per code version. A reload
forks a new child; only when it has imported the handler does it replace the serving one, so broken code
never takes the agent down: the previous version keeps answering and the error is reported.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from strands_tf.dev.worker import receive_message, send_message
from strands_tf.errors import DependencyError
from strands_tf.fsutil import open_private, private_mkdir

log = logging.getLogger(__name__)

# Lambda gives a function's init phase 10 s; a dev machine importing a cold dependency tree may need more
LOAD_TIMEOUT_SECONDS = 120.0
_PRELOAD_CHUNK = 400


@dataclass(frozen=True)
class WorkerSpec:
    """Everything a worker needs to run one agent's handler like Lambda would."""

    agent: str
    handler: str
    code_dir: Path
    timeout: int
    memory: int
    function_name: str
    function_arn: str
    log_group: str
    env: dict[str, str]
    log_file: Path
    deps_dir: Path | None = None
    model: str = "bedrock"
    script: Path | None = None
    preload: tuple[str, ...] = ()

    def settings(self) -> dict[str, Any]:
        """What the worker process reads from its command line."""
        return {
            "agent": self.agent,
            "handler": self.handler,
            "code_dir": str(self.code_dir.resolve()),
            "deps_dir": str(self.deps_dir) if self.deps_dir else None,
            "memory": self.memory,
            "function_name": self.function_name,
            "function_arn": self.function_arn,
            "log_group": self.log_group,
            "log_stream": f"{time.strftime('%Y/%m/%d')}/[$LATEST]strandsdev{uuid.uuid4().hex[:16]}",
            "model": self.model,
            "script": str(self.script) if self.script else None,
            "preload": list(self.preload),
        }


@dataclass(frozen=True)
class WorkerEvent:
    """Something that happened to a worker, for the terminal and the request log."""

    kind: str  # starting, loaded, load_failed, crashed, timed_out, model_unavailable
    agent: str
    message: str
    error: dict[str, Any] | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    generation: int = 0


@dataclass
class InvokeResult:
    """The outcome of one invocation."""

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    logs: list[dict[str, Any]] = field(default_factory=list)
    tool_calls: list[dict[str, Any]] = field(default_factory=list)
    duration_ms: float = 0.0
    generation: int = 0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class _Child:
    pid: int
    sock: socket.socket
    generation: int

    def close(self) -> None:
        with contextlib.suppress(OSError):
            send_message(self.sock, {"op": "exit"})
        with contextlib.suppress(OSError):
            self.sock.close()

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(self.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self.sock.close()


class _Zygote:
    """The worker process: imports the dependencies once, forks children on request."""

    def __init__(self, spec: WorkerSpec) -> None:
        if not hasattr(os, "fork") or not hasattr(socket, "send_fds"):
            raise DependencyError(
                "strands dev needs a POSIX system (Linux or macOS) to run agents in reloadable workers",
                hint="run strands dev under WSL on Windows",
            )
        # what the agent prints can hold values: private like everything under .strands/
        private_mkdir(spec.log_file.parent)
        self.lock = threading.Lock()
        self.control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM)
        with open_private(spec.log_file, "ab") as log_file:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "strands_tf.dev.worker", str(theirs.fileno()), json.dumps(spec.settings())],
                pass_fds=[theirs.fileno()],
                env=spec.env,
                cwd=spec.code_dir,
                stdin=subprocess.DEVNULL,
                stdout=log_file,
                stderr=subprocess.STDOUT,
            )
        theirs.close()
        self.control.settimeout(LOAD_TIMEOUT_SECONDS)
        try:
            hello = json.loads(self.control.recv(65536) or b"{}")
        except (TimeoutError, OSError, ValueError):
            hello = {}
        if hello.get("op") != "hello":
            self.stop()
            raise DependencyError(
                f"agent '{spec.agent}': the dev worker did not start",
                hint=f"see {spec.log_file} for what it printed",
            )
        self.model_error: str | None = hello.get("model_error")

    def spawn(self) -> tuple[int, socket.socket]:
        """A new child and the server's end of its socket."""
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            with self.lock:
                socket.send_fds(self.control, [json.dumps({"op": "spawn"}).encode()], [theirs.fileno()])
                reply = json.loads(self.control.recv(65536) or b"{}")
        except (OSError, ValueError) as exc:
            ours.close()
            raise DependencyError(f"the dev worker process is not answering: {exc}") from None
        finally:
            theirs.close()
        return int(reply["pid"]), ours

    def preload(self, modules: list[str]) -> None:
        """Import modules the children needed, so later children start warm."""
        for start in range(0, len(modules), _PRELOAD_CHUNK):
            with self.lock, contextlib.suppress(OSError):
                self.control.send(
                    json.dumps({"op": "preload", "modules": modules[start : start + _PRELOAD_CHUNK]}).encode()
                )

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.control.send(json.dumps({"op": "exit"}).encode())
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=5)
        with contextlib.suppress(OSError):
            self.control.close()


class AgentWorker:
    """Runs one agent's handler in a reloadable worker and invokes it one request at a time (like Lambda)."""

    def __init__(self, spec: WorkerSpec, on_event: Callable[[WorkerEvent], None] | None = None) -> None:
        self.spec = spec
        self.on_event = on_event or (lambda event: None)
        self.generation = 0
        self.last_error: dict[str, Any] | None = None
        self.local_files: set[str] = set()
        self._zygote: _Zygote | None = None
        self._child: _Child | None = None
        self._invoke_lock = threading.Lock()
        self._spawn_lock = threading.Lock()

    # -- lifecycle

    def start(self) -> bool:
        """Start the worker and load the handler; False when the code does not load (it keeps waiting for a fix)."""
        self._zygote = _Zygote(self.spec)
        if self._zygote.model_error:
            self.on_event(WorkerEvent("model_unavailable", self.spec.agent, self._zygote.model_error))
        return self.reload("start")

    def reload(self, reason: str) -> bool:
        """Import the current code in a new child; it replaces the serving one only if it loads."""
        with self._spawn_lock:
            generation = self.generation + 1
            started = time.monotonic()
            outcome = self._spawn(generation)
            elapsed = (time.monotonic() - started) * 1000
            if isinstance(outcome, dict):
                self.last_error = outcome["error"]
                keeps = " (the previous version keeps serving)" if self._child is not None else ""
                self.on_event(
                    WorkerEvent(
                        "load_failed",
                        self.spec.agent,
                        f"{reason}: the handler did not load{keeps}",
                        outcome["error"],
                        outcome.get("logs", []),
                        self.generation,
                    )
                )
                return False
            with self._invoke_lock:
                old, self._child = self._child, outcome
                self.generation = generation
            self.last_error = None
            if old is not None:
                old.close()
            self.on_event(
                WorkerEvent("loaded", self.spec.agent, f"{reason}: loaded in {elapsed:.0f} ms", generation=generation)
            )
            return True

    def restart(self, reason: str, spec: WorkerSpec | None = None) -> bool:
        """A new worker process (dependencies changed); the old one serves until the new code loads."""
        new_spec = spec or self.spec
        zygote = _Zygote(new_spec)
        old_zygote, old_spec = self._zygote, self.spec
        self._zygote, self.spec = zygote, new_spec
        if self.reload(reason):
            if old_zygote is not None:
                old_zygote.stop()
            return True
        # the new process cannot load the code: go back to the one that could
        zygote.stop()
        self._zygote, self.spec = old_zygote, old_spec
        return False

    def stop(self) -> None:
        """End the serving child and the worker process."""
        with self._invoke_lock:
            child, self._child = self._child, None
        if child is not None:
            child.close()
        if self._zygote is not None:
            self._zygote.stop()
            self._zygote = None

    # -- invocation

    def invoke(self, event: Any, request_id: str | None = None) -> InvokeResult:
        """Run the handler on one event with the configured timeout (requests to one agent run in turn)."""
        request_id = request_id or str(uuid.uuid4())
        with self._invoke_lock:
            child = self._child
            started = time.monotonic()
            if child is None:
                error = self.last_error or {"errorType": "Runtime.Unavailable", "errorMessage": "no code loaded"}
                return InvokeResult(request_id, error=error, generation=self.generation)
            deadline_ms = int(time.time() * 1000) + self.spec.timeout * 1000
            reply: dict[str, Any] | None = None
            timed_out = False
            try:
                send_message(child.sock, {"op": "invoke", "event": event, "request_id": request_id,
                                          "deadline_ms": deadline_ms})  # fmt: skip
                child.sock.settimeout(self.spec.timeout + 0.5)
                reply = receive_message(child.sock)
            except TimeoutError:
                timed_out = True
            except OSError:
                reply = None
            duration = (time.monotonic() - started) * 1000
            if reply is not None:
                self.local_files.update(reply.get("local_files", []))
                if reply.get("new_modules") and self._zygote is not None:
                    self._zygote.preload(reply["new_modules"])
                result = InvokeResult(
                    request_id,
                    reply.get("result"),
                    reply.get("error"),
                    reply.get("logs", []),
                    reply.get("tool_calls", []),
                    duration,
                    child.generation,
                )
                if not reply.get("fatal"):
                    return result
                lost = result
            elif timed_out:
                lost = InvokeResult(
                    request_id,
                    error={
                        "errorType": "Sandbox.Timedout",
                        "errorMessage": f"Task timed out after {self.spec.timeout:.2f} seconds",
                        "stackTrace": [],
                        "location": None,
                    },
                    duration_ms=duration,
                    generation=child.generation,
                )
            else:
                lost = InvokeResult(
                    request_id,
                    error={
                        "errorType": "Runtime.ExitError",
                        "errorMessage": "the worker process exited during the invocation (os._exit, a signal or "
                        f"a crash in native code); see {self.spec.log_file}",
                        "stackTrace": [],
                        "location": None,
                    },
                    duration_ms=duration,
                    generation=child.generation,
                )
            # Lambda discards an execution environment after a timeout or a crash: so does the dev server
            child.kill()
            self._child = None
        kind = "timed_out" if timed_out else "crashed"
        self.on_event(WorkerEvent(kind, self.spec.agent, lost.error["errorMessage"] if lost.error else kind))
        self.reload("new execution environment")
        return lost

    # -- internals

    def _spawn(self, generation: int) -> _Child | dict[str, Any]:
        """A loaded child, or the load failure (a dict with error and logs)."""
        if self._zygote is None or not self._zygote.alive():
            self._zygote = _Zygote(self.spec)
        try:
            pid, sock = self._zygote.spawn()
        except DependencyError:
            self._zygote.stop()
            self._zygote = _Zygote(self.spec)
            pid, sock = self._zygote.spawn()
        sock.settimeout(LOAD_TIMEOUT_SECONDS)
        try:
            message = receive_message(sock)
        except TimeoutError:
            message = {
                "op": "load_error",
                "error": {
                    "errorType": "Runtime.InitTimeout",
                    "errorMessage": f"importing {self.spec.handler} took longer than {LOAD_TIMEOUT_SECONDS:.0f} s",
                    "stackTrace": [],
                    "location": None,
                },
            }
        if message is None:
            message = {
                "op": "load_error",
                "error": {
                    "errorType": "Runtime.ExitError",
                    "errorMessage": f"the worker exited while importing {self.spec.handler}; see {self.spec.log_file}",
                    "stackTrace": [],
                    "location": None,
                },
            }
        if message.get("op") != "ready":
            _Child(pid, sock, generation).kill()
            return message
        self.local_files = set(message.get("local_files", []))
        return _Child(pid, sock, generation)
