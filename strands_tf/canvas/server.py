"""Run the canvas: uvicorn on a socket bound to 127.0.0.1 only, in the foreground or in a thread."""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strands_tf.canvas.app import CanvasApp, CanvasSettings, create_app, front_end_built, static_dir
from strands_tf.errors import DependencyError, UserError

HOST = "127.0.0.1"  # never configurable: the canvas edits files and runs plans for whoever can reach it
WS_MAX_BYTES = 1024 * 1024
BUILD_HINT = "run `make canvas` in the strands-tf repository (npm ci && npm run build in canvas/)"


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1:port (0: any free port); a taken port is a clear error."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {HOST}:{port}: {exc.strerror}", hint="choose another --port") from None
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def require_front_end(static: Path | None = None) -> None:
    """DependencyError with the one command that builds the front end, when it is missing."""
    if not front_end_built(static):
        raise DependencyError(
            "the canvas front end is not built (this looks like a source checkout)",
            detail=f"expected {(static or static_dir()) / 'index.html'}",
            hint=BUILD_HINT,
        )


@dataclass
class CanvasServer:
    """A canvas server bound to a port; `url` carries the token."""

    settings: CanvasSettings
    sock: socket.socket
    app: Any
    canvas: CanvasApp
    _server: Any = None
    _thread: threading.Thread | None = None

    @classmethod
    def create(cls, settings: CanvasSettings, port: int = 0) -> CanvasServer:
        """Bind the socket and build the app (nothing is served until run() or start())."""
        sock = bind(port)
        settings.guard.port = sock.getsockname()[1]
        app, canvas = create_app(settings)
        return cls(settings, sock, app, canvas)

    @property
    def port(self) -> int:
        return int(self.settings.guard.port)

    @property
    def base_url(self) -> str:
        return f"http://{HOST}:{self.port}"

    @property
    def url(self) -> str:
        """The page to open (the token in the query, as Jupyter does)."""
        return f"{self.base_url}/?token={self.settings.guard.token}"

    def _uvicorn(self) -> Any:
        import uvicorn

        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,  # the WebSocket URL carries the token
            ws_max_size=WS_MAX_BYTES,
            lifespan="on",
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        return self._server

    def run(self) -> None:
        """Serve in the foreground until Ctrl-C."""
        server = self._uvicorn()
        server.run(sockets=[self.sock])
        # Ctrl-C stopped a deployment started from the page gracefully: let Terraform finish writing its state
        self.canvas.deploys.wait(300)

    def start(self, timeout: float = 30) -> CanvasServer:
        """Serve in a background thread (tests, benchmarks); returns once requests are answered."""
        server = self._uvicorn()
        server.install_signal_handlers = lambda: None  # type: ignore[method-assign]
        self._thread = threading.Thread(target=server.run, kwargs={"sockets": [self.sock]}, daemon=True,
                                        name="canvas-server")  # fmt: skip
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the canvas server did not start")
            time.sleep(0.02)
        return self

    def stop(self) -> None:
        """Stop a server started with start()."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(15)
        self.canvas.plans.wait(60)
        self.canvas.deploys.wait(120)  # the lifespan's shutdown stopped it as Ctrl-C does: Terraform writes its state
        self.sock.close()
