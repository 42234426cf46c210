"""The subprocess runner against a scripted fake engine: streaming, env, errors, timeouts, cancellation.

The fake engine is a small Python program that behaves like Terraform in the ways the runner cares
about (JSON lines, exit codes, SIGINT handling); the real engine is exercised in test_runner_engine.py.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from strands_tf.errors import Category, DependencyError, StateError, UserError
from strands_tf.terraform.diagnostics import TerraformError
from strands_tf.terraform.engine import Engine, EngineKind
from strands_tf.terraform.events import UIEvent
from strands_tf.terraform.runner import (
    Cancellation,
    TerraformCancelled,
    TerraformRunner,
    TerraformTimeout,
    _redact_argv,
    handle_signals,
    init_fingerprint,
)

FAKE = r"""
import json, os, signal, subprocess, sys, time

def ev(kind, **kw):
    sys.stdout.write(json.dumps({"type": kind, "@message": kind, **kw}) + "\n")
    sys.stdout.flush()

mode = sys.argv[1]
if mode == "bigline":
    ev("big", payload="x" * (1 << 20))
    sys.stdout.write("plain text line\n")
elif mode == "env":
    print(json.dumps({k: os.environ.get(k) for k in sys.argv[2:]}))
elif mode == "slow":
    ev("first")
    time.sleep(float(sys.argv[2]))
    ev("second")
elif mode == "graceful":
    def stop(signum, frame):
        ev("diagnostic", diagnostic={"severity": "error", "summary": "execution halted", "detail": ""})
        sys.exit(1)
    signal.signal(signal.SIGINT, stop)
    ev("started", sid=os.getsid(0))
    time.sleep(60)
elif mode == "stubborn":
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    child = subprocess.Popen(["sleep", "60"])
    ev("started", child=child.pid)
    time.sleep(60)
elif mode == "count-interrupts":
    seen = []
    signal.signal(signal.SIGINT, lambda s, f: seen.append(s))
    ev("started")
    deadline = time.time() + 1.5
    while time.time() < deadline:
        time.sleep(0.05)
    ev("count", n=len(seen))
    sys.exit(1)
elif mode == "lock":
    ev("diagnostic", diagnostic={"severity": "error", "summary": "Error acquiring the state lock",
       "detail": "Lock Info:\n  ID:        abc-123\n  Who:       bob@ci\n  Created:   yesterday\n"})
    sys.exit(1)
elif mode == "stderr":
    sys.stderr.write("\nError: Failed to install provider\n\nError while installing hashicorp/aws v6.0.0\n")
    sys.exit(1)
elif mode == "plan":
    ev("change_summary", changes={"add": 1, "change": 0, "remove": 0, "operation": "plan"})
    sys.exit(int(os.environ.get("FAKE_CODE", "0")))
elif mode == "argv":
    print(json.dumps(sys.argv[2:]))
elif mode == "write-files":
    # what Terraform does with state, plan files and .terraform/: plain creates, the umask decides the mode
    with open("terraform.tfstate", "w") as fh:
        fh.write("{}")
    os.mkdir(".terraform")
elif mode == "truncated":
    sys.stdout.write('{"format_version": "1.2", "resource_changes": [{"address": "aws_s3_bucket.b"')
elif mode == "array":
    sys.stdout.write("[1, 2, 3]")
elif mode == "empty":
    pass
elif mode == "garbage-events":
    sys.stdout.write('{"type": "version"}\n{not json\n{"type": "diagnostic", "diagnostic": "oops"}\n')
    sys.stdout.write("panic: runtime error: invalid memory address\n")
    sys.exit(1)
"""


@pytest.fixture
def fake_engine(tmp_path: Path) -> Engine:
    script = tmp_path / "fake_terraform.py"
    script.write_text(FAKE)
    return Engine(EngineKind.BINARY, (sys.executable, str(script)), "1.15.0", str(script))


@pytest.fixture
def runner(fake_engine: Engine, tmp_path: Path) -> TerraformRunner:
    work = tmp_path / "stack"
    work.mkdir()
    return TerraformRunner(
        fake_engine,
        work,
        data_dir=tmp_path / "data",
        plugin_cache=tmp_path / "plugins",
        cli_config=tmp_path / "terraform.rc",
    )


def test_a_1mib_line_is_read_whole(runner: TerraformRunner) -> None:
    events: list[dict[str, Any]] = []
    lines: list[bytes] = []
    res = runner.run(["bigline"], json_events=True, on_event=events.append, on_line=lines.append)
    assert len(events) == 1
    assert len(events[0].data["payload"]) == 1 << 20
    assert lines == [b"plain text line"]
    assert res.event_count == 1


def test_events_arrive_while_the_command_runs(runner: TerraformRunner) -> None:
    seen: list[tuple[float, str]] = []
    runner.run(["slow", "1.5"], json_events=True, on_event=lambda e: seen.append((time.monotonic(), e.type)))
    end = time.monotonic()
    assert [k for _, k in seen] == ["first", "second"]
    assert end - seen[0][0] > 1.0, "the first event was only delivered at the end"


def test_child_environment(runner: TerraformRunner, tmp_path: Path) -> None:
    keys = [
        "TF_IN_AUTOMATION",
        "TF_INPUT",
        "TF_DATA_DIR",
        "TF_PLUGIN_CACHE_DIR",
        "TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE",
        "TF_CLI_CONFIG_FILE",
        "AWS_SECRET_ACCESS_KEY",
    ]
    res = runner.run(["env", *keys], capture_stdout=True, env={"AWS_SECRET_ACCESS_KEY": "only-for-child"})
    seen = json.loads(res.stdout or b"")
    assert seen["TF_IN_AUTOMATION"] == "1"
    assert seen["TF_INPUT"] == "0"
    assert seen["TF_DATA_DIR"] == str((tmp_path / "data").resolve())
    assert seen["TF_PLUGIN_CACHE_DIR"] == str((tmp_path / "plugins").resolve())
    assert seen["TF_PLUGIN_CACHE_MAY_BREAK_DEPENDENCY_LOCK_FILE"] == "1"
    assert seen["TF_CLI_CONFIG_FILE"] == str((tmp_path / "terraform.rc").resolve())
    assert seen["AWS_SECRET_ACCESS_KEY"] == "only-for-child"
    assert os.environ.get("AWS_SECRET_ACCESS_KEY") != "only-for-child"
    # per-call env does not leak into the next call
    again = json.loads(runner.run(["env", "AWS_SECRET_ACCESS_KEY"], capture_stdout=True).stdout or b"")
    assert again["AWS_SECRET_ACCESS_KEY"] != "only-for-child"


def _process_umask() -> int:
    """This process's umask, read without changing it (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("Umask:"):
            return int(line.split()[1], 8)
    raise AssertionError("no Umask line in /proc/self/status")


@pytest.mark.skipif(not Path("/proc/self/status").is_file(), reason="reads the umask from /proc")
def test_terraform_children_create_private_files(runner: TerraformRunner) -> None:
    before = _process_umask()
    runner.run(["write-files"])
    assert (runner.workdir / "terraform.tfstate").stat().st_mode & 0o777 == 0o600
    assert (runner.workdir / ".terraform").stat().st_mode & 0o777 == 0o700
    assert runner.data_dir.stat().st_mode & 0o777 == 0o700
    assert _process_umask() == before  # set in the child only


def test_unset_variables_never_reach_the_child(
    fake_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAFROMSHELL")
    monkeypatch.setenv("AWS_SESSION_TOKEN", "from-shell")
    (tmp_path / "w").mkdir()
    r = TerraformRunner(
        fake_engine,
        tmp_path / "w",
        env={"AWS_PROFILE": "deployer", "AWS_SESSION_TOKEN": "set-on-purpose"},
        unset={"AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN"},
    )
    names = ["AWS_ACCESS_KEY_ID", "AWS_SESSION_TOKEN", "AWS_PROFILE"]
    seen = json.loads(r.run(["env", *names], capture_stdout=True).stdout or b"")
    # removed from what is inherited; what the runner is told to set still wins
    assert seen == {"AWS_ACCESS_KEY_ID": None, "AWS_SESSION_TOKEN": "set-on-purpose", "AWS_PROFILE": "deployer"}
    assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAFROMSHELL"  # this process is untouched


def test_default_cli_config_is_tool_controlled(
    fake_engine: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STRANDS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setenv("TF_CLI_CONFIG_FILE", "/home/someone/.terraformrc")
    (tmp_path / "w").mkdir()
    r = TerraformRunner(fake_engine, tmp_path / "w")
    seen = json.loads(r.run(["env", "TF_CLI_CONFIG_FILE", "TF_PLUGIN_CACHE_DIR"], capture_stdout=True).stdout or b"")
    assert seen["TF_CLI_CONFIG_FILE"] == str(tmp_path / "cache" / "terraform.rc")
    assert (tmp_path / "cache" / "terraform.rc").read_text() == ""
    assert seen["TF_PLUGIN_CACHE_DIR"] == str(tmp_path / "cache" / "plugins")


def test_failure_is_classified_from_diagnostic_events(runner: TerraformRunner) -> None:
    with pytest.raises(TerraformError) as info:
        runner.run(["lock"], command="plan", json_events=True)
    err = info.value
    assert err.classification.kind == "state_lock"
    assert err.category == Category.STATE
    assert "bob@ci" in (err.detail or "")
    assert "strands force-unlock abc-123" in (err.hint or "")
    assert err.returncode == 1


def test_failure_is_classified_from_stderr(runner: TerraformRunner) -> None:
    with pytest.raises(TerraformError) as info:
        runner.run(["stderr"], command="init")
    assert info.value.classification.kind == "provider"
    assert "Failed to install provider" in info.value.stderr


def test_plan_detailed_exit_codes(runner: TerraformRunner, tmp_path: Path) -> None:
    # the fake ignores the real plan arguments and answers by FAKE_CODE
    runner.engine = Engine(EngineKind.BINARY, (*runner.engine.argv, "plan"), "1.15.0", runner.engine.path)
    none = runner.plan(tmp_path / "p", env={"FAKE_CODE": "0"})
    assert not none.has_changes
    some = runner.plan(tmp_path / "p", env={"FAKE_CODE": "2"})
    assert some.has_changes
    assert some.change_summary == {"add": 1, "change": 0, "remove": 0, "operation": "plan"}
    with pytest.raises(TerraformError):
        runner.plan(tmp_path / "p", env={"FAKE_CODE": "1"})


def test_plan_arguments_and_redacted_logs(
    runner: TerraformRunner, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG, logger="strands_tf")
    runner.engine = Engine(EngineKind.BINARY, (*runner.engine.argv, "argv"), "1.15.0", runner.engine.path)
    runner.lock_timeout = "30s"
    lines: list[bytes] = []
    runner.run(["plan", "-var", "db_password=hunter2", "-backend-config=secret_key=s3cr3t"], on_line=lines.append)
    assert "hunter2" not in caplog.text and "s3cr3t" not in caplog.text
    assert "db_password=***" in caplog.text
    args = json.loads(lines[0])
    assert args == ["plan", "-var", "db_password=hunter2", "-backend-config=secret_key=s3cr3t"]


def test_redact_argv() -> None:
    assert _redact_argv(["plan", "-var", "a=b", "-var=c=d", "-backend-config=x", "-out=p"]) == [
        "plan",
        "-var",
        "a=***",
        "-var=c=***",
        "-backend-config=***",
        "-out=p",
    ]


def test_first_cancel_is_graceful(runner: TerraformRunner) -> None:
    token = runner.cancellation
    started = threading.Event()
    sids: list[int] = []

    def on_event(event: UIEvent) -> None:
        if event.type == "started":
            sids.append(event.data["sid"])
            started.set()

    errors: list[BaseException] = []

    def work() -> None:
        try:
            runner.run(["graceful"], command="apply", json_events=True, on_event=on_event)
        except BaseException as exc:
            errors.append(exc)

    t = threading.Thread(target=work)
    t.start()
    assert started.wait(10)
    t0 = time.monotonic()
    assert token.cancel() == 1
    t.join(10)
    assert not t.is_alive()
    assert time.monotonic() - t0 < 5
    assert isinstance(errors[0], TerraformCancelled)
    assert errors[0].classification.kind == "interrupted"
    assert [d.summary for d in errors[0].diagnostics] == ["execution halted"]
    # the child runs in its own session, so a terminal Ctrl-C reaches only strands
    assert sids[0] != os.getsid(0)


def test_exactly_one_interrupt_is_forwarded(runner: TerraformRunner) -> None:
    counts: list[int] = []

    def on_event(event: UIEvent) -> None:
        if event.type == "started":
            runner.cancellation.cancel()
        if event.type == "count":
            counts.append(event.data["n"])

    with pytest.raises(TerraformCancelled):
        runner.run(["count-interrupts"], json_events=True, on_event=on_event)
    assert counts == [1]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie still answers kill(0); its state letter is Z
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().split()[2] != "Z"
    except FileNotFoundError:
        return False


def _run_stubborn(runner: TerraformRunner, after_start: Any) -> tuple[list[BaseException], list[int], float]:
    errors: list[BaseException] = []
    grandchild: list[int] = []

    def on_event(event: UIEvent) -> None:
        if event.type == "started":
            grandchild.append(event.data["child"])
            threading.Thread(target=after_start).start()

    t0 = time.monotonic()
    try:
        runner.run(["stubborn"], command="apply", json_events=True, on_event=on_event)
    except BaseException as exc:
        errors.append(exc)
    return errors, grandchild, time.monotonic() - t0


def test_second_cancel_terminates_the_process_group(runner: TerraformRunner) -> None:
    def twice() -> None:
        runner.cancellation.cancel()
        time.sleep(0.5)
        runner.cancellation.cancel()

    errors, grandchild, elapsed = _run_stubborn(runner, twice)
    assert isinstance(errors[0], TerraformCancelled)
    assert elapsed < 10
    time.sleep(0.2)
    assert not _alive(grandchild[0]), "the provisioner-like grandchild survived"


def test_grace_period_escalates_to_terminate(fake_engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    token = Cancellation(grace_period=1.0, kill_after=1.0)
    r = TerraformRunner(fake_engine, tmp_path / "w", data_dir=tmp_path / "d", cancellation=token)
    errors, _, elapsed = _run_stubborn(r, token.cancel)
    assert isinstance(errors[0], TerraformCancelled)
    assert 0.9 < elapsed < 8


def test_timeout_names_the_command(runner: TerraformRunner) -> None:
    t0 = time.monotonic()
    with pytest.raises(TerraformTimeout) as info:
        runner.run(["graceful"], command="apply", json_events=True, timeout=1)
    assert time.monotonic() - t0 < 6
    assert info.value.summary.startswith("terraform apply timed out after 1 s")
    assert str(runner.workdir) in info.value.summary
    assert info.value.classification.kind == "timeout"


def test_timeout_of_a_process_that_ignores_sigint(fake_engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    token = Cancellation(kill_after=0.5, timeout_grace=0.5)
    r = TerraformRunner(fake_engine, tmp_path / "w", data_dir=tmp_path / "d", cancellation=token, timeout=1)
    t0 = time.monotonic()
    with pytest.raises(TerraformTimeout):
        r.run(["stubborn"], json_events=True)
    assert time.monotonic() - t0 < 8


def test_cancelled_token_refuses_to_start(runner: TerraformRunner) -> None:
    runner.cancellation.cancel()
    with pytest.raises(TerraformCancelled):
        runner.run(["env"], capture_stdout=True)


def test_failing_callback_stops_the_child_and_propagates(runner: TerraformRunner) -> None:
    def boom(event: UIEvent) -> None:
        raise RuntimeError("renderer crashed")

    t0 = time.monotonic()
    with pytest.raises(RuntimeError, match="renderer crashed"):
        runner.run(["graceful"], json_events=True, on_event=boom)
    assert time.monotonic() - t0 < 10


def test_missing_workdir(fake_engine: Engine, tmp_path: Path) -> None:
    r = TerraformRunner(fake_engine, tmp_path / "not-synthesized")
    with pytest.raises(UserError, match="working directory not found"):
        r.run(["env"])


def test_missing_engine_binary(tmp_path: Path) -> None:
    gone = Engine(EngineKind.BINARY, (str(tmp_path / "terraform"),), "1.11.0", str(tmp_path / "terraform"))
    r = TerraformRunner(gone, tmp_path, data_dir=tmp_path / "d")
    with pytest.raises(DependencyError, match="engine not found"):
        r.run(["version"])


def test_force_unlock_refuses_flag_like_ids(runner: TerraformRunner) -> None:
    with pytest.raises(UserError):
        runner.force_unlock("-lock=false")


# --- init fingerprint ---------------------------------------------------------------------------


def _doc(**blocks: Any) -> str:
    return json.dumps(blocks)


def test_init_fingerprint_tracks_what_init_depends_on(tmp_path: Path, fake_engine: Engine) -> None:
    work = tmp_path / "w"
    (work / "modules" / "m").mkdir(parents=True)
    (work / "modules" / "m" / "main.tf").write_text('variable "x" {}\n')
    base = {
        "terraform": {"required_version": ">= 1.6"},
        "provider": {"aws": [{"region": "us-east-1"}]},
        "module": {"m": {"source": "./modules/m", "x": 1}},
        "resource": {"terraform_data": {"a": {"input": 1}}},
    }
    cdk = work / "cdk.tf.json"
    cdk.write_text(json.dumps(base))
    fp = init_fingerprint(work, fake_engine)

    # resources and module inputs do not matter to init
    changed = json.loads(json.dumps(base))
    changed["resource"]["terraform_data"]["a"]["input"] = 2
    changed["module"]["m"]["x"] = 2
    cdk.write_text(json.dumps(changed))
    assert init_fingerprint(work, fake_engine) == fp

    # the terraform block does
    changed["terraform"]["backend"] = {"s3": {"bucket": "b"}}
    cdk.write_text(json.dumps(changed))
    fp_backend = init_fingerprint(work, fake_engine)
    assert fp_backend != fp

    # the local module's contents do
    (work / "modules" / "m" / "main.tf").write_text('variable "x" { default = 1 }\n')
    fp_module = init_fingerprint(work, fake_engine)
    assert fp_module != fp_backend

    # the engine version and the init arguments do
    newer = Engine(fake_engine.kind, fake_engine.argv, "1.16.0", fake_engine.path)
    assert init_fingerprint(work, newer) != fp_module
    assert init_fingerprint(work, fake_engine, ["bucket=x"]) != fp_module

    # a lock file appearing does
    (work / ".terraform.lock.hcl").write_text("# lock\n")
    assert init_fingerprint(work, fake_engine) != fp_module


def test_init_fingerprint_survives_broken_json(tmp_path: Path, fake_engine: Engine) -> None:
    (tmp_path / "cdk.tf.json").write_text("{ not json")
    first = init_fingerprint(tmp_path, fake_engine)
    (tmp_path / "cdk.tf.json").write_text("{ still not json")
    assert init_fingerprint(tmp_path, fake_engine) != first


def test_on_raw_sees_every_line_verbatim(runner: TerraformRunner) -> None:
    raw: list[bytes] = []
    events: list[dict[str, Any]] = []
    runner.run(["slow", "0"], json_events=True, on_event=events.append, on_raw=raw.append)
    assert [json.loads(line)["type"] for line in raw] == ["first", "second"]
    assert [e.type for e in events] == ["first", "second"]


def test_handle_signals_maps_sigint_to_cancel() -> None:
    import signal

    token = Cancellation()
    before = signal.getsignal(signal.SIGINT)
    with handle_signals(token):
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)  # let the handler run
        assert token.level == 1
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.05)
        assert token.level == 2
    assert signal.getsignal(signal.SIGINT) is before


def test_cancel_racing_with_a_start_still_reaches_the_child(fake_engine: Engine) -> None:
    # cancel() landing between run()'s "already cancelled?" check and attaching the child
    import subprocess

    from strands_tf.terraform.runner import _Child

    token = Cancellation()
    token.cancel()
    proc = subprocess.Popen([*fake_engine.argv, "graceful"], stdout=subprocess.PIPE, start_new_session=True)
    assert proc.stdout is not None
    proc.stdout.readline()  # "started": the SIGINT handler is installed
    child = _Child(proc, grace_period=30, kill_after=5)
    token._attach(child)
    assert proc.wait(timeout=10) == 1
    assert child.interrupted
    child.close()
    proc.stdout.close()


def test_cache_lock_needed_only_when_init_may_install(tmp_path: Path) -> None:
    from strands_tf.terraform.runner import cache_may_be_written, terraform_platform

    work = tmp_path / "w"
    cache = tmp_path / "cache"
    work.mkdir()
    builtin = {"resource": {"terraform_data": {"a": {}}}, "terraform": {"required_version": ">= 1.6"}}
    (work / "cdk.tf.json").write_text(json.dumps(builtin))
    assert not cache_may_be_written(work, cache)

    with_provider = {**builtin, "provider": {"aws": [{"region": "us-east-1"}]}}
    (work / "cdk.tf.json").write_text(json.dumps(with_provider))
    assert cache_may_be_written(work, cache)

    (work / ".terraform.lock.hcl").write_text(
        'provider "registry.terraform.io/hashicorp/aws" {\n  version     = "6.0.0"\n  hashes = []\n}\n'
    )
    assert cache_may_be_written(work, cache), "provider not cached yet"
    (cache / "registry.terraform.io/hashicorp/aws/6.0.0" / terraform_platform()).mkdir(parents=True)
    assert not cache_may_be_written(work, cache), "everything locked is already cached"

    (work / ".terraform.lock.hcl").unlink()
    (work / "main.tf").write_text('resource "terraform_data" "b" {}\n')
    (work / "cdk.tf.json").write_text(json.dumps(builtin))
    assert cache_may_be_written(work, cache), "HCL is not inspected: lock to be safe"


def test_timeout_still_escalates_after_a_graceful_cancel(fake_engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "w").mkdir()
    token = Cancellation(kill_after=0.5, timeout_grace=0.5)  # no grace period for the user cancel
    r = TerraformRunner(fake_engine, tmp_path / "w", data_dir=tmp_path / "d", cancellation=token, timeout=1.5)
    t0 = time.monotonic()
    with pytest.raises(TerraformTimeout):
        r.run(["stubborn"], json_events=True, on_event=lambda e: token.cancel())
    assert time.monotonic() - t0 < 8


def test_waiting_for_the_plugin_cache_lock_can_be_cancelled(runner: TerraformRunner) -> None:
    from filelock import FileLock

    (runner.workdir / "cdk.tf.json").write_text(json.dumps({"provider": {"aws": [{}]}}))
    runner.plugin_cache.mkdir(parents=True, exist_ok=True)
    errors: list[BaseException] = []

    def init() -> None:
        try:
            runner.init()
        except BaseException as exc:
            errors.append(exc)

    with FileLock(str(runner.plugin_cache / ".strands-init.lock")):
        t = threading.Thread(target=init)
        t.start()
        time.sleep(1)
        assert t.is_alive(), "init did not wait for the plugin cache lock"
        runner.cancellation.cancel()
        t.join(5)
    assert not t.is_alive()
    assert isinstance(errors[0], TerraformCancelled)


def _with_mode(runner: TerraformRunner, mode: str) -> TerraformRunner:
    python, script = runner.engine.argv[:2]
    runner.engine = Engine(EngineKind.BINARY, (python, script, mode), "1.15.0", runner.engine.path)
    return runner


def test_truncated_show_output_is_a_clear_error(runner: TerraformRunner, tmp_path: Path) -> None:
    plan = tmp_path / "p.tfplan"
    plan.write_bytes(b"PK")
    with pytest.raises(StateError, match="not JSON"):
        _with_mode(runner, "truncated").show_plan(plan)
    with pytest.raises(StateError, match="not an object"):
        _with_mode(runner, "array").show_plan(plan)


def test_state_pull_outputs(runner: TerraformRunner) -> None:
    assert _with_mode(runner, "empty").state_pull() is None
    with pytest.raises(StateError, match="not JSON"):
        _with_mode(runner, "truncated").state_pull()


def test_malformed_event_lines_do_not_break_the_stream(runner: TerraformRunner) -> None:
    events: list[dict[str, Any]] = []
    lines: list[bytes] = []
    with pytest.raises(TerraformError) as info:
        _with_mode(runner, "garbage-events").run(
            [], command="apply", json_events=True, on_event=events.append, on_line=lines.append
        )
    assert [e.type for e in events] == ["version", "diagnostic"]
    assert lines == [b"{not json", b"panic: runtime error: invalid memory address"]
    # the panic line is kept with the error even though it came on stdout
    assert "panic: runtime error" in info.value.stderr
    assert "panic: runtime error" in (info.value.detail or "")
