import { describe, expect, it } from "vitest";
import { menuFocus, nextCollapse, splitActions } from "./toolbar";

const actions = ["destroy", "timeline", "history", "undo", "theme"].map((key) => ({ key }));
const order = ["theme", "history", "timeline", "undo", "destroy"];

describe("toolbar fit", () => {
  it("moves the lowest-ranked actions to the menu first, keeping toolbar order on both sides", () => {
    expect(splitActions(actions, order, 0)).toEqual({ inline: actions, menu: [] });
    const two = splitActions(actions, order, 2);
    expect(two.inline.map((a) => a.key)).toEqual(["destroy", "timeline", "undo"]);
    expect(two.menu.map((a) => a.key)).toEqual(["history", "theme"]);
    expect(splitActions(actions, order, 99).inline).toEqual([]);
  });
  it("collapses one more while the bar overflows, stops at the last, and starts over when the room changes", () => {
    expect(nextCollapse({ collapsed: 0, max: 5, overflowing: true, resized: false })).toBe(1);
    expect(nextCollapse({ collapsed: 5, max: 5, overflowing: true, resized: false })).toBeNull();
    expect(nextCollapse({ collapsed: 3, max: 5, overflowing: false, resized: false })).toBeNull();
    expect(nextCollapse({ collapsed: 3, max: 5, overflowing: false, resized: true })).toBe(0);
    expect(nextCollapse({ collapsed: 0, max: 5, overflowing: true, resized: true })).toBe(1);
  });
});

describe("overflow menu keys", () => {
  it("wraps around and skips disabled items", () => {
    const disabled = [false, true, false];
    expect(menuFocus("ArrowDown", 0, disabled)).toBe(2);
    expect(menuFocus("ArrowDown", 2, disabled)).toBe(0);
    expect(menuFocus("ArrowUp", 0, disabled)).toBe(2);
    expect(menuFocus("ArrowUp", -1, disabled)).toBe(2);
    expect(menuFocus("Home", 2, [true, false, false])).toBe(1);
    expect(menuFocus("End", 0, [false, false, true])).toBe(1);
    expect(menuFocus("Enter", 0, disabled)).toBeNull();
    expect(menuFocus("ArrowDown", 0, [true, true])).toBeNull();
  });
});
