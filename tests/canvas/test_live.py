"""Live deployments on the canvas without a browser: the event shape, terminal deployments followed through their
files, the shared project lock, cancel as Ctrl-C, the review's confirmation, and AWS calls from the provider's
debug log (the emulator's provider writes the real provider's fields)."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest

from strands_tf.canvas.hub import Hub
from strands_tf.canvas.live import (
    DeployRunner,
    Follower,
    LiveBoard,
    LiveDeployment,
    NodeMap,
    _Decision,
    wire,
)
from strands_tf.deploy.events import StackEvent
from strands_tf.errors import ConflictError, UserError
from strands_tf.state.lock import LockHolder, ProjectLock, process_start
from strands_tf.terraform.events import decode_event
from strands_tf.terraform.provider_log import ProviderLogTail, parse_line

from .test_live_browser import YAML

TABLE = "module.table_sessions.aws_dynamodb_table.this"


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "livedemo"
    for agent in ("web", "worker"):
        (root / "agents" / agent).mkdir(parents=True)
        (root / "agents" / agent / "app.py").write_text("def handler(event, context):\n    return {}\n")
    (root / "strands.yaml").write_text(YAML)
    return root


@pytest.fixture
def other_process() -> Any:
    """A process that is not this one (the `strands apply` of a terminal, as far as the canvas can tell)."""
    proc = subprocess.Popen(["sleep", "60"])
    yield proc
    if proc.poll() is None:
        proc.kill()
    proc.wait()


def _ui(**fields: Any) -> dict[str, Any]:
    return {"@level": "info", "@message": "", "@module": "terraform.ui", "@timestamp": "2026-12-03T09:00:00.000000Z",
            **fields}  # fmt: skip


def _hook(kind: str, address: str, at: str, **extra: Any) -> dict[str, Any]:
    resource = {"addr": address, "module": "module.table_sessions", "resource": "aws_dynamodb_table.this",
                "resource_type": "aws_dynamodb_table", "resource_name": "this", "implied_provider": "aws"}  # fmt: skip
    return _ui(type=kind, **{"@timestamp": at, "@message": f"{address}: {kind}"},
               hook={"resource": resource, "action": "create", **extra})  # fmt: skip


DIAGNOSTIC = _ui(
    type="diagnostic",
    **{
        "@level": "error",
        "@message": "Error: creating DynamoDB Table (livedemo-local-sessions): ResourceInUseException",
    },
    diagnostic={
        "severity": "error",
        "summary": "creating DynamoDB Table (livedemo-local-sessions): ResourceInUseException",
        "detail": "Table already exists: livedemo-local-sessions",
        "address": TABLE,
    },
)


def _deployment(root: Path, owner: subprocess.Popen[bytes], status: str = "running") -> Path:
    directory = root / ".strands" / "deployments" / "20261203T090000Z-abcdef"
    directory.mkdir(parents=True, exist_ok=True)
    checkpoint = {
        "format_version": 1, "id": directory.name, "command": "apply", "project": "livedemo", "environment": "local",
        "status": status, "started_at": "2026-12-03T09:00:00+00:00",
        "stacks": {"livedemo-local": {"name": "livedemo-local", "status": "applying" if status == "running" else
                                      "failed", "error": None if status == "running" else "apply failed"}},
        "attempts": [{"number": 1, "status": status, "owner": {"pid": owner.pid, "host": socket.gethostname(),
                                                               "proc_start": process_start(owner.pid)}}],
    }  # fmt: skip
    (directory / "checkpoint.json").write_text(json.dumps(checkpoint))
    return directory


def _append(directory: Path, *events: dict[str, Any]) -> None:
    with (directory / "events.jsonl").open("a") as fh:
        for event in events:
            fh.write(json.dumps({"stack": "livedemo-local", "phase": "apply", "attempt": 1, "event": event}) + "\n")


def test_a_diagnostic_carries_its_node_category_and_the_fix_the_cli_prints(project: Path) -> None:
    nodes = NodeMap.for_project(project, "local")
    assert nodes is not None
    out = wire(StackEvent("livedemo-local", "apply", decode_event(DIAGNOSTIC)), nodes)
    assert out is not None
    assert out["node"] == "resource:sessions"
    assert out["diag"]["kind"] == "already_exists"
    assert out["diag"]["category"]
    assert "strands orphans" in out["diag"]["fix"]


def test_route_and_policy_resources_carry_their_edges(project: Path) -> None:
    nodes = NodeMap.for_project(project, "local")
    assert nodes is not None
    assert nodes.lookup('module.api.aws_apigatewayv2_route.this["POST /chat"]') == ("api", ["route:web"])
    node, edges = nodes.lookup("module.role_web.aws_iam_role_policy.this")
    assert node == "role:role_web" and edges == ["perm:web:0"]


def test_a_terminal_deployment_is_followed_from_its_files_to_its_end(project: Path, other_process: Any) -> None:
    board = LiveBoard(Hub())
    follower = Follower(project, board, lambda: "local")
    directory = _deployment(project, other_process)
    _append(directory, _hook("apply_start", TABLE, "2026-12-03T09:00:01.000000Z"))
    follower.poll()  # (loads nothing finished: the running one is the newest)
    follower._last_scan = 0
    follower.poll()  # finds the running deployment
    follower.poll()  # reads what it wrote
    current = board.current
    assert current is not None and current.source == "terminal" and current.id == directory.name
    kinds = [(e["k"], e.get("type") or e.get("phase")) for e in current.events]
    assert ("tf", "apply_start") in kinds and ("phase", "apply") in kinds
    assert next(e for e in current.events if e.get("type") == "apply_start")["node"] == "resource:sessions"
    # a line half written is read once it is complete
    line = json.dumps({"stack": "livedemo-local", "phase": "apply", "attempt": 1, "event": DIAGNOSTIC})
    with (directory / "events.jsonl").open("a") as fh:
        fh.write(line[:40])
    follower.poll()
    assert not any(e.get("type") == "diagnostic" for e in current.events)
    with (directory / "events.jsonl").open("a") as fh:
        fh.write(line[40:] + "\n")
    follower.poll()
    assert any(e.get("type") == "diagnostic" for e in current.events)
    _deployment(project, other_process, status="failed")
    follower.poll()
    assert board.current is None
    last = board.last
    assert last is not None and last.status == "failed"
    assert last.result["errors"]["livedemo-local"]["summary"] == "apply failed"
    assert [e["i"] for e in last.events] == list(range(1, len(last.events) + 1))
    # a new canvas (another page, a restart) shows the last deployment's failures from its files
    fresh = LiveBoard(Hub())
    Follower(project, fresh, lambda: "local").poll()
    assert fresh.last is not None and fresh.last.status == "failed"
    assert any(e.get("diag") and e.get("node") == "resource:sessions" for e in fresh.last.events)


def test_a_killed_terminal_deployment_ends_interrupted(project: Path, other_process: Any) -> None:
    board = LiveBoard(Hub())
    follower = Follower(project, board, lambda: "local")
    directory = _deployment(project, other_process)
    _append(directory, _hook("apply_start", TABLE, "2026-12-03T09:00:01.000000Z"))
    follower.poll()
    follower._last_scan = 0
    follower.poll()
    assert board.current is not None
    other_process.kill()
    other_process.wait()
    follower.poll()
    assert board.current is None and board.last is not None and board.last.status == "interrupted"


def test_a_terminal_deployments_aws_calls_are_followed_as_it_writes_them(project: Path, other_process: Any) -> None:
    """A terminal apply keeps its calls while a canvas watches (deploy/watchers.py): the page gets each one
    while the deployment runs, a half-written line once it is complete."""
    board = LiveBoard(Hub())
    follower = Follower(project, board, lambda: "local")
    directory = _deployment(project, other_process)
    follower.poll()
    follower._last_scan = 0
    follower.poll()
    current = board.current
    assert current is not None

    def call(operation: str) -> str:
        return json.dumps({"stack": "livedemo-local", "attempt": 1, "time": "2026-12-03T09:00:02.000000Z",
                           "service": "DynamoDB", "operation": operation, "status": 200, "duration_ms": 12.5,
                           "resource_type": "aws_dynamodb_table", "rpc": "ApplyResourceChange",
                           "request_id": "r1", "region": "us-east-1"})  # fmt: skip

    first, second = call("CreateTable"), call("DescribeTable")
    with (directory / "aws-calls.jsonl").open("a") as fh:
        fh.write(first + "\n" + second[:30])
    follower.poll()
    assert [e["operation"] for e in current.events if e["k"] == "aws"] == ["CreateTable"]
    with (directory / "aws-calls.jsonl").open("a") as fh:
        fh.write(second[30:] + "\n" + "{not json\n")
    follower.poll()
    assert [e["operation"] for e in current.events if e["k"] == "aws"] == ["CreateTable", "DescribeTable"]
    _deployment(project, other_process, status="failed")
    follower.poll()
    last = board.last
    assert last is not None and [e["operation"] for e in last.events if e["k"] == "aws"] == [
        "CreateTable",
        "DescribeTable",
    ]


def test_a_deployment_keeps_who_started_it_across_a_canvas_restart(project: Path, other_process: Any) -> None:
    from strands_tf.deploy.checkpoint import Checkpoint, CheckpointStore
    from strands_tf.deploy.workspace import Workspace

    directory = Workspace(project).deployment_dir("20261203T090000Z-abcdef")
    directory.mkdir(parents=True)
    store = CheckpointStore(directory, Checkpoint(id=directory.name, command="apply", project="livedemo",
                                                  environment="local"))  # fmt: skip
    store.begin_attempt("canvas")
    store.finish("failed")
    raw = json.loads((directory / "checkpoint.json").read_text())
    assert raw["attempts"][-1]["owner"]["source"] == "canvas"
    board = LiveBoard(Hub())
    Follower(project, board, lambda: "local").poll()
    assert board.last is not None and board.last.source == "canvas"
    # a checkpoint written before sources were kept, or by the CLI, is a terminal's
    store.begin_attempt()
    store.finish("failed")
    fresh = LiveBoard(Hub())
    Follower(project, fresh, lambda: "local").poll()
    assert fresh.last is not None and fresh.last.source == "terminal"


def test_a_second_apply_is_refused_naming_the_lock_holder(project: Path, serve: Any) -> None:
    client = serve(project, environment="local", watch=False)
    with ProjectLock(project, "strands apply"):
        code, body = client.call("POST", "/api/deploy", {"command": "apply"})
    assert code == 409, body
    assert f"pid {os.getpid()}" in body["error"]["summary"] and "strands apply" in body["error"]["summary"]
    code, body = client.call("GET", "/api/deploy")
    assert code == 200 and body["lock"] is None  # released


def test_bad_deploy_requests_are_clear_errors(project: Path, serve: Any) -> None:
    client = serve(project, environment="local", watch=False)
    assert client.call("POST", "/api/deploy", {"command": "rm -rf"})[0] == 422
    assert client.call("POST", "/api/deploy", {"command": "rollback"})[0] == 422
    code, body = client.call("POST", "/api/deploy", {"command": "rollback", "deployment": "../../etc"})
    assert code == 422 and "not a deployment id" in body["error"]["summary"]
    assert client.call("POST", "/api/deploy/confirm", {"approve": True})[0] == 409  # nothing waits for one
    assert client.call("DELETE", "/api/deploy")[0] == 409  # nothing runs
    assert client.call("POST", "/api/deploy", {"command": "apply"}, token=False)[0] in (401, 403)


def test_cancel_sends_a_terminal_apply_the_same_interrupt_as_ctrl_c(project: Path, serve: Any,
                                                                    other_process: Any) -> None:  # fmt: skip
    _deployment(project, other_process)
    holder = LockHolder(other_process.pid, socket.gethostname(), "strands apply", "2026-12-03T09:00:00+00:00", "t",
                        process_start(other_process.pid))  # fmt: skip
    (project / ".strands" / "project.lock").write_text(json.dumps(asdict(holder)))
    client = serve(project, environment="local", watch=False)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        code, body = client.call("GET", "/api/deploy")
        if body["current"] is not None:
            break
        time.sleep(0.1)
    assert body["current"]["source"] == "terminal"
    assert f"pid {other_process.pid}" in body["lock"]
    code, body = client.call("DELETE", "/api/deploy")
    assert code == 200, body
    assert other_process.wait(10) == -signal.SIGINT


def test_destroy_needs_the_project_name_typed(project: Path) -> None:
    runner = DeployRunner(project, LiveBoard(Hub()))
    live = LiveDeployment("k", "destroy", "local", "canvas", status="review", project="livedemo")
    runner._deployment, runner._decision = live, _Decision()
    with pytest.raises(UserError, match="did not match"):
        runner.confirm(True, "livedem")
    assert not runner._decision.event.is_set()
    runner.confirm(True, "livedemo")
    assert runner._decision.approved and runner._decision.event.is_set()
    runner._decision = None
    with pytest.raises(ConflictError):
        runner.confirm(True, "livedemo")


# ------------------------------------------------------------------ AWS calls from the provider's debug log

# the fields aws-sdk-go-base writes for a response (HTTP Response Received), as Terraform's JSON log has them
REAL_RESPONSE = {
    "@level": "debug", "@message": "HTTP Response Received", "@module": "provider.terraform-provider-aws_v5.80.0_x5",
    "@timestamp": "2026-12-03T09:00:01.250000Z", "aws.region": "us-east-1", "aws.sdk": "aws-sdk-go-v2",
    "http.duration": 231, "http.response.body": "{\"QueueUrl\": \"...\"}", "http.status_code": 200,
    "rpc.method": "CreateQueue", "rpc.service": "SQS", "rpc.system": "aws-api", "tf_aws.sdk": "aws-sdk-go-v2",
    "tf_provider_addr": "registry.terraform.io/hashicorp/aws", "tf_req_id": "5ad1", "tf_resource_type": "aws_sqs_queue",
    "tf_rpc": "ApplyResourceChange",
}  # fmt: skip


def test_the_real_providers_response_lines_are_read_and_nothing_else() -> None:
    call = parse_line(json.dumps(REAL_RESPONSE))
    assert call is not None
    assert (call.service, call.operation, call.status, call.duration_ms) == ("SQS", "CreateQueue", 200, 231.0)
    assert (call.resource_type, call.rpc, call.request_id) == ("aws_sqs_queue", "ApplyResourceChange", "5ad1")
    assert "http.response.body" not in json.dumps(call.to_json())  # bodies never leave the raw log
    assert parse_line(json.dumps({**REAL_RESPONSE, "@message": "HTTP Request Sent"})) is None
    assert parse_line('{"@message": "HTTP Response Received", "rpc.system": "aws-api"') is None  # cut short
    assert parse_line("2026-12-03T09:00:01.250Z [DEBUG] provider: not JSON") is None


def test_the_tail_follows_the_log_as_it_grows_and_deletes_it(tmp_path: Path) -> None:
    path = tmp_path / "provider.log"
    calls: list[Any] = []
    tail = ProviderLogTail(path, calls.append, interval=0.01).start()
    line = json.dumps(REAL_RESPONSE) + "\n"
    with path.open("a") as fh:
        fh.write(line[:50])
        fh.flush()
        time.sleep(0.05)
        assert calls == []
        fh.write(line[50:] + json.dumps({**REAL_RESPONSE, "rpc.method": "GetQueueAttributes"}))
    tail.stop()
    assert [c.operation for c in calls] == ["CreateQueue", "GetQueueAttributes"]
    assert not path.exists()


@pytest.mark.moto
def test_the_emulator_provider_logs_each_call_with_the_real_providers_fields(
    tmp_path: Path, moto_server: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    import botocore.session

    from strands_tf.emulator.provider.calllog import CallLog, serving

    log_path = tmp_path / "provider.log"
    monkeypatch.setenv("TF_LOG_PROVIDER", "DEBUG")
    monkeypatch.setenv("TF_LOG_PATH", str(log_path))
    call_log = CallLog.from_environment()
    client = botocore.session.get_session().create_client(
        "sqs", region_name="us-east-1", endpoint_url=moto_server.endpoint,
        aws_access_key_id="test", aws_secret_access_key="test",
    )  # fmt: skip
    call_log.instrument(client, "us-east-1")
    with serving("ApplyResourceChange", "aws_sqs_queue"):
        client.create_queue(QueueName=f"calllog-{os.getpid()}")
    lines = [json.loads(line) for line in log_path.read_text().splitlines()]
    assert [line["@message"] for line in lines] == ["HTTP Request Sent", "HTTP Response Received"]
    for key in ("rpc.system", "rpc.service", "rpc.method", "aws.region", "tf_rpc", "tf_req_id", "tf_resource_type",
                "tf_provider_addr", "@timestamp", "@module"):  # fmt: skip
        assert key in lines[1], key
    assert lines[0]["tf_req_id"] == lines[1]["tf_req_id"]
    assert (log_path.stat().st_mode & 0o777) == 0o600
    call = parse_line(log_path.read_text().splitlines()[1])
    assert call is not None and (call.service, call.operation, call.status) == ("SQS", "CreateQueue", 200)
    assert call.duration_ms is not None and call.duration_ms >= 0
    # without TF_LOG_PROVIDER at debug, nothing is written
    monkeypatch.setenv("TF_LOG_PROVIDER", "INFO")
    assert not CallLog.from_environment().enabled
