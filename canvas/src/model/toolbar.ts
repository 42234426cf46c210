// Which toolbar actions fit inline and which go to the overflow menu ("⋯"), and moving through that menu by keyboard.

/** A toolbar action that may leave the bar for the overflow menu when the window is narrow. */
export interface ToolAction {
  key: string;
  label: string;
  title?: string;
  disabled?: boolean;
  /** a toggle: shown as a checkbox item in the menu */
  checked?: boolean;
  danger?: boolean;
  run: () => void;
}

/**
 * Split the actions (listed in toolbar order, each with its collapse rank: lower leaves the bar first) into those
 * shown inline and those in the overflow menu when `collapsed` of them must go.
 */
export function splitActions<T extends { key: string }>(actions: T[], collapseOrder: string[], collapsed: number): { inline: T[]; menu: T[] } {
  const gone = new Set(collapseOrder.slice(0, Math.max(0, collapsed)));
  return { inline: actions.filter((a) => !gone.has(a.key)), menu: actions.filter((a) => gone.has(a.key)) };
}

/** The next toolbar fit state after a layout pass: the collapse count to render next, or null when it is settled. */
export function nextCollapse(state: { collapsed: number; max: number; overflowing: boolean; resized: boolean }): number | null {
  if (state.resized && state.collapsed !== 0) return 0; // the room changed: start again from everything inline
  if (state.overflowing && state.collapsed < state.max) return state.collapsed + 1;
  return null;
}

/** The menu item focused after a key press (ArrowUp/Down wrap, Home/End), skipping disabled items; null: not a move. */
export function menuFocus(key: string, current: number, disabled: boolean[]): number | null {
  const n = disabled.length;
  if (!n || disabled.every(Boolean)) return null;
  let step: number;
  let at: number;
  if (key === "ArrowDown") [step, at] = [1, current + 1];
  else if (key === "ArrowUp") [step, at] = [-1, current < 0 ? n - 1 : current - 1];
  else if (key === "Home") [step, at] = [1, 0];
  else if (key === "End") [step, at] = [-1, n - 1];
  else return null;
  for (let i = 0; i < n; i++) {
    const index = (((at + step * i) % n) + n) % n;
    if (!disabled[index]) return index;
  }
  return null;
}
