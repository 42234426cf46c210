"""`strands dev` end to end: a generated project applied to the emulator, served locally, edited live.

The monorepo template gives an HTTP agent (assistant) and a queue agent (triage); both run their real
template code with `--model scripted`, against the resources `strands apply -e local` created.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from strands_tf.config import load_project, resolve
from strands_tf.dev.server import wait_until_serving
from strands_tf.dev.session import DevSession
from tests.conftest import free_port

from .project import STRANDS, Project

pytestmark = [pytest.mark.engine, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Project]:
    base = tmp_path_factory.mktemp("dev-loop")
    root = base / "desk"
    subprocess.run([STRANDS, "init", str(root), "-t", "monorepo", "--name", "desk"], check=True, capture_output=True)
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()  # no dependency layer to build: the running environment has strands-agents
    driver = Project(root, base / "cache")
    driver.run("apply", "-e", "local", "--auto-approve")
    yield driver
    driver.run("emulator", "stop", ok=(0, 1, 3))


@pytest.fixture(scope="module")
def server(project: Project) -> Iterator[str]:
    port = free_port()
    log = (project.root / "dev.out").open("w")
    proc = subprocess.Popen(
        [STRANDS, "-C", str(project.root), "dev", "-e", "local", "--model", "scripted", "--port", str(port)],
        env=project.env,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        assert wait_until_serving(url, timeout=120), (project.root / "dev.out").read_text()
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        log.close()
    assert not (project.root / ".strands" / "dev" / "server.json").exists(), "the server record is removed on exit"


def post(url: str, body: Any, headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any], dict[str, str]]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"content-type": "application/json", **(headers or {})}
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}"), dict(exc.headers)


def health(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_strands/health", timeout=10) as response:
        return json.loads(response.read())


def eventually(check: Callable[[], Any], timeout: float = 60.0) -> Any:
    """Poll until `check` returns something truthy (a save is noticed by the watcher, not at once)."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.1)


def test_route_answers_with_the_handlers_reply(server: str) -> None:
    status, body, headers = post(f"{server}/chat", {"prompt": "hello there", "session_id": "s1"})
    assert status == 200
    assert body == {"reply": "(scripted) hello there", "session_id": "s1"}
    assert headers["apigw-requestid"]
    status, body, _ = post(f"{server}/nowhere", {})
    assert (status, body) == (404, {"message": "Not Found"})


def test_edit_reload_break_and_fix_without_restarting(server: str, project: Project) -> None:
    app = project.root / "agents" / "assistant" / "app.py"
    original = app.read_text()
    pid = health(server)["pid"]
    try:
        app.write_text(original.replace('{"reply": str(result).strip()', '{"reply": "v2: " + str(result).strip()'))
        eventually(lambda: post(f"{server}/chat", {"prompt": "x"})[1].get("reply") == "v2: (scripted) x")
        generation = health(server)["agents"]["assistant"]["generation"]

        broken = app.read_text() + "\ndef broken(:\n    pass\n"
        app.write_text(broken)
        error = eventually(lambda: health(server)["agents"]["assistant"]["error"])
        assert error["errorType"].startswith("Runtime.UserCodeSyntaxError")
        assert error["location"]["file"] == str(app.resolve())
        assert error["location"]["line"] == broken.splitlines().index("def broken(:") + 1
        # the previous good code keeps serving
        assert post(f"{server}/chat", {"prompt": "y"})[1]["reply"] == "v2: (scripted) y"
        assert health(server)["agents"]["assistant"]["generation"] == generation

        app.write_text(original.replace('{"reply": str(result).strip()', '{"reply": "v3: " + str(result).strip()'))
        eventually(lambda: post(f"{server}/chat", {"prompt": "z"})[1].get("reply") == "v3: (scripted) z")
        assert health(server)["agents"]["assistant"]["error"] is None
        assert health(server)["pid"] == pid, "the server was not restarted"
    finally:
        app.write_text(original)
    dev_out = (project.root / "dev.out").read_text()
    assert "UserCodeSyntaxError" in dev_out and f"{app.resolve()}:" in dev_out, "the terminal shows file:line"


def test_sqs_batch_with_one_failing_record_writes_the_table(server: str, project: Project, tmp_path: Path) -> None:
    batch = tmp_path / "batch.json"
    batch.write_text(
        json.dumps(
            [
                {"messageId": "good-1", "body": {"ticket_id": "T-100", "text": "How do I export my data?"}},
                {"messageId": "bad-1", "body": "{this is not json"},
            ]
        )
    )
    done = project.run("dev", "invoke", "triage", "--sqs", str(batch), "-e", "local", "--json")
    answer = json.loads(done.stdout)
    assert answer["ok"] is True
    assert answer["result"] == {"batchItemFailures": [{"itemIdentifier": "bad-1"}]}
    assert answer["batch"] == {"succeeded": ["good-1"], "failed": ["bad-1"], "whole_batch_failed": False,
                               "reason": None}  # fmt: skip
    assert any("failed message=bad-1" in line["message"] for line in answer["logs"])
    # the injected TICKETS_TABLE named the emulator's table: the agent's write is there for boto3 to read
    table = project.outputs()["table_tickets_name"]
    items = project.client("dynamodb").scan(TableName=table)["Items"]
    assert [(i["ticket_id"]["S"], i["label"]["S"]) for i in items] == [("T-100", "normal")]
    log_lines = (project.root / ".strands" / "dev" / "requests.jsonl").read_text().splitlines()
    sqs_record = json.loads(next(line for line in reversed(log_lines) if '"kind": "sqs"' in line))
    assert sqs_record["batch"]["failed"] == ["bad-1"] and sqs_record["agent"] == "triage"


def test_request_log_redacts_credentials(server: str, project: Project) -> None:
    post(f"{server}/chat?token=s3cr3t-value&x=1", {"prompt": "p"}, {"Authorization": "Bearer s3cr3t-value",
                                                                     "Cookie": "session=s3cr3t-value"})  # fmt: skip
    text = (project.root / ".strands" / "dev" / "requests.jsonl").read_text()
    assert "s3cr3t-value" not in text
    assert '"authorization": "(redacted)"' in text


def test_connectivity_table_reports_a_missing_table(project: Project, monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in project.env.items():
        if key.startswith(("STRANDS_", "AWS_")):
            monkeypatch.setenv(key, value)
    loaded = load_project(project.root)
    resolved = resolve(loaded, "local")
    conversations = project.outputs()["table_conversations_name"]
    project.client("dynamodb").delete_table(TableName=conversations)
    checks = {(c.agent, c.resource): c for c in DevSession(loaded, resolved).prepare()}
    missing = checks[("assistant", "conversations")]
    assert not missing.ok and missing.call == "dynamodb:DescribeTable"
    assert "ResourceNotFoundException" in missing.detail
    assert missing.fix is not None and "strands apply -e local" in missing.fix
    assert checks[("triage", "tickets")].ok and checks[("triage", "escalations")].ok


def test_dev_without_a_running_emulator_says_how_to_start_it(tmp_path: Path) -> None:
    root = tmp_path / "fresh"
    subprocess.run([STRANDS, "init", str(root), "--name", "fresh"], check=True, capture_output=True)
    done = Project(root, tmp_path / "cache").run("dev", "-e", "local", "--port", "0", ok=(1,))
    assert "emulator of this project is not running" in done.stderr + done.stdout
    assert "strands apply -e local" in done.stderr + done.stdout
    shutil.rmtree(root)


def _last_deployment(project: Project) -> dict[str, Any]:
    newest = sorted((project.root / ".strands" / "deployments").iterdir())[-1]
    return json.loads((newest / "checkpoint.json").read_text())


def test_code_only_apply_updates_the_function_and_leaves_a_clean_plan(project: Project) -> None:
    project.run("apply", "-e", "local", "--auto-approve", "--full")  # converge whatever earlier tests changed
    assert project.changes() == []
    lambda_client = project.client("lambda")
    name = project.outputs()["agent_assistant_function_name"]
    before = lambda_client.get_function_configuration(FunctionName=name)["CodeSha256"]
    app = project.root / "agents" / "assistant" / "app.py"
    original = app.read_text()
    try:
        app.write_text(original + "\n# a code change\n")
        done = project.run("apply", "-e", "local", "--auto-approve", "--code-only")
        assert "only the code of assistant changed" in done.stdout + done.stderr
        deployment = _last_deployment(project)
        assert deployment["status"] == "succeeded" and deployment["command"] == "apply"
        assert lambda_client.get_function_configuration(FunctionName=name)["CodeSha256"] != before
        assert project.changes() == [], "the next full plan is clean"
        history = project.run("history", "list", "-e", "local", "--json")
        assert deployment["id"] in history.stdout, "recorded in history like any deployment"

        yaml = project.root / "strands.yaml"
        config = yaml.read_text()
        yaml.write_text(config.replace("memory: 512", "memory: 640"))
        app.write_text(original + "\n# another code change\n")
        try:
            done = project.run("apply", "-e", "local", "--auto-approve", "--code-only")
            assert "--code-only: stack desk-local changed beyond agent code" in done.stdout + done.stderr
            assert "planning everything" in done.stdout + done.stderr
            assert lambda_client.get_function_configuration(FunctionName=name)["MemorySize"] == 640
        finally:
            yaml.write_text(config)
    finally:
        app.write_text(original)
    project.run("apply", "-e", "local", "--auto-approve")
    assert project.changes() == []
