"""Live deployments on the canvas in a real browser, on the emulator (issue 13's Tests).

One project, one canvas server and one page for the whole module (applies on the emulator are the slow part):
the tests run in order and build on each other — an apply from the canvas, its node panel and timeline, a
terminal apply followed live (with the WebSocket killed mid-way), a forced failure, then history compare and a
rollback from the UI. Screenshots go to test-output/canvas-screenshots/live-*.png.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .test_browser import ARGS, CHROMIUM, _missing, _shot

pytestmark = pytest.mark.slow

STRANDS = str(Path(sys.executable).with_name("strands"))
PROJECT = "livedemo"
YAML = textwrap.dedent(
    """\
    version: 1
    project: livedemo
    region: us-east-1
    stacks: per_agent
    agents:
      web:
        path: agents/web
        handler: app.handler
        api:
          routes: ["POST /chat"]
        permissions:
          - {resource: sessions, access: read_write}
      worker:
        path: agents/worker
        handler: app.handler
        triggers:
          - {queue: jobs, batch_size: 5}
        permissions:
          - {resource: sessions, access: write}
    resources:
      sessions:
        type: dynamodb
        hash_key: id
      jobs:
        type: sqs
        visibility_timeout: 360
    """
)


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The project, the canvas server on `-e local` and one page on it."""
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    from strands_tf.canvas.app import CanvasSettings
    from strands_tf.canvas.server import CanvasServer
    from strands_tf.deploy.emulator_target import stop_emulator
    from strands_tf.deploy.workspace import Workspace

    root = tmp_path_factory.mktemp("live") / PROJECT
    for agent in ("web", "worker"):
        (root / "agents" / agent).mkdir(parents=True)
        (root / "agents" / agent / "app.py").write_text("def handler(event, context):\n    return {'ok': True}\n")
    (root / "strands.yaml").write_text(YAML)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STRANDS_ENGINE", os.environ.get("STRANDS_ENGINE", "embedded"))
        mp.setenv("STRANDS_TEMPLATES_DIR", str(root.parent / "templates"))
        server = CanvasServer.create(CanvasSettings(root=root, environment="local")).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
                page = browser.new_page(viewport={"width": 1500, "height": 900})
                errors: list[str] = []
                page.on("pageerror", lambda exc: errors.append(str(exc)))
                page.goto(server.url)
                page.wait_for_selector("body[data-canvas-ready='1']", timeout=30_000)
                _record_transitions(page)
                yield {"root": root, "server": server, "page": page, "errors": errors}
                browser.close()
                assert not errors, errors
        finally:
            try:
                server.stop()
            finally:
                stop_emulator(Workspace(root))


def _record_transitions(page: Any) -> None:
    """Every change of a node's live status, in order, with the time it was seen (window.__transitions)."""
    page.evaluate(
        """() => {
        window.__transitions = [];
        const seen = new Map();
        const look = () => {
          for (const el of document.querySelectorAll('[data-testid^="node-"]')) {
            const id = el.getAttribute('data-testid').slice(5), s = el.getAttribute('data-live') || '';
            if (seen.get(id) !== s) { seen.set(id, s); if (s) window.__transitions.push([id, s, performance.now()]); }
          }
        };
        new MutationObserver(look).observe(document.body,
          {subtree: true, attributes: true, attributeFilter: ['data-live'], childList: true});
        }"""
    )


def _key(page: Any) -> str | None:
    status = page.locator("[data-testid='deploy-status']")
    return status.get_attribute("data-key") if status.count() else None


def _start(page: Any, button: str) -> str | None:
    """Click what starts a deployment; returns the key of the deployment shown before it."""
    before = _key(page)
    page.click(button)
    return before


def _confirm_waves(page: Any, before: str | None, *, name: str | None = None, timeout: float = 300) -> str:
    """Confirm every review the deployment started after `before` asks for; returns its final status."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _key(page) == before:
            page.wait_for_timeout(100)
            continue
        status = page.get_attribute("[data-testid='deploy-status']", "data-status")
        if status in ("succeeded", "failed", "cancelled", "interrupted"):
            return str(status)
        if page.locator("[data-testid='review-bar']").count():
            if name is not None:
                page.fill("[data-testid='review-name']", name)
            page.click("[data-testid='review-confirm']")
            page.wait_for_timeout(300)
        page.wait_for_timeout(200)
    raise AssertionError("the deployment did not finish")


def _node_live(page: Any, node: str) -> str | None:
    return page.get_attribute(f"[data-testid='node-{node}']", "data-live")


def test_apply_from_the_canvas_lights_nodes_in_dependency_order(live: dict[str, Any]) -> None:
    page = live["page"]
    before = _start(page, "[data-testid='apply-button']")
    page.wait_for_selector("[data-testid='review-bar']", timeout=300_000)
    # the review outlines what the first wave (the shared stack) changes, before anything is applied
    assert page.get_attribute("[data-testid='node-resource:sessions']", "data-plan") == "create"
    _shot(page, "live-review")
    assert _confirm_waves(page, before) == "succeeded"
    nodes = ["resource:sessions", "resource:jobs", "agent:web", "agent:worker", "api"]
    for node in nodes:
        assert _node_live(page, node) == "succeeded", node
    transitions = page.evaluate("window.__transitions")
    order = {"pending": 0, "deploying": 1, "succeeded": 2}
    seen: dict[str, list[tuple[str, float]]] = {}
    for node, status, at in transitions:
        seen.setdefault(node, []).append((status, at))
    for node in nodes:
        statuses = [s for s, _ in seen[node]]
        assert statuses[-1] == "succeeded", (node, statuses)
        ranks = [order[s] for s in statuses if s in order]
        assert ranks == sorted(ranks), (node, statuses)  # never back from deploying to pending, or from succeeded
    assert any(s == "deploying" for n in nodes for s, _ in seen[n])  # the pulse was on screen

    def first(node: str, status: str) -> float:
        return min(at for s, at in seen[node] if order[s] >= order[status])

    # the table and queue (shared stack) finish before the agents that use them start; the API after its agent
    for agent in ("agent:web", "agent:worker"):
        assert first("resource:sessions", "succeeded") < first(agent, "deploying")
    assert first("resource:jobs", "succeeded") < first("agent:worker", "deploying")
    assert first("agent:web", "succeeded") < first("api", "deploying")
    _shot(page, "live-succeeded")
    # the checkpoint says the canvas ran it (a restarted canvas names it so)
    deployment = live["server"].canvas.board.last
    checkpoint = json.loads((live["root"] / ".strands" / "deployments" / deployment.id / "checkpoint.json").read_text())
    assert checkpoint["attempts"][-1]["owner"]["source"] == "canvas"


def test_node_panel_shows_steps_log_config_and_aws_calls(live: dict[str, Any]) -> None:
    page = live["page"]
    page.click("[data-testid='node-agent:web']")
    panel = page.locator("[data-testid='exec-panel']")
    panel.wait_for()
    steps = panel.locator("[data-testid='exec-step']")
    assert steps.count() >= 2  # its log group and function
    assert all(s == "done" for s in steps.evaluate_all("rows => rows.map(r => r.dataset.status)"))
    assert re.search(r"\d", panel.locator("[data-testid='exec-step-duration']").first.inner_text())
    page.click("[data-testid='exec-tab-log']")
    lines = panel.locator("[data-testid='exec-log-line']")
    assert lines.count() >= 2
    page.fill("[data-testid='exec-log-filter']", "aws_lambda_function")
    filtered = lines.all_inner_texts()
    assert filtered and all("aws_lambda_function" in line for line in filtered)
    page.click("[data-testid='exec-tab-config']")
    page.wait_for_selector("[data-testid='exec-config'] .cm-content")
    assert "handler: app.handler" in panel.locator("[data-testid='exec-config']").inner_text()
    page.click("[data-testid='exec-tab-aws']")
    calls = panel.locator("[data-testid='exec-aws-call']")
    assert calls.count() >= 1
    texts = calls.all_inner_texts()
    assert any("Lambda:CreateFunction" in t for t in texts), texts
    assert re.search(r"\d+ ms", panel.locator("[data-testid='exec-aws-duration']").first.inner_text())
    _shot(page, "live-node-panel")
    page.click("[data-testid='exec-panel'] .icon-btn")


def test_timeline_has_one_bar_per_resource_in_stack_lanes(live: dict[str, Any]) -> None:
    page = live["page"]
    board = live["server"].canvas.board
    deployment = board.last
    applied = {(e["stack"], e["address"]) for e in deployment.events if e.get("type") == "apply_complete"}
    page.click("[data-testid='timeline-toggle']")
    page.wait_for_selector("[data-testid='timeline-bar']")
    bars = page.locator("[data-testid='timeline-bar']")
    assert bars.count() == len(applied)
    lanes = page.locator("[data-testid='timeline-lane']").evaluate_all("ls => ls.map(l => l.dataset.stack)")
    assert sorted(lanes) == sorted({stack for stack, _ in applied})
    assert "wave 3" in page.locator("[data-testid='timeline']").inner_text()  # shared → agents → API
    efficiency = page.locator("[data-testid='timeline-efficiency']").inner_text()
    assert efficiency.endswith("%")
    assert page.locator("[data-testid='timeline-bar'].critical").count() >= 1
    _shot(page, "live-timeline")
    page.click("[data-testid='timeline-toggle']")


def _set_memory(root: Path, memory: int) -> None:
    text = (root / "strands.yaml").read_text()
    text = re.sub(r"(    handler: app.handler\n)(    memory: \d+\n)?", rf"\g<1>    memory: {memory}\n", text, count=1)
    (root / "strands.yaml").write_text(text)


def test_a_terminal_apply_updates_the_canvas_and_survives_a_dropped_socket(live: dict[str, Any]) -> None:
    page, root, server = live["page"], live["root"], live["server"]
    _set_memory(root, 1024)
    before = page.get_attribute("[data-testid='deploy-status']", "data-key")
    env = {**os.environ, "NO_COLOR": "1"}
    proc = subprocess.Popen([STRANDS, "apply", "-e", "local", "--auto-approve"], cwd=root, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)  # fmt: skip
    try:
        page.wait_for_selector("[data-testid='deploy-status'][data-source='terminal']", timeout=300_000)
        assert page.get_attribute("[data-testid='deploy-status']", "data-key") != before
        # kill the page's WebSocket mid-apply: it reconnects and catches up on what it missed
        loop = server.canvas.hub._loop
        loop.call_soon_threadsafe(server.canvas.hub.close)
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out
        page.wait_for_selector("[data-testid='deploy-status'][data-source='terminal'][data-status='succeeded']",
                               timeout=60_000)  # fmt: skip
    finally:
        if proc.poll() is None:
            proc.kill()
    assert _node_live(page, "agent:web") == "succeeded"
    board = server.canvas.board.last
    assert board.source == "terminal"
    page.click("[data-testid='node-agent:web']")
    steps = page.locator("[data-testid='exec-step']")
    steps.first.wait_for()
    assert any("aws_lambda_function" in t for t in steps.all_inner_texts())
    # the terminal's apply kept its AWS calls because this canvas runs (deploy/watchers.py)
    page.click("[data-testid='exec-tab-aws']")
    calls = page.locator("[data-testid='exec-panel'] [data-testid='exec-aws-call']")
    calls.first.wait_for(timeout=30_000)
    assert any("UpdateFunctionConfiguration" in t for t in calls.all_inner_texts()), calls.all_inner_texts()
    page.click("[data-testid='exec-panel'] .icon-btn")


def test_a_forced_failure_shows_the_failed_node_and_the_fix(live: dict[str, Any]) -> None:
    import boto3

    from strands_tf.deploy.emulator_target import emulator_endpoint
    from strands_tf.deploy.workspace import Workspace

    page, root = live["page"], live["root"]
    endpoint = emulator_endpoint(Workspace(root))
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, region_name="us-east-1",
                            aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    # the name the new table gets is taken in the emulator: Terraform's create fails
    dynamodb.create_table(TableName=f"{PROJECT}-local-taken", BillingMode="PAY_PER_REQUEST",
                          AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
                          KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}])  # fmt: skip
    text = (root / "strands.yaml").read_text()
    (root / "strands.yaml").write_text(text + "  taken:\n    type: dynamodb\n    hash_key: id\n")
    page.wait_for_selector("[data-testid='node-resource:taken']", timeout=10_000)
    before = _start(page, "[data-testid='apply-button']")
    assert _confirm_waves(page, before) == "failed"
    assert _node_live(page, "resource:taken") == "failed"
    page.wait_for_selector("[data-testid='deploy-result']")
    page.click("[data-testid='node-resource:taken']")
    page.click("[data-testid='exec-tab-errors']")
    error = page.locator("[data-testid='exec-error']").first
    assert "ResourceInUse" in error.inner_text() or "already exists" in error.inner_text().lower()
    assert page.locator("[data-testid='exec-error-category']").first.inner_text().strip()
    fix = page.locator("[data-testid='exec-error-fix']").first.inner_text()
    assert "strands orphans" in fix or "rename" in fix.lower() or fix.startswith("next step")
    _shot(page, "live-failed")
    page.click("[data-testid='exec-panel'] .icon-btn")
    # the failed node stays highlighted after a reload, until the next deployment
    page.reload()
    page.wait_for_selector("body[data-canvas-ready='1']")
    page.wait_for_selector("[data-testid='node-resource:taken'][data-live='failed']", timeout=10_000)
    _record_transitions(page)
    (root / "strands.yaml").write_text(text)  # the rollback below re-applies the first deployment's stacks


def test_history_compare_and_rollback_from_the_ui(live: dict[str, Any]) -> None:
    import boto3

    from strands_tf.deploy.emulator_target import emulator_endpoint
    from strands_tf.deploy.workspace import Workspace

    page, root = live["page"], live["root"]
    page.click("[data-testid='history-toggle']")
    rows = page.locator("[data-testid='history-row']")
    rows.first.wait_for(timeout=30_000)
    ids = rows.evaluate_all("rs => rs.map(r => [r.dataset.id, r.dataset.status])")
    succeeded = sorted(i for i, status in ids if status == "succeeded")
    assert len(succeeded) >= 2, ids
    first, second = succeeded[0], succeeded[1]
    page.locator(f"[data-testid='history-row'][data-id='{first}'] [data-testid='history-pick']").check()
    page.locator(f"[data-testid='history-row'][data-id='{second}'] [data-testid='history-pick']").check()
    page.click("[data-testid='history-compare']")
    view = page.locator("[data-testid='history-compare-view']")
    view.wait_for()
    assert view.locator("[data-testid='compare-col']").count() == 2
    config = "\n".join(view.locator("[data-testid='compare-config']").all_inner_texts())
    assert "+    memory: 1024" in config  # strands.yaml's own diff (resolved.json's too)
    _shot(page, "live-history-compare")
    page.locator(f"[data-testid='history-row'][data-id='{first}'] [data-testid='history-rollback']").click()
    before = _start(page, "[data-testid='rollback-confirm']")
    assert _confirm_waves(page, before) == "succeeded"
    endpoint = emulator_endpoint(Workspace(root))
    lam = boto3.client("lambda", endpoint_url=endpoint, region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    memory = lam.get_function_configuration(FunctionName=f"{PROJECT}-local-web")["MemorySize"]
    assert memory == 512  # the first deployment's setting is back


def test_cancel_while_planning_stops_the_deployment_like_ctrl_c(live: dict[str, Any]) -> None:
    page, server = live["page"], live["server"]
    _set_memory(live["root"], 768)  # something to apply
    before = _start(page, "[data-testid='apply-button']")
    page.wait_for_selector("[data-testid='deploy-status'][data-status='planning']", timeout=60_000)
    assert _key(page) != before
    page.click("[data-testid='deploy-cancel']")
    page.wait_for_selector("[data-testid='deploy-status'][data-status='cancelled']", timeout=120_000)
    deployment = server.canvas.board.last
    checkpoint = json.loads((live["root"] / ".strands" / "deployments" / deployment.id / "checkpoint.json").read_text())
    assert checkpoint["status"] == "cancelled"
    assert page.locator("[data-testid='review-bar']").count() == 0


def test_a_plan_marks_resources_changed_outside_terraform(live: dict[str, Any]) -> None:
    import boto3

    from strands_tf.deploy.emulator_target import emulator_endpoint
    from strands_tf.deploy.workspace import Workspace

    page, root = live["page"], live["root"]
    sqs = boto3.client("sqs", endpoint_url=emulator_endpoint(Workspace(root)), region_name="us-east-1",
                       aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
    url = sqs.get_queue_url(QueueName=f"{PROJECT}-local-jobs")["QueueUrl"]
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "400"})  # by hand, outside Terraform
    page.click("[data-testid='plan-button']")
    page.wait_for_selector("[data-testid='plan-status'][data-status]", timeout=300_000)
    assert page.get_attribute("[data-testid='plan-status']", "data-status") == "succeeded"
    assert page.get_attribute("[data-testid='node-resource:jobs']", "data-drift") == "1"
    assert page.get_attribute("[data-testid='node-resource:sessions']", "data-drift") is None
    # the agents' stacks read the shared stack, which has changes: they are planned after it, not "no change"
    assert page.get_attribute("[data-testid='node-agent:web']", "data-plan") == "deferred"
    _shot(page, "live-drift")
