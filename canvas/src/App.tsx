import {
  Background,
  Controls,
  MarkerType,
  MiniMap,
  ReactFlow,
  ReactFlowProvider,
  applyNodeChanges,
  useReactFlow,
  type Connection,
  type Edge,
  type Node,
  type NodeChange,
} from "@xyflow/react";
import { Suspense, lazy, useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from "react";
import { Api, ApiError } from "./api";
import type { ThemeMode } from "./components/CodeEditor";
import { KindIcon, PLAN_ACTIONS, nodeTypes, type CanvasNodeData } from "./components/nodes";
import { CostPanel } from "./components/CostPanel";
import { EdgePanel, ProblemsList, PropertiesPanel } from "./components/Panels";
import { DeployControls, DeployResultBanner, ExecutionPanel, HistoryPanel, ReviewBar, TimelinePanel, deploymentRunning, useDeployStart, useLive } from "./components/Live";
import { OverflowMenu, useToolbarFit } from "./components/Toolbar";
import { nodeCost } from "./model/cost";
import { buildGraph, problemTarget, problemsByTarget, withGhosts, type GEdge, type NodeKind } from "./model/graph";
import { freeSpot, isCompact, layoutGraph, nodeSize, type Point } from "./model/layout";
import { addNodeOp, connectOps, deleteOps, freshName } from "./model/ops";
import { changedFile, decideDocument, graphSource, isReadable } from "./model/sync";
import { splitActions, type ToolAction } from "./model/toolbar";
import type { Json, Op, PlanJob, Snapshot } from "./types";

// CodeMirror (about half of the page's code) loads when the YAML view or the conflict dialog first opens
const CodeEditor = lazy(() => import("./components/CodeEditor").then((m) => ({ default: m.CodeEditor })));
const DiffView = lazy(() => import("./components/CodeEditor").then((m) => ({ default: m.DiffView })));

const PALETTE: { kind: NodeKind; label: string }[] = [
  { kind: "agent", label: "Agent" },
  { kind: "dynamodb", label: "DynamoDB" },
  { kind: "s3", label: "S3 bucket" },
  { kind: "sqs", label: "SQS queue" },
  { kind: "sns", label: "SNS topic" },
];

// edges take the colour of what they grant (CSS variables: both themes)
const EDGE_COLORS: Record<string, string> = {
  read: "var(--dynamodb)",
  consume: "var(--sqs)",
  write: "var(--replace)",
  publish: "var(--sns)",
  read_write: "var(--agent)",
  invoke: "var(--agent)",
  actions: "var(--role)",
};
const PLAN_COLORS: Record<string, string> = {
  create: "var(--create)",
  update: "var(--update)",
  replace: "var(--replace)",
  delete: "var(--delete)",
  "no-op": "var(--noop)",
};
const MANY_EDGES = 40; // above this, edges are faint until a node is pointed at or selected
// toolbar actions that leave for the overflow menu when the window is narrow, the first to go first
const COLLAPSE_ORDER = ["theme", "arrange", "roles", "templates", "history", "timeline", "redo", "undo", "yaml", "destroy"];

type ThemePref = "system" | "dark" | "light";
const THEME_KEY = "strands-canvas-theme";

function useTheme(): [ThemePref, ThemeMode, (pref: ThemePref) => void] {
  const [pref, setPref] = useState<ThemePref>(() => (localStorage.getItem(THEME_KEY) as ThemePref | null) ?? "system");
  const query = useMemo(() => window.matchMedia("(prefers-color-scheme: light)"), []);
  const [systemLight, setSystemLight] = useState(query.matches);
  useEffect(() => {
    const onChange = () => setSystemLight(query.matches);
    query.addEventListener("change", onChange);
    return () => query.removeEventListener("change", onChange);
  }, [query]);
  useEffect(() => {
    if (pref === "system") {
      delete document.documentElement.dataset.theme;
      localStorage.removeItem(THEME_KEY);
    } else {
      document.documentElement.dataset.theme = pref;
      localStorage.setItem(THEME_KEY, pref);
    }
  }, [pref]);
  const mode: ThemeMode = pref === "system" ? (systemLight ? "light" : "dark") : pref;
  return [pref, mode, setPref];
}

interface Conflict {
  file: string;
  mine: string;
  base: string;
  theirs: string;
  theirsRevision: string;
  pendingOps?: Op[];
  pendingField?: { path: (string | number)[]; value: Json | undefined };
}

interface UndoEntry {
  files: Record<string, string>;
  label: string;
}

function edgeStyle(edge: GEdge, selected: boolean, planAction: string | null): Partial<Edge> {
  const width = selected ? 3 : planAction && planAction !== "no-op" ? 2.4 : 1.6;
  const planned = planAction ? PLAN_COLORS[planAction] : null;
  const arrow = (color: string) => ({ type: MarkerType.ArrowClosed, color, width: 16, height: 16 });
  switch (edge.kind) {
    case "permission": {
      const color = planned ?? EDGE_COLORS[edge.access ?? ""] ?? "var(--role)";
      return { style: { stroke: color, strokeWidth: width }, markerEnd: arrow(color) };
    }
    case "trigger": {
      const color = planned ?? "var(--sqs)";
      return { animated: !planAction, style: { stroke: color, strokeWidth: width, strokeDasharray: "6 4" }, markerEnd: arrow(color) };
    }
    case "route": {
      const color = planned ?? "var(--api)";
      return { style: { stroke: color, strokeWidth: width }, markerEnd: arrow(color) };
    }
    case "role":
      return { style: { stroke: "var(--role)", strokeWidth: 1.2, strokeDasharray: "2 4" } };
    case "dlq":
      return { style: { stroke: "var(--dlq)", strokeWidth: 1.2, strokeDasharray: "3 3" } };
    default:
      return { style: { stroke: "var(--vpc)", strokeWidth: 1.2, strokeDasharray: "1 5" } };
  }
}

const NO_PROBLEMS: CanvasNodeData["problems"] = [];

// a node or edge of the graph as text: a new snapshot rebuilds every object, and the ones whose text is the
// same keep their React Flow objects (a change on disk re-renders the cards it changed, not all 200)
const signatures = new WeakMap<object, string>();
function signature(value: object): string {
  let text = signatures.get(value);
  if (text === undefined) signatures.set(value, (text = JSON.stringify(value)));
  return text;
}

function sameData(a: CanvasNodeData, b: CanvasNodeData): boolean {
  return (a.g === b.g || signature(a.g) === signature(b.g)) && signature(a.problems) === signature(b.problems) && a.plan === b.plan && a.planCount === b.planCount && a.planError === b.planError && a.compact === b.compact && a.cost === b.cost
    && a.live?.status === b.live?.status && a.live?.start === b.live?.start && a.live?.end === b.live?.end && a.live?.error === b.live?.error && a.drift === b.drift;
}

function Canvas({ api }: { api: Api }) {
  const flow = useReactFlow();
  const [themePref, theme, setThemePref] = useTheme();
  const [hovered, setHovered] = useState<string | null>(null);
  const [errorOpen, setErrorOpen] = useState(true);
  const [snapshot, setSnapshot] = useState<Snapshot | null>(null);
  const [schema, setSchema] = useState<any>(null);
  const [error, setError] = useState<string | null>(null);
  const [toast, setToast] = useState<{ text: string; undo?: boolean } | null>(null);
  const [selection, setSelection] = useState<{ type: "node" | "edge"; id: string } | null>(null);
  const [nodes, setNodes] = useState<Node[]>([]);
  const [showRoles, setShowRoles] = useState<boolean | null>(null);
  const [problemsOpen, setProblemsOpen] = useState(false);
  const [costOpen, setCostOpen] = useState(false);
  const [yamlOpen, setYamlOpen] = useState(false);
  const [yamlFile, setYamlFile] = useState("strands.yaml");
  const [yamlLine, setYamlLine] = useState<number | null>(null);
  const [draft, setDraft] = useState<{ file: string; text: string; base: string; baseText: string } | null>(null);
  const [conflict, setConflict] = useState<Conflict | null>(null);
  const [plan, setPlan] = useState<PlanJob | null>(null);
  const [livePlan, setLivePlan] = useState<Record<string, string>>({});
  const [planPhases, setPlanPhases] = useState<Record<string, string>>({});
  const [connected, setConnected] = useState(false);
  const live = useLive(api);
  const liveRef = useRef(live);
  liveRef.current = live;
  const [execFor, setExecFor] = useState<string | null>(null);
  const [timelineOpen, setTimelineOpen] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [resultOpen, setResultOpen] = useState(true);
  const [saving, setSaving] = useState(false);
  const [undo, setUndo] = useState<UndoEntry[]>([]);
  const [redo, setRedo] = useState<UndoEntry[]>([]);
  const known = useRef<Snapshot | null>(null);
  const dirtyFields = useRef(new Map<string, { path: (string | number)[]; value: Json | undefined }>());
  const queue = useRef(Promise.resolve());
  const draftRef = useRef(draft);
  draftRef.current = draft;

  const lastReadable = useRef<Snapshot | null>(null); // the graph to keep showing while a file does not parse
  const accept = useCallback((next: Snapshot) => {
    known.current = next;
    if (isReadable(next)) lastReadable.current = next;
    setSnapshot(next);
  }, []);

  useEffect(() => {
    Promise.all([api.project(), api.schema()])
      .then(([project, schemaDoc]) => {
        setSchema(schemaDoc);
        accept(project);
        performance.mark("canvas-data");
      })
      .catch((e) => setError(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e)));
    api.currentPlan().then((r) => r.job && setPlan(r.job)).catch(() => undefined);
  }, [api, accept]);

  // the project's channel: external edits, plan progress
  useEffect(() => {
    return api.connect(
      (event) => {
        if (event.type === "document") {
          const next: Snapshot = event.snapshot;
          const current = known.current;
          const d = draftRef.current;
          const field = dirtyFields.current.values().next().value as Conflict["pendingField"] | undefined;
          const decision = decideDocument(current, next, d, !!field);
          if (decision.kind === "same") return;
          if (decision.kind === "draft-saved") {
            // our own save came back through the watcher (or the same change was made elsewhere): nothing unsaved
            setDraft(null);
            draftRef.current = null;
          } else if (decision.kind === "conflict-draft" && d) {
            setConflict({ file: d.file, mine: d.text, base: d.baseText, theirs: decision.theirs, theirsRevision: decision.revision });
            known.current = next;
            return;
          } else if (decision.kind === "conflict-field" && current && field) {
            const file = changedFile(current, next); // a monorepo agent's field lives in its fragment
            setConflict({ file, mine: current.files[file]?.text ?? "", base: current.files[file]?.text ?? "", theirs: next.files[file]?.text ?? "", theirsRevision: next.files[file]?.revision ?? "", pendingField: field });
            known.current = next;
            return;
          }
          accept(next);
        } else if (event.type === "plan.started") {
          setPlan(event.job);
          setErrorOpen(true);
          setLivePlan({});
          setPlanPhases({});
        } else if (event.type === "plan.progress") {
          setPlanPhases((p) => ({ ...p, [event.stack]: event.phase }));
        } else if (event.type === "plan.change" && event.node) {
          setLivePlan((p) => ({ ...p, [event.node]: p[event.node] && p[event.node] !== event.action ? "update" : event.action }));
        } else if (event.type === "plan.finished") {
          setPlan(event.job);
        } else if (typeof event.type === "string" && event.type.startsWith("deploy.")) {
          if (event.type === "deploy.started") setResultOpen(true);
          liveRef.current.onEvent(event);
        }
      },
      (open) => {
        setConnected(open);
        if (open) liveRef.current.resync(); // catch up on what happened while the socket was down
        if (open && known.current) api.project().then((next) => next.revision !== known.current?.revision && !draftRef.current && accept(next)).catch(() => undefined);
      },
    );
  }, [api, accept]);

  const view = useMemo(() => (snapshot ? graphSource(snapshot, lastReadable.current) : null), [snapshot]);
  const agentCount = view ? Object.keys(view.snapshot.data?.agents ?? {}).length : 0;
  const rolesShown = showRoles ?? agentCount <= 12;
  const planResult = plan?.status !== "running" ? plan?.result ?? null : null;
  const graph = useMemo(
    () => withGhosts(view ? buildGraph(view.snapshot, { showRoles: rolesShown }) : { nodes: [], edges: [] }, planResult?.gone),
    [view, rolesShown, planResult],
  );
  const compact = isCompact(graph);
  const problems = useMemo(() => problemsByTarget(snapshot?.problems ?? []), [snapshot]);
  const planNodes = planResult ? { ...planResult.nodes, ...(planResult.gone ?? {}) } : null;
  const planEdges = planResult?.edges ?? null;
  const planErrors = plan?.error?.nodes ?? null;
  const review = live.deployment?.status === "review" ? live.deployment.review : null;
  const manyEdges = graph.edges.length > MANY_EDGES;
  const focus = selection?.type === "node" ? selection.id : hovered;
  const neighbours = useMemo(() => {
    if (!focus) return null;
    const out = new Set([focus]);
    for (const e of graph.edges) if (e.source === focus || e.target === focus) (out.add(e.source), out.add(e.target));
    return out;
  }, [graph, focus]);

  // positions: what the user dragged (.strands/canvas.json) wins over the automatic layout
  const positions = useRef<Record<string, Point>>({});
  useEffect(() => {
    if (!snapshot) return;
    const saved = { ...snapshot.positions };
    for (const [id, p] of Object.entries(positions.current)) if (!saved[id] && graph.nodes.some((n) => n.id === id)) saved[id] = p;
    positions.current = layoutGraph(graph, saved);
  }, [snapshot, graph]);

  useEffect(() => {
    const placed = layoutGraph(graph, positions.current);
    positions.current = placed;
    setNodes((previous) => {
      const selected = new Set(previous.filter((n) => n.selected).map((n) => n.id));
      // keep what React Flow measured (size, handle bounds): a node object without it is measured again, and
      // until then its edges are not drawn (they vanished after a plan or an edit)
      const before = new Map(previous.map((n) => [n.id, n]));
      return graph.nodes.map((g) => {
        const nodeProblems = problems.get(g.id) ?? NO_PROBLEMS;
        const planEntry = planNodes?.[g.id];
        const later = planResult?.deferred_nodes?.[g.id] ? "deferred" : null;
        const action = planEntry?.action ?? livePlan[g.id] ?? later ?? (planNodes && !g.readOnly && plan?.status === "succeeded" ? "no-op" : null);
        const reviewAction = review?.nodes[g.id]?.action ?? null; // nodes of later waves are not in this review
        const data: CanvasNodeData = {
          g,
          problems: nodeProblems,
          plan: review ? reviewAction : plan ? action : null,
          planCount: planEntry?.changes.length ?? 0,
          planError: planErrors?.[g.id]?.join("; ") ?? null,
          compact,
          cost: nodeCost(snapshot?.derived?.cost, g.id),
          live: review ? null : live.statuses.get(g.id) ?? null,
          drift: !!(plan?.drift?.[g.id]?.length || live.state.drift.get(g.id)?.length),
        };
        const position = placed[g.id] ?? { x: 0, y: 0 };
        const isSelected = selected.has(g.id) || (selection?.type === "node" && selection.id === g.id);
        const prev = before.get(g.id);
        if (prev && sameData(prev.data as CanvasNodeData, data) && prev.position.x === position.x && prev.position.y === position.y && !!prev.selected === isSelected) {
          return prev; // unchanged: React Flow and the memoised card skip it (a click on 200 nodes stays fast)
        }
        return { ...prev, id: g.id, type: "canvas", position, data, selected: isSelected };
      });
    });
  }, [graph, problems, planResult, planErrors, livePlan, plan, selection, compact, snapshot, live.statuses, review]); // eslint-disable-line react-hooks/exhaustive-deps

  const previousEdges = useRef(new Map<string, { key: string; edge: Edge }>());
  const edges: Edge[] = useMemo(() => {
    const before = previousEdges.current;
    const after = new Map<string, { key: string; edge: Edge }>();
    const out = graph.edges.map((e) => {
      const selected = selection?.type === "edge" && selection.id === e.id;
      const edgeProblems = problems.get(e.id) ?? [];
      const planAction = planEdges ? planEdges[e.id] ?? (e.kind === "permission" || e.kind === "trigger" || e.kind === "route" ? "no-op" : null) : null;
      const base = edgeStyle(e, selected, planAction);
      const broken = edgeProblems.some((p) => p.severity === "error");
      const style = broken ? { ...base.style, stroke: "var(--error)", strokeWidth: 3 } : base.style;
      if (broken) base.markerEnd = { type: MarkerType.ArrowClosed, color: "var(--error)", width: 16, height: 16 };
      const faint = planEdges !== null && planAction === "no-op" && !selected;
      const liveStatus = live.edges.get(e.id) ?? null;
      const key = `${selected}|${planAction}|${edgeProblems.length}|${liveStatus}`;
      const kept = before.get(e.id);
      const was = kept ? (kept.edge.data as { g: GEdge }).g : null;
      if (kept && was && kept.key === key && (was === e || signature(was) === signature(e))) {
        after.set(e.id, kept); // unchanged: the same object, so React Flow skips it
        return kept.edge;
      }
      const edge: Edge = {
        id: e.id,
        source: e.source,
        target: e.target,
        label: e.label || undefined,
        selected,
        ...base,
        style,
        className: `edge-${e.kind}${edgeProblems.length ? " edge-problem" : ""}${faint ? " faint" : ""}${liveStatus ? ` live-${liveStatus}` : ""}`,
        ...(liveStatus === "deploying" ? { animated: true } : {}),
        data: { g: e, plan: planAction },
        labelStyle: { fill: "var(--edge-label)", fontSize: 11 },
        labelBgStyle: { fill: "var(--edge-label-bg)", fillOpacity: 0.92 },
        labelBgPadding: [4, 2] as [number, number],
        labelBgBorderRadius: 4,
        focusable: true,
      };
      after.set(e.id, { key, edge });
      return edge;
    });
    previousEdges.current = after;
    return out;
  }, [graph, selection, problems, planEdges, live.edges]);

  // focus in a large graph (the node pointed at or selected, its neighbours and its edges) is a style sheet,
  // not new node and edge objects: pointing at a node of 200 re-renders nothing
  const focusCss = useMemo(() => {
    if (!manyEdges || !focus || !neighbours) return "";
    const quote = (id: string) => `"${id.replace(/["\\]/g, "\\$&")}"`;
    const nodes = [...neighbours].map((id) => `.stage.focusing .react-flow__node[data-id=${quote(id)}] .cnode`);
    const edgeIds = graph.edges.filter((e) => e.source === focus || e.target === focus).map((e) => quote(e.id));
    const paths = edgeIds.map((id) => `.stage.many .react-flow__edge[data-id=${id}] .react-flow__edge-path`);
    const labels = edgeIds.map((id) => `.stage.many .react-flow__edge[data-id=${id}] .react-flow__edge-textwrapper`);
    return [
      nodes.length ? `${nodes.join(",")}{opacity:1}` : "",
      paths.length ? `${paths.join(",")}{opacity:1;stroke-width:2.4px}` : "",
      labels.length ? `${labels.join(",")}{display:inline}` : "",
    ].join("\n");
  }, [manyEdges, focus, neighbours, graph]);

  const firstFit = useRef(false);
  useEffect(() => {
    if (!firstFit.current && nodes.length) {
      firstFit.current = true;
      requestAnimationFrame(() => {
        flow.fitView({ padding: 0.15, maxZoom: 1.1 });
        performance.mark("canvas-interactive");
        document.body.dataset.canvasReady = "1";
      });
    } else if (snapshot && !nodes.length && !firstFit.current) {
      document.body.dataset.canvasReady = "1";
    }
  }, [nodes, flow, snapshot]);

  // ------------------------------------------------------------------ edits

  const showToast = useCallback((text: string, withUndo = false) => {
    setToast({ text, undo: withUndo });
    window.setTimeout(() => setToast((t) => (t?.text === text ? null : t)), 5000);
  }, []);

  const runOps = useCallback(
    (ops: Op[], label = "edit") => {
      if (!ops.length) return Promise.resolve();
      const task = queue.current.then(async () => {
        const before = known.current;
        if (!before) return;
        setSaving(true);
        try {
          const result = await api.edit(before.revision, ops);
          const files: Record<string, string> = {};
          for (const rel of result.written) if (before.files[rel]) files[rel] = before.files[rel].text;
          if (Object.keys(files).length) {
            setUndo((u) => [...u.slice(-49), { files, label }]);
            setRedo([]);
          }
          accept(result.snapshot);
        } catch (e) {
          if (e instanceof ApiError && e.status === 409 && e.body?.snapshot) {
            const next: Snapshot = e.body.snapshot;
            setConflict({ file: "strands.yaml", mine: before.files["strands.yaml"]?.text ?? "", base: before.files["strands.yaml"]?.text ?? "", theirs: next.files["strands.yaml"]?.text ?? "", theirsRevision: next.files["strands.yaml"]?.revision ?? "", pendingOps: ops });
            known.current = next;
          } else {
            showToast(e instanceof ApiError ? `${e.message}${e.hint ? ` — ${e.hint}` : ""}` : String(e));
          }
        } finally {
          setSaving(false);
        }
      });
      queue.current = task.catch(() => undefined);
      return task;
    },
    [api, accept, showToast],
  );

  const restore = useCallback(
    async (entry: UndoEntry, push: (e: UndoEntry) => void) => {
      const current = known.current;
      if (!current) return;
      const back: Record<string, string> = {};
      let latest: Snapshot | null = null;
      try {
        for (const [rel, text] of Object.entries(entry.files)) {
          const file = current.files[rel];
          back[rel] = file?.text ?? "";
          const result = await api.saveFile(rel, text, latest?.files[rel]?.revision ?? file?.revision ?? "absent");
          latest = result.snapshot;
        }
        if (latest) accept(latest);
        push({ files: back, label: entry.label });
      } catch (e) {
        showToast(e instanceof ApiError ? e.message : String(e));
      }
    },
    [api, accept, showToast],
  );

  const doUndo = useCallback(() => {
    const entry = undo[undo.length - 1];
    if (!entry) return;
    setUndo((u) => u.slice(0, -1));
    void restore(entry, (back) => setRedo((r) => [...r, back]));
  }, [undo, restore]);

  const doRedo = useCallback(() => {
    const entry = redo[redo.length - 1];
    if (!entry) return;
    setRedo((r) => r.slice(0, -1));
    void restore(entry, (back) => setUndo((u) => [...u, back]));
  }, [redo, restore]);

  const selectedNode = selection?.type === "node" ? graph.nodes.find((n) => n.id === selection.id) ?? null : null;
  const selectedEdge = selection?.type === "edge" ? graph.edges.find((e) => e.id === selection.id) ?? null : null;

  const deleteSelection = useCallback(() => {
    const ops = deleteOps({ node: selectedNode ?? undefined, edge: selectedEdge ?? undefined });
    if (!ops.length) return;
    const what = selectedNode ? `${selectedNode.kind} ${selectedNode.name}` : "connection";
    setSelection(null);
    void runOps(ops, `delete ${what}`).then(() => showToast(`deleted ${what}`, true));
  }, [selectedNode, selectedEdge, runOps, showToast]);

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      const typing = target.closest("input, textarea, select, .cm-editor");
      if ((e.key === "Delete" || e.key === "Backspace") && !typing) {
        e.preventDefault();
        deleteSelection();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z" && !typing) {
        e.preventDefault();
        if (e.shiftKey) doRedo();
        else doUndo();
      } else if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y" && !typing) {
        e.preventDefault();
        doRedo();
      } else if (e.key === "Escape" && !typing) {
        setSelection(null);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [deleteSelection, doUndo, doRedo]);

  // ------------------------------------------------------------------ graph interactions

  const onNodesChange = useCallback((changes: NodeChange[]) => setNodes((ns) => applyNodeChanges(changes, ns)), []);

  const onNodeDragStop = useCallback(
    (_: unknown, _node: Node, dragged: Node[]) => {
      const moved: Record<string, Point> = {};
      for (const n of dragged) {
        moved[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
        positions.current[n.id] = moved[n.id];
      }
      void api.positions(moved).catch(() => undefined);
    },
    [api],
  );

  const onConnect = useCallback(
    (connection: Connection) => {
      const source = graph.nodes.find((n) => n.id === connection.source);
      const target = graph.nodes.find((n) => n.id === connection.target);
      if (!source || !target || !snapshot) return;
      const result = connectOps(source, target, snapshot.data);
      if ("error" in result) return showToast(result.error);
      void runOps(result.ops, "connect").then(() => result.select && setSelection({ type: "edge", id: result.select }));
    },
    [graph, snapshot, runOps, showToast],
  );

  const addNode = useCallback(
    (kind: NodeKind, at: Point) => {
      if (!snapshot) return;
      const taken = [...Object.keys(snapshot.data?.agents ?? {}), ...Object.keys(snapshot.data?.resources ?? {})];
      const name = freshName(kind, taken);
      const id = kind === "agent" ? `agent:${name}` : `resource:${name}`;
      // never on top of another card: the nearest free spot below (or above) the drop point
      const boxes = graph.nodes.filter((n) => positions.current[n.id]).map((n) => ({ ...positions.current[n.id], ...nodeSize(n.kind, compact) }));
      const spot = freeSpot({ ...at, ...nodeSize(kind, compact) }, boxes);
      positions.current[id] = spot;
      void api.positions({ [id]: spot }).catch(() => undefined);
      void runOps([addNodeOp(kind, name)], `add ${name}`).then(() => setSelection({ type: "node", id }));
    },
    [snapshot, api, runOps, graph, compact],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      event.preventDefault();
      const kind = event.dataTransfer.getData("application/strands-kind") as NodeKind;
      if (!kind) return;
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      const size = nodeSize(kind, compact);
      addNode(kind, { x: Math.round(point.x - size.width / 2), y: Math.round(point.y - size.height / 2) });
    },
    [flow, addNode, compact],
  );

  const showYaml = useCallback((file: string | null, line: number | null) => {
    setYamlOpen(true);
    if (file) setYamlFile(file);
    setYamlLine(null);
    requestAnimationFrame(() => setYamlLine(line));
  }, []);

  const pickProblem = useCallback(
    (p: { path: string; file: string | null; line: number | null }) => {
      const target = problemTarget(p);
      if (target) {
        const isEdge = /^(perm|trigger|route):/.test(target);
        setSelection({ type: isEdge ? "edge" : "node", id: target });
        const nodeIdToShow = isEdge ? graph.edges.find((e) => e.id === target)?.source : target;
        const n = nodes.find((x) => x.id === nodeIdToShow);
        const g = graph.nodes.find((x) => x.id === nodeIdToShow);
        if (n && g) {
          const size = nodeSize(g.kind, compact);
          flow.setCenter(n.position.x + size.width / 2, n.position.y + size.height / 2, { zoom: Math.max(flow.getZoom(), 0.9), duration: 300 });
        }
      }
      showYaml(p.file, p.line);
    },
    [graph, nodes, flow, showYaml, compact],
  );

  // a side panel that opens over the selected node's place moves the view so the node stays in sight
  const stageRef = useRef<HTMLElement>(null);
  const revealNode = useCallback(
    (id: string) => {
      const stage = stageRef.current?.getBoundingClientRect();
      const g = graph.nodes.find((x) => x.id === id);
      const at = positions.current[id];
      if (!stage || !g || !at) return;
      const size = nodeSize(g.kind, compact);
      const { x, y, zoom } = flow.getViewport();
      const left = at.x * zoom + x;
      const top = at.y * zoom + y;
      const right = left + size.width * zoom;
      const bottom = top + size.height * zoom;
      const margin = 24;
      if (left >= margin && top >= margin && right <= stage.width - margin && bottom <= stage.height - margin) return;
      flow.setCenter(at.x + size.width / 2, at.y + size.height / 2, { zoom, duration: 250 });
    },
    [graph, compact, flow],
  );
  useEffect(() => {
    if (!selection) return;
    // a node: itself; a connection: what it points at (the resource a permission is on)
    const id = selection.type === "node" ? selection.id : graph.edges.find((e) => e.id === selection.id)?.target;
    if (!id) return;
    const frame = requestAnimationFrame(() => requestAnimationFrame(() => revealNode(id)));
    return () => cancelAnimationFrame(frame);
  }, [selection, revealNode]); // eslint-disable-line react-hooks/exhaustive-deps

  // ------------------------------------------------------------------ YAML view

  const currentText = snapshot?.files[yamlFile]?.text ?? "";
  const saveDraft = useCallback(async () => {
    const d = draftRef.current;
    if (!d) return;
    try {
      const result = await api.saveFile(d.file, d.text, d.base);
      setUndo((u) => [...u.slice(-49), { files: { [d.file]: d.baseText }, label: "YAML edit" }]);
      setDraft(null);
      accept(result.snapshot);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409 && e.body?.snapshot) {
        const next: Snapshot = e.body.snapshot;
        known.current = next;
        setConflict({ file: d.file, mine: d.text, base: d.baseText, theirs: next.files[d.file]?.text ?? "", theirsRevision: next.files[d.file]?.revision ?? "absent" });
      } else showToast(e instanceof ApiError ? e.message : String(e));
    }
  }, [api, accept, showToast]);

  // ------------------------------------------------------------------ conflicts

  const resolveConflict = useCallback(
    async (choice: "mine" | "theirs" | "merge") => {
      const c = conflict;
      const next = known.current;
      if (!c || !next) return;
      setConflict(null);
      if (choice === "theirs") {
        setDraft(null);
        dirtyFields.current.clear();
        accept(next);
        return;
      }
      accept(next);
      if (c.pendingOps) {
        if (choice === "mine") void runOps(c.pendingOps);
        return;
      }
      if (c.pendingField) {
        dirtyFields.current.clear();
        if (choice === "mine") void runOps([c.pendingField.value === undefined ? { op: "delete", path: c.pendingField.path } : { op: "set", path: c.pendingField.path, value: c.pendingField.value }]);
        return;
      }
      if (choice === "mine") {
        try {
          const result = await api.saveFile(c.file, c.mine, c.theirsRevision);
          setDraft(null);
          accept(result.snapshot);
        } catch (e) {
          showToast(e instanceof ApiError ? e.message : String(e));
        }
        return;
      }
      const merged = await api.merge(c.file, c.base, c.mine);
      setDraft({ file: c.file, text: merged.text, base: merged.disk_revision, baseText: c.theirs });
      setYamlFile(c.file);
      setYamlOpen(true);
      showToast(merged.conflicts ? `${merged.conflicts} conflicting region(s) marked <<<<<<< in the YAML view; resolve and save` : "merged without conflicts; review and save");
    },
    [conflict, api, accept, runOps, showToast],
  );

  // ------------------------------------------------------------------ plan

  const startPlan = useCallback(async () => {
    if (!snapshot) return;
    try {
      const { job } = await api.plan(snapshot.environment);
      setPlan(job);
      setLivePlan({});
      setPlanPhases({});
    } catch (e) {
      showToast(e instanceof ApiError ? e.message : String(e));
    }
  }, [api, snapshot, showToast]);

  // ------------------------------------------------------------------ toolbar

  const toolbarRef = useRef<HTMLElement>(null);
  const startDeploy = useDeployStart(api, snapshot?.environment ?? "", showToast);
  const templateActions = useTemplateActions(api, showToast, String(snapshot?.data?.project ?? "project"));
  const toolbarKey = [plan?.status, Object.keys(planPhases).join(), live.deployment?.status, live.deployment?.key, saving, !!draft, snapshot?.data?.project].join("|");
  const collapsed = useToolbarFit(toolbarRef, COLLAPSE_ORDER.length, toolbarKey);

  if (error) return <div className="fatal"><h2>strands canvas</h2><p>{error}</p></div>;
  if (!snapshot) return <div className="loading">loading the project…</div>;
  if (!snapshot.exists) return <StartScreen api={api} onDone={accept} />;

  const yamlText = draft && draft.file === yamlFile ? draft.text : currentText;
  const selectionProblems = selection ? problems.get(selection.id) ?? [] : [];
  const planRunning = plan?.status === "running";
  const counts = plan?.result ? Object.values(plan.result.nodes).reduce<Record<string, number>>((acc, n) => ((acc[n.action] = (acc[n.action] ?? 0) + 1), acc), {}) : {};
  const deploying = deploymentRunning(live);
  const arrange = () => {
    positions.current = {};
    void api.positions({}, true);
    setSnapshot((s) => (s ? { ...s, positions: {} } : s));
    requestAnimationFrame(() => flow.fitView({ padding: 0.15 }));
  };
  const cycleTheme = () => setThemePref(themePref === "system" ? (theme === "dark" ? "light" : "dark") : themePref === "dark" ? "light" : "system");
  const themeLabel = themePref === "system" ? "◐ auto" : themePref === "dark" ? "☾ dark" : "☀ light";
  // every action of the bar that may move to the overflow menu, in toolbar order, with its inline form
  const tools: (ToolAction & { inline: ReactNode })[] = [
    { key: "destroy", label: "Destroy", danger: true, disabled: deploying || !snapshot.valid, title: `strands destroy -e ${snapshot.environment}`, run: () => void startDeploy("destroy"),
      inline: <button className="small-btn danger-btn" data-testid="destroy-button" disabled={deploying || !snapshot.valid} onClick={() => void startDeploy("destroy")} title={`strands destroy -e ${snapshot.environment}`}>Destroy</button> },
    { key: "timeline", label: "Timeline", disabled: !live.deployment, run: () => setTimelineOpen((o) => !o),
      inline: <button className="small-btn" data-testid="timeline-toggle" onClick={() => setTimelineOpen((o) => !o)} disabled={!live.deployment}>Timeline</button> },
    { key: "history", label: "History", run: () => setHistoryOpen((o) => !o),
      inline: <button className="small-btn" data-testid="history-toggle" onClick={() => setHistoryOpen((o) => !o)}>History</button> },
    { key: "undo", label: "Undo (Ctrl+Z)", disabled: !undo.length, run: doUndo,
      inline: <button className="small-btn" disabled={!undo.length} onClick={doUndo} title="Undo (Ctrl+Z)" aria-label="undo" data-testid="undo">↶</button> },
    { key: "redo", label: "Redo (Ctrl+Shift+Z)", disabled: !redo.length, run: doRedo,
      inline: <button className="small-btn" disabled={!redo.length} onClick={doRedo} title="Redo (Ctrl+Shift+Z)" aria-label="redo" data-testid="redo">↷</button> },
    { key: "roles", label: "IAM roles", checked: rolesShown, run: () => setShowRoles(!rolesShown),
      inline: <label className="toggle"><input type="checkbox" data-testid="roles-toggle" checked={rolesShown} onChange={(e) => setShowRoles(e.target.checked)} /> IAM roles</label> },
    { key: "arrange", label: "Arrange", title: "Automatic layout (forget dragged positions)", run: arrange,
      inline: <button className="small-btn" data-testid="arrange" onClick={arrange} title="Automatic layout (forget dragged positions)">Arrange</button> },
    { key: "templates", label: "Templates", run: () => undefined, inline: <TemplatesMenu api={api} actions={templateActions.actions} /> },
    { key: "yaml", label: yamlOpen ? "Hide YAML" : "YAML", checked: yamlOpen, run: () => setYamlOpen((o) => !o),
      inline: <button className={`small-btn ${yamlOpen ? "on" : ""}`} data-testid="yaml-toggle" onClick={() => setYamlOpen((o) => !o)}>YAML</button> },
    { key: "theme", label: `theme: ${themeLabel}`, title: "cycle auto → dark → light", run: cycleTheme,
      inline: <button className="small-btn" data-testid="theme-toggle" title={`theme: ${themePref} (click to change)`} onClick={cycleTheme}>{themeLabel}</button> },
  ];
  const fit = splitActions(tools, COLLAPSE_ORDER, collapsed);
  const inline = (key: string) => fit.inline.find((a) => a.key === key)?.inline ?? null;
  const menuActions = fit.menu.flatMap((a) => (a.key === "templates" ? templateActions.actions : [a]));

  return (
    <div className={`app ${yamlOpen ? "with-yaml" : ""}`}>
      <header className={`toolbar${collapsed >= COLLAPSE_ORDER.length ? " squeezed" : ""}`} ref={toolbarRef} data-collapsed={collapsed}>
        <div className="brand">
          <span className="logo">◆</span> <span className="brand-name">strands canvas</span>
          <span className="project" data-testid="project-name">{String(snapshot.data?.project ?? "")}</span>
        </div>
        <label className="env">
          env
          <select value={snapshot.environment} data-testid="env-select" onChange={(e) => api.project(e.target.value).then(accept)}>
            {snapshot.environments.map((e) => <option key={e}>{e}</option>)}
          </select>
        </label>
        <button className="primary-btn" data-testid="plan-button" disabled={planRunning || !snapshot.valid} onClick={startPlan} title={snapshot.valid ? "strands plan for this environment" : "fix the problems first"}>
          {planRunning ? "Planning…" : "Plan"}
        </button>
        {planRunning && (
          <span className="plan-progress" data-testid="plan-progress">
            <span className="spinner" />
            <span className="progress-text">{Object.entries(planPhases).map(([s, p]) => `${s}: ${p}`).join(" · ") || "packaging and synthesizing…"}</span>
            <button className="small-btn" data-testid="plan-cancel" onClick={() => api.cancelPlan()}>cancel</button>
          </span>
        )}
        {plan && !planRunning && (
          <span className={`plan-summary status-${plan.status}`} data-testid="plan-status" data-status={plan.status}>
            <span className="summary-text">
              {plan.status === "succeeded"
                ? `${Object.entries(counts).filter(([a]) => a !== "no-op" && a !== "error").map(([a, n]) => `${n} ${a}`).join(" · ") || "no changes"}${plan.duration ? ` · ${plan.duration.toFixed(1)} s` : ""}`
                : plan.status === "failed"
                  ? "plan failed"
                  : plan.status}
            </span>
            {plan.status === "failed" && <button className="link-btn" onClick={() => setErrorOpen(true)}>details</button>}
            <button className="icon-btn" title="clear the plan colours" onClick={() => setPlan(null)}>×</button>
          </span>
        )}
        <DeployControls api={api} live={live} environment={snapshot.environment} disabled={!snapshot.valid} onToast={showToast} />
        {inline("destroy")}
        {inline("timeline")}
        {inline("history")}
        <div className="spacer" />
        {inline("undo")}
        {inline("redo")}
        {inline("roles")}
        {inline("arrange")}
        {inline("templates")}
        {inline("yaml")}
        {inline("theme")}
        <OverflowMenu actions={menuActions} />
        {templateActions.input}
        <span className={`status-dot ${connected ? "on" : "off"}`} title={connected ? "live: changes on disk appear here" : "reconnecting…"} />
        <span className="saved" data-testid="save-state">{saving ? "saving…" : draft ? "unsaved YAML" : "saved"}</span>
      </header>
      <aside className="palette" data-testid="palette">
        <div className="palette-title">Add</div>
        {PALETTE.map((item) => (
          <div
            key={item.kind}
            className={`palette-item kind-${item.kind}`}
            draggable
            data-testid={`palette-${item.kind}`}
            onDragStart={(e) => {
              e.dataTransfer.setData("application/strands-kind", item.kind);
              e.dataTransfer.effectAllowed = "copy";
            }}
            onDoubleClick={() => {
              const center = flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 });
              addNode(item.kind, { x: Math.round(center.x), y: Math.round(center.y) });
            }}
            title="drag onto the canvas (or double-click)"
          >
            <KindIcon kind={item.kind} size={18} />
            {item.label}
          </div>
        ))}
        <div className="palette-help">
          <p>Drag from an agent's right handle to a resource to grant access; from a queue to an agent for a trigger.</p>
          <p><kbd>Del</kbd> delete · <kbd>Ctrl Z</kbd> undo · <kbd>Esc</kbd> deselect</p>
        </div>
      </aside>
      <main className={`stage${manyEdges ? " many" : ""}${manyEdges && focus ? " focusing" : ""}`} ref={stageRef} onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }} onDrop={onDrop} data-testid="stage">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={onConnect}
          onNodeClick={(_, n) => {
            setSelection({ type: "node", id: n.id });
            setExecFor(live.deployment ? n.id : null); // with a deployment to show, a click opens what happened
          }}
          onNodeMouseEnter={(_, n) => manyEdges && setHovered(n.id)}
          onNodeMouseLeave={() => setHovered(null)}
          onEdgeClick={(_, e) => setSelection({ type: "edge", id: e.id })}
          onPaneClick={() => setSelection(null)}
          deleteKeyCode={null}
          minZoom={0.05}
          maxZoom={2}
          onlyRenderVisibleElements={graph.nodes.length > 150}
          proOptions={{ hideAttribution: true }}
          colorMode={theme}
        >
          <Background gap={22} size={1} color="var(--dots)" />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => `var(--${(n.data as CanvasNodeData).g.kind})`} maskColor={theme === "dark" ? "rgba(10,13,22,0.7)" : "rgba(225,230,240,0.7)"} />
        </ReactFlow>
        {focusCss && <style>{focusCss}</style>}
        {view?.stale && (
          <div className="stale-banner" data-testid="stale-banner">
            {snapshot.unreadable?.join(", ")} does not parse: the graph shows its last version that did, until the file is fixed.{" "}
            <button className="link-btn" onClick={() => setProblemsOpen(true)}>show the problem</button>
          </div>
        )}
        {graph.nodes.length === 0 && (
          <div className="empty-hint" data-testid="empty-hint">
            {snapshot.unreadable?.length ? `${snapshot.unreadable.join(", ")} does not parse: fix it in the YAML view (the problems below say where).` : "Drag an agent from the left to start."}
          </div>
        )}
        {plan && plan.status !== "failed" && <PlanLegend plan={plan} live={livePlan} />}
        <CostPanel
          cost={snapshot.derived?.cost}
          environment={snapshot.environment}
          open={costOpen}
          onToggle={() => setCostOpen((o) => !o)}
          onPick={(id) => setSelection({ type: "node", id })}
        />
        {plan?.status === "failed" && plan.error && errorOpen && (
          <PlanErrorPanel
            plan={plan}
            names={Object.fromEntries(graph.nodes.map((n) => [n.id, `${n.kind === "agent" ? "agent" : n.kind} ${n.name}`]))}
            onPick={(id) => setSelection({ type: "node", id })}
            onIssue={(issue) => pickProblem({ path: issue.path, file: issue.file, line: issue.line })}
            onClose={() => setErrorOpen(false)}
          />
        )}
      </main>
      <ReviewBar api={api} live={live} onToast={showToast} />
      {resultOpen && <DeployResultBanner live={live} onPick={(id) => (setSelection({ type: "node", id }), setExecFor(id))} onClose={() => setResultOpen(false)} />}
      {timelineOpen && (
        <TimelinePanel
          live={live}
          names={Object.fromEntries(graph.nodes.map((n) => [n.id, n.name]))}
          onPick={(id) => (setSelection({ type: "node", id }), setExecFor(id))}
          onClose={() => setTimelineOpen(false)}
        />
      )}
      {historyOpen && (
        <HistoryPanel api={api} environment={snapshot.environment} project={String(snapshot.data?.project ?? "")} live={live} onToast={showToast} onClose={() => setHistoryOpen(false)} />
      )}
      {selectedNode && execFor === selectedNode.id && (
        <ExecutionPanel
          key={`exec-${selectedNode.id}`}
          nodeId={selectedNode.id}
          title={`${selectedNode.kind === "agent" ? "agent" : selectedNode.kind} ${selectedNode.name}`}
          live={live}
          files={snapshot.files}
          location={snapshot.locations?.[selectedNode.id]}
          theme={theme}
          onClose={() => (setExecFor(null), setSelection(null))}
          onEdit={() => setExecFor(null)}
        />
      )}
      {selectedNode && execFor !== selectedNode.id && (
        <PropertiesPanel
          key={selectedNode.id}
          node={selectedNode}
          snapshot={snapshot}
          schema={schema}
          problems={selectionProblems}
          plan={plan?.result?.nodes?.[selectedNode.id] ?? null}
          planError={planErrors?.[selectedNode.id] ?? null}
          onOps={(ops) => void runOps(ops)}
          onDirty={(key, pending) => (pending ? dirtyFields.current.set(key, pending) : dirtyFields.current.delete(key))}
          onShowYaml={showYaml}
          onDelete={deleteSelection}
        />
      )}
      {selectedEdge && (
        <EdgePanel
          key={selectedEdge.id}
          edge={selectedEdge}
          snapshot={snapshot}
          target={graph.nodes.find((n) => n.id === selectedEdge.target)}
          api={api}
          problems={selectionProblems}
          onOps={(ops) => void runOps(ops)}
          onDelete={deleteSelection}
          onShowYaml={showYaml}
        />
      )}
      {yamlOpen && (
        <section className="yaml-panel" data-testid="yaml-panel">
          <div className="yaml-head">
            <select value={yamlFile} onChange={(e) => setYamlFile(e.target.value)} data-testid="yaml-file">
              {Object.keys(snapshot.files).map((f) => <option key={f}>{f}</option>)}
            </select>
            {draft && draft.file === yamlFile && (
              <>
                <button className="primary-btn" data-testid="yaml-save" onClick={saveDraft}>Save</button>
                <button className="small-btn" onClick={() => setDraft(null)}>Discard</button>
              </>
            )}
            <button className="icon-btn" onClick={() => setYamlOpen(false)}>×</button>
          </div>
          <Suspense fallback={<div className="muted loading-editor">loading the editor…</div>}>
          <CodeEditor
            theme={theme}
            value={yamlText}
            line={yamlLine}
            testId="yaml-editor"
            onSave={saveDraft}
            onChange={(text) => {
              const base = snapshot.files[yamlFile];
              if (draftRef.current?.file === yamlFile || text !== (base?.text ?? "")) {
                setDraft((d) => (d && d.file === yamlFile ? { ...d, text } : { file: yamlFile, text, base: base?.revision ?? "absent", baseText: base?.text ?? "" }));
              }
            }}
          />
          </Suspense>
        </section>
      )}
      <ProblemsList problems={snapshot.problems} open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} onPick={pickProblem} />
      {toast && (
        <div className="toast" data-testid="toast">
          {toast.text}
          {toast.undo && <button className="small-btn" onClick={() => (doUndo(), setToast(null))}>Undo</button>}
        </div>
      )}
      {conflict && (
        <div className="modal-backdrop">
          <div className="modal conflict" data-testid="conflict-dialog">
            <h3>{conflict.file} changed on disk</h3>
            <p>
              {conflict.pendingField
                ? `You were editing ${conflict.pendingField.path.join(".")} when the file changed.`
                : conflict.pendingOps
                  ? "Your edit was made on an older version and was not written."
                  : "The YAML view has unsaved changes, and the file was changed by another program."}{" "}
              Left: {conflict.pendingOps || conflict.pendingField ? "the version the canvas had" : "yours"} · right: on disk.
            </p>
            <div className="diff-labels">
              <span>{conflict.pendingOps || conflict.pendingField ? "the version the canvas had" : "yours (unsaved)"}</span>
              <span>{conflict.file} on disk now</span>
            </div>
            <Suspense fallback={<div className="diff-view muted">loading the comparison…</div>}>
              <DiffView left={conflict.mine} right={conflict.theirs} theme={theme} />
            </Suspense>
            <div className="modal-actions">
              <button className="small-btn" data-testid="conflict-theirs" onClick={() => resolveConflict("theirs")}>Use the disk version</button>
              {!conflict.pendingOps && !conflict.pendingField && <button className="small-btn" data-testid="conflict-merge" onClick={() => resolveConflict("merge")}>Merge…</button>}
              <button className="primary-btn" data-testid="conflict-mine" onClick={() => resolveConflict("mine")}>
                {conflict.pendingOps || conflict.pendingField ? "Apply my change on top" : "Keep mine"}
              </button>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}


function PlanLegend({ plan, live }: { plan: PlanJob; live: Record<string, string> }) {
  const counts: Record<string, number> = {};
  const nodes = plan.result ? { ...plan.result.nodes, ...(plan.result.gone ?? {}) } : null;
  for (const action of nodes ? Object.values(nodes).map((n) => n.action) : Object.values(live)) counts[action] = (counts[action] ?? 0) + 1;
  return (
    <div className="legend" data-testid="plan-legend">
      <span className="legend-title">{plan.status === "running" ? "planning" : `plan · ${plan.environment}`}</span>
      {PLAN_ACTIONS.map((a) => (
        <span key={a.action} className={`legend-item ${counts[a.action] ? "" : "zero"}`} data-action={a.action}>
          <span className={`swatch ${a.action}`} />
          {a.symbol} {a.label}
          {a.action !== "no-op" && <span className="count">{counts[a.action] ?? 0}</span>}
        </span>
      ))}
    </div>
  );
}

function PlanErrorPanel(props: {
  plan: PlanJob;
  names: Record<string, string>;
  onPick: (id: string) => void;
  onIssue: (issue: { path: string; file: string | null; line: number | null }) => void;
  onClose: () => void;
}) {
  const error = props.plan.error!;
  const nodeLink = (id: string) => (
    <button key={id} className="link-btn" onClick={() => props.onPick(id)}>{props.names[id] ?? id}</button>
  );
  return (
    <div className="plan-error-panel" data-testid="plan-error">
      <h3>
        <span>Plan of {props.plan.environment} failed</span>
        <button className="icon-btn" onClick={props.onClose} title="hide (the toolbar's details link shows it again)">×</button>
      </h3>
      <div className="where">{error.stack ? `stack ${error.stack} · ` : ""}{error.category}</div>
      <p data-testid="plan-error-summary"><strong>{error.summary}</strong></p>
      {error.diagnostics && error.diagnostics.length > 0 ? (
        <ul>
          {error.diagnostics.map((d, i) => (
            <li key={i}>
              <strong>{d.summary}</strong>
              {d.location && <> · <code>{d.location}</code></>}
              {d.address && <> · <code>{d.address}</code></>}
              {d.node && <> · on {nodeLink(d.node)}</>}
              {!d.node && d.candidates.length > 0 && <> · in one of {d.candidates.map((c, j) => <span key={c}>{j ? ", " : ""}{nodeLink(c)}</span>)} (Terraform did not say which)</>}
              {d.detail && <pre>{d.detail}</pre>}
            </li>
          ))}
        </ul>
      ) : (
        error.detail && <pre>{error.detail}</pre>
      )}
      {error.issues && error.issues.length > 0 && (
        <ul>
          {error.issues.map((issue, i) => (
            <li key={i}>
              <button className="link-btn" onClick={() => props.onIssue(issue)}>{issue.file}{issue.line ? `:${issue.line}` : ""}</button> {issue.path} — {issue.message}
            </li>
          ))}
        </ul>
      )}
      {error.hint && <p className="hint" data-testid="plan-error-hint">{error.hint}</p>}
    </div>
  );
}

/** The template actions of the current project (save, export, import), for the Templates menu or the overflow menu. */
function useTemplateActions(api: Api, onToast: (t: string) => void, project: string): { actions: ToolAction[]; input: ReactNode } {
  const file = useRef<HTMLInputElement>(null);
  const actions: ToolAction[] = [
    { key: "template-save", label: "Save as template…", run: async () => {
      const name = window.prompt("Save this project as a custom template named:", project);
      if (!name) return;
      try { await api.saveTemplate(name, `saved from ${project}`); onToast(`saved template '${name}'`); } catch (e) { onToast(String((e as Error).message)); }
    } },
    { key: "template-export", label: "Export template file", run: async () => {
      const text = await api.exportTemplate(project);
      const url = URL.createObjectURL(new Blob([text], { type: "application/x-yaml" }));
      const a = document.createElement("a");
      a.href = url;
      a.download = `${project}.strands-template.yaml`;
      a.click();
      URL.revokeObjectURL(url);
    } },
    { key: "template-import", label: "Import template file…", run: () => file.current?.click() },
  ];
  // one file input for both menus: a button opens it, so the import is reachable by keyboard
  const input = (
    <input ref={file} type="file" accept=".yaml,.yml" hidden data-testid="template-file" onChange={async (e) => {
      const chosen = e.target.files?.[0];
      e.target.value = "";
      if (!chosen) return;
      try { await api.importTemplate(await chosen.text()); onToast("template imported"); } catch (err) { onToast(String((err as Error).message)); }
    }} />
  );
  return { actions, input };
}

function TemplatesMenu({ api, actions }: { api: Api; actions: ToolAction[] }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<{ id: string; title: string; description: string; builtin: boolean; name: string }[]>([]);
  useEffect(() => {
    if (open) api.templates().then((r) => setList(r.templates)).catch(() => undefined);
  }, [open, api]);
  return (
    <div className="menu" onKeyDown={(e) => { if (e.key === "Escape") { e.stopPropagation(); setOpen(false); } }}>
      <button className="small-btn" onClick={() => setOpen((o) => !o)} aria-haspopup="menu" aria-expanded={open} data-testid="templates-menu">Templates ▾</button>
      {open && (
        <div className="menu-pop" role="menu">
          {actions.map((a) => <button key={a.key} role="menuitem" data-action={a.key} onClick={() => { setOpen(false); a.run(); }}>{a.label}</button>)}
          <div className="menu-sep">Templates start new projects (open the canvas in an empty directory):</div>
          {list.map((t) => <div key={t.id} className="menu-item muted" title={t.description}>{t.title}{t.builtin ? "" : " (custom)"}</div>)}
        </div>
      )}
    </div>
  );
}

function StartScreen({ api, onDone }: { api: Api; onDone: (s: Snapshot) => void }) {
  const [list, setList] = useState<{ id: string; title: string; description: string; builtin: boolean }[]>([]);
  const [name, setName] = useState("my-agents");
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    api.templates().then((r) => setList(r.templates)).catch((e) => setError(String(e)));
  }, [api]);
  return (
    <div className="start">
      <h1><span className="logo">◆</span> New strands project</h1>
      <p className="muted">This directory has no strands.yaml (or an empty one). Start from a template:</p>
      <label className="field inline">
        <span className="field-label">project name</span>
        <input value={name} onChange={(e) => setName(e.target.value)} data-testid="start-name" />
      </label>
      <div className="template-grid">
        {list.map((t) => (
          <button key={t.id} className="template-card" data-testid={`template-${t.id}`} onClick={() => api.applyTemplate(t.id, name).then((r) => onDone(r.snapshot)).catch((e) => setError(e.message))}>
            <strong>{t.title}</strong>
            <span>{t.description}</span>
          </button>
        ))}
      </div>
      {error && <p className="field-error">{error}</p>}
    </div>
  );
}

export default function App({ api }: { api: Api }) {
  return (
    <ReactFlowProvider>
      <Canvas api={api} />
    </ReactFlowProvider>
  );
}
