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
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import { Api, ApiError } from "./api";
import { CodeEditor, DiffView } from "./components/CodeEditor";
import { KindIcon, nodeTypes, type CanvasNodeData } from "./components/nodes";
import { EdgePanel, ProblemsList, PropertiesPanel } from "./components/Panels";
import { CostPanel } from "./components/CostPanel";
import { nodeCost } from "./model/cost";
import { buildGraph, problemTarget, problemsByTarget, type GEdge, type NodeKind } from "./model/graph";
import { layoutGraph, type Point } from "./model/layout";
import { addNodeOp, connectOps, deleteOps, freshName } from "./model/ops";
import type { Json, Op, PlanJob, Snapshot } from "./types";

const PALETTE: { kind: NodeKind; label: string }[] = [
  { kind: "agent", label: "Agent" },
  { kind: "dynamodb", label: "DynamoDB" },
  { kind: "s3", label: "S3 bucket" },
  { kind: "sqs", label: "SQS queue" },
  { kind: "sns", label: "SNS topic" },
];

const EDGE_COLORS: Record<string, string> = {
  read: "#4f8cff",
  consume: "#f59f3a",
  write: "#ff8a3d",
  publish: "#e85aad",
  read_write: "#a66bff",
  invoke: "#8b7bff",
  actions: "#9aa5b8",
};

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
  const width = selected ? 3 : 1.6;
  switch (edge.kind) {
    case "permission": {
      const color = EDGE_COLORS[edge.access ?? ""] ?? "#9aa5b8";
      return { style: { stroke: color, strokeWidth: width }, markerEnd: { type: MarkerType.ArrowClosed, color } };
    }
    case "trigger":
      return { animated: true, style: { stroke: "#f59f3a", strokeWidth: width, strokeDasharray: "6 4" }, markerEnd: { type: MarkerType.ArrowClosed, color: "#f59f3a" } };
    case "route":
      return { style: { stroke: "#f2c94c", strokeWidth: width }, markerEnd: { type: MarkerType.ArrowClosed, color: "#f2c94c" } };
    case "role":
      return { style: { stroke: "#6b7690", strokeWidth: 1, strokeDasharray: "2 4" } };
    case "dlq":
      return { style: { stroke: planAction ? "#ff6b6b" : "#d9534f", strokeWidth: 1, strokeDasharray: "3 3" } };
    default:
      return { style: { stroke: "#3fb6a8", strokeWidth: 1, strokeDasharray: "1 5" } };
  }
}

function Canvas({ api }: { api: Api }) {
  const flow = useReactFlow();
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
  const [saving, setSaving] = useState(false);
  const [undo, setUndo] = useState<UndoEntry[]>([]);
  const [redo, setRedo] = useState<UndoEntry[]>([]);
  const known = useRef<Snapshot | null>(null);
  const dirtyFields = useRef(new Map<string, { path: (string | number)[]; value: Json | undefined }>());
  const queue = useRef(Promise.resolve());
  const draftRef = useRef(draft);
  draftRef.current = draft;

  const accept = useCallback((next: Snapshot) => {
    known.current = next;
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
          if (current && next.revision === current.revision) return;
          const d = draftRef.current;
          const field = dirtyFields.current.values().next().value as Conflict["pendingField"] | undefined;
          if (d && current) {
            const theirs = next.files[d.file]?.text ?? "";
            if (theirs === d.text) {
              // our own save (or the same change made elsewhere): nothing left unsaved
              setDraft(null);
              draftRef.current = null;
            } else if (theirs !== d.baseText) {
              setConflict({ file: d.file, mine: d.text, base: d.baseText, theirs, theirsRevision: next.files[d.file]?.revision ?? "absent" });
              known.current = next;
              return;
            }
          } else if (field && current) {
            setConflict({ file: "strands.yaml", mine: current.files["strands.yaml"]?.text ?? "", base: current.files["strands.yaml"]?.text ?? "", theirs: next.files["strands.yaml"]?.text ?? "", theirsRevision: next.files["strands.yaml"]?.revision ?? "", pendingField: field });
            known.current = next;
            return;
          }
          accept(next);
        } else if (event.type === "plan.started") {
          setPlan(event.job);
          setLivePlan({});
          setPlanPhases({});
        } else if (event.type === "plan.progress") {
          setPlanPhases((p) => ({ ...p, [event.stack]: event.phase }));
        } else if (event.type === "plan.change" && event.node) {
          setLivePlan((p) => ({ ...p, [event.node]: p[event.node] && p[event.node] !== event.action ? "update" : event.action }));
        } else if (event.type === "plan.finished") {
          setPlan(event.job);
        }
      },
      (open) => {
        setConnected(open);
        if (open && known.current) api.project().then((next) => next.revision !== known.current?.revision && !draftRef.current && accept(next)).catch(() => undefined);
      },
    );
  }, [api, accept]);

  const agentCount = snapshot ? Object.keys(snapshot.data?.agents ?? {}).length : 0;
  const rolesShown = showRoles ?? agentCount <= 12;
  const graph = useMemo(() => (snapshot ? buildGraph(snapshot, { showRoles: rolesShown }) : { nodes: [], edges: [] }), [snapshot, rolesShown]);
  const problems = useMemo(() => problemsByTarget(snapshot?.problems ?? []), [snapshot]);
  const planNodes = plan?.status !== "running" ? plan?.result?.nodes ?? null : null;
  const planErrors = plan?.error?.nodes ?? null;

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
      return graph.nodes.map((g) => {
        const nodeProblems = problems.get(g.id) ?? [];
        const planEntry = planNodes?.[g.id];
        const action = planEntry?.action ?? livePlan[g.id] ?? (planNodes && !g.readOnly && plan?.status === "succeeded" ? "no-op" : null);
        const data: CanvasNodeData = {
          g,
          problems: nodeProblems,
          plan: plan ? action : null,
          planCount: planEntry?.changes.length ?? 0,
          planError: planErrors?.[g.id]?.join("; ") ?? null,
          cost: nodeCost(snapshot?.derived?.cost, g.id),
        };
        return { id: g.id, type: "canvas", position: placed[g.id] ?? { x: 0, y: 0 }, data, selected: selected.has(g.id) || (selection?.type === "node" && selection.id === g.id) };
      });
    });
  }, [graph, problems, planNodes, planErrors, livePlan, plan, selection, snapshot]);

  const edges: Edge[] = useMemo(() => {
    const many = graph.edges.length > 80;
    return graph.edges.map((e) => {
      const selected = selection?.type === "edge" && selection.id === e.id;
      const edgeProblems = problems.get(e.id) ?? [];
      const base = edgeStyle(e, selected, null);
      const style = edgeProblems.some((p) => p.severity === "error") ? { ...base.style, stroke: "#ff4d4f", strokeWidth: 3 } : base.style;
      return {
        id: e.id,
        source: e.source,
        target: e.target,
        label: many && !selected ? undefined : e.label || undefined,
        selected,
        ...base,
        style,
        className: `edge-${e.kind}${edgeProblems.length ? " edge-problem" : ""}`,
        data: { g: e },
        labelStyle: { fill: "#cfd8ea", fontSize: 11 },
        labelBgStyle: { fill: "#151b2b", fillOpacity: 0.9 },
        labelBgPadding: [4, 2] as [number, number],
        labelBgBorderRadius: 4,
        focusable: true,
      };
    });
  }, [graph, selection, problems]);

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
      positions.current[id] = at;
      void api.positions({ [id]: at }).catch(() => undefined);
      void runOps([addNodeOp(kind, name)], `add ${name}`).then(() => setSelection({ type: "node", id }));
    },
    [snapshot, api, runOps],
  );

  const onDrop = useCallback(
    (event: React.DragEvent) => {
      event.preventDefault();
      const kind = event.dataTransfer.getData("application/strands-kind") as NodeKind;
      if (!kind) return;
      const point = flow.screenToFlowPosition({ x: event.clientX, y: event.clientY });
      addNode(kind, { x: Math.round(point.x - 110), y: Math.round(point.y - 40) });
    },
    [flow, addNode],
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
        if (n) flow.setCenter(n.position.x + 120, n.position.y + 50, { zoom: 1, duration: 300 });
      }
      showYaml(p.file, p.line);
    },
    [graph, nodes, flow, showYaml],
  );

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

  if (error) return <div className="fatal"><h2>strands canvas</h2><p>{error}</p></div>;
  if (!snapshot) return <div className="loading">loading the project…</div>;
  if (!snapshot.exists) return <StartScreen api={api} onDone={accept} />;

  const yamlText = draft && draft.file === yamlFile ? draft.text : currentText;
  const selectionProblems = selection ? problems.get(selection.id) ?? [] : [];
  const planRunning = plan?.status === "running";
  const counts = plan?.result ? Object.values(plan.result.nodes).reduce<Record<string, number>>((acc, n) => ((acc[n.action] = (acc[n.action] ?? 0) + 1), acc), {}) : {};

  return (
    <div className={`app ${yamlOpen ? "with-yaml" : ""}`}>
      <header className="toolbar">
        <div className="brand">
          <span className="logo">◆</span> strands canvas
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
            {Object.entries(planPhases).map(([s, p]) => `${s}: ${p}`).join(" · ") || "preparing…"}
            <button className="small-btn" onClick={() => api.cancelPlan()}>cancel</button>
          </span>
        )}
        {plan && !planRunning && (
          <span className={`plan-summary status-${plan.status}`} data-testid="plan-status" data-status={plan.status}>
            {plan.status === "succeeded"
              ? Object.entries(counts).filter(([a]) => a !== "no-op").map(([a, n]) => `${n} ${a}`).join(" · ") || "no changes"
              : plan.error?.summary ?? plan.status}
            <button className="icon-btn" title="clear the plan colours" onClick={() => setPlan(null)}>×</button>
          </span>
        )}
        <div className="spacer" />
        <button className="small-btn" disabled={!undo.length} onClick={doUndo} title="Undo (Ctrl+Z)" data-testid="undo">↶</button>
        <button className="small-btn" disabled={!redo.length} onClick={doRedo} title="Redo (Ctrl+Shift+Z)">↷</button>
        <label className="toggle"><input type="checkbox" checked={rolesShown} onChange={(e) => setShowRoles(e.target.checked)} /> IAM roles</label>
        <button className="small-btn" onClick={() => { positions.current = {}; void api.positions({}, true); setSnapshot((s) => (s ? { ...s, positions: {} } : s)); requestAnimationFrame(() => flow.fitView({ padding: 0.15 })); }} title="Automatic layout (forget dragged positions)">Auto-arrange</button>
        <TemplatesMenu api={api} onToast={showToast} project={String(snapshot.data?.project ?? "project")} />
        <button className={`small-btn ${yamlOpen ? "on" : ""}`} data-testid="yaml-toggle" onClick={() => setYamlOpen((o) => !o)}>YAML</button>
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
      <main className="stage" onDragOver={(e) => { e.preventDefault(); e.dataTransfer.dropEffect = "copy"; }} onDrop={onDrop} data-testid="stage">
        <ReactFlow
          nodes={nodes}
          edges={edges}
          nodeTypes={nodeTypes}
          onNodesChange={onNodesChange}
          onNodeDragStop={onNodeDragStop}
          onConnect={onConnect}
          onNodeClick={(_, n) => setSelection({ type: "node", id: n.id })}
          onEdgeClick={(_, e) => setSelection({ type: "edge", id: e.id })}
          onPaneClick={() => setSelection(null)}
          deleteKeyCode={null}
          minZoom={0.05}
          maxZoom={2}
          onlyRenderVisibleElements={graph.nodes.length > 150}
          proOptions={{ hideAttribution: true }}
          colorMode="dark"
        >
          <Background gap={22} size={1} color="#243049" />
          <Controls showInteractive={false} />
          <MiniMap pannable zoomable nodeColor={(n) => MINIMAP_COLOR[(n.data as CanvasNodeData).g.kind]} maskColor="rgba(10,13,22,0.7)" style={{ background: "#111726" }} />
        </ReactFlow>
        {graph.nodes.length === 0 && <div className="empty-hint">Drag an agent from the left to start.</div>}
      </main>
      {selectedNode && (
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
          <CodeEditor
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
        </section>
      )}
      <ProblemsList problems={snapshot.problems} open={problemsOpen} onToggle={() => setProblemsOpen((o) => !o)} onPick={pickProblem} />
      <CostPanel
        cost={snapshot.derived?.cost}
        environment={snapshot.environment}
        open={costOpen}
        onToggle={() => setCostOpen((o) => !o)}
        onPick={(id) => setSelection({ type: "node", id })}
      />
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
            <DiffView left={conflict.mine} right={conflict.theirs} />
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

const MINIMAP_COLOR: Record<NodeKind, string> = {
  agent: "#8b7bff",
  dynamodb: "#4f8cff",
  s3: "#3fbf7f",
  sqs: "#f59f3a",
  sns: "#e85aad",
  api: "#f2c94c",
  role: "#6b7690",
  dlq: "#d9534f",
  vpc: "#3fb6a8",
};

function TemplatesMenu({ api, onToast, project }: { api: Api; onToast: (t: string) => void; project: string }) {
  const [open, setOpen] = useState(false);
  const [list, setList] = useState<{ id: string; title: string; description: string; builtin: boolean; name: string }[]>([]);
  useEffect(() => {
    if (open) api.templates().then((r) => setList(r.templates)).catch(() => undefined);
  }, [open, api]);
  return (
    <div className="menu">
      <button className="small-btn" onClick={() => setOpen((o) => !o)} data-testid="templates-menu">Templates ▾</button>
      {open && (
        <div className="menu-pop">
          <button onClick={async () => {
            const name = window.prompt("Save this project as a custom template named:", project);
            if (!name) return;
            try { await api.saveTemplate(name, `saved from ${project}`); onToast(`saved template '${name}'`); } catch (e) { onToast(String((e as Error).message)); }
          }}>Save as template…</button>
          <button onClick={async () => {
            const text = await api.exportTemplate(project);
            const url = URL.createObjectURL(new Blob([text], { type: "application/x-yaml" }));
            const a = document.createElement("a");
            a.href = url;
            a.download = `${project}.strands-template.yaml`;
            a.click();
            URL.revokeObjectURL(url);
          }}>Export template file</button>
          <label className="file-btn">Import template file…<input type="file" accept=".yaml,.yml" onChange={async (e) => {
            const file = e.target.files?.[0];
            if (!file) return;
            try { await api.importTemplate(await file.text()); onToast("template imported"); } catch (err) { onToast(String((err as Error).message)); }
          }} /></label>
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
      <p className="muted">This directory has no strands.yaml. Start from a template:</p>
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
