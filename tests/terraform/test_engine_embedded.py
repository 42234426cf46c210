"""The embedded engine entry point (``python -m strands_tf.terraform.embedded``) run directly."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.helpers.tfstacks import Res, read_local_state, state_resource_names, write_stack

pytestmark = pytest.mark.engine

EMBEDDED = [sys.executable, "-m", "strands_tf.terraform.embedded"]


def child_env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TF_")}
    env.update(
        STRANDS_CACHE_DIR=str(tmp_path / "cache"),
        TF_DATA_DIR=str(tmp_path / "data"),
        TF_IN_AUTOMATION="1",
        CHECKPOINT_DISABLE="1",
        HOME=str(tmp_path / "home"),
    )
    env.update(extra)
    return env


def test_version_json_and_tool_controlled_cli_config(tmp_path: Path) -> None:
    proc = subprocess.run([*EMBEDDED, "version", "-json"], env=child_env(tmp_path), capture_output=True, check=True)
    info = json.loads(proc.stdout)
    assert info["terraform_version"].startswith("1.15.")
    # TF_CLI_CONFIG_FILE was unset: the entry point wrote and used its own (empty) file
    assert (tmp_path / "cache" / "terraform.rc").read_text() == ""
    assert b".terraformrc" not in proc.stderr


def test_exit_codes_are_terraforms(tmp_path: Path) -> None:
    work = write_stack(tmp_path, "codes", [Res("a")])
    env = child_env(tmp_path)
    assert subprocess.run([*EMBEDDED, "init", "-input=false"], cwd=work, env=env, capture_output=True).returncode == 0
    plan = subprocess.run(
        [*EMBEDDED, "plan", "-input=false", "-detailed-exitcode", "-json"], cwd=work, env=env, capture_output=True
    )
    assert plan.returncode == 2
    # every stdout line is one JSON event
    assert all(json.loads(line)["type"] for line in plan.stdout.splitlines())
    bad = subprocess.run([*EMBEDDED, "no-such-command"], cwd=work, env=env, capture_output=True)
    assert bad.returncode != 0


def _start_apply(tmp_path: Path) -> tuple[subprocess.Popen[bytes], Path]:
    work = write_stack(tmp_path, "sig", [Res("quick"), Res("long", sleep=30, depends_on=["quick"])])
    env = child_env(tmp_path)
    subprocess.run([*EMBEDDED, "init", "-input=false"], cwd=work, env=env, capture_output=True, check=True)
    proc = subprocess.Popen(
        [*EMBEDDED, "apply", "-input=false", "-auto-approve", "-json"],
        cwd=work,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # so the test can reap the provisioner's children afterwards
    )
    assert proc.stdout is not None
    for line in iter(proc.stdout.readline, b""):
        event = json.loads(line)
        if event["type"] == "apply_start" and event["hook"]["resource"]["addr"] == "terraform_data.long":
            break
    return proc, work


def test_first_signal_cancels_gracefully(tmp_path: Path) -> None:
    proc, work = _start_apply(tmp_path)
    time.sleep(0.5)
    t0 = time.monotonic()
    proc.send_signal(signal.SIGINT)
    rest, _ = proc.communicate(timeout=20)
    assert time.monotonic() - t0 < 10
    assert proc.returncode == 1
    messages = [json.loads(line).get("@message") for line in rest.splitlines()]
    assert "Error: execution halted" in messages
    state = read_local_state(work)
    assert "quick" in state_resource_names(state)


def test_sigterm_is_a_graceful_cancel_too(tmp_path: Path) -> None:
    proc, work = _start_apply(tmp_path)
    proc.send_signal(signal.SIGTERM)
    proc.communicate(timeout=20)
    assert proc.returncode == 1
    assert read_local_state(work)["serial"] >= 1


def test_second_signal_exits_at_once(tmp_path: Path) -> None:
    # A graceful cancel takes only ~0.1 s, so both signals must be pending together: stop the process,
    # queue them (different numbers: two pending SIGINTs merge into one), continue it. On a loaded machine
    # the graceful path can win the race now and then, so the forced exit must be seen in one of 3 tries.
    outcomes: list[tuple[int | None, float, str]] = []
    for attempt in range(3):
        proc, _ = _start_apply(tmp_path / f"try{attempt}")
        proc.send_signal(signal.SIGSTOP)
        proc.send_signal(signal.SIGINT)
        proc.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        proc.send_signal(signal.SIGCONT)
        _, err = proc.communicate(timeout=20)
        elapsed = time.monotonic() - t0
        # the forced exit leaves the provisioner's `sleep 30` behind, as `terraform` would; reap it
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        outcomes.append((proc.returncode, elapsed, err.decode(errors="replace")[-500:]))
        assert elapsed < 15  # not after the provisioner's 30 s sleep (generous: the machine may be loaded)
        if proc.returncode == 128 + signal.SIGTERM:
            return
    raise AssertionError(f"no forced exit with 128 + SIGTERM in 3 tries: {outcomes}")
