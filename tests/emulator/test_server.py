"""The moto server lifecycle: start on a free loopback port, health, status, stop, bad input."""

from __future__ import annotations

import socket
from pathlib import Path

import boto3
import pytest

from strands_tf.emulator import server
from strands_tf.errors import ConflictError, StateError

pytestmark = [pytest.mark.moto]


def test_start_status_reset_stop(tmp_path: Path) -> None:
    info = server.start(log_file=tmp_path / "emulator.log")
    try:
        assert info.endpoint.startswith("http://127.0.0.1:")
        assert server.status(info) == "running"
        s3 = boto3.client(
            "s3", endpoint_url=info.endpoint, region_name="us-east-1", aws_access_key_id="t", aws_secret_access_key="t"
        )
        s3.create_bucket(Bucket="lifecycle")
        server.reset(info)
        assert s3.list_buckets()["Buckets"] == []

        record = tmp_path / ".strands" / "emulator.json"
        info.save(record)
        assert server.ServerInfo.load(record) == info
    finally:
        assert server.stop(info) is True
    assert server.status(info) == "stopped"
    assert server.stop(info) is False  # stopping twice is harmless


def test_port_in_use_is_a_conflict() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        port = sock.getsockname()[1]
        with pytest.raises(ConflictError) as err:
            server.start(port=port)
    assert f"port {port}" in err.value.summary
    assert err.value.hint


def test_pid_file_missing_or_damaged(tmp_path: Path) -> None:
    assert server.ServerInfo.load(tmp_path / "none.json") is None
    bad = tmp_path / "emulator.json"
    bad.write_text("{not json")
    with pytest.raises(StateError) as err:
        server.ServerInfo.load(bad)
    assert str(bad) in (err.value.detail or "")


def test_stale_record_is_stopped_and_never_signals_a_foreign_process(tmp_path: Path) -> None:
    import os

    # our own pid is alive but is not a moto server: stop must not touch it
    me = server.ServerInfo(pid=os.getpid(), port=1, started_at=0)
    assert server.status(me) == "stopped"
    assert server.stop(me) is False


def test_identity_tells_our_server_from_any_other(tmp_path: Path) -> None:
    import dataclasses
    import subprocess
    import sys
    import time
    import urllib.request

    info = server.start(log_file=tmp_path / "emulator.log")
    try:
        assert info.token and len(info.token) == 32
        assert server.identify(info) is server.Identity.OURS
        assert server.identify(dataclasses.replace(info, token="0" * 32)) is server.Identity.FOREIGN
        assert server.identify(dataclasses.replace(info, token=None)) is server.Identity.OURS  # pre-token record
        assert "token" not in info.to_dict()  # `emulator status --json` does not print it
        record = tmp_path / "emulator.json"
        info.save(record)
        assert server.ServerInfo.load(record) == info and record.stat().st_mode & 0o077 == 0
    finally:
        server.stop(info)
    assert server.identify(info, timeout=0.5) is server.Identity.SILENT

    # a plain moto server (no identity endpoint) is nobody's emulator, unless the record predates tokens
    port = server.free_port()
    plain = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1).close()
                break
            except OSError:
                time.sleep(0.1)
        other = server.ServerInfo(pid=plain.pid, port=port, started_at=0, token="f" * 32)
        assert server.identify(other) is server.Identity.FOREIGN
        assert server.stop(other) is False and plain.poll() is None  # never signalled
        assert server.identify(dataclasses.replace(other, token=None)) is server.Identity.OURS
    finally:
        plain.terminate()
        plain.wait(timeout=10)
