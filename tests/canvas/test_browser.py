"""The canvas in a real browser (Debian's chromium through Playwright): render, edit, watch, conflict, plan.

Outside CI these tests skip when chromium or the built front end is missing; in CI (CI=true) they fail
instead, so a broken install is never a silent pass. Screenshots go to test-output/canvas-screenshots/.
"""

from __future__ import annotations

import difflib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from strands_tf.canvas.app import front_end_built
from strands_tf.config import load_project, resolve_all

from .conftest import REPO

CHROMIUM = Path("/usr/bin/chromium")
SHOTS = REPO / "test-output" / "canvas-screenshots"
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run",
]  # fmt: skip


def _missing() -> str | None:
    if not CHROMIUM.exists():
        return "chromium is not installed (apt-get install -y chromium)"
    if not front_end_built():
        return "the canvas front end is not built (make canvas)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[dev]')"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = _missing()
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser tests cannot run in CI: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_canvas(browser, serve):
    pages = []

    def open_(root: Path, *, color_scheme: str = "dark", **settings):
        client = serve(root, **settings)
        page = browser.new_page(viewport={"width": 1500, "height": 900}, color_scheme=color_scheme)
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.goto(client.server.url)
        page.wait_for_selector("body[data-canvas-ready='1']", timeout=30_000)
        pages.append((page, errors))
        return page, client

    yield open_
    for page, errors in pages:
        page.close()
        assert not errors, errors


def _generated(root: Path, agents: int) -> Path:
    lines = ["version: 1", "project: big", "agents:"]
    for i in range(agents):
        lines += [
            f"  agent-{i}:",
            f"    path: agents/agent-{i}",
            "    permissions:",
            f"      - {{resource: table-{i % 10}, access: read}}",
            f"      - {{resource: queue-{i % 5}, access: publish}}",
        ]
        (root / "agents" / f"agent-{i}").mkdir(parents=True)
        (root / "agents" / f"agent-{i}" / "app.py").write_text("def handler(event, context):\n    return {}\n")
    lines.append("resources:")
    lines += [f"  table-{i}:\n    type: dynamodb\n    hash_key: id" for i in range(10)]
    lines += [f"  queue-{i}:\n    type: sqs" for i in range(5)]
    (root / "strands.yaml").write_text("\n".join(lines) + "\n")
    return root


def _shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


@pytest.mark.parametrize("example", ["simple-assistant", "ticket-triage", "agents-monorepo", "generated-50"])
def test_each_example_renders_every_agent_and_resource(open_canvas, copy_example, tmp_path, example) -> None:
    if example == "generated-50":
        root = _generated(tmp_path / "big", 50)
    else:
        root = copy_example(example)
    loaded = load_project(root)
    page, _client = open_canvas(root)
    expected = [f"agent:{a}" for a in loaded.config.agents] + [f"resource:{r}" for r in loaded.config.resources]
    for node_id in expected:
        assert page.locator(f"[data-testid='node-{node_id}']").count() == 1, node_id
    assert page.locator("[data-testid='problems'] .count").first.inner_text() == "0 errors"
    page.wait_for_timeout(300)
    _shot(page, example)


def test_add_agent_connect_to_table_read_write(open_canvas, copy_example) -> None:
    root = copy_example("simple-assistant")
    before = (root / "strands.yaml").read_text()
    page, _client = open_canvas(root)
    page.drag_and_drop("[data-testid='palette-agent']", "[data-testid='stage']", target_position={"x": 300, "y": 650})
    page.wait_for_selector("[data-testid='node-agent:agent']", timeout=15_000)
    source = page.locator("[data-testid='node-agent:agent'] .react-flow__handle.source").bounding_box()
    target = page.locator("[data-testid='node-resource:conversations'] .react-flow__handle.target").bounding_box()
    assert source and target
    page.mouse.move(source["x"] + 5, source["y"] + 5)
    page.mouse.down()
    page.mouse.move(target["x"] + 5, target["y"] + 5, steps=12)
    page.mouse.up()
    page.wait_for_selector("[data-testid='edge-editor']", timeout=15_000)
    page.click("[data-testid='access-read_write']")
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='access-read_write']\")?.checked", timeout=15_000
    )
    after = (root / "strands.yaml").read_text()
    added = [line[1:] for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
             if line.startswith("+") and not line.startswith("+++")]  # fmt: skip
    removed = [line for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line.startswith("-") and not line.startswith("---")]  # fmt: skip
    assert removed == []
    assert added == [
        "  agent:",
        "    path: agents/agent",
        "    handler: app.handler",
        "    permissions:",
        "      - resource: conversations",
        "        access: read_write",
    ]
    resolve_all(load_project(root))  # what `strands validate` checks
    assert "agent:agent" in (root / ".strands" / "canvas.json").read_text()  # the drop position, not in strands.yaml
    _shot(page, "added-agent")


def test_file_edited_on_disk_appears_on_the_canvas(open_canvas, copy_example) -> None:
    root = copy_example("simple-assistant")
    page, _client = open_canvas(root)
    path = root / "strands.yaml"
    path.write_text(path.read_text() + "  uploads:\n    type: s3\n")
    page.wait_for_selector("[data-testid='node-resource:uploads']", timeout=10_000)


def test_a_file_broken_on_disk_keeps_the_last_graph_until_it_is_fixed(open_canvas, copy_example) -> None:
    """Saving a half-written strands.yaml in another editor blanked the canvas ("drag an agent to start")."""
    root = copy_example("ticket-triage")
    page, _client = open_canvas(root)
    path = root / "strands.yaml"
    good = path.read_text()
    nodes = page.locator("[data-testid^='node-']").count()
    assert nodes >= 5
    path.write_text(good.replace("agents:\n", "agents:\n bad: [\n", 1))
    page.wait_for_selector("[data-testid='stale-banner']", timeout=10_000)
    assert page.locator("[data-testid^='node-']").count() == nodes
    assert not page.is_visible("[data-testid='empty-hint']")
    assert "1 error" in page.inner_text("[data-testid='problems']")
    path.write_text(good.replace("\n  triage:", "\n  sorter:"))
    page.wait_for_selector("[data-testid='stale-banner']", state="detached", timeout=10_000)
    page.wait_for_selector("[data-testid='node-agent:sorter']")


def test_a_field_conflict_in_a_monorepo_fragment_compares_that_fragment(open_canvas, copy_example) -> None:
    """The dialog compared strands.yaml (unchanged) when the other change was in agents/triage/agent.yaml."""
    root = copy_example("agents-monorepo")
    page, _client = open_canvas(root)
    page.click("[data-testid='node-agent:triage']")
    field = "[data-testid='properties'] [data-testid='field-agents.triage.memory']"
    page.wait_for_selector(field)
    page.fill(field, "768")  # typed, not yet saved (no blur)
    fragment = root / "agents" / "triage" / "agent.yaml"
    fragment.write_text(fragment.read_text() + "timeout: 45\n")
    page.wait_for_selector("[data-testid='conflict-dialog']", timeout=10_000)
    dialog = page.inner_text("[data-testid='conflict-dialog']")
    assert "agents/triage/agent.yaml changed on disk" in dialog, dialog
    page.wait_for_selector("[data-testid='conflict-dialog'] .cm-line:has-text('timeout: 45')")  # the diff loads lazily
    page.click("[data-testid='conflict-mine']")
    page.wait_for_selector("[data-testid='conflict-dialog']", state="detached")
    page.wait_for_function("() => document.querySelector(\"[data-testid='save-state']\").textContent === 'saved'")
    for _ in range(100):
        if "memory: 768" in fragment.read_text():
            break
        page.wait_for_timeout(100)
    assert "memory: 768" in fragment.read_text() and "timeout: 45" in fragment.read_text()


def test_a_project_opened_broken_says_so_instead_of_inviting_a_drag(open_canvas, tmp_path) -> None:
    root = tmp_path / "broken"
    root.mkdir()
    (root / "strands.yaml").write_text("version: 1\nproject: broken\nagents: [\n")
    page, _client = open_canvas(root)
    assert "does not parse" in page.inner_text("[data-testid='empty-hint']")


def test_conflict_dialog_when_the_yaml_view_has_unsaved_edits(open_canvas, copy_example) -> None:
    root = copy_example("simple-assistant")
    page, _client = open_canvas(root)
    page.click("[data-testid='yaml-toggle']")
    page.click("[data-testid='yaml-editor'] .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("# my unsaved note\n")
    page.wait_for_selector("text=unsaved YAML")
    path = root / "strands.yaml"
    disk = path.read_text().replace("memory: 512", "memory: 700")
    path.write_text(disk)
    page.wait_for_selector("[data-testid='conflict-dialog']", timeout=10_000)
    _shot(page, "conflict-dialog")
    page.click("[data-testid='conflict-mine']")
    page.wait_for_selector("[data-testid='conflict-dialog']", state="detached")
    page.wait_for_function("() => document.querySelector(\"[data-testid='save-state']\").textContent === 'saved'")
    final = path.read_text()
    assert "# my unsaved note" in final and "memory: 512" in final  # kept mine, written over the disk version


def test_problems_outline_the_node_and_jump_to_the_line(open_canvas, copy_example) -> None:
    root = copy_example("ticket-triage")
    text = (root / "strands.yaml").read_text().replace("visibility_timeout: 360", "visibility_timeout: 99999")
    (root / "strands.yaml").write_text(text)
    page, _client = open_canvas(root)
    node = page.locator("[data-testid='node-resource:inbound']")
    assert node.get_attribute("data-problems") == "1"
    page.click("[data-testid='problems'] .problems-bar")
    page.click("[data-testid='problem']")
    page.wait_for_selector("[data-testid='yaml-panel'] .cm-activeLine:has-text('visibility_timeout: 99999')")


def _without_requirements(root: Path) -> Path:
    """The example without third-party requirements: packaging runs as in `strands plan` but needs no pip."""
    for requirements in root.glob("agents/*/requirements.txt"):
        requirements.unlink()
    return root


@pytest.mark.slow
def test_plan_preview_colours_nodes_and_edges_on_the_emulator(open_canvas, copy_example, monkeypatch) -> None:
    from strands_tf.deploy.emulator_target import stop_emulator
    from strands_tf.deploy.workspace import Workspace

    monkeypatch.setenv("STRANDS_ENGINE", os.environ.get("STRANDS_ENGINE", "embedded"))
    root = _without_requirements(copy_example("simple-assistant"))
    page, _client = open_canvas(root, environment="local")
    try:
        page.click("[data-testid='plan-button']")
        page.wait_for_selector("[data-testid='plan-status'][data-status]", timeout=400_000)
        status = page.get_attribute("[data-testid='plan-status']", "data-status")
        assert status == "succeeded", page.inner_text("[data-testid='plan-error']") if status == "failed" else status
        for node_id in ("agent:assistant", "resource:conversations", "api", "role:role_assistant"):
            assert page.get_attribute(f"[data-testid='node-{node_id}']", "data-plan") == "create", node_id
        legend = page.locator("[data-testid='plan-legend'] [data-action='create']").inner_text()
        assert legend.endswith("4")  # agent, table, API, role
        for edge in ("route:assistant", "perm:assistant:0"):
            stroke = page.locator(f"[data-testid='rf__edge-{edge}'] path.react-flow__edge-path").get_attribute("style")
            assert "--create" in (stroke or ""), (edge, stroke)
        page.click("[data-testid='node-agent:assistant']")
        page.wait_for_selector("[data-testid='properties'] .plan-line-create")
        _shot(page, "plan-preview")
    finally:
        stop_emulator(Workspace(root))
        shutil.rmtree(root / ".strands" / "build", ignore_errors=True)


def test_a_failed_plan_shows_what_failed_and_the_next_step(open_canvas, copy_example, monkeypatch, tmp_path) -> None:
    for name in [name for name in os.environ if name.startswith("AWS_")]:  # keys, profiles, endpoints, containers
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    root = _without_requirements(copy_example("simple-assistant"))
    page, _client = open_canvas(root, environment="dev")  # real AWS, and no credentials on this machine
    page.click("[data-testid='plan-button']")
    page.wait_for_selector("[data-testid='plan-status'][data-status='failed']", timeout=120_000)
    panel = page.locator("[data-testid='plan-error']")
    assert "No AWS credentials found" in panel.locator("[data-testid='plan-error-summary']").inner_text()
    assert "profile" in panel.locator("[data-testid='plan-error-hint']").inner_text()
    assert "Tried:" in panel.inner_text()  # the detail, not only the summary
    _shot(page, "plan-error")
    page.click("[data-testid='plan-error'] .icon-btn")
    page.click("[data-testid='plan-status'] .link-btn")  # "details" shows it again
    page.wait_for_selector("[data-testid='plan-error']")


def test_the_canvas_saving_its_own_yaml_opens_no_conflict_dialog(open_canvas, copy_example) -> None:
    """Regression: the canvas's own save came back through the file watcher and opened a false conflict dialog.

    The save's HTTP response is held until the page has seen the server's `document` event for that save, so
    the event always arrives first (the order that used to raise the dialog), whatever the machine's speed.
    """
    root = copy_example("simple-assistant")
    page, _client = open_canvas(root)
    page.click("[data-testid='yaml-toggle']")
    page.click("[data-testid='yaml-editor'] .cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("# a note saved from the canvas\n")
    page.wait_for_selector("text=unsaved YAML")
    held = []

    def hold(route) -> None:
        held.append((route, route.fetch()))  # the server writes the file and pushes `document` now

    page.route("**/api/files", hold)
    page.keyboard.press("Control+s")
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='conflict-dialog']\") ||"
        " document.querySelector(\"[data-testid='save-state']\").textContent === 'saved'",
        timeout=15_000,
    )
    assert page.locator("[data-testid='conflict-dialog']").count() == 0
    assert len(held) == 1
    route, response = held[0]
    route.fulfill(response=response)
    page.wait_for_function("() => document.querySelector(\"[data-testid='save-state']\").textContent === 'saved'")
    page.wait_for_timeout(300)
    assert page.locator("[data-testid='conflict-dialog']").count() == 0
    assert "# a note saved from the canvas" in (root / "strands.yaml").read_text()


def test_panels_and_both_themes_for_humans_to_look_at(open_canvas, copy_example) -> None:
    root = copy_example("ticket-triage")
    page, _client = open_canvas(root)
    page.click("[data-testid='node-agent:triage']")
    page.wait_for_selector("[data-testid='properties'] [data-testid='field-name']")
    _shot(page, "properties-panel")
    page.click("[data-testid='rf__edge-perm:triage:0']", force=True)
    page.wait_for_selector("[data-testid='edge-editor']")
    _shot(page, "edge-editor")
    page.click("[data-testid='access-custom']")
    page.wait_for_selector("[data-testid='action-dynamodb:PutItem']")
    page.fill("[data-testid='action-filter']", "item")
    _shot(page, "iam-action-picker")
    light, _client = open_canvas(copy_example("agents-monorepo"), color_scheme="light")
    assert light.evaluate("getComputedStyle(document.documentElement).getPropertyValue('--bg').trim()") == "#f5f7fb"
    _shot(light, "agents-monorepo-light")
    broken = copy_example("simple-assistant")
    text = (broken / "strands.yaml").read_text().replace("access: read_write", "access: publish")
    (broken / "strands.yaml").write_text(text)
    problems, _client = open_canvas(broken)
    problems.click("[data-testid='problems'] .problems-bar")
    problems.wait_for_selector("[data-testid='problem']")
    _shot(problems, "problems-list")


def test_cost_panel_and_badges_follow_edits(open_canvas, copy_example) -> None:
    """Issue 15 item 9: a cost badge per node, the panel by service and element, updated as the user edits."""
    root = copy_example("simple-assistant")
    page, client = open_canvas(root)
    cost = client.project()["derived"]["cost"]
    badge = page.locator("[data-testid='cost-agent:assistant']")
    assert badge.inner_text() == f"${cost['by_node']['agent:assistant']:,.2f}/mo"
    assert page.locator("[data-testid='cost-resource:conversations']").count() == 1
    assert page.locator("[data-testid='cost-total']").inner_text() == f"${cost['monthly_total']:,.2f}"
    page.click("[data-testid='cost-panel'] .cost-bar")
    services = page.locator("[data-testid='cost-by-service'] li").all_inner_texts()
    assert services[0].startswith("Bedrock")
    rows = page.locator("[data-testid='cost-by-node'] li").all_inner_texts()
    assert rows[0].startswith("agent assistant")
    _shot(page, "cost-panel")
    # more memory in the properties form's place: an edit through the API the front end uses
    before = badge.inner_text()
    config = root / "strands.yaml"
    config.write_text(config.read_text().replace("memory: 512", "memory: 2048"))
    page.wait_for_function(
        "(old) => document.querySelector(\"[data-testid='cost-agent:assistant']\")?.innerText !== old",
        arg=before,
        timeout=15_000,
    )
    updated = client.project()["derived"]["cost"]
    assert badge.inner_text() == f"${updated['by_node']['agent:assistant']:,.2f}/mo"
    assert updated["monthly_total"] > cost["monthly_total"]
    page.locator("[data-testid='cost-by-node'] li").first.click()
    page.wait_for_selector("[data-testid='node-agent:assistant'].selected, .react-flow__node.selected", timeout=15_000)
