// Live deployments on the canvas: the deploy controls and review, the execution panel of a node, the timeline,
// and the history panel (list, detail, compare, roll back).
import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState } from "react";
import { ApiError, type Api, type HistoryRow } from "../api";
import {
  emptyLive,
  fold,
  foldAll,
  formatDuration,
  nodeStatuses,
  edgeStatuses,
  timeline as buildTimeline,
  type DeploymentInfo,
  type LiveState,
  type NodeLive,
  type NodeStatus,
  type WireEvent,
} from "../model/live";
import type { ThemeMode } from "./CodeEditor";

const CodeEditor = lazy(() => import("./CodeEditor").then((m) => ({ default: m.CodeEditor })));

declare global {
  interface Window {
    __strandsLive?: { latencies: number[]; frames: number };
  }
}

// ------------------------------------------------------------------ the hook

export interface Live {
  deployment: DeploymentInfo | null;
  state: LiveState;
  version: number;
  statuses: Map<string, NodeLive>;
  edges: Map<string, NodeStatus>;
  lock: string | null;
  onEvent: (event: any) => void;
  resync: () => void;
}

/** The deployment the page shows (the running one, else the last), folded from catch-up and live events. */
export function useLive(api: Api): Live {
  const stateRef = useRef<LiveState>(emptyLive());
  const [deployment, setDeployment] = useState<DeploymentInfo | null>(null);
  const [version, setVersion] = useState(0);
  const [lock, setLock] = useState<string | null>(null);
  const frame = useRef<number | null>(null);
  const pending = useRef<WireEvent[]>([]);

  // many events per frame at full speed: fold them all, render once
  const flush = useCallback(() => {
    frame.current = null;
    const now = Date.now() / 1000;
    const state = stateRef.current;
    for (const e of pending.current) fold(state, e, now);
    pending.current = [];
    (window.__strandsLive ??= { latencies: [], frames: 0 }).frames++;
    if (state.sent.length) rendering.current.push(...state.sent.splice(0));
    setVersion(state.version);
  }, []);
  // the latency probe (benchmarks/canvas_live.py): from the runner reading a Terraform line to the page having
  // rendered the status it changed (this effect runs after React committed the frame's DOM)
  const rendering = useRef<number[]>([]);
  useEffect(() => {
    if (!rendering.current.length) return;
    const now = Date.now() / 1000;
    const probe = (window.__strandsLive ??= { latencies: [], frames: 0 });
    for (const sent of rendering.current) probe.latencies.push(now - sent);
    rendering.current = [];
  }, [version]);

  const schedule = useCallback(() => {
    if (frame.current === null) frame.current = requestAnimationFrame(flush);
  }, [flush]);

  const adopt = useCallback((info: DeploymentInfo | null) => {
    if (!info) return;
    if (stateRef.current.key !== info.key) {
      stateRef.current = emptyLive(info.key);
      pending.current = [];
    }
    if (info.events?.length) foldAll(stateRef.current, info.events);
    const { events: _events, ...rest } = info;
    setDeployment(rest as DeploymentInfo);
    setVersion(stateRef.current.version + 1);
  }, []);

  const resync = useCallback(() => {
    api.deployState().then((s) => {
      adopt(s.current ?? s.last);
      setLock(s.lock);
    }).catch(() => undefined);
  }, [api, adopt]);

  useEffect(resync, [resync]);

  const onEvent = useCallback((event: any) => {
    if (event.type === "deploy.started") {
      stateRef.current = emptyLive(event.deployment.key);
      pending.current = [];
      setDeployment(event.deployment);
      setVersion((v) => v + 1);
    } else if (event.type === "deploy.events") {
      if (event.key !== stateRef.current.key) return resync(); // a deployment this page has not seen start
      const events: WireEvent[] = event.events;
      const seen = pending.current.length ? pending.current[pending.current.length - 1].i : stateRef.current.last;
      pending.current.push(...events);
      if (events.length && events[0].i > seen + 1) resync(); // a gap (a dropped connection): ask for what it missed
      schedule();
    } else if (event.type === "deploy.state" || event.type === "deploy.finished") {
      if (event.deployment.key !== stateRef.current.key) return resync();
      setDeployment(event.deployment);
      if (event.type === "deploy.finished") resync(); // the lock is free again; the last events are all there
    }
  }, [resync, schedule]);

  const statuses = useMemo(() => nodeStatuses(stateRef.current), [version]); // eslint-disable-line react-hooks/exhaustive-deps
  const edges = useMemo(() => edgeStatuses(stateRef.current), [version]); // eslint-disable-line react-hooks/exhaustive-deps
  return { deployment, state: stateRef.current, version, statuses, edges, lock, onEvent, resync };
}

// ------------------------------------------------------------------ toolbar controls and review

const RUNNING = new Set(["starting", "planning", "review", "running"]);

/** Start `apply` or `destroy` in the server (the toolbar's Apply and Destroy). */
export function useDeployStart(api: Api, environment: string, onToast: (text: string) => void) {
  return useCallback(
    async (command: "apply" | "destroy") => {
      try {
        await api.deploy(command, environment);
      } catch (e) {
        onToast(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e));
      }
    },
    [api, environment, onToast],
  );
}

/** Whether a deployment is under way (Apply and Destroy wait for it). */
export function deploymentRunning(live: Live): boolean {
  const { deployment } = live;
  return !!deployment && RUNNING.has(deployment.status) && !deployment.finished;
}

export function DeployControls(props: {
  api: Api;
  live: Live;
  environment: string;
  disabled: boolean;
  onToast: (text: string) => void;
}) {
  const { deployment } = props.live;
  const running = deploymentRunning(props.live);
  const start = useDeployStart(props.api, props.environment, props.onToast);
  const cancel = async () => {
    try {
      const r = await props.api.cancelDeploy();
      props.onToast(r.how);
    } catch (e) {
      props.onToast(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e));
    }
  };
  const elapsed = deployment ? ((deployment.finished ?? Date.now() / 1000) - deployment.started) : 0;
  return (
    <>
      <button className="primary-btn deploy-btn" data-testid="apply-button" disabled={running || props.disabled} onClick={() => start("apply")} title={props.live.lock ? `locked by ${props.live.lock}` : `strands apply -e ${props.environment}: plan, review on the graph, confirm`}>
        Apply
      </button>
      {deployment && (
        <span className={`deploy-status ds-${deployment.status}`} data-testid="deploy-status" data-status={deployment.status} data-key={deployment.key} data-source={deployment.source}>
          {running && <span className="spinner" />}
          <span className="deploy-text" title={`${deployment.command} ${deployment.id ?? ""}${deployment.holder ? ` (${deployment.holder})` : ""}`}>
            {deployment.command} · {deployment.status}
            {deployment.source === "terminal" && " · terminal"}
            {deployment.finished ? ` · ${formatDuration(elapsed)}` : ""}
          </span>
          {running && deployment.status !== "review" && (
            <button className="small-btn" data-testid="deploy-cancel" onClick={cancel} title="the same graceful interrupt as Ctrl-C; again to terminate">cancel</button>
          )}
        </span>
      )}
    </>
  );
}

export function ReviewBar({ api, live, onToast }: { api: Api; live: Live; onToast: (t: string) => void }) {
  const d = live.deployment;
  const [name, setName] = useState("");
  if (!d || d.status !== "review" || !d.review) return null;
  const counts: Record<string, number> = {};
  for (const summary of Object.values(d.review.stacks)) {
    for (const [action, n] of Object.entries((summary as any)?.counts ?? {})) counts[action] = (counts[action] ?? 0) + (n as number);
  }
  const destroy = d.review.destroy;
  const answer = async (approve: boolean) => {
    try {
      await api.confirmDeploy(approve, destroy && approve ? name : undefined);
      setName("");
    } catch (e) {
      onToast(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e));
    }
  };
  const text = Object.entries(counts).filter(([, n]) => n).map(([a, n]) => `${n} to ${a}`).join(" · ") || "changes";
  return (
    <div className={`review-bar ${destroy ? "destroy" : ""}`} data-testid="review-bar">
      <div className="review-text">
        <strong>{destroy ? "Destroy" : d.command === "rollback" ? "Roll back" : "Apply"} in {d.environment}?</strong>{" "}
        {text} in {Object.keys(d.review.stacks).join(", ")} — the changed nodes are outlined on the graph.
      </div>
      {destroy && (
        <input className="review-name" data-testid="review-name" placeholder={`type ${d.project} to destroy`} value={name} onChange={(e) => setName(e.target.value)} />
      )}
      <button className="small-btn" data-testid="review-decline" onClick={() => answer(false)}>Cancel</button>
      <button className={destroy ? "primary-btn danger" : "primary-btn"} data-testid="review-confirm" disabled={destroy && name !== d.project} onClick={() => answer(true)}>
        {destroy ? "Destroy" : d.command === "rollback" ? "Roll back" : "Apply"}
      </button>
    </div>
  );
}

/** What the deployment ended with: each stack's error with its category and next step. */
export function DeployResultBanner({ live, onPick, onClose }: { live: Live; onPick: (node: string) => void; onClose: () => void }) {
  const d = live.deployment;
  if (!d?.result || !d.finished || (d.status === "succeeded" && !d.result.warnings.length)) return null;
  const errors = Object.entries(d.result.errors);
  const failedNodes = [...live.statuses.entries()].filter(([, s]) => s.status === "failed").map(([n]) => n);
  return (
    <div className={`deploy-result ${d.status === "succeeded" ? "ok" : ""}`} data-testid="deploy-result">
      <div className="panel-head">
        <span>{d.command} {d.id} {d.status}</span>
        <button className="icon-btn" onClick={onClose}>×</button>
      </div>
      {errors.map(([stack, e]) => (
        <div key={stack} className="deploy-error">
          <div><span className="category-chip">{e.category ?? "error"}</span> <strong>{stack || "deployment"}</strong>: {e.summary}</div>
          {e.hint && <div className="fix" data-testid="deploy-fix">next step: {e.hint}</div>}
        </div>
      ))}
      {d.result.next_steps.map((s) => <div key={s} className="fix">next step: {s}</div>)}
      {d.result.warnings.map((w) => <div key={w} className="deploy-warning" data-testid="deploy-warning">warning: {w}</div>)}
      {failedNodes.length > 0 && (
        <div className="failed-nodes">
          failed: {failedNodes.map((n) => <button key={n} className="link-btn" onClick={() => onPick(n)}>{n}</button>)}
        </div>
      )}
    </div>
  );
}

// ------------------------------------------------------------------ execution panel

type Tab = "steps" | "log" | "config" | "aws" | "errors";

function configText(files: Record<string, { text: string }>, location: [string, number | null] | undefined): string {
  if (!location) return "";
  const [file, line] = location;
  const text = files[file]?.text ?? "";
  if (!line) return "";
  const lines = text.split(/\r?\n/);
  const first = lines[line - 1] ?? "";
  const indent = first.length - first.trimStart().length;
  const out = [first];
  for (let i = line; i < lines.length; i++) {
    const l = lines[i];
    if (l.trim() && l.length - l.trimStart().length <= indent && !l.trimStart().startsWith("#")) break;
    out.push(l);
  }
  while (out.length && !out[out.length - 1].trim()) out.pop();
  return out.join("\n");
}

export function ExecutionPanel(props: {
  nodeId: string;
  title: string;
  live: Live;
  files: Record<string, { text: string }>;
  location: [string, number | null] | undefined;
  theme: ThemeMode;
  onClose: () => void;
  onEdit: () => void;
}) {
  const { state, version, statuses } = props.live;
  const [tab, setTab] = useState<Tab>("steps");
  const [filter, setFilter] = useState("");
  const node = statuses.get(props.nodeId);
  const runs = useMemo(() => [...state.runs.values()].filter((r) => r.node === props.nodeId).sort((a, b) => (a.start ?? Infinity) - (b.start ?? Infinity)), [version, props.nodeId]); // eslint-disable-line react-hooks/exhaustive-deps
  const addresses = useMemo(() => new Set(runs.map((r) => r.address)), [runs]);
  const log = useMemo(() => {
    const f = filter.trim().toLowerCase();
    return state.log.filter((l) => (l.node === props.nodeId || (l.address && addresses.has(l.address))) && (!f || l.text.toLowerCase().includes(f) || l.level.includes(f)));
  }, [version, props.nodeId, filter, addresses]); // eslint-disable-line react-hooks/exhaustive-deps
  const calls = useMemo(() => state.calls.filter((c) => c.node === props.nodeId), [version, props.nodeId]); // eslint-disable-line react-hooks/exhaustive-deps
  const errors = useMemo(() => state.errors.filter((e) => e.node === props.nodeId), [version, props.nodeId]); // eslint-disable-line react-hooks/exhaustive-deps
  const drift = state.drift.get(props.nodeId) ?? [];
  const config = useMemo(() => configText(props.files, props.location), [props.files, props.location]);
  const time = (ts: number | null) => (ts ? new Date(ts * 1000).toLocaleTimeString([], { hour12: false }) : "—");
  const counts = { steps: runs.length, log: log.length, aws: calls.length, errors: errors.length } as Record<string, number>;
  return (
    <aside className="exec-panel" data-testid="exec-panel" data-node={props.nodeId}>
      <div className="panel-head">
        <span className={`live-dot ls-${node?.status ?? "none"}`} />
        <span className="exec-title">{props.title}</span>
        <span className="muted" data-testid="exec-status">{node ? `${node.status}${node.end && node.start ? ` · ${formatDuration(node.end - node.start)}` : ""}` : "not in this deployment"}</span>
        <button className="small-btn" onClick={props.onEdit} title="edit this node's settings">Edit</button>
        <button className="icon-btn" onClick={props.onClose}>×</button>
      </div>
      {drift.length > 0 && <div className="drift-note" data-testid="exec-drift">changed outside Terraform: {drift.join(", ")}</div>}
      <div className="tabs">
        {(["steps", "log", "config", "aws", "errors"] as Tab[]).map((t) => (
          <button key={t} className={`tab ${tab === t ? "on" : ""} ${t === "errors" && errors.some((e) => e.severity === "error") ? "bad" : ""}`} data-testid={`exec-tab-${t}`} onClick={() => setTab(t)}>
            {t === "aws" ? "AWS calls" : t[0].toUpperCase() + t.slice(1)}
            {counts[t] ? <span className="count">{counts[t]}</span> : null}
          </button>
        ))}
      </div>
      <div className="exec-body">
        {tab === "steps" && (
          <table className="steps" data-testid="exec-steps">
            <thead><tr><th>resource</th><th>action</th><th>start</th><th>end</th><th>took</th></tr></thead>
            <tbody>
              {runs.map((r) => (
                <tr key={r.key} className={`run-${r.status}`} data-testid="exec-step" data-status={r.status}>
                  <td className="mono" title={`${r.stack}: ${r.address}`}>{r.address.replace(/^module\.[^.]+\./, "")}</td>
                  <td>{r.action ?? ""}</td>
                  <td>{time(r.start)}</td>
                  <td>{r.status === "running" ? <span className="spinner small" /> : time(r.end)}</td>
                  <td data-testid="exec-step-duration">{r.start !== null && r.end !== null ? formatDuration(r.end - r.start) : ""}</td>
                </tr>
              ))}
              {!runs.length && <tr><td colSpan={5} className="muted">nothing of this node changes in this deployment</td></tr>}
            </tbody>
          </table>
        )}
        {tab === "log" && (
          <>
            <input className="log-filter" data-testid="exec-log-filter" placeholder="filter the log (text or level)" value={filter} onChange={(e) => setFilter(e.target.value)} />
            <div className="log" data-testid="exec-log">
              {log.map((l) => (
                <div key={l.i} className={`log-line lv-${l.level}`} data-testid="exec-log-line">
                  <span className="log-time">{time(l.ts)}</span> {l.text}
                </div>
              ))}
              {!log.length && <div className="muted">no log lines{filter ? " match" : " yet"}</div>}
            </div>
          </>
        )}
        {tab === "config" && (
          <div className="exec-config" data-testid="exec-config">
            {config ? (
              <Suspense fallback={<pre className="mono">{config}</pre>}>
                <CodeEditor value={config} readOnly theme={props.theme} testId="exec-config-editor" />
              </Suspense>
            ) : <div className="muted">derived from other settings (no lines of its own in strands.yaml)</div>}
          </div>
        )}
        {tab === "aws" && (
          <table className="steps" data-testid="exec-aws">
            <thead><tr><th>operation</th><th>status</th><th>took</th><th>resource</th></tr></thead>
            <tbody>
              {calls.map((c) => (
                <tr key={c.i} data-testid="exec-aws-call" className={c.status && c.status >= 400 ? "run-failed" : ""}>
                  <td className="mono">{c.service}:{c.operation}</td>
                  <td>{c.status ?? "—"}</td>
                  <td data-testid="exec-aws-duration">{c.duration_ms !== null ? `${Math.round(c.duration_ms)} ms` : "—"}</td>
                  <td className="mono muted" title={c.address ?? ""}>{(c.address ?? c.resource_type ?? "").replace(/^module\.[^.]+\./, "")}</td>
                </tr>
              ))}
              {!calls.length && <tr><td colSpan={4} className="muted">no AWS calls recorded (they come from the provider's debug log of deployments started here)</td></tr>}
            </tbody>
          </table>
        )}
        {tab === "errors" && (
          <div data-testid="exec-errors">
            {errors.map((e, i) => (
              <div key={i} className={`deploy-error sev-${e.severity}`} data-testid="exec-error">
                <div><span className="category-chip" data-testid="exec-error-category">{e.category ?? e.severity}</span> {e.summary}</div>
                {e.detail && <pre className="error-detail">{e.detail}</pre>}
                {e.fix && <div className="fix" data-testid="exec-error-fix">next step: {e.fix}</div>}
                {e.address && <div className="mono muted">{e.address}</div>}
              </div>
            ))}
            {!errors.length && <div className="muted">no errors</div>}
          </div>
        )}
      </div>
    </aside>
  );
}

// ------------------------------------------------------------------ timeline

export function TimelinePanel({ live, names, onPick, onClose }: { live: Live; names: Record<string, string>; onPick: (node: string) => void; onClose: () => void }) {
  const { state, version } = live;
  const running = !!live.deployment && !live.deployment.finished;
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (!running) return;
    const id = window.setInterval(() => setTick((t) => t + 1), 500);
    return () => window.clearInterval(id);
  }, [running]);
  const t = useMemo(() => buildTimeline(state), [version, tick]); // eslint-disable-line react-hooks/exhaustive-deps
  const scale = t.span > 0 ? 100 / t.span : 0;
  const ROW = 16;
  return (
    <section className="timeline-panel" data-testid="timeline">
      <div className="panel-head">
        <span>Timeline</span>
        <span className="muted" data-testid="timeline-summary">
          {formatDuration(t.wall)} wall{t.gaps.length ? ` (${formatDuration(t.active)} applying)` : ""} · {t.waves.length} wave{t.waves.length === 1 ? "" : "s"} · parallel efficiency{" "}
          <strong data-testid="timeline-efficiency" title="E = busy / (wall × slots), as the history record computes it">{t.efficiency === null ? "—" : `${Math.round(t.efficiency * 100)}%`}</strong>
          {t.gaps.length > 0 && t.activeEfficiency !== null && <> ({Math.round(t.activeEfficiency * 100)}% while applying)</>}
          {" "}· busy {formatDuration(t.busy)}, {t.possible} slots · <span className="crit-key">critical path</span> {t.critical.length}
        </span>
        <button className="icon-btn" onClick={onClose}>×</button>
      </div>
      <div className="timeline-body">
        {t.lanes.map((lane) => (
          <div key={lane.stack} className="lane" data-testid="timeline-lane" data-stack={lane.stack}>
            <div className="lane-label" title={lane.stack}>
              <span className="wave-chip">wave {lane.wave + 1}</span> {lane.stack}
            </div>
            <div className="lane-track" style={{ height: lane.rows * ROW + 6 }}>
              {t.gaps.map((gap) => (
                <div key={gap.x} className="gap" style={{ left: `${gap.x * scale}%`, width: `${scale}%` }} title={`nothing applied for ${formatDuration(gap.seconds)} (waiting for a confirmation)`} />
              ))}
              {lane.bars.map((bar) => (
                <div
                  key={bar.key}
                  className={`bar bs-${bar.status}${bar.critical ? " critical" : ""} act-${bar.action ?? "none"}`}
                  data-testid="timeline-bar"
                  data-address={bar.address}
                  style={{ left: `${bar.x0 * scale}%`, width: `max(3px, ${(bar.x1 - bar.x0) * scale}%)`, top: (lane.rowOf.get(bar.key) ?? 0) * ROW + 3 }}
                  title={`${bar.address}\n${bar.action ?? ""} · ${formatDuration(bar.end - bar.start)}${bar.critical ? " · critical path" : ""}`}
                  onClick={() => bar.node && onPick(bar.node)}
                >
                  <span>{names[bar.node ?? ""] ?? bar.address.replace(/^module\./, "")}</span>
                </div>
              ))}
            </div>
          </div>
        ))}
        {!t.lanes.length && <div className="muted">nothing applied yet</div>}
      </div>
    </section>
  );
}

// ------------------------------------------------------------------ history

function when(iso: string | null): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return isNaN(d.getTime()) ? iso : d.toLocaleString([], { hour12: false });
}

export function HistoryPanel(props: { api: Api; environment: string; project: string; live: Live; onToast: (t: string) => void; onClose: () => void }) {
  const { api, environment } = props;
  const [rows, setRows] = useState<HistoryRow[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [picked, setPicked] = useState<string[]>([]);
  const [detail, setDetail] = useState<any>(null);
  const [compare, setCompare] = useState<{ diff: any; a: any; b: any } | null>(null);
  const [rollback, setRollback] = useState<HistoryRow | null>(null);
  const finished = props.live.deployment?.finished;
  const load = useCallback(() => {
    api.history(environment).then((r) => (setRows(r.records), setError(null))).catch((e) => setError(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e)));
  }, [api, environment]);
  useEffect(load, [load, finished]);
  const toggle = (id: string) => setPicked((p) => (p.includes(id) ? p.filter((x) => x !== id) : [...p.slice(-1), id]));
  const doCompare = async () => {
    const [a, b] = [...picked].sort();
    try {
      setCompare(await api.compare(environment, a, b));
      setDetail(null);
    } catch (e) {
      props.onToast(e instanceof ApiError ? e.message : String(e));
    }
  };
  const doRollback = async () => {
    if (!rollback) return;
    try {
      await api.deploy("rollback", environment, rollback.id);
      setRollback(null);
      props.onClose();
    } catch (e) {
      props.onToast(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e));
    }
  };
  return (
    <section className="history-panel" data-testid="history-panel">
      <div className="panel-head">
        <span>History · {environment}</span>
        <button className="small-btn" data-testid="history-compare" disabled={picked.length !== 2} onClick={doCompare}>Compare 2</button>
        <button className="icon-btn" onClick={props.onClose}>×</button>
      </div>
      {error && <div className="error-text">{error}</div>}
      <div className="history-body">
        <table className="history-table">
          <thead><tr><th /><th>deployment</th><th>status</th><th>who</th><th>when</th><th>commit</th><th>changes</th><th>took</th><th /></tr></thead>
          <tbody>
            {(rows ?? []).map((r) => (
              <tr key={r.id} data-testid="history-row" data-id={r.id} data-status={r.status} className={detail?.id === r.id ? "on" : ""}>
                <td><input type="checkbox" data-testid="history-pick" checked={picked.includes(r.id)} onChange={() => toggle(r.id)} /></td>
                <td><button className="link-btn mono" onClick={() => api.historyRecord(environment, r.id).then((x) => (setDetail(x.record), setCompare(null)))} data-testid="history-open">{r.id}</button> <span className="muted">{r.command}{r.rollback_of ? ` of ${r.rollback_of}` : ""}</span></td>
                <td><span className={`status-chip st-${r.status}`}>{r.status}</span></td>
                <td className="muted" title={r.who ?? ""}>{(r.who ?? "—").split("/").pop()}</td>
                <td>{when(r.started_at)}</td>
                <td className="mono">{r.git.commit ? r.git.commit.slice(0, 8) : "—"}{r.git.dirty ? "*" : ""}</td>
                <td>+{r.changes.created} ~{r.changes.updated} ±{r.changes.replaced} −{r.changes.deleted}</td>
                <td>{formatDuration(r.duration_seconds)}</td>
                <td>{r.command !== "destroy" && r.status === "succeeded" && <button className="small-btn" data-testid="history-rollback" onClick={() => setRollback(r)}>Roll back</button>}</td>
              </tr>
            ))}
            {rows && !rows.length && <tr><td colSpan={9} className="muted">no deployments recorded yet</td></tr>}
          </tbody>
        </table>
        {detail && <RecordDetail record={detail} />}
        {compare && <CompareView data={compare} />}
      </div>
      {rollback && (
        <div className="modal-backdrop">
          <div className="modal" data-testid="rollback-dialog">
            <h3>Roll back {environment} to {rollback.id}?</h3>
            <p>
              Re-applies the stacks recorded by that deployment ({when(rollback.started_at)}, commit {rollback.git.commit?.slice(0, 8) ?? "—"}), like{" "}
              <code>strands history rollback {rollback.id} -e {environment}</code>: the recorded stacks are checked first (nothing strands could not have
              generated is applied), then planned — you review the changes on the graph and confirm before anything changes.
            </p>
            <div className="modal-actions">
              <button className="small-btn" onClick={() => setRollback(null)}>Cancel</button>
              <button className="primary-btn" data-testid="rollback-confirm" onClick={doRollback}>Plan the rollback</button>
            </div>
          </div>
        </div>
      )}
    </section>
  );
}

function RecordDetail({ record }: { record: any }) {
  const resources: any[] = record.resources ?? [];
  return (
    <div className="record-detail" data-testid="history-detail">
      <h4>{record.command} {record.id} <span className={`status-chip st-${record.status}`}>{record.status}</span></h4>
      <div className="kv">
        <span>started</span><span>{when(record.started_at)}</span>
        <span>took</span><span>{formatDuration(record.duration_seconds)}</span>
        <span>who</span><span className="mono">{record.caller?.arn ?? "—"}</span>
        <span>commit</span><span className="mono">{record.git?.commit ?? "—"} {record.git?.branch ?? ""}</span>
        <span>parallel efficiency</span><span>{record.parallel_efficiency != null ? `${Math.round(record.parallel_efficiency * 100)}%` : "—"}</span>
        {record.rollback_of && (<><span>rollback of</span><span className="mono">{record.rollback_of}</span></>)}
      </div>
      <table className="steps">
        <thead><tr><th>stack</th><th>status</th><th>error</th></tr></thead>
        <tbody>{Object.entries(record.stacks ?? {}).map(([name, s]: [string, any]) => <tr key={name}><td>{name}</td><td>{s.status}</td><td className="muted">{s.error ?? ""}</td></tr>)}</tbody>
      </table>
      <table className="steps">
        <thead><tr><th>resource</th><th>action</th><th>took</th></tr></thead>
        <tbody>{resources.slice(0, 200).map((r) => <tr key={`${r.stack}${r.address}${r.attempt}`}><td className="mono">{r.address}</td><td>{r.action}</td><td>{formatDuration(r.duration_seconds)}</td></tr>)}</tbody>
      </table>
    </div>
  );
}

function CompareView({ data }: { data: { diff: any; a: any; b: any } }) {
  const { diff, a, b } = data;
  const durations = new Map<string, [number | null, number | null]>();
  for (const r of a.resources ?? []) durations.set(r.address, [r.duration_seconds, null]);
  for (const r of b.resources ?? []) durations.set(r.address, [durations.get(r.address)?.[0] ?? null, r.duration_seconds]);
  const config = Object.entries(diff.config ?? {}) as [string, string][];
  return (
    <div className="compare" data-testid="history-compare-view">
      <div className="compare-cols">
        {[a, b].map((m) => (
          <div key={m.id} className="compare-col" data-testid="compare-col">
            <h4 className="mono">{m.id}</h4>
            <div className="muted">{m.command} · {m.status} · {formatDuration(m.duration_seconds)} · commit {m.git?.commit?.slice(0, 8) ?? "—"}</div>
          </div>
        ))}
      </div>
      <h5>Configuration</h5>
      {config.length ? config.map(([name, text]) => (
        <pre key={name} className="diff" data-testid="compare-config">
          {text.split("\n").map((line, i) => <div key={i} className={line.startsWith("+") && !line.startsWith("+++") ? "add" : line.startsWith("-") && !line.startsWith("---") ? "del" : ""}>{line}</div>)}
        </pre>
      )) : <div className="muted">the same configuration</div>}
      <h5>Resources</h5>
      <div data-testid="compare-resources">
        {diff.resources.added.map((r: string) => <div key={r} className="add mono">+ {r}</div>)}
        {diff.resources.removed.map((r: string) => <div key={r} className="del mono">− {r}</div>)}
        {Object.entries(diff.resources.changed).map(([r, fields]: [string, any]) => <div key={r} className="mono">~ {r} <span className="muted">({fields.join(", ")})</span></div>)}
        {!diff.resources.added.length && !diff.resources.removed.length && !Object.keys(diff.resources.changed).length && <div className="muted">the same resources</div>}
      </div>
      <h5>Durations {diff.duration_delta_seconds != null && <span className="muted">(Δ {diff.duration_delta_seconds >= 0 ? "+" : "−"}{formatDuration(Math.abs(diff.duration_delta_seconds))})</span>}</h5>
      <table className="steps">
        <thead><tr><th>resource</th><th>{a.id.slice(9, 15)}</th><th>{b.id.slice(9, 15)}</th></tr></thead>
        <tbody>{[...durations.entries()].slice(0, 100).map(([addr, [x, y]]) => <tr key={addr}><td className="mono">{addr}</td><td>{formatDuration(x)}</td><td>{formatDuration(y)}</td></tr>)}</tbody>
      </table>
    </div>
  );
}
