"""The reloadable worker: load errors keep the old code, timeouts and crashes get a new environment."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from strands_tf.dev.supervisor import AgentWorker, WorkerEvent, WorkerSpec

HANDLER = """
import logging, os, time
logging.getLogger().setLevel(logging.INFO)
VERSION = "{version}"

def handler(event, context):
    action = event.get("action")
    if action == "sleep":
        time.sleep(30)
    if action == "crash":
        os._exit(7)
    if action == "raise":
        raise ValueError("bad input")
    if action == "unserializable":
        return object()
    logging.info("handled %s", action)
    print("printed")
    return {{"version": VERSION, "remaining": context.get_remaining_time_in_millis(),
             "table": os.environ.get("TABLE"), "request_id": context.aws_request_id}}
"""


@pytest.fixture
def code(tmp_path: Path) -> Path:
    code = tmp_path / "agent"
    code.mkdir()
    (code / "app.py").write_text(HANDLER.format(version="1"))
    return code


@pytest.fixture
def worker(code: Path, tmp_path: Path) -> Iterator[tuple[AgentWorker, list[WorkerEvent]]]:
    events: list[WorkerEvent] = []
    spec = WorkerSpec(
        agent="a", handler="app.handler", code_dir=code, timeout=2, memory=256, function_name="f",
        function_arn="arn:aws:lambda:us-east-1:123456789012:function:f", log_group="/aws/lambda/f",
        env={**os.environ, "TABLE": "t1"}, log_file=tmp_path / "worker.log",
    )  # fmt: skip
    running = AgentWorker(spec, events.append)
    assert running.start()
    yield running, events
    running.stop()


def test_invoke_gives_result_logs_and_a_lambda_context(worker: tuple[AgentWorker, list[WorkerEvent]]) -> None:
    agent, _ = worker
    result = agent.invoke({"action": "hello"}, "req-1")
    assert result.ok, result.error
    assert result.result["version"] == "1" and result.result["table"] == "t1"
    assert result.result["request_id"] == "req-1"
    assert 0 < result.result["remaining"] <= 2000
    messages = [(line["level"], line["message"]) for line in result.logs]
    assert ("INFO", "handled hello") in messages and ("STDOUT", "printed") in messages


def test_handler_exception_is_a_function_error_with_location(
    worker: tuple[AgentWorker, list[WorkerEvent]], code: Path
) -> None:
    agent, _ = worker
    result = agent.invoke({"action": "raise"})
    assert result.error is not None and result.error["errorType"] == "ValueError"
    assert result.error["location"]["file"] == str((code / "app.py").resolve())
    assert result.error["location"]["line"] == HANDLER.splitlines().index('        raise ValueError("bad input")') + 1
    assert agent.invoke({"action": "unserializable"}).error["errorType"] == "Runtime.MarshalError"  # type: ignore[index]
    assert agent.invoke({"action": "ok"}).ok, "the same environment keeps serving after function errors"


def test_syntax_error_keeps_the_previous_code_until_fixed(
    worker: tuple[AgentWorker, list[WorkerEvent]], code: Path
) -> None:
    agent, events = worker
    (code / "app.py").write_text(HANDLER.format(version="2") + "\ndef oops(:\n")
    assert agent.reload("edit") is False
    assert events[-1].kind == "load_failed" and events[-1].error is not None
    assert events[-1].error["location"]["file"] == str((code / "app.py").resolve())
    assert agent.invoke({"action": "x"}).result["version"] == "1"
    (code / "app.py").write_text(HANDLER.format(version="3"))
    assert agent.reload("fix") is True
    assert agent.invoke({"action": "x"}).result["version"] == "3"
    assert agent.last_error is None


def test_import_error_names_the_missing_module(worker: tuple[AgentWorker, list[WorkerEvent]], code: Path) -> None:
    agent, events = worker
    (code / "app.py").write_text("import not_a_module_anywhere\n")
    assert agent.reload("edit") is False
    assert events[-1].error["errorType"].startswith("Runtime.ImportModuleError")  # type: ignore[index]
    assert "not_a_module_anywhere" in events[-1].error["errorMessage"]  # type: ignore[index]


def test_timeout_and_crash_discard_the_environment(worker: tuple[AgentWorker, list[WorkerEvent]]) -> None:
    agent, events = worker
    timed_out = agent.invoke({"action": "sleep"})
    assert timed_out.error is not None and timed_out.error["errorType"] == "Sandbox.Timedout"
    assert "Task timed out after 2.00 seconds" in timed_out.error["errorMessage"]
    assert agent.invoke({"action": "after"}).ok
    crashed = agent.invoke({"action": "crash"})
    assert crashed.error is not None and crashed.error["errorType"] == "Runtime.ExitError"
    assert agent.invoke({"action": "after"}).ok
    assert [e.kind for e in events if e.kind in ("timed_out", "crashed")] == ["timed_out", "crashed"]
