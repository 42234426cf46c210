"""Shared fixtures: a real moto server on a free loopback port, temp projects."""

from __future__ import annotations

import os
import socket
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_FIXTURES = REPO_ROOT.parent / "shared" / "fixtures" / "terraform"


@pytest.fixture(autouse=True)
def _fresh_aws_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test gets its own process-wide AWS session factory: a session cached by an earlier test in the
    same worker keeps the credentials and endpoints that test had set, and later tests would use them."""
    import strands_tf.aws.session as session

    monkeypatch.setattr(session, "_default", None)


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MotoServer:
    """A moto server child process on 127.0.0.1 (real HTTP, every AWS service moto has)."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.endpoint = f"http://127.0.0.1:{port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        from strands_tf.emulator.server import moto_command

        # the emulator's own moto server: bucket-policy conditions evaluated as AWS does
        self.proc = subprocess.Popen(
            [*moto_command(), "-H", "127.0.0.1", "-p", str(self.port)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.endpoint}/moto-api/", timeout=1):
                    return
            except OSError:
                if self.proc.poll() is not None:
                    raise RuntimeError("moto_server exited during start") from None
                time.sleep(0.1)
        raise RuntimeError("moto_server did not answer within 30 s")

    def reset(self) -> None:
        """Forget every resource (moto's reset API)."""
        req = urllib.request.Request(f"{self.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(req, timeout=5):
            pass

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[MotoServer]:
    """One moto server per test session; tests call ``reset()`` or use unique names."""
    server = MotoServer(free_port())
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws_env(moto_server: MotoServer, monkeypatch: pytest.MonkeyPatch) -> MotoServer:
    """Point boto3 at the moto server with test credentials, isolated from the user's AWS config."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.setenv("AWS_ENDPOINT_URL", moto_server.endpoint)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return moto_server


@pytest.fixture(scope="session")
def shared_fixtures() -> Path:
    """Real plan JSON, tfstate and UI logs from public projects (../shared/fixtures/terraform)."""
    if not SHARED_FIXTURES.is_dir():
        pytest.fail(f"shared fixtures not found at {SHARED_FIXTURES}")
    return SHARED_FIXTURES


_SERVER_FIXTURES = {"moto_server", "aws_env"}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that start a moto server are `moto` tests even when unmarked, so `make test-fast` skips them."""
    for item in items:
        if _SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.moto)


@pytest.fixture
def read_only() -> Iterator[Callable[[Path], Path]]:
    """Make a directory really read-only (mode 0555, or the immutable attribute when running as root)."""
    import os
    import subprocess

    undo: list[Callable[[], None]] = []

    def make(directory: Path) -> Path:
        if os.geteuid() != 0:
            directory.chmod(0o555)
            undo.append(lambda: directory.chmod(0o755))
            return directory
        # root ignores modes: the immutable attribute refuses creating, renaming and removing entries even to root
        done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False)
        if done.returncode != 0:
            pytest.skip(f"cannot make a directory read-only as root here: {done.stderr.decode().strip()}")
        undo.append(lambda: subprocess.run(["chattr", "-i", str(directory)], check=True))
        return directory

    yield make
    for step in reversed(undo):
        step()
