// strands.yaml (the merged document of a snapshot) → the graph the canvas draws. Pure functions, unit-tested.
import type { Derived, DocPath, Problem, Snapshot } from "../types";

export type ResourceKind = "s3" | "dynamodb" | "sqs" | "sns";
export type NodeKind = "agent" | ResourceKind | "api" | "role" | "dlq" | "vpc" | "gone";
export type EdgeKind = "permission" | "trigger" | "route" | "role" | "dlq" | "vpc";

// Which access templates apply to which target (strands_tf/config/models.py ACCESS_BY_KIND; the loader judges).
export const ACCESS_BY_KIND: Record<string, string[]> = {
  s3: ["read", "write", "read_write"],
  dynamodb: ["read", "write", "read_write"],
  sqs: ["consume", "publish", "read_write"],
  sns: ["publish"],
  agent: ["invoke"],
};

// The template a new connection starts with (the least privilege that is useful).
export const DEFAULT_ACCESS: Record<string, string> = {
  s3: "read",
  dynamodb: "read",
  sqs: "publish",
  sns: "publish",
  agent: "invoke",
};

export const KIND_LABEL: Record<NodeKind, string> = {
  agent: "Agent",
  s3: "S3 bucket",
  dynamodb: "DynamoDB table",
  sqs: "SQS queue",
  sns: "SNS topic",
  api: "HTTP API",
  role: "IAM role",
  dlq: "Dead-letter queue",
  vpc: "VPC",
  gone: "Removed",
};

export interface GNode {
  id: string;
  kind: NodeKind;
  name: string;
  fullName: string | null; // a derived node's AWS name, when `name` is its short form
  subtitle: string;
  details: string[];
  badges: string[];
  path: DocPath | null; // where it is in the merged document (null: derived, read-only)
  readOnly: boolean;
  file: string | null;
  line: number | null;
}

export interface GEdge {
  id: string;
  kind: EdgeKind;
  source: string;
  target: string;
  label: string;
  access?: string;
  custom?: boolean;
  path: DocPath | null;
  file: string | null;
  line: number | null;
}

export interface Graph {
  nodes: GNode[];
  edges: GEdge[];
}

export interface GraphOptions {
  showRoles: boolean;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function entries(value: unknown): [string, any][] {
  return isObject(value) ? Object.entries(value) : [];
}

export function nodeId(kind: "agent" | "resource", name: string): string {
  return `${kind}:${name}`;
}

function shortModel(model: unknown): string | null {
  if (typeof model !== "string") return null;
  const last = model.split(".").slice(-1)[0] ?? model;
  return last.replace(/-\d{8}-v\d+:\d+$/, "");
}

function resourceDetails(kind: string, body: Record<string, any>): string[] {
  switch (kind) {
    case "dynamodb":
      return [`key ${body.hash_key ?? "?"}${body.range_key ? ` + ${body.range_key}` : ""}`, body.billing_mode === "provisioned" ? "provisioned" : "on demand"];
    case "sqs":
      return [body.fifo ? "FIFO" : "standard", `visibility ${body.visibility_timeout ?? 30}s`];
    case "s3":
      return [body.versioning === false ? "unversioned" : "versioned", body.kms_key ? "KMS" : "SSE-S3"];
    case "sns":
      return [body.fifo ? "FIFO" : "standard"];
    default:
      return [];
  }
}

/** A derived resource's name without the `<project>-<environment>-` every name of the project starts with. */
export function shortName(full: string | null | undefined, project: string, environment: string): string | null {
  if (!full) return null;
  const prefix = `${project}-${environment}`;
  if (full === prefix) return null;
  return full.startsWith(`${prefix}-`) ? full.slice(prefix.length + 1) : full;
}

/** The canvas graph of a snapshot: agents, resources, the API, derived roles, DLQs and the VPC, with their edges. */
export function buildGraph(snapshot: Pick<Snapshot, "data" | "derived" | "locations">, options: GraphOptions = { showRoles: true }): Graph {
  const data = snapshot.data ?? {};
  const derived: Derived | null = snapshot.derived;
  const where = (id: string): [string | null, number | null] => {
    const loc = snapshot.locations?.[id];
    return loc ? [loc[0], loc[1]] : [null, null];
  };
  const nodes: GNode[] = [];
  const edges: GEdge[] = [];
  const agents = entries(data.agents);
  const resources = entries(data.resources);
  const resourceKind = new Map<string, string>();
  for (const [name, body] of resources) resourceKind.set(name, isObject(body) ? String(body.type ?? "") : "");
  const agentNames = new Set(agents.map(([name]) => name));
  const project = String(data.project ?? "");
  const short = (full: string | null | undefined, fallback: string) => shortName(full, project, derived?.environment ?? "") ?? fallback;

  for (const [name, raw] of agents) {
    const body = isObject(raw) ? raw : {};
    const id = nodeId("agent", name);
    const [file, line] = where(id);
    const badges: string[] = [];
    if (isObject(body.api)) badges.push("api");
    if (Array.isArray(body.triggers) && body.triggers.length) badges.push("queue");
    if (body.vpc === true) badges.push("vpc");
    if (body.dead_letter) badges.push("dlq");
    const details = [body.runtime, body.memory ? `${body.memory} MB` : null, shortModel(body.model)].filter(Boolean) as string[];
    nodes.push({ id, kind: "agent", name, fullName: null, subtitle: body.description || "Strands agent", details, badges, path: ["agents", name], readOnly: false, file, line });
  }
  for (const [name, raw] of resources) {
    const body = isObject(raw) ? raw : {};
    const kind = (["s3", "dynamodb", "sqs", "sns"].includes(body.type) ? body.type : "sqs") as ResourceKind;
    const id = nodeId("resource", name);
    const [file, line] = where(id);
    const badges = body.dead_letter === true && kind === "sqs" ? ["dlq"] : [];
    nodes.push({ id, kind, name, fullName: null, subtitle: KIND_LABEL[kind], details: resourceDetails(kind, body), badges, path: ["resources", name], readOnly: false, file, line });
  }

  // permissions, triggers and routes
  const routesByAgent = new Map<string, { route: string; index: number }[]>();
  for (const [name, raw] of agents) {
    const body = isObject(raw) ? raw : {};
    const source = nodeId("agent", name);
    (Array.isArray(body.permissions) ? body.permissions : []).forEach((perm: any, index: number) => {
      if (!isObject(perm) || typeof perm.resource !== "string") return;
      const targetKind = resourceKind.get(perm.resource) ?? (agentNames.has(perm.resource) ? "agent" : null);
      if (targetKind === null) return;
      const target = targetKind === "agent" ? nodeId("agent", perm.resource) : nodeId("resource", perm.resource);
      const id = `perm:${name}:${index}`;
      const [file, line] = where(id);
      const custom = Array.isArray(perm.actions);
      const access = custom ? "actions" : String(perm.access ?? "");
      const label = custom ? `${perm.actions.length} action${perm.actions.length === 1 ? "" : "s"}` : access;
      edges.push({ id, kind: "permission", source, target, label, access, custom, path: ["agents", name, "permissions", index], file, line });
    });
    (Array.isArray(body.triggers) ? body.triggers : []).forEach((trigger: any, index: number) => {
      if (!isObject(trigger) || typeof trigger.queue !== "string" || !resourceKind.has(trigger.queue)) return;
      const id = `trigger:${name}:${index}`;
      const [file, line] = where(id);
      const label = `triggers · batch ${trigger.batch_size ?? 10}`;
      edges.push({ id, kind: "trigger", source: nodeId("resource", trigger.queue), target: source, label, path: ["agents", name, "triggers", index], file, line });
    });
    if (isObject(body.api) && Array.isArray(body.api.routes)) {
      routesByAgent.set(
        name,
        body.api.routes.map((route: unknown, index: number) => ({ route: String(route), index })),
      );
    }
  }
  if (routesByAgent.size) {
    const allRoutes = [...routesByAgent.values()].flat();
    const auth = derived?.api?.authorization ?? null;
    nodes.push({
      id: "api",
      kind: "api",
      name: short(derived?.api?.name, derived?.api?.name ?? "HTTP API"),
      fullName: derived?.api?.name ?? null,
      subtitle: "API Gateway v2",
      details: [`${allRoutes.length} route${allRoutes.length === 1 ? "" : "s"}`, auth ? `auth ${auth}` : ""].filter(Boolean),
      badges: [],
      path: null,
      readOnly: true,
      file: null,
      line: null,
    });
    for (const [agent, routes] of routesByAgent) {
      const id = `route:${agent}`;
      const [file, line] = where(`route:${agent}:0`);
      edges.push({ id, kind: "route", source: "api", target: nodeId("agent", agent), label: routes.map((r) => r.route).join(", "), path: ["agents", agent, "api", "routes"], file, line });
    }
  }

  if (derived) {
    if (options.showRoles) {
      for (const role of derived.roles) {
        const id = `role:${role.id}`;
        nodes.push({ id, kind: "role", name: short(role.name, "execution role"), fullName: role.name, subtitle: role.agents.length > 1 ? `shared by ${role.agents.length} agents` : "execution role", details: [`${role.statements.length} statements`], badges: [], path: null, readOnly: true, file: null, line: null });
        for (const agent of role.agents) {
          edges.push({ id: `role:${role.id}:${agent}`, kind: "role", source: id, target: nodeId("agent", agent), label: "", path: null, file: null, line: null });
        }
      }
    }
    for (const dlq of derived.dlqs) {
      const id = `dlq:${dlq.id}`;
      nodes.push({ id, kind: "dlq", name: short(dlq.name, "dead-letter queue"), fullName: dlq.name, subtitle: dlq.owner.startsWith("agent:") ? "failed invocations" : "poison messages", details: [], badges: [], path: null, readOnly: true, file: null, line: null });
      edges.push({ id: `dlq:${dlq.id}`, kind: "dlq", source: dlq.owner, target: id, label: "", path: null, file: null, line: null });
    }
    if (derived.vpc) {
      const vpc = derived.vpc;
      const id = `vpc:${vpc.environment}`;
      const [file, line] = where(id);
      nodes.push({
        id,
        kind: "vpc",
        name: short(vpc.name, "VPC") ?? `${vpc.environment} VPC`,
        fullName: vpc.name,
        subtitle: vpc.created ? `VPC of ${vpc.environment}` : `not created: no agent has vpc: true`,
        details: [vpc.cidr ?? `IPAM ${vpc.ipam_pool_id}`, `NAT ${vpc.nat}`, `${vpc.availability_zones} AZs`],
        badges: [],
        path: ["environments", vpc.environment, "vpc"],
        readOnly: false,
        file,
        line,
      });
      for (const agent of vpc.agents) {
        edges.push({ id: `vpc:${vpc.environment}:${agent}`, kind: "vpc", source: id, target: nodeId("agent", agent), label: "", path: null, file: null, line: null });
      }
    }
  }
  const ids = new Set(nodes.map((n) => n.id));
  return { nodes, edges: edges.filter((e) => ids.has(e.source) && ids.has(e.target)) };
}

/** The node or edge a loader problem belongs to (`agents.x.permissions[0].resource` → `perm:x:0`). */
export function problemTarget(problem: Pick<Problem, "path">): string | null {
  const path = problem.path ?? "";
  let m = /^agents\.([^.[\]]+)\.permissions\[(\d+)\]/.exec(path);
  if (m) return `perm:${m[1]}:${m[2]}`;
  m = /^agents\.([^.[\]]+)\.triggers\[(\d+)\]/.exec(path);
  if (m) return `trigger:${m[1]}:${m[2]}`;
  m = /^agents\.([^.[\]]+)\.api\.routes/.exec(path);
  if (m) return `route:${m[1]}`;
  m = /^agents\.([^.[\]]+)/.exec(path);
  if (m) return `agent:${m[1]}`;
  m = /^resources\.([^.[\]]+)/.exec(path);
  if (m) return `resource:${m[1]}`;
  m = /^environments\.([^.[\]]+)\.vpc/.exec(path);
  if (m) return `vpc:${m[1]}`;
  return null;
}

/** Problems grouped by the element they belong to. */
export function problemsByTarget(problems: Problem[]): Map<string, Problem[]> {
  const out = new Map<string, Problem[]>();
  for (const problem of problems) {
    const target = problemTarget(problem);
    if (!target) continue;
    const list = out.get(target) ?? [];
    list.push(problem);
    out.set(target, list);
  }
  return out;
}

/** The kind of target a node is for permissions ("agent" or a resource type), or null if it cannot be one. */
export function targetKind(node: Pick<GNode, "kind">): string | null {
  if (node.kind === "agent") return "agent";
  if (["s3", "dynamodb", "sqs", "sns"].includes(node.kind)) return node.kind;
  return null;
}

/** Nodes for what a plan deletes because it left strands.yaml (a removed agent, table...), drawn as ghosts. */
export function withGhosts(graph: Graph, gone: Record<string, { kind: string; name: string }> | null | undefined): Graph {
  if (!gone || !Object.keys(gone).length) return graph;
  const ghosts: GNode[] = Object.entries(gone).map(([id, g]) => ({
    id,
    kind: "gone",
    name: g.name,
    fullName: null,
    subtitle: `${KIND_LABEL[(g.kind in KIND_LABEL ? g.kind : "gone") as NodeKind]} no longer in strands.yaml`,
    details: [],
    badges: [],
    path: null,
    readOnly: true,
    file: null,
    line: null,
  }));
  return { nodes: [...graph.nodes, ...ghosts], edges: graph.edges };
}
