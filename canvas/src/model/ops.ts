// What the user does on the graph → edit operations on strands.yaml (the server writes them). Pure, unit-tested.
import type { Json, Op, ResourceType } from "../types";
import { ACCESS_BY_KIND, DEFAULT_ACCESS, type GEdge, type GNode, targetKind } from "./graph";

const BASE_NAME: Record<string, string> = { agent: "agent", s3: "bucket", dynamodb: "table", sqs: "queue", sns: "topic" };

/** A free name for a new node of a kind (`table`, `table-2`, ...), unique among agents and resources. */
export function freshName(kind: string, taken: Iterable<string>): string {
  const used = new Set(taken);
  const base = BASE_NAME[kind] ?? kind;
  if (!used.has(base)) return base;
  for (let i = 2; ; i++) {
    if (!used.has(`${base}-${i}`)) return `${base}-${i}`;
  }
}

/** The operation that adds a node dropped from the palette. */
export function addNodeOp(kind: string, name: string): Op {
  if (kind === "agent") return { op: "add_agent", name, kind: "http" };
  return { op: "add_resource", name, type: kind as ResourceType };
}

export type ConnectResult = { ops: Op[]; select?: string } | { error: string };

/** Connecting two nodes: agent → resource/agent is a permission, queue → agent a trigger, API → agent a route. */
export function connectOps(source: GNode, target: GNode, data: Record<string, any>): ConnectResult {
  if (source.kind === "agent") {
    const kind = targetKind(target);
    if (kind === null) return { error: `an agent cannot be given access to a ${target.kind}` };
    if (target.id === source.id) return { error: "an agent cannot be given permissions on itself" };
    const agent = source.name;
    const perms: any[] = Array.isArray(data?.agents?.[agent]?.permissions) ? data.agents[agent].permissions : [];
    const existing = perms.findIndex((p) => p && p.resource === target.name);
    if (existing >= 0) return { ops: [], select: `perm:${agent}:${existing}` };
    const value: Json = { resource: target.name, access: DEFAULT_ACCESS[kind] };
    return { ops: [{ op: "append", path: ["agents", agent, "permissions"], value }], select: `perm:${agent}:${perms.length}` };
  }
  if (source.kind === "sqs" && target.kind === "agent") {
    const triggers: any[] = Array.isArray(data?.agents?.[target.name]?.triggers) ? data.agents[target.name].triggers : [];
    if (triggers.some((t) => t && t.queue === source.name)) return { error: `queue '${source.name}' already triggers '${target.name}'` };
    return {
      ops: [{ op: "append", path: ["agents", target.name, "triggers"], value: { queue: source.name } }],
      select: `trigger:${target.name}:${triggers.length}`,
    };
  }
  if (source.kind === "api" && target.kind === "agent") {
    const api = data?.agents?.[target.name]?.api;
    const route = `POST /${target.name}`;
    if (api && Array.isArray(api.routes)) {
      if (api.routes.includes(route)) return { ops: [], select: `route:${target.name}` };
      return { ops: [{ op: "append", path: ["agents", target.name, "api", "routes"], value: route }], select: `route:${target.name}` };
    }
    return { ops: [{ op: "set", path: ["agents", target.name, "api"], value: { routes: [route] } }], select: `route:${target.name}` };
  }
  if (target.kind === "agent" && targetKind(source) !== null) {
    return { error: "drag from the agent to what it uses (permissions go from the agent)" };
  }
  return { error: `${source.kind} → ${target.kind} is not a connection strands.yaml can express` };
}

/** Change a permission edge to an access template, or to explicit IAM actions. */
export function setAccessOps(edge: GEdge, choice: { access: string } | { actions: string[] }): Op[] {
  if (edge.kind !== "permission" || !edge.path) return [];
  const path = edge.path;
  if ("access" in choice) {
    return [
      { op: "set", path: [...path, "access"], value: choice.access },
      ...(edge.custom ? [{ op: "delete", path: [...path, "actions"] } as Op] : []),
    ];
  }
  if (!choice.actions.length) return [];
  return [
    { op: "set", path: [...path, "actions"], value: choice.actions },
    ...(!edge.custom ? [{ op: "delete", path: [...path, "access"] } as Op] : []),
  ];
}

/** The templates offered for a permission edge to a node kind. */
export function accessChoices(targetNodeKind: string): string[] {
  return ACCESS_BY_KIND[targetNodeKind === "agent" ? "agent" : targetNodeKind] ?? [];
}

/** Deleting a node or an edge. Derived (read-only) elements cannot be deleted. */
export function deleteOps(element: { node?: GNode; edge?: GEdge }): Op[] {
  const { node, edge } = element;
  if (node) {
    if (node.kind === "agent") return [{ op: "remove", kind: "agent", name: node.name }];
    if (["s3", "dynamodb", "sqs", "sns"].includes(node.kind)) return [{ op: "remove", kind: "resource", name: node.name }];
    if (node.kind === "vpc" && node.path) return [{ op: "delete", path: node.path }];
    return [];
  }
  if (edge && edge.path) {
    if (edge.kind === "route") return [{ op: "delete", path: edge.path.slice(0, -1) }]; // the agent's api block
    if (edge.kind === "permission" || edge.kind === "trigger") return [{ op: "delete", path: edge.path }];
  }
  return [];
}

/** Renaming an agent or resource (references follow on the server). */
export function renameOps(node: GNode, newName: string): Op[] {
  if (newName === node.name) return [];
  if (node.kind === "agent") return [{ op: "rename", kind: "agent", name: node.name, new_name: newName }];
  if (["s3", "dynamodb", "sqs", "sns"].includes(node.kind)) return [{ op: "rename", kind: "resource", name: node.name, new_name: newName }];
  return [];
}

/** A field of the properties form: set, or delete when emptied (back to the default). */
export function fieldOps(path: (string | number)[], value: Json | undefined): Op[] {
  if (value === undefined || value === "") return [{ op: "delete", path }];
  return [{ op: "set", path, value }];
}
