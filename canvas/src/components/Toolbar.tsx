// The toolbar's fit to the window: actions that do not fit leave for an overflow menu ("⋯"), reachable by keyboard.
import { useEffect, useLayoutEffect, useRef, useState, type RefObject } from "react";
import { menuFocus, nextCollapse, type ToolAction } from "../model/toolbar";

/**
 * How many collapsible actions must leave the bar so that nothing in it overflows. Measured before paint when the
 * bar's width or content changed; `contentKey` names what changes the content (a plan summary, a deployment status).
 */
export function useToolbarFit(ref: RefObject<HTMLElement | null>, max: number, contentKey: string): number {
  const [collapsed, setCollapsed] = useState(0);
  const [width, setWidth] = useState(0);
  const measured = useRef("");
  const lastCollapsed = useRef(-1);
  const observed = useRef<{ el: HTMLElement; observer: ResizeObserver } | null>(null);
  useEffect(() => () => observed.current?.observer.disconnect(), []);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    // the bar appears only once the project is loaded: watch whichever element is the bar now
    if (observed.current?.el !== el) {
      observed.current?.observer.disconnect();
      const observer = new ResizeObserver(() => setWidth(el.clientWidth));
      observer.observe(el);
      observed.current = { el, observer };
    }
    const key = `${width}|${contentKey}`;
    const resized = measured.current !== key;
    if (!resized && lastCollapsed.current === collapsed) return; // nothing to measure: no forced layout per render
    measured.current = key;
    lastCollapsed.current = collapsed;
    const next = nextCollapse({ collapsed, max, overflowing: el.scrollWidth > el.clientWidth + 1, resized });
    if (next !== null) setCollapsed(next);
  });
  return collapsed;
}

/** The "⋯" button and its menu of the actions that did not fit; arrows, Home/End, Enter, Esc work as in a menu. */
export function OverflowMenu({ actions }: { actions: ToolAction[] }) {
  const [open, setOpen] = useState(false);
  const button = useRef<HTMLButtonElement>(null);
  const menu = useRef<HTMLDivElement>(null);
  const items = () => [...(menu.current?.querySelectorAll<HTMLButtonElement>("[role^='menuitem']") ?? [])];
  useEffect(() => {
    if (!open) return;
    items().find((b) => !b.disabled)?.focus();
    const away = (e: MouseEvent) => {
      if (!menu.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener("mousedown", away);
    return () => window.removeEventListener("mousedown", away);
  }, [open]);
  if (!actions.length) return null;
  const close = () => {
    setOpen(false);
    button.current?.focus();
  };
  const onKey = (e: React.KeyboardEvent) => {
    if (e.key === "Escape" || e.key === "Tab") {
      if (e.key === "Escape") e.preventDefault();
      e.stopPropagation();
      close();
      return;
    }
    const list = items();
    const next = menuFocus(e.key, list.indexOf(document.activeElement as HTMLButtonElement), list.map((b) => b.disabled));
    if (next !== null) {
      e.preventDefault();
      list[next].focus();
    }
  };
  return (
    <div className="menu overflow-menu">
      <button
        ref={button}
        className="small-btn"
        data-testid="toolbar-more"
        aria-label="more actions"
        aria-haspopup="menu"
        aria-expanded={open}
        title="more actions"
        onClick={() => setOpen((o) => !o)}
        onKeyDown={(e) => {
          if (e.key === "ArrowDown" && !open) {
            e.preventDefault();
            setOpen(true);
          }
        }}
      >
        ⋯
      </button>
      {open && (
        <div className="menu-pop overflow-pop" role="menu" ref={menu} data-testid="toolbar-menu" onKeyDown={onKey}>
          {actions.map((a) => (
            <button
              key={a.key}
              role={a.checked === undefined ? "menuitem" : "menuitemcheckbox"}
              aria-checked={a.checked}
              data-action={a.key}
              className={a.danger ? "danger-btn" : undefined}
              disabled={a.disabled}
              title={a.title}
              tabIndex={-1}
              onClick={() => {
                close();
                a.run();
              }}
            >
              {a.checked !== undefined && <span className="check">{a.checked ? "☑" : "☐"}</span>}
              {a.label}
            </button>
          ))}
        </div>
      )}
    </div>
  );
}
