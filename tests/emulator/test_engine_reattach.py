"""The reattached (unmanaged) provider: no mirror, no lock file, same results."""

from __future__ import annotations

from pathlib import Path

import pytest

from strands_tf.emulator.provider.reattach import REATTACH_ENV, ReattachedProvider
from strands_tf.errors import DependencyError

from .aws import client
from .conftest import provider_block
from .tfrun import Terraform

pytestmark = [pytest.mark.engine, pytest.mark.moto]


def test_reattached_provider_runs_a_stack_without_mirror_or_lock_file(tmp_path: Path, moto_server) -> None:
    work = tmp_path / "stack"
    work.mkdir()
    (work / "main.tf").write_text(
        provider_block(moto_server.endpoint)
        + 'resource "aws_sqs_queue" "q" {\n  name = "emu-reattach"\n}\noutput "url" { value = aws_sqs_queue.q.url }\n'
    )
    cli_config = tmp_path / "empty.tfrc"
    cli_config.write_text("")
    with ReattachedProvider(work) as env:
        assert REATTACH_ENV in env
        tf = Terraform(work, {**env, "TF_DATA_DIR": str(tmp_path / "data"), "TF_CLI_CONFIG_FILE": str(cli_config)})
        tf.run("init", "-input=false", "-no-color")
        assert not (work / ".terraform.lock.hcl").exists()
        tf.apply()
        url = tf.outputs()["url"]
        assert url.endswith("/emu-reattach")
        assert tf.changes() == []
        tf.destroy()
    sqs = client(moto_server.endpoint, "sqs")
    assert [u for u in sqs.list_queues().get("QueueUrls", []) if u.endswith("/emu-reattach")] == []


def test_broken_provider_start_is_a_dependency_error(tmp_path: Path) -> None:
    provider = ReattachedProvider(tmp_path, extra_env={"STRANDS_TF_EMULATOR_SCHEMA": str(tmp_path / "missing.json")})
    with pytest.raises(DependencyError) as err:
        provider.start(timeout=20)
    assert "missing.json" in (err.value.detail or "")


def _running(pid: int) -> bool:
    """True while `pid` runs (a zombie waiting for a parent that does not reap counts as ended)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def test_reattached_provider_ends_when_strands_is_killed(tmp_path: Path) -> None:
    """kill -9 of strands left the provider it started running for good (one more per killed command)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    parent = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time\n"
            "from pathlib import Path\n"
            "from strands_tf.emulator.provider.reattach import ReattachedProvider\n"
            "provider = ReattachedProvider(Path(sys.argv[1]))\n"
            "provider.start()\n"
            "print(provider.proc.pid, flush=True)\n"
            "time.sleep(600)\n",
            str(tmp_path),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert parent.stdout is not None
    provider_pid = int(parent.stdout.readline())
    assert _running(provider_pid)
    os.kill(parent.pid, signal.SIGKILL)
    parent.wait()
    deadline = time.monotonic() + 120  # generous: the check only needs the provider to notice, on a busy machine
    while _running(provider_pid) and time.monotonic() < deadline:
        time.sleep(0.2)
    still = _running(provider_pid)
    if still:
        os.kill(provider_pid, signal.SIGKILL)
    assert not still, "the provider outlived the strands process that started it"


def test_a_sigterm_never_deadlocks_the_wait(tmp_path: Path) -> None:
    """QA round 2: reattached providers outlived strands (ppid 1, idle for good). Their SIGTERM handler called
    threading.Event.set() while the main thread held that Event's lock inside Event.wait: a deadlock, after
    which neither the SIGTERM nor the parent watch could end the process. Thousands of SIGTERMs at random
    moments of the wait must each end it."""
    import subprocess
    import sys

    script = (
        "import os, random, signal, threading, time\n"
        "from strands_tf.emulator.provider.plugin import wait_for_stop\n"
        "def send(done):\n"
        "    while not done.is_set():  # until the wait ends: a signal before its handler is installed is lost\n"
        "        time.sleep(random.random() * 0.002)\n"
        "        os.kill(os.getpid(), signal.SIGTERM)\n"
        "signal.signal(signal.SIGTERM, lambda *_: None)  # a signal between two waits must not end the process\n"
        "for _ in range(3000):\n"
        "    done = threading.Event()\n"
        "    sender = threading.Thread(target=send, args=(done,))\n"
        "    sender.start()\n"
        "    wait_for_stop(os.getppid(), interval=0.0005)\n"
        "    done.set()\n"
        "    sender.join()\n"
        "print('ok')\n"
    )
    try:
        ran = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=240)
    except subprocess.TimeoutExpired:
        pytest.fail("wait_for_stop deadlocked on a SIGTERM")
    assert ran.returncode == 0 and ran.stdout.strip() == "ok", ran.stderr
