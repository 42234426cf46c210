"""Project lock: immediate failure naming the holder, stale takeover, release on errors, races."""

from __future__ import annotations

import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from strands_tf.errors import StateError
from strands_tf.state.lock import ProjectLock, current_command

HOLD = """
import sys, time
from strands_tf.state.lock import ProjectLock
lock = ProjectLock(sys.argv[1], "strands apply --env dev")
lock.acquire()
print("held", flush=True)
if sys.argv[2] == "crash":
    import os
    os._exit(0)  # dies without releasing: the lock file stays behind
time.sleep(float(sys.argv[2]))
lock.release()
"""


def _holder(tmp_path: Path, arg: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(tmp_path), arg], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def _finish(proc: subprocess.Popen[str]) -> None:
    if proc.poll() is None:
        proc.kill()
    proc.wait(timeout=30)
    if proc.stdout:
        proc.stdout.close()


def test_second_apply_fails_at_once_naming_the_holder(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "30")
    try:
        start = time.monotonic()
        with pytest.raises(StateError) as exc:
            ProjectLock(tmp_path, "strands apply").acquire()
        assert time.monotonic() - start < 5.0  # no waiting for the holder (which sleeps 30 s)
        err = exc.value
        assert f"pid {proc.pid}" in err.summary
        assert socket.gethostname() in err.summary
        assert "strands apply --env dev" in err.summary
        assert err.data["holder"]["pid"] == proc.pid and err.data["holder"]["started"]
        assert "strands force-unlock" in (err.hint or "")
    finally:
        _finish(proc)


def test_lock_is_free_after_holder_releases(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "0.2")
    proc.wait(timeout=30)
    _finish(proc)
    with ProjectLock(tmp_path, "strands apply") as lock:
        assert lock.held and lock.path.exists()
    assert not lock.path.exists()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    proc = _holder(tmp_path, "crash")
    proc.wait(timeout=30)
    _finish(proc)
    lock_file = tmp_path / ".strands" / "project.lock"
    assert json.loads(lock_file.read_text())["pid"] == proc.pid
    with caplog.at_level(logging.WARNING, logger="strands_tf.state.lock"):
        lock = ProjectLock(tmp_path, "strands apply")
        holder = lock.acquire()
    assert holder.pid == os.getpid()
    assert "stale project lock" in caplog.text and f"pid {proc.pid}" in caplog.text
    lock.release()


def test_killed_holder_is_stale(tmp_path: Path) -> None:
    proc = _holder(tmp_path, "30")
    os.kill(proc.pid, signal.SIGKILL)
    _finish(proc)
    with ProjectLock(tmp_path, "strands destroy"):
        pass


def test_reused_pid_with_other_start_time_is_stale(tmp_path: Path) -> None:
    lock_file = tmp_path / ".strands" / "project.lock"
    lock_file.parent.mkdir()
    # Our own (alive) pid, but a start time that is not ours: the pid was reused.
    lock_file.write_text(
        json.dumps(
            {
                "pid": os.getpid(),
                "host": socket.gethostname(),
                "command": "old",
                "started": "2020-01-01T00:00:00+00:00",
                "token": "t",
                "proc_start": "1",
            }
        )
    )
    if not Path(f"/proc/{os.getpid()}/stat").exists():
        pytest.skip("no /proc on this platform")
    with ProjectLock(tmp_path, "strands apply") as lock:
        assert lock.holder is not None and lock.holder.command == "strands apply"


def test_other_host_and_unreadable_locks_are_not_taken(tmp_path: Path) -> None:
    lock_file = tmp_path / ".strands" / "project.lock"
    lock_file.parent.mkdir()
    lock_file.write_text(
        json.dumps(
            {
                "pid": 1,
                "host": "build-agent-7",
                "command": "strands apply",
                "started": "2026-01-01T00:00:00+00:00",
                "token": "t",
            }
        )
    )
    with pytest.raises(StateError, match="build-agent-7"):
        ProjectLock(tmp_path, "strands apply").acquire()
    lock_file.write_text("{half written")
    with pytest.raises(StateError, match="unknown"):
        ProjectLock(tmp_path, "strands apply").acquire()


def test_released_on_exception_and_idempotent(tmp_path: Path) -> None:
    lock = ProjectLock(tmp_path, "strands apply")
    with pytest.raises(RuntimeError), lock:
        assert lock.path.exists()
        raise RuntimeError("apply failed")
    assert not lock.path.exists() and not lock.held
    lock.release()  # twice is fine


def test_release_never_removes_someone_elses_lock(tmp_path: Path) -> None:
    mine = ProjectLock(tmp_path, "strands apply")
    mine.acquire()
    # Someone (after a stale takeover) now owns the file.
    data = json.loads(mine.path.read_text())
    data["token"] = "someone-else"
    mine.path.write_text(json.dumps(data))
    mine.release()
    assert mine.path.exists()


def test_same_process_second_lock_also_fails(tmp_path: Path) -> None:
    with ProjectLock(tmp_path, "strands apply"), pytest.raises(StateError, match=f"pid {os.getpid()}"):
        ProjectLock(tmp_path, "strands apply").acquire()


RACER = """
import sys, time
from pathlib import Path
from strands_tf.errors import StateError
from strands_tf.state.lock import ProjectLock
go, stop = float(sys.argv[2]), Path(sys.argv[3])
while time.time() < go:
    time.sleep(0.001)
try:
    lock = ProjectLock(sys.argv[1], "racer")
    lock.acquire()
    print("won", flush=True)
    deadline = time.time() + 120
    while not stop.exists() and time.time() < deadline:  # hold until every racer has tried
        time.sleep(0.01)
    lock.release()
except StateError:
    print("lost", flush=True)
"""


def test_racing_processes_exactly_one_wins(tmp_path: Path) -> None:
    go = str(time.time() + 1.5)
    stop = tmp_path / "stop"
    procs = [
        subprocess.Popen([sys.executable, "-c", RACER, str(tmp_path), go, str(stop)], stdout=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    try:
        results = []
        for p in procs:
            assert p.stdout is not None
            results.append(p.stdout.readline().strip())
        stop.write_text("")
        for p in procs:
            p.wait(timeout=60)
    finally:
        for p in procs:
            _finish(p)
    assert sorted(results) == ["lost", "lost", "lost", "won"]
    assert not (tmp_path / ".strands" / "project.lock").exists()


def test_current_command_names_the_program() -> None:
    assert current_command().split()[0] == Path(sys.argv[0]).name
