"""The toolbar in narrow windows (Playwright, Debian's chromium): nothing overlaps, every action stays reachable.

Below the width where every control fits, the lower-priority actions move into the "⋯" overflow menu
(canvas/src/components/Toolbar.tsx); the menu works by mouse and by keyboard.
"""

from __future__ import annotations

import time

import pytest

from .test_browser import browser, open_canvas  # noqa: F401 (fixtures)

# ruff: noqa: F811 (the fixtures are parameters of the tests)

# every collapsible action: the inline control's selector, and what using it does
ACTIONS = {
    "destroy": "[data-testid='destroy-button']",
    "timeline": "[data-testid='timeline-toggle']",
    "history": "[data-testid='history-toggle']",
    "undo": "[data-testid='undo']",
    "redo": "[data-testid='redo']",
    "roles": "[data-testid='roles-toggle']",
    "arrange": "[data-testid='arrange']",
    "templates": "[data-testid='templates-menu']",
    "yaml": "[data-testid='yaml-toggle']",
    "theme": "[data-testid='theme-toggle']",
}
CONTROLS = (
    "header.toolbar button, header.toolbar select, header.toolbar input[type=checkbox], header.toolbar .saved,"
    " header.toolbar .status-dot, header.toolbar .project, header.toolbar .logo"
)


def _wait_file(root, text: str, *, present: bool = True) -> bool:
    """Whether strands.yaml comes to contain (or lose) text within a generous time (a slow machine)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if (text in (root / "strands.yaml").read_text()) == present:
            return True
        time.sleep(0.05)
    return False


def _boxes(page) -> list[dict]:
    return page.eval_on_selector_all(
        CONTROLS,
        """els => els.filter(e => !e.closest('.menu-pop')).map(e => {
             const r = e.getBoundingClientRect();
             // a control cut off by a chip that clips its content (overflow hidden) is not reachable either
             let hidden = false;
             for (let p = e.parentElement; p && p.tagName !== 'HEADER'; p = p.parentElement) {
               const q = p.getBoundingClientRect();
               const clips = getComputedStyle(p).overflowX !== 'visible';
               if (clips && (r.x < q.x - 0.5 || r.right > q.right + 0.5)) hidden = true;
             }
             return {what: e.dataset.testid || e.className || e.tagName, x: r.x, y: r.y, w: r.width, h: r.height,
                     clipped: hidden || (e.scrollWidth > e.clientWidth + 1 && !['SELECT', 'INPUT'].includes(e.tagName)
                              && !e.classList.contains('project'))};
           }).filter(b => b.w > 0 && b.h > 0)""",
    )


def _assert_fits(page, width: int) -> None:
    boxes = _boxes(page)
    assert len(boxes) >= 8, boxes
    for box in boxes:
        assert box["x"] >= 0 and box["x"] + box["w"] <= width + 0.5, f"{box['what']} leaves the window: {box}"
        assert not box["clipped"], f"{box['what']} is cut off: {box}"
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            overlap_x = min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"])
            overlap_y = min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"])
            assert overlap_x <= 0.5 or overlap_y <= 0.5, f"{a['what']} overlaps {b['what']}"


def _menu_keys(page) -> list[str]:
    if not page.is_visible("[data-testid='toolbar-more']"):
        return []
    page.click("[data-testid='toolbar-more']")
    page.wait_for_selector("[data-testid='toolbar-menu']")
    keys = page.eval_on_selector_all(
        "[data-testid='toolbar-menu'] [data-action]", "es => es.map(x => x.dataset.action)"
    )
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid='toolbar-menu']", state="detached")
    return keys


def _use(page, key: str) -> None:
    """Use an action wherever it is: inline, or through the overflow menu."""
    if page.is_visible(ACTIONS[key]):
        page.click(ACTIONS[key])
        return
    page.click("[data-testid='toolbar-more']")
    page.click(f"[data-testid='toolbar-menu'] [data-action='{key}']")


@pytest.mark.parametrize("width,height", [(1024, 768), (800, 600)])
def test_the_toolbar_fits_narrow_windows_and_each_action_is_reachable(open_canvas, copy_example, width, height) -> None:
    root = copy_example("production")
    page, _client = open_canvas(root)
    page.set_viewport_size({"width": width, "height": height})
    page.wait_for_function("() => document.querySelector('header.toolbar').scrollWidth <= innerWidth")
    _assert_fits(page, width)

    menu = _menu_keys(page)
    assert menu, "a narrow window moves some actions into the overflow menu"
    for key, selector in ACTIONS.items():
        inline = page.is_visible(selector)
        in_menu = key in menu or (key == "templates" and "template-save" in menu)
        assert inline != in_menu, f"{key}: inline={inline}, in the menu={in_menu}"

    # each one works from where it is
    _use(page, "yaml")
    page.wait_for_selector("[data-testid='yaml-panel']")
    _use(page, "history")
    page.wait_for_selector("[data-testid='history-panel']")
    _use(page, "history")
    page.wait_for_selector("[data-testid='history-panel']", state="detached")
    before = page.evaluate("document.documentElement.dataset.theme || 'auto'")
    _use(page, "theme")
    page.wait_for_function(f"() => (document.documentElement.dataset.theme || 'auto') !== {before!r}")
    roles = page.locator("[data-testid^='node-role:']").count()
    assert roles > 0
    _use(page, "roles")
    page.wait_for_function("() => document.querySelectorAll(\"[data-testid^='node-role:']\").length === 0")
    _use(page, "arrange")
    # an edit on the form makes undo usable; undo then redo move the value back and forth
    page.click("[data-testid='node-agent:assistant']")
    field = "[data-testid='properties'] [data-testid='field-agents.assistant.memory']"
    page.wait_for_selector(field)
    original = page.input_value(field)
    page.fill(field, "768")
    page.keyboard.press("Tab")
    page.wait_for_function("() => document.querySelector(\"[data-testid='save-state']\").textContent === 'saved'")
    assert _wait_file(root, "memory: 768")
    _use(page, "undo")
    assert _wait_file(root, "memory: 768", present=False)
    page.wait_for_function(f"() => document.querySelector({field!r}).value === {original!r}")
    _use(page, "redo")
    assert _wait_file(root, "memory: 768")
    # Destroy and Timeline: reachable; Timeline waits for a deployment, Destroy for a valid project
    if "timeline" in menu:
        page.click("[data-testid='toolbar-more']")
        assert page.is_disabled("[data-testid='toolbar-menu'] [data-action='timeline']")
        assert page.is_enabled("[data-testid='toolbar-menu'] [data-action='destroy']") if "destroy" in menu else True
        page.keyboard.press("Escape")
    # templates: save as a custom template through whichever menu holds it
    page.once("dialog", lambda d: d.accept("narrow-window"))
    if page.is_visible(ACTIONS["templates"]):
        page.click(ACTIONS["templates"])
        page.click("[data-action='template-save']")
    else:
        page.click("[data-testid='toolbar-more']")
        page.click("[data-testid='toolbar-menu'] [data-action='template-save']")
    page.wait_for_selector("text=saved template 'narrow-window'")

    # with the YAML view open and a new size, the bar still fits
    _assert_fits(page, width)
    page.screenshot(path=str(root.parent / f"toolbar-{width}.png"))


def test_the_overflow_menu_works_by_keyboard(open_canvas, copy_example) -> None:
    page, _client = open_canvas(copy_example("production"))
    page.set_viewport_size({"width": 800, "height": 600})
    page.wait_for_selector("[data-testid='toolbar-more']")
    page.focus("[data-testid='plan-button']")
    for _ in range(30):  # Tab along the bar reaches the menu button
        if page.evaluate("document.activeElement.dataset.testid") == "toolbar-more":
            break
        page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.dataset.testid") == "toolbar-more"
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid='toolbar-menu']")
    assert page.get_attribute("[data-testid='toolbar-more']", "aria-expanded") == "true"
    first = page.evaluate("document.activeElement.dataset.action")
    assert first, "opening the menu focuses its first usable item"
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.dataset.action") != first
    page.keyboard.press("Escape")
    page.wait_for_selector("[data-testid='toolbar-menu']", state="detached")
    assert page.evaluate("document.activeElement.dataset.testid") == "toolbar-more"
    # choose the theme with the keyboard only
    page.keyboard.press("ArrowDown")
    page.wait_for_selector("[data-testid='toolbar-menu']")
    before = page.evaluate("document.documentElement.dataset.theme || 'auto'")
    for _ in range(15):
        if page.evaluate("document.activeElement.dataset.action") == "theme":
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_selector("[data-testid='toolbar-menu']", state="detached")
    assert page.evaluate("document.documentElement.dataset.theme || 'auto'") != before


@pytest.mark.parametrize("width", [1024, 800])
def test_a_running_plan_keeps_its_cancel_button_whole_in_a_narrow_window(open_canvas, copy_example, width) -> None:
    """The plan chip's text (per-stack phases) clipped its own cancel button away at 1024 px."""
    from strands_tf.deploy.emulator_target import stop_emulator
    from strands_tf.deploy.workspace import Workspace

    root = copy_example("production")
    page, _client = open_canvas(root, environment="local")
    try:
        page.set_viewport_size({"width": width, "height": 700})
        page.click("[data-testid='plan-button']")
        page.wait_for_selector("[data-testid='plan-progress']")
        _assert_fits(page, width)
        page.click("[data-testid='plan-cancel']")
        page.wait_for_selector("[data-testid='plan-status']", timeout=300_000)
        _assert_fits(page, width)
    finally:
        stop_emulator(Workspace(root))  # the plan may have started it before the cancel
