"""A canvas server on a copy of a project, in this process (uvicorn in a thread), and a JSON client for it."""

from __future__ import annotations

import json
import shutil
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from strands_tf.canvas.app import CanvasSettings
from strands_tf.canvas.server import CanvasServer

REPO = Path(__file__).resolve().parents[2]
EXAMPLES = REPO / "examples"


class Client:
    """HTTP calls to a canvas server with its token, Host and (optionally) other headers."""

    def __init__(self, server: CanvasServer) -> None:
        self.server = server
        self.token = server.settings.guard.token

    def call(self, method: str, path: str, body: Any = None, *, headers: dict[str, str] | None = None,
             raw: bytes | None = None, token: bool = True) -> tuple[int, Any]:  # fmt: skip
        sent = {"Host": f"127.0.0.1:{self.server.port}"}
        if token:
            sent["Authorization"] = f"Bearer {self.token}"
        if body is not None:
            sent["Content-Type"] = "application/json"
        sent.update(headers or {})
        data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(self.server.base_url + path, data=data, method=method, headers=sent)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                payload = response.read()
                kind = response.headers.get("content-type", "")
                return response.status, json.loads(payload) if "json" in kind else payload.decode()
        except urllib.error.HTTPError as exc:
            payload = exc.read()
            try:
                return exc.code, json.loads(payload)
            except ValueError:
                return exc.code, payload.decode(errors="replace")

    def project(self) -> dict[str, Any]:
        code, body = self.call("GET", "/api/project")
        assert code == 200, body
        return body

    def edit(self, *ops: dict[str, Any], base: str | None = None) -> tuple[int, Any]:
        return self.call("POST", "/api/edit", {"base": base or self.project()["revision"], "ops": list(ops)})


@pytest.fixture
def copy_example(tmp_path: Path) -> Callable[[str], Path]:
    """A writable copy of an example project."""

    def make(name: str) -> Path:
        target = tmp_path / name
        shutil.copytree(EXAMPLES / name, target, ignore=shutil.ignore_patterns(".strands", "cdktf.out", "__pycache__"))
        return target

    return make


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Callable[..., Client]]:
    """Start canvas servers on project directories; all are stopped after the test."""
    monkeypatch.setenv("STRANDS_TEMPLATES_DIR", str(tmp_path / "user-templates"))
    servers: list[CanvasServer] = []

    def start(root: Path, **settings: Any) -> Client:
        server = CanvasServer.create(CanvasSettings(root=root, **settings)).start()
        servers.append(server)
        return Client(server)

    yield start
    for server in servers:
        server.stop()

