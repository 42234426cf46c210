// A deployment as the page sees it: the server's `deploy.*` events folded into per-resource runs, per-node
// status, the log, AWS calls and errors; plus the timeline (lanes, waves, critical path, parallel efficiency).
// The fold mutates one LiveState (a 500-resource apply replayed at full speed must not copy arrays per event);
// the page re-renders from `version`, at most once per animation frame.

export interface WireEvent {
  i: number;
  k: "phase" | "tf" | "done" | "aws";
  stack: string;
  ts: number;
  attempt?: number;
  // phase / done
  phase?: string;
  status?: string | number | null;
  error?: string | null;
  // tf
  type?: string;
  level?: string;
  msg?: string;
  address?: string;
  node?: string | null;
  edges?: string[];
  rtype?: string | null;
  action?: string;
  elapsed?: number;
  id?: string;
  sent?: number;
  diag?: { severity: string; summary: string; detail: string | null; address: string | null; kind?: string; category?: string; fix?: string | null };
  // aws
  service?: string;
  operation?: string;
  duration_ms?: number | null;
  resource_type?: string | null;
  rpc?: string | null;
  request_id?: string | null;
  time?: string;
}

export interface DeploymentInfo {
  key: string;
  id: string | null;
  command: string;
  environment: string;
  source: "canvas" | "terminal";
  status: string;
  started: number;
  finished: number | null;
  review: Review | null;
  result: DeployResult | null;
  rollback_of: string | null;
  holder: string | null;
  project: string;
  count: number;
  events?: WireEvent[];
}

export interface Review {
  destroy: boolean;
  stacks: Record<string, any>;
  nodes: Record<string, { action: string; changes: { address: string; action: string; stack: string }[] }>;
}

export interface ErrorView {
  category: string | null;
  summary: string | null;
  detail: string | null;
  hint: string | null;
  nodes?: Record<string, string[]>;
  diagnostics?: { summary: string; detail: string | null; address: string | null; node: string | null }[];
}

export interface DeployResult {
  errors: Record<string, ErrorView>;
  next_steps: string[];
  warnings: string[];
  stacks: Record<string, string>;
}

export type RunStatus = "pending" | "running" | "done" | "failed" | "cancelled";
export type NodeStatus = "pending" | "deploying" | "succeeded" | "failed" | "warning";

export interface ResourceRun {
  key: string; // stack|address
  stack: string;
  address: string;
  node: string | null;
  edges: string[];
  rtype: string | null;
  action: string | null;
  status: RunStatus;
  start: number | null;
  end: number | null;
  attempt: number;
  id: string | null;
}

export interface LogLine {
  i: number;
  ts: number;
  stack: string;
  node: string | null;
  address: string | null;
  level: string;
  text: string;
}

export interface AwsCall {
  i: number;
  ts: number;
  stack: string;
  service: string;
  operation: string;
  status: number | null;
  duration_ms: number | null;
  resource_type: string | null;
  rpc: string | null;
  request_id: string | null;
  address: string | null;
  node: string | null;
}

export interface LiveError {
  stack: string;
  node: string | null;
  address: string | null;
  summary: string;
  detail: string | null;
  category: string | null;
  kind: string | null;
  fix: string | null;
  severity: string;
}

export interface StackState {
  name: string;
  phase: string | null;
  status: string | null; // outcome (applied, failed, ...)
  error: string | null;
  first: number | null; // first event of the stack (its wave started)
  applyStart: number | null;
  end: number | null;
}

export interface LiveState {
  key: string | null;
  last: number; // the highest event number folded in
  version: number;
  stacks: Map<string, StackState>;
  runs: Map<string, ResourceRun>;
  log: LogLine[];
  calls: AwsCall[];
  errors: LiveError[];
  drift: Map<string, string[]>; // node → addresses changed outside Terraform
  byRequest: Map<string, { address: string; node: string | null }>; // tf_req_id → resource it served
  sent: number[]; // when the runner read each folded Terraform line (server clock, s): the latency probe's input
}

export function emptyLive(key: string | null = null): LiveState {
  return { key, last: 0, version: 0, stacks: new Map(), runs: new Map(), log: [], calls: [], errors: [], drift: new Map(), byRequest: new Map(), sent: [] };
}

const LOG_LIMIT = 20_000;

function stackOf(state: LiveState, name: string, ts: number): StackState {
  let stack = state.stacks.get(name);
  if (!stack) {
    stack = { name, phase: null, status: null, error: null, first: ts, applyStart: null, end: null };
    state.stacks.set(name, stack);
  }
  return stack;
}

function runOf(state: LiveState, e: WireEvent): ResourceRun {
  const key = `${e.stack}|${e.address}`;
  let run = state.runs.get(key);
  if (!run) {
    run = { key, stack: e.stack, address: e.address!, node: e.node ?? null, edges: e.edges ?? [], rtype: e.rtype ?? null, action: e.action ?? null, status: "pending", start: null, end: null, attempt: e.attempt ?? 1, id: null };
    state.runs.set(key, run);
  }
  return run;
}

/** Fold one event into the state (events already folded, by number, are skipped). Returns whether it was new. */
export function fold(state: LiveState, e: WireEvent, now?: number): boolean {
  if (e.i <= state.last) return false;
  state.last = e.i;
  state.version++;
  const stack = stackOf(state, e.stack, e.ts);
  if (e.k === "phase") {
    stack.phase = e.phase ?? null;
    if (e.phase === "apply" && stack.applyStart === null) stack.applyStart = e.ts;
    if (e.phase === "plan" || e.phase === "init") {
      // a new attempt plans again: its outcome is not known yet
      stack.status = null;
      stack.error = null;
    }
    return true;
  }
  if (e.k === "done") {
    stack.status = String(e.status ?? "");
    stack.error = e.error ?? null;
    stack.end = e.ts;
    stack.phase = null;
    // resources still running when their stack ended were interrupted (or never got an answer)
    for (const run of state.runs.values()) {
      if (run.stack !== e.stack) continue;
      if (run.status === "running") {
        run.status = stack.status === "failed" ? "failed" : "cancelled";
        run.end = e.ts;
      } else if (run.status === "pending" && stack.status !== "applied" && stack.status !== "destroyed") {
        run.status = "cancelled";
      }
    }
    return true;
  }
  if (e.k === "aws") {
    let owner = e.request_id ? state.byRequest.get(e.request_id) : undefined;
    if (!owner) {
      const run = attribute(state, e);
      if (run) {
        owner = { address: run.address, node: run.node };
        if (e.request_id) state.byRequest.set(e.request_id, owner);
      }
    }
    state.calls.push({
      i: e.i, ts: e.ts, stack: e.stack, service: e.service ?? "", operation: e.operation ?? "", status: typeof e.status === "number" ? e.status : null,
      duration_ms: e.duration_ms ?? null, resource_type: e.resource_type ?? null, rpc: e.rpc ?? null, request_id: e.request_id ?? null,
      address: owner?.address ?? null, node: owner?.node ?? null,
    });
    return true;
  }
  // a Terraform UI event
  if (e.sent && now && state.sent.length < 100_000) state.sent.push(e.sent);
  const text = e.diag ? `${e.diag.summary}${e.diag.detail ? `: ${e.diag.detail}` : ""}` : e.msg ?? "";
  if (text) {
    state.log.push({ i: e.i, ts: e.ts, stack: e.stack, node: e.node ?? null, address: e.address ?? null, level: e.diag?.severity ?? e.level ?? "info", text });
    if (state.log.length > LOG_LIMIT) state.log.splice(0, state.log.length - LOG_LIMIT);
  }
  switch (e.type) {
    case "planned_change": {
      if (!e.address) break;
      const run = runOf(state, e);
      run.action = e.action ?? run.action;
      if (run.action === "no-op" || run.action === "read") state.runs.delete(run.key);
      else if (run.status !== "running") {
        run.status = "pending";
        run.start = null;
        run.end = null;
        run.attempt = e.attempt ?? 1;
      }
      break;
    }
    case "resource_drift":
      if (e.node && e.address) {
        const found = state.drift.get(e.node) ?? [];
        if (!found.includes(e.address)) found.push(e.address);
        state.drift.set(e.node, found);
      }
      break;
    case "apply_start": {
      if (!e.address) break;
      const run = runOf(state, e);
      if (run.status !== "running") run.start = e.ts;
      run.status = "running";
      run.end = null;
      run.action = e.action ?? run.action;
      break;
    }
    case "apply_progress":
      if (e.address) runOf(state, e).status = "running";
      break;
    case "apply_complete": {
      if (!e.address) break;
      const run = runOf(state, e);
      run.status = "done";
      run.end = e.ts;
      if (run.start === null) run.start = e.ts - (e.elapsed ?? 0);
      run.id = e.id ?? run.id;
      break;
    }
    case "apply_errored": {
      if (!e.address) break;
      const run = runOf(state, e);
      run.status = "failed";
      run.end = e.ts;
      if (run.start === null) run.start = e.ts - (e.elapsed ?? 0);
      break;
    }
    case "diagnostic":
      if (e.diag) {
        const node = e.node ?? null;
        state.errors.push({
          stack: e.stack, node, address: e.diag.address, summary: e.diag.summary, detail: e.diag.detail,
          category: e.diag.category ?? null, kind: e.diag.kind ?? null, fix: e.diag.fix ?? null, severity: e.diag.severity,
        });
        if (e.diag.severity === "error" && e.address) {
          const run = state.runs.get(`${e.stack}|${e.address}`);
          if (run && run.status !== "done") run.status = "failed";
        }
      }
      break;
  }
  return true;
}

/** The resource an AWS call served: the running resource of its type in its stack that started last before it. */
function attribute(state: LiveState, e: WireEvent): ResourceRun | null {
  let best: ResourceRun | null = null;
  for (const run of state.runs.values()) {
    if (run.stack !== e.stack || run.rtype !== e.resource_type || run.start === null) continue;
    if (run.start > e.ts + 0.5) continue; // started after the call
    if (run.end !== null && run.end < e.ts - 0.5) continue; // finished before it
    if (!best || run.start > best.start!) best = run;
  }
  return best;
}

export function foldAll(state: LiveState, events: WireEvent[]): LiveState {
  for (const e of events) fold(state, e);
  return state;
}

// ------------------------------------------------------------------ per node

export interface NodeLive {
  status: NodeStatus;
  start: number | null;
  end: number | null;
  total: number;
  done: number;
  error: string | null;
}

/** One status per canvas node from its resources: failed wins, then deploying, then pending; all done: succeeded. */
export function nodeStatuses(state: LiveState): Map<string, NodeLive> {
  const out = new Map<string, NodeLive>();
  for (const run of state.runs.values()) {
    if (!run.node) continue;
    let n = out.get(run.node);
    if (!n) out.set(run.node, (n = { status: "succeeded", start: null, end: null, total: 0, done: 0, error: null }));
    n.total++;
    if (run.status === "done") n.done++;
    if (run.start !== null && (n.start === null || run.start < n.start)) n.start = run.start;
    if (run.end !== null && (n.end === null || run.end > n.end)) n.end = run.end;
    n.status = worse(n.status, runStatus(run.status));
  }
  for (const error of state.errors) {
    if (!error.node) continue;
    const n = out.get(error.node) ?? { status: "succeeded" as NodeStatus, start: null, end: null, total: 0, done: 0, error: null };
    if (error.severity === "error") {
      n.status = "failed";
      n.error = n.error ?? error.summary;
    } else n.status = worse(n.status, "warning");
    out.set(error.node, n);
  }
  for (const n of out.values()) {
    // part of the node is applied and the rest waits for it: the node is being deployed, not back to pending
    if (n.status === "pending" && (n.done > 0 || n.start !== null)) n.status = "deploying";
    if (n.status !== "succeeded" && n.status !== "failed") n.end = null;
  }
  return out;
}

const RANK: Record<NodeStatus, number> = { succeeded: 0, warning: 1, pending: 2, deploying: 3, failed: 4 };
function worse(a: NodeStatus, b: NodeStatus): NodeStatus {
  return RANK[b] > RANK[a] ? b : a;
}
function runStatus(status: RunStatus): NodeStatus {
  return status === "done" ? "succeeded" : status === "running" ? "deploying" : status === "failed" ? "failed" : status === "cancelled" ? "warning" : "pending";
}

/** Edge status from the resources that make the edge (a role policy, a trigger, a route). */
export function edgeStatuses(state: LiveState): Map<string, NodeStatus> {
  const out = new Map<string, NodeStatus>();
  for (const run of state.runs.values()) for (const edge of run.edges) out.set(edge, worse(out.get(edge) ?? "succeeded", runStatus(run.status)));
  return out;
}

export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 90) return `${Math.round(seconds)} s`;
  return `${Math.floor(seconds / 60)} m ${Math.round(seconds % 60)} s`;
}

// ------------------------------------------------------------------ timeline

export interface Bar {
  key: string;
  address: string;
  node: string | null;
  stack: string;
  start: number; // seconds from the first start
  end: number;
  x0: number; // where it is drawn: seconds on the squeezed axis (idle gaps drawn GAP_DRAWN long)
  x1: number;
  status: RunStatus;
  action: string | null;
  critical: boolean;
}

export interface Lane {
  stack: string;
  wave: number;
  bars: Bar[];
  rows: number; // bars are packed into rows so overlapping ones do not cover each other
  rowOf: Map<string, number>;
}

export interface Timeline {
  t0: number;
  wall: number;
  span: number; // the squeezed axis' length
  active: number; // seconds some resource was applying (the wall without the idle gaps)
  gaps: { x: number; seconds: number }[]; // idle stretches (a review waiting for its answer), where they are drawn
  activeEfficiency: number | null; // E with the wall time while applying only
  lanes: Lane[];
  waves: { index: number; start: number; end: number; stacks: string[] }[];
  busy: number;
  possible: number;
  efficiency: number | null;
  critical: string[];
}

export const DEFAULT_PARALLELISM = 10;
export const GAP_MIN = 2; // an idle stretch longer than this (s) is squeezed on the axis
export const GAP_DRAWN = 1;

/** The deployment's Gantt view: bars per resource in stack lanes, waves, the critical path and E = B / (W × P). */
export function timeline(state: LiveState, now: number = Date.now() / 1000): Timeline {
  const runs = [...state.runs.values()].filter((r) => r.start !== null);
  const t0 = runs.length ? Math.min(...runs.map((r) => r.start!)) : 0;
  const bars: Bar[] = runs.map((r) => ({
    key: r.key, address: r.address, node: r.node, stack: r.stack, action: r.action, status: r.status, critical: false,
    start: r.start! - t0, end: (r.end ?? (r.status === "running" ? now : r.start!)) - t0, x0: 0, x1: 0,
  }));
  // idle stretches between applying resources (waves waiting for a review's answer) are squeezed
  const merged: [number, number][] = [];
  for (const b of [...bars].sort((a, c) => a.start - c.start)) {
    const last = merged[merged.length - 1];
    if (last && b.start <= last[1]) last[1] = Math.max(last[1], b.end);
    else merged.push([b.start, b.end]);
  }
  const gaps: Timeline["gaps"] = [];
  const cuts: { at: number; skipped: number }[] = []; // at: original time where a squeezed gap ends
  let skipped = 0;
  for (let k = 1; k < merged.length; k++) {
    const idle = merged[k][0] - merged[k - 1][1];
    if (idle > GAP_MIN) {
      skipped += idle - GAP_DRAWN;
      cuts.push({ at: merged[k][0], skipped });
      gaps.push({ x: merged[k - 1][1] - (skipped - (idle - GAP_DRAWN)), seconds: idle });
    }
  }
  const squeeze = (t: number) => {
    let shift = 0;
    for (const cut of cuts) if (t >= cut.at) shift = cut.skipped;
    return t - shift;
  };
  for (const b of bars) (b.x0 = squeeze(b.start)), (b.x1 = squeeze(b.end));
  const active = merged.reduce((sum, [a, b]) => sum + (b - a), 0);
  const wall = bars.length ? Math.max(...bars.map((b) => b.end)) : 0;
  // waves: a wave starts when a stack begins after every stack before it ended
  const stacks = [...state.stacks.values()].filter((s) => s.first !== null).sort((a, b) => a.first! - b.first!);
  const waves: Timeline["waves"] = [];
  let waveEnd = -Infinity;
  const waveOf = new Map<string, number>();
  for (const s of stacks) {
    const start = s.first!;
    const end = s.end ?? now;
    if (!waves.length || start > waveEnd + 0.001) waves.push({ index: waves.length, start: start - t0, end: end - t0, stacks: [] });
    const w = waves[waves.length - 1];
    w.stacks.push(s.name);
    w.end = Math.max(w.end, end - t0);
    waveEnd = Math.max(waveEnd === -Infinity ? end : waveEnd, end);
    waveOf.set(s.name, w.index);
  }
  // the critical path: from the last resource to finish, back through the resource that finished last before it started
  const critical: string[] = [];
  const byEnd = [...bars].sort((a, b) => b.end - a.end);
  let current = byEnd[0];
  const slack = 0.75;
  while (current) {
    current.critical = true;
    critical.unshift(current.key);
    const before: Bar | undefined = byEnd.find((b) => !b.critical && b.end <= current!.start + slack && b.end > current!.start - 60);
    current = before!;
  }
  const lanes: Lane[] = [];
  const laneOf = new Map<string, Lane>();
  for (const s of stacks) {
    const lane: Lane = { stack: s.name, wave: waveOf.get(s.name) ?? 0, bars: [], rows: 0, rowOf: new Map() };
    lanes.push(lane);
    laneOf.set(s.name, lane);
  }
  for (const bar of [...bars].sort((a, b) => a.start - b.start)) {
    let lane = laneOf.get(bar.stack);
    if (!lane) {
      lane = { stack: bar.stack, wave: 0, bars: [], rows: 0, rowOf: new Map() };
      lanes.push(lane);
      laneOf.set(bar.stack, lane);
    }
    lane.bars.push(bar);
  }
  for (const lane of lanes) {
    const rowEnds: number[] = [];
    for (const bar of lane.bars) {
      let row = rowEnds.findIndex((end) => end <= bar.start + 1e-6);
      if (row === -1) (row = rowEnds.length), rowEnds.push(bar.end);
      else rowEnds[row] = bar.end;
      lane.rowOf.set(bar.key, row);
    }
    lane.rows = Math.max(1, rowEnds.length);
  }
  const busy = bars.reduce((sum, b) => sum + Math.max(0, b.end - b.start), 0);
  // as the history record computes it: Terraform's parallelism once per stack that applied, at most one slot per resource
  const width = Math.max(1, lanes.filter((l) => l.bars.length).length);
  const possible = Math.max(1, Math.min(DEFAULT_PARALLELISM * width, bars.length));
  return {
    t0, wall, span: wall - skipped, active, gaps, lanes, waves, busy, possible, critical,
    efficiency: wall > 0 ? busy / (wall * possible) : null,
    activeEfficiency: active > 0 ? busy / (active * possible) : null,
  };
}

// ------------------------------------------------------------------ the order of node states

/** When each node first reached a status (from the runs): for checking an apply against the dependency graph. */
export function firstTimes(state: LiveState): Map<string, { start: number; end: number | null }> {
  const out = new Map<string, { start: number; end: number | null }>();
  for (const run of state.runs.values()) {
    if (!run.node || run.start === null) continue;
    const n = out.get(run.node);
    if (!n) out.set(run.node, { start: run.start, end: run.end });
    else {
      n.start = Math.min(n.start, run.start);
      n.end = n.end === null || run.end === null ? null : Math.max(n.end, run.end);
    }
  }
  return out;
}
