"""The process that runs an agent's handler for `strands dev` (started as `python -m strands_tf.dev.worker`).

It is a zygote: it imports the agent's dependencies once, then forks a child per code version. The child
imports the handler module fresh and serves invocations, so a reload costs a fork and the import of the
agent's own modules, and a crash or a syntax error never reaches the server. Standard library only: the
agent's own dependencies (first on sys.path) must not meet this tool's versions of the same packages.

Wire format on every socket: a 4-byte big-endian length, then that many bytes of UTF-8 JSON.
"""

from __future__ import annotations

import contextlib
import decimal
import importlib
import io
import json
import logging
import os
import select
import signal
import socket
import struct
import sys
import time
import traceback
from collections.abc import Callable
from typing import Any

_HEADER = struct.Struct(">I")
MAX_MESSAGE = 256 * 1024 * 1024
_MAX_TOOL_INPUT = 2000


def send_message(sock: socket.socket, message: dict[str, Any]) -> None:
    """Write one framed JSON message."""
    data = json.dumps(message, default=_json_default).encode("utf-8")
    sock.sendall(_HEADER.pack(len(data)) + data)


def receive_message(sock: socket.socket) -> dict[str, Any] | None:
    """Read one framed JSON message; None at end of stream."""
    header = _read_exactly(sock, _HEADER.size)
    if header is None:
        return None
    (length,) = _HEADER.unpack(header)
    if length > MAX_MESSAGE:
        raise ValueError(f"message of {length} bytes is larger than {MAX_MESSAGE}")
    data = _read_exactly(sock, length)
    if data is None:
        return None
    message: dict[str, Any] = json.loads(data)
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes | None:
    chunks = bytearray()
    while len(chunks) < size:
        chunk = sock.recv(size - len(chunks))
        if not chunk:
            return None
        chunks.extend(chunk)
    return bytes(chunks)


def _json_default(value: Any) -> Any:
    # the Lambda Python runtime marshals Decimal (what DynamoDB returns) as a number
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


# ------------------------------------------------------------------------------------------------ errors


def describe_error(exc: BaseException, code_dir: str) -> dict[str, Any]:
    """Lambda's error shape (errorType, errorMessage, stackTrace) plus the user-code location."""
    frames = traceback.extract_tb(exc.__traceback__)
    location: dict[str, Any] | None = None
    if isinstance(exc, SyntaxError) and exc.filename:
        location = {"file": exc.filename, "line": exc.lineno, "name": "<module>"}
    else:
        user = [f for f in frames if f.filename.startswith(code_dir)]
        chosen = user[-1] if user else (frames[-1] if frames else None)
        if chosen is not None:
            location = {"file": chosen.filename, "line": chosen.lineno, "name": chosen.name}
    return {
        "errorType": type(exc).__name__,
        "errorMessage": str(exc),
        "stackTrace": traceback.format_exception(type(exc), exc, exc.__traceback__),
        "location": location,
    }


# ------------------------------------------------------------------------------------------------ capture


class _Capture(logging.Handler):
    """Collects what the handler logs and prints during one invocation (what CloudWatch would get)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.lines: list[dict[str, Any]] = []
        self.request_id = ""
        self.started = time.monotonic()

    def reset(self, request_id: str) -> list[dict[str, Any]]:
        taken, self.lines = self.lines, []
        self.request_id = request_id
        self.started = time.monotonic()
        return taken

    def add(self, level: str, message: str, logger: str = "") -> None:
        self.lines.append(
            {"ms": round((time.monotonic() - self.started) * 1000, 1), "level": level, "logger": logger,
             "message": message}
        )  # fmt: skip

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
            if record.exc_info:
                message += "\n" + "".join(traceback.format_exception(*record.exc_info)).rstrip()
        except Exception:  # a broken log call must not break the handler, as in Lambda
            message = str(record.msg)
        self.add(record.levelname, message, record.name)


class _Stream(io.TextIOBase):
    """sys.stdout / sys.stderr during an invocation: whole lines go to the capture."""

    def __init__(self, capture: _Capture, level: str) -> None:
        self.capture = capture
        self.level = level
        self.pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        self.pending += text
        *lines, self.pending = self.pending.split("\n")
        for line in lines:
            self.capture.add(self.level, line)
        return len(text)

    def flush(self) -> None:
        if self.pending:
            self.capture.add(self.level, self.pending)
            self.pending = ""


class ToolCalls:
    """The model's tool calls as Strands reports them to its tracer (start and end of each call)."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self._open: dict[int, dict[str, Any]] = {}

    def take(self) -> list[dict[str, Any]]:
        taken, self.calls = self.calls, []
        self._open.clear()
        return taken

    def install(self) -> bool:
        """Wrap Strands' Tracer; False when the agent does not use Strands."""
        try:
            from strands.telemetry.tracer import Tracer  # type: ignore[import-not-found]
        except Exception:
            return False
        start, end = getattr(Tracer, "start_tool_call_span", None), getattr(Tracer, "end_tool_call_span", None)
        if start is None or end is None or getattr(start, "_strands_dev", False):
            return start is not None
        calls = self

        def start_tool_call_span(tracer: Any, tool: Any, *args: Any, **kwargs: Any) -> Any:
            span = start(tracer, tool, *args, **kwargs)
            with contextlib.suppress(Exception):
                text = json.dumps(tool.get("input"), default=str)
                entry = {
                    "name": tool.get("name"),
                    "id": tool.get("toolUseId"),
                    "input": text if len(text) <= _MAX_TOOL_INPUT else text[:_MAX_TOOL_INPUT] + "…",
                    "started": time.monotonic(),
                }
                calls._open[id(span)] = entry
                calls.calls.append(entry)
            return span

        def end_tool_call_span(tracer: Any, span: Any, tool_result: Any = None, *args: Any, **kwargs: Any) -> Any:
            with contextlib.suppress(Exception):
                entry = calls._open.pop(id(span), None)
                if entry is not None:
                    entry["ms"] = round((time.monotonic() - entry.pop("started")) * 1000, 1)
                    error = kwargs.get("error") or (args[0] if args else None)
                    status = tool_result.get("status") if isinstance(tool_result, dict) else None
                    entry["status"] = "error" if error is not None else (status or "success")
            return end(tracer, span, tool_result, *args, **kwargs)

        start_tool_call_span._strands_dev = True  # type: ignore[attr-defined]
        Tracer.start_tool_call_span = start_tool_call_span
        Tracer.end_tool_call_span = end_tool_call_span
        return True


# ------------------------------------------------------------------------------------------------ context


class LambdaContext:
    """The context object the Lambda Python runtime passes to a handler."""

    def __init__(self, settings: dict[str, Any], request_id: str, deadline_ms: int) -> None:
        self.function_name: str = settings["function_name"]
        self.function_version = "$LATEST"
        self.invoked_function_arn: str = settings["function_arn"]
        self.memory_limit_in_mb = str(settings["memory"])
        self.aws_request_id = request_id
        self.log_group_name: str = settings["log_group"]
        self.log_stream_name: str = settings["log_stream"]
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds left before the configured timeout ends the invocation."""
        return max(0, self._deadline_ms - int(time.time() * 1000))


# ------------------------------------------------------------------------------------------------ child


def _local_modules(code_dir: str) -> list[str]:
    files = []
    for module in list(sys.modules.values()):
        path = getattr(module, "__file__", None)
        if path and os.path.abspath(path).startswith(code_dir):
            files.append(os.path.abspath(path))
    return sorted(files)


def _external_modules(code_dir: str, known: set[str]) -> list[str]:
    names = []
    for name, module in list(sys.modules.items()):
        if name in known or name.startswith("__"):
            continue
        path = getattr(module, "__file__", None)
        if path and not os.path.abspath(path).startswith(code_dir):
            names.append(name)
    return sorted(names)


def run_child(sock: socket.socket, settings: dict[str, Any]) -> None:
    """Import the handler and serve invocations on `sock` until the server closes it."""
    code_dir = settings["code_dir"]
    capture = _Capture()
    tools = ToolCalls()
    tools.install()
    root = logging.getLogger()
    root.handlers = [capture]
    known = set(sys.modules)
    module_name, _, function_name = settings["handler"].rpartition(".")
    real_stdout, real_stderr = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = _Stream(capture, "STDOUT"), _Stream(capture, "STDERR")
    try:
        module = importlib.import_module(module_name)
        handler: Callable[[Any, Any], Any] = getattr(module, function_name)
        if not callable(handler):
            raise TypeError(f"{settings['handler']} is not a function")
    except AttributeError:
        error = {
            "errorType": "Runtime.HandlerNotFound",
            "errorMessage": f"{settings['handler']} is undefined or not exported",
            "stackTrace": [],
            "location": {"file": getattr(sys.modules.get(module_name), "__file__", module_name), "line": None},
        }
        _flush(sys.stdout, sys.stderr)
        send_message(sock, {"op": "load_error", "error": error, "logs": capture.reset("")})
        return
    except BaseException as exc:
        _flush(sys.stdout, sys.stderr)
        error = describe_error(exc, code_dir)
        error["errorType"] = (
            "Runtime.UserCodeSyntaxError" if isinstance(exc, SyntaxError) else "Runtime.ImportModuleError"
        ) + f" ({type(exc).__name__})"
        send_message(sock, {"op": "load_error", "error": error, "logs": capture.reset("")})
        return
    _flush(sys.stdout, sys.stderr)
    send_message(
        sock,
        {
            "op": "ready",
            "pid": os.getpid(),
            "local_files": _local_modules(code_dir),
            "init_logs": capture.reset(""),
        },
    )
    while True:
        message = receive_message(sock)
        if message is None or message.get("op") == "exit":
            return
        request_id = message["request_id"]
        os.environ["_X_AMZN_TRACE_ID"] = f"Root=1-{int(time.time()):08x}-{request_id.replace('-', '')[:24]}"
        context = LambdaContext(settings, request_id, int(message["deadline_ms"]))
        capture.reset(request_id)
        tools.take()
        reply: dict[str, Any] = {"op": "result", "request_id": request_id}
        try:
            result = handler(message["event"], context)
            _flush(sys.stdout, sys.stderr)
            try:
                reply["result"] = json.loads(json.dumps(result, default=_json_default))
            except (TypeError, ValueError) as exc:
                reply["error"] = {
                    "errorType": "Runtime.MarshalError",
                    "errorMessage": f"Unable to marshal response: {exc}",
                    "stackTrace": [],
                    "location": None,
                }
        except BaseException as exc:
            _flush(sys.stdout, sys.stderr)
            reply["error"] = describe_error(exc, code_dir)
            capture.add("ERROR", "".join(reply["error"]["stackTrace"]).rstrip())
            if isinstance(exc, SystemExit | KeyboardInterrupt):
                reply["fatal"] = True
        reply["logs"] = capture.reset("")
        reply["tool_calls"] = tools.take()
        reply["local_files"] = _local_modules(code_dir)
        reply["new_modules"] = _external_modules(code_dir, known)
        known.update(reply["new_modules"])
        try:
            send_message(sock, reply)
        except OSError:
            return
        if reply.get("fatal"):
            sys.stdout, sys.stderr = real_stdout, real_stderr
            return


def _flush(*streams: Any) -> None:
    for stream in streams:
        with contextlib.suppress(Exception):
            stream.flush()


# ------------------------------------------------------------------------------------------------ zygote


def _prepare_path(settings: dict[str, Any]) -> None:
    code_dir = settings["code_dir"]
    deps = settings.get("deps_dir")
    rest = [p for p in sys.path if p not in ("", os.getcwd(), code_dir)]
    # strands_secrets.py, packaged with deployed agents that declare secrets: last, so an agent's own copy wins
    runtime = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "runtime")
    sys.path[:] = [code_dir, *([deps] if deps and os.path.isdir(deps) else []), *rest, runtime]
    os.chdir(code_dir)


def _preload(names: list[str]) -> None:
    for name in names:
        if name in sys.modules:
            continue
        with contextlib.suppress(BaseException):
            importlib.import_module(name)


def _install_model(settings: dict[str, Any]) -> str | None:
    """Swap the model provider before any agent code runs (--model scripted); the error text if it cannot."""
    if settings.get("model") != "scripted":
        return None
    try:
        from strands_tf.dev.scripted import install
    except Exception as exc:
        return f"--model scripted needs strands-agents in the agent's environment: {exc}"
    install(settings.get("script"))
    return None


def _reap() -> None:
    with contextlib.suppress(ChildProcessError):
        while True:
            pid, _status = os.waitpid(-1, os.WNOHANG)
            if pid == 0:
                return


def zygote(control: socket.socket, settings: dict[str, Any]) -> None:
    """Serve spawn requests from the server on the control socket until it goes away."""
    parent = os.getppid()
    _prepare_path(settings)
    model_error = _install_model(settings)
    _preload(settings.get("preload", []))
    ToolCalls().install()
    control.send(json.dumps({"op": "hello", "pid": os.getpid(), "model_error": model_error}).encode())
    while True:
        readable, _, _ = select.select([control], [], [], 1.0)
        _reap()
        if os.getppid() != parent:
            return  # the server is gone
        if not readable:
            continue
        data, fds, _flags, _addr = socket.recv_fds(control, 1024 * 1024, 1)
        if not data:
            return
        message = json.loads(data)
        op = message.get("op")
        if op == "exit":
            return
        if op == "preload":
            _preload(message.get("modules", []))
            continue
        if op == "spawn" and fds:
            pid = os.fork()
            if pid == 0:  # the child: serve on the passed socket, never return into the zygote loop
                code = 0
                try:
                    control.close()
                    signal.signal(signal.SIGINT, signal.SIG_DFL)
                    run_child(socket.socket(fileno=fds[0]), settings)
                except BaseException:
                    traceback.print_exc()
                    code = 1
                finally:
                    _flush(sys.__stdout__, sys.__stderr__)
                    os._exit(code)
            os.close(fds[0])
            control.send(json.dumps({"op": "spawned", "pid": pid}).encode())


def main(argv: list[str] | None = None) -> int:
    """Entry point: `python -m strands_tf.dev.worker CONTROL_FD SETTINGS_JSON`."""
    args = sys.argv[1:] if argv is None else argv
    control = socket.socket(fileno=int(args[0]))
    settings = json.loads(args[1])
    # Ctrl-C in the terminal reaches the whole process group: the server stops the workers itself
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    zygote(control, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
