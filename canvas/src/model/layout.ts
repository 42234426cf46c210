// Automatic layout: callers → agents → what they use, left to right; positions the user dragged win.
//
// dagre orders the nodes in layers (ranks) so edges cross as little as possible. A layer with many nodes (50
// agents) would become one column far taller than the screen, so large layers are wrapped into a grid of
// sub-columns, nodes grouped by kind, with one row count for the whole graph chosen to fit a wide screen.
// Nodes that appear later (a new agent, its role) are placed next to what they connect to, never on top of
// another node.
import dagre from "@dagrejs/dagre";
import type { GNode, Graph, NodeKind } from "./graph";

export interface Point {
  x: number;
  y: number;
}

export interface Size {
  width: number;
  height: number;
}

export const NODE_SIZE: Record<NodeKind, Size> = {
  agent: { width: 260, height: 96 },
  s3: { width: 230, height: 80 },
  dynamodb: { width: 230, height: 80 },
  sqs: { width: 230, height: 80 },
  sns: { width: 230, height: 80 },
  api: { width: 240, height: 80 },
  role: { width: 230, height: 72 },
  dlq: { width: 220, height: 72 },
  vpc: { width: 240, height: 80 },
  gone: { width: 230, height: 72 },
};

/** Cards in a large graph: one line of name and kind, so fifty agents fit a screen. */
export const COMPACT_SIZE: Size = { width: 210, height: 50 };

/** Whether a graph is drawn with compact cards. */
export function isCompact(graph: Pick<Graph, "nodes">): boolean {
  return graph.nodes.length > 40;
}

export function nodeSize(kind: NodeKind, compact: boolean): Size {
  return compact ? COMPACT_SIZE : NODE_SIZE[kind];
}

// the order of kinds inside a wrapped layer: what is read, then written, then notified
const KIND_ORDER: NodeKind[] = ["api", "vpc", "role", "agent", "dynamodb", "s3", "sqs", "sns", "dlq", "gone"];
const RANK_GAP = 150; // room for the edges between layers
const COLUMN_GAP = 36; // between the sub-columns of one wrapped layer
const ROW_GAP = 24;
const WRAP_ABOVE = 12; // layers up to this many nodes keep dagre's own placement
const SCREEN_RATIO = 1.7; // the width/height a wrapped layout aims for

interface Placed extends Point, Size {}

/** Top-left positions of every node: saved ones as they are, the others laid out (see above). */
export function layoutGraph(graph: Graph, saved: Record<string, Point> = {}): Record<string, Point> {
  const out: Record<string, Point> = {};
  for (const node of graph.nodes) if (saved[node.id]) out[node.id] = { ...saved[node.id] };
  const missing = graph.nodes.filter((n) => !saved[n.id]);
  if (!missing.length) return out;
  const compact = isCompact(graph);
  if (missing.length === graph.nodes.length) return { ...out, ...freshLayout(graph, compact) };
  return { ...out, ...placeNew(graph, missing, out, compact) };
}

function dagreLayout(graph: Graph, compact: boolean): Map<string, Placed> {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: ROW_GAP, ranksep: RANK_GAP, edgesep: 12, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { ...nodeSize(node.kind, compact) });
  for (const edge of graph.edges) {
    // permission edges between agents would pull callers and callees into one rank: keep them weaker
    const weight = edge.kind === "permission" ? 2 : edge.kind === "role" || edge.kind === "vpc" ? 1 : 3;
    g.setEdge(edge.source, edge.target, { weight, minlen: 1 }, edge.id);
  }
  dagre.layout(g);
  const placed = new Map<string, Placed>();
  for (const node of graph.nodes) {
    const p = g.node(node.id) as Placed | undefined;
    if (p) placed.set(node.id, { x: p.x - p.width / 2, y: p.y - p.height / 2, width: p.width, height: p.height });
  }
  return placed;
}

const DAGRE_UP_TO = 40; // nodes; dagre's crossing reduction costs about a second at 150 nodes

function freshLayout(graph: Graph, compact: boolean): Record<string, Point> {
  let ordered: GNode[][];
  if (graph.nodes.length <= DAGRE_UP_TO) {
    const placed = dagreLayout(graph, compact);
    // layers: dagre puts every node of a rank on one x (left to right)
    const layers = new Map<number, GNode[]>();
    for (const node of graph.nodes) {
      const p = placed.get(node.id);
      if (!p) continue;
      const key = Math.round(p.x + p.width / 2);
      layers.set(key, [...(layers.get(key) ?? []), node]);
    }
    ordered = [...layers.entries()].sort((a, b) => a[0] - b[0]).map(([, nodes]) => nodes);
    if (Math.max(...ordered.map((l) => l.length)) <= WRAP_ABOVE) {
      const out: Record<string, Point> = {};
      for (const [id, p] of placed) out[id] = { x: Math.round(p.x), y: Math.round(p.y) };
      return out;
    }
    for (const layer of ordered) {
      layer.sort((a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || placed.get(a.id)!.y - placed.get(b.id)!.y);
    }
  } else {
    ordered = layeredOrder(graph);
  }
  return arrange(ordered, compact);
}

/** Layers and their order for a large graph in linear time: longest-path layers, then barycenter sweeps. */
export function layeredOrder(graph: Graph): GNode[][] {
  const ids = graph.nodes.map((n) => n.id);
  const index = new Map(ids.map((id, i) => [id, i]));
  const succ: number[][] = ids.map(() => []);
  const pred: number[][] = ids.map(() => []);
  // drop the edges that close a cycle (agents invoking each other both ways), found by a depth-first walk
  const state = new Uint8Array(ids.length); // 0 new, 1 on the walk, 2 done
  const out: number[][] = ids.map(() => []);
  for (const e of graph.edges) {
    const a = index.get(e.source);
    const b = index.get(e.target);
    if (a !== undefined && b !== undefined && a !== b) out[a].push(b);
  }
  const topo: number[] = [];
  for (let start = 0; start < ids.length; start++) {
    if (state[start]) continue;
    const stack: [number, number][] = [[start, 0]];
    state[start] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1];
      const [v, i] = top;
      if (i < out[v].length) {
        top[1]++;
        const w = out[v][i];
        if (state[w] === 0) {
          state[w] = 1;
          stack.push([w, 0]);
          succ[v].push(w);
          pred[w].push(v);
        } else if (state[w] === 2) {
          succ[v].push(w);
          pred[w].push(v);
        } // state 1: a back edge, left out of the layering
      } else {
        state[v] = 2;
        topo.push(v);
        stack.pop();
      }
    }
  }
  topo.reverse();
  const layer = new Int32Array(ids.length);
  for (const v of topo) for (const w of succ[v]) layer[w] = Math.max(layer[w], layer[v] + 1);
  // sources move right, next to what they feed (an unused table stays with the resources, not on the left)
  for (const v of [...topo].reverse()) {
    if (pred[v].length === 0 && succ[v].length) layer[v] = Math.min(...succ[v].map((w) => layer[w])) - 1;
  }
  const kindLayer = new Map<NodeKind, number>();
  for (let v = 0; v < ids.length; v++) {
    if (pred[v].length || succ[v].length) kindLayer.set(graph.nodes[v].kind, Math.max(kindLayer.get(graph.nodes[v].kind) ?? 0, layer[v]));
  }
  const last = Math.max(0, ...layer);
  for (let v = 0; v < ids.length; v++) {
    if (pred[v].length || succ[v].length) continue;
    const kind = graph.nodes[v].kind;
    layer[v] = kindLayer.get(kind) ?? (kind === "agent" ? Math.min(1, last) : kind === "api" || kind === "role" || kind === "vpc" ? 0 : last);
  }
  const layers: number[][] = [];
  for (let v = 0; v < ids.length; v++) (layers[layer[v]] ??= []).push(v);
  const filled = layers.filter(Boolean);
  const position = new Float64Array(ids.length);
  const rank = (list: number[]) => list.forEach((v, i) => (position[v] = i));
  for (const list of filled) {
    list.sort((a, b) => KIND_ORDER.indexOf(graph.nodes[a].kind) - KIND_ORDER.indexOf(graph.nodes[b].kind) || ids[a].localeCompare(ids[b]));
    rank(list);
  }
  const kindOf = (v: number) => KIND_ORDER.indexOf(graph.nodes[v].kind);
  const sweep = (list: number[], neighbours: number[][]) => {
    const centre = (v: number) => (neighbours[v].length ? neighbours[v].reduce((sum, w) => sum + position[w], 0) / neighbours[v].length : position[v]);
    const keys = new Map(list.map((v) => [v, centre(v)]));
    list.sort((a, b) => kindOf(a) - kindOf(b) || keys.get(a)! - keys.get(b)! || position[a] - position[b]);
    rank(list);
  };
  for (let round = 0; round < 4; round++) {
    for (let i = 1; i < filled.length; i++) sweep(filled[i], pred);
    for (let i = filled.length - 2; i >= 0; i--) sweep(filled[i], succ);
  }
  return filled.map((list) => list.map((v) => graph.nodes[v]));
}

/** Positions of ordered layers: each layer a column, a large one wrapped into sub-columns (one row count for all). */
function arrange(ordered: GNode[][], compact: boolean): Record<string, Point> {
  const out: Record<string, Point> = {};
  const largest = Math.max(...ordered.map((l) => l.length));
  const size = (n: GNode) => nodeSize(n.kind, compact);
  const measure = (rows: number) => {
    let width = 0;
    let height = 0;
    for (const layer of ordered) {
      const columns = split(layer, rows);
      const columnWidth = Math.max(...layer.map((n) => size(n).width));
      width += columns.length * columnWidth + (columns.length - 1) * COLUMN_GAP;
      for (const column of columns) height = Math.max(height, column.reduce((h, n) => h + size(n).height + ROW_GAP, -ROW_GAP));
    }
    return { width: width + (ordered.length - 1) * RANK_GAP, height };
  };
  let rows = largest;
  if (largest > WRAP_ABOVE) {
    let best = Infinity;
    for (let candidate = 4; candidate <= largest; candidate++) {
      const { width, height } = measure(candidate);
      // fit the screen; among near ties, fewer sub-columns (a layer of 15 is not split 13 + 2)
      const columns = ordered.reduce((sum, layer) => sum + split(layer, candidate).length, 0);
      const score = Math.abs(Math.log(width / height / SCREEN_RATIO)) + 0.08 * columns;
      if (score < best - 1e-9) {
        best = score;
        rows = candidate;
      }
    }
  }
  const { height: total } = measure(rows);
  let x = 0;
  for (const layer of ordered) {
    const columns = split(layer, rows);
    const columnWidth = Math.max(...layer.map((n) => size(n).width));
    columns.forEach((column, c) => {
      const height = column.reduce((h, n) => h + size(n).height + ROW_GAP, -ROW_GAP);
      let y = Math.round((total - height) / 2);
      for (const node of column) {
        out[node.id] = { x: x + Math.round((columnWidth - size(node).width) / 2), y };
        y += size(node).height + ROW_GAP;
      }
      x += columnWidth + (c < columns.length - 1 ? COLUMN_GAP : 0);
    });
    x += RANK_GAP;
  }
  return out;
}

/** A layer cut into the fewest sub-columns of at most `rows` nodes, balanced (15 in rows of 13: 8 + 7). */
function split(layer: GNode[], rows: number): GNode[][] {
  const count = Math.ceil(layer.length / rows);
  const per = Math.ceil(layer.length / count);
  return Array.from({ length: count }, (_, c) => layer.slice(c * per, (c + 1) * per)).filter((column) => column.length);
}

/** Places nodes that are new to an arranged canvas: beside a neighbour already placed, never overlapping. */
function placeNew(graph: Graph, missing: GNode[], fixed: Record<string, Point>, compact: boolean): Record<string, Point> {
  const kinds = new Map(graph.nodes.map((n) => [n.id, n.kind]));
  const boxes: Placed[] = Object.entries(fixed).map(([id, p]) => ({ ...p, ...nodeSize(kinds.get(id) ?? "agent", compact) }));
  const out: Record<string, Point> = {};
  const right = Math.max(0, ...boxes.map((b) => b.x + b.width));
  for (const node of missing) {
    const size = nodeSize(node.kind, compact);
    let start: Point | null = null;
    for (const edge of graph.edges) {
      const other = edge.source === node.id ? edge.target : edge.target === node.id ? edge.source : null;
      const at = other ? fixed[other] ?? out[other] : undefined;
      if (!other || !at) continue;
      const otherSize = nodeSize(kinds.get(other) ?? "agent", compact);
      // what calls or feeds a node goes to its left, what it uses to its right
      start = edge.target === node.id ? { x: at.x + otherSize.width + RANK_GAP / 2, y: at.y } : { x: at.x - size.width - RANK_GAP / 2, y: at.y };
      break;
    }
    start ??= { x: right + RANK_GAP / 2, y: 0 }; // nothing to stand next to: right of everything
    const spot = freeSpot({ ...start, ...size }, boxes);
    out[node.id] = spot;
    boxes.push({ ...spot, ...size });
  }
  return out;
}

/** The nearest position at or below `box` (then above it) that overlaps no placed box. */
export function freeSpot(box: Placed, boxes: Placed[]): Point {
  const step = 16;
  const clear = (y: number) => !boxes.some((b) => overlapsBox({ ...box, y }, b, ROW_GAP / 2));
  for (let i = 0; i < 2000; i++) {
    for (const y of [box.y + i * step, box.y - i * step]) if (clear(y)) return { x: Math.round(box.x), y: Math.round(y) };
  }
  return { x: Math.round(box.x), y: Math.round(box.y) };
}

function overlapsBox(a: Placed, b: Placed, margin = 0): boolean {
  return a.x < b.x + b.width + margin && b.x < a.x + a.width + margin && a.y < b.y + b.height + margin && b.y < a.y + a.height + margin;
}

/** Whether two placed nodes overlap (used by tests and by the auto-arrange check). */
export function overlaps(a: Point & { kind: NodeKind }, b: Point & { kind: NodeKind }, compact = false): boolean {
  return overlapsBox({ ...a, ...nodeSize(a.kind, compact) }, { ...b, ...nodeSize(b.kind, compact) });
}
