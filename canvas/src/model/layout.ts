// Automatic layout (dagre, left to right: callers → agents → what they use); positions the user dragged win.
import dagre from "@dagrejs/dagre";
import type { Graph, NodeKind } from "./graph";

export interface Point {
  x: number;
  y: number;
}

export const NODE_SIZE: Record<NodeKind, { width: number; height: number }> = {
  agent: { width: 250, height: 104 },
  s3: { width: 220, height: 84 },
  dynamodb: { width: 220, height: 84 },
  sqs: { width: 220, height: 84 },
  sns: { width: 220, height: 84 },
  api: { width: 230, height: 84 },
  role: { width: 230, height: 70 },
  dlq: { width: 210, height: 62 },
  vpc: { width: 230, height: 84 },
};

/** Top-left positions of every node: saved ones as they are, the others from a layered layout. */
export function layoutGraph(graph: Graph, saved: Record<string, Point> = {}): Record<string, Point> {
  const out: Record<string, Point> = {};
  const missing = graph.nodes.filter((n) => !saved[n.id]);
  for (const node of graph.nodes) if (saved[node.id]) out[node.id] = { ...saved[node.id] };
  if (!missing.length) return out;
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: "LR", nodesep: 28, ranksep: 130, edgesep: 16, marginx: 24, marginy: 24 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const node of graph.nodes) g.setNode(node.id, { ...NODE_SIZE[node.kind] });
  for (const edge of graph.edges) {
    // permission edges between agents would pull callers and callees into one rank: keep them weaker
    const weight = edge.kind === "permission" ? 2 : edge.kind === "role" || edge.kind === "vpc" ? 1 : 3;
    g.setEdge(edge.source, edge.target, { weight, minlen: 1 }, edge.id);
  }
  dagre.layout(g);
  for (const node of missing) {
    const placed = g.node(node.id) as { x: number; y: number; width: number; height: number } | undefined;
    if (!placed) continue;
    out[node.id] = { x: Math.round(placed.x - placed.width / 2), y: Math.round(placed.y - placed.height / 2) };
  }
  return out;
}

/** Whether two placed nodes overlap (used by tests and by the auto-arrange check). */
export function overlaps(a: Point & { kind: NodeKind }, b: Point & { kind: NodeKind }): boolean {
  const sa = NODE_SIZE[a.kind];
  const sb = NODE_SIZE[b.kind];
  return a.x < b.x + sb.width && b.x < a.x + sa.width && a.y < b.y + sb.height && b.y < a.y + sa.height;
}
