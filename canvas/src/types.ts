// Shapes of the canvas server's JSON API (strands_tf/canvas/snapshot.py, plan.py).

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type PathPart = string | number;
export type DocPath = PathPart[];

export interface Problem {
  severity: "error" | "warning";
  file: string | null;
  line: number | null;
  column: number | null;
  path: string;
  message: string;
  hint: string | null;
}

export interface Statement {
  sid: string;
  effect: string;
  actions: string[];
  resources: string[];
}

export interface Derived {
  environment: string;
  target: string;
  region: string;
  roles: { id: string; name: string; agents: string[]; statements: Statement[] }[];
  dlqs: { id: string; owner: string; name: string }[];
  vpc: {
    environment: string;
    created: boolean;
    name: string | null;
    cidr: string | null;
    ipam_pool_id: string | null;
    nat: string;
    availability_zones: number;
    endpoints: string[];
    agents: string[];
  } | null;
  api: { name: string; authorization: string; routes: Record<string, string> } | null;
  names: Record<string, string>;
  cost?: CostSummary | null;
}

// The monthly estimate of the chosen environment (strands_tf/canvas/snapshot.py canvas_cost).
export interface CostSummary {
  currency: string;
  prices: string;
  monthly_total: number;
  by_service: Record<string, number>;
  by_node: Record<string, number>;
  services_by_node: Record<string, Record<string, number>>;
  unpriced: string[];
  warnings: string[];
}

export interface Snapshot {
  version: number;
  revision: string;
  exists: boolean;
  /** files whose YAML does not parse (the graph shown is then the last one that did) */
  unreadable?: string[];
  files: Record<string, { text: string; revision: string }>;
  data: Record<string, any>;
  origins: Record<string, string>;
  locations: Record<string, [string, number | null]>;
  problems: Problem[];
  valid: boolean;
  environments: string[];
  environment: string;
  derived: Derived | null;
  positions: Record<string, { x: number; y: number }>;
}

export interface PlanNodeResult {
  action: string;
  changes: { address: string; action: string; stack: string; reason: string | null; changed_attributes: string[] | null }[];
}

export interface PlanJob {
  id: number;
  environment: string;
  status: "running" | "succeeded" | "failed" | "cancelled";
  started: number;
  finished: number | null;
  duration: number | null;
  phases: Record<string, string>;
  drift?: Record<string, { address: string; action: string; stack: string }[]>;
  result: {
    environment: string;
    has_changes: boolean;
    stacks: Record<string, any>;
    deferred: Record<string, string[]>;
    deferred_nodes?: Record<string, string>; // node → its stack, planned after the stacks it reads are applied
    warnings: string[];
    nodes: Record<string, PlanNodeResult>;
    edges?: Record<string, string>;
    gone?: Record<string, PlanNodeResult & { kind: string; name: string }>;
  } | null;
  error: {
    category: string;
    summary: string;
    detail: string | null;
    hint: string | null;
    stack?: string | null;
    nodes: Record<string, string[]>;
    diagnostics?: { summary: string; detail: string | null; address: string | null; location: string | null; node: string | null; candidates: string[] }[];
    issues?: Problem[];
  } | null;
}

export type Op =
  | { op: "set"; path: DocPath; value: Json }
  | { op: "delete"; path: DocPath }
  | { op: "append"; path: DocPath; value: Json }
  | { op: "add_agent"; name: string; kind?: "http" | "queue"; settings?: Record<string, Json> }
  | { op: "add_resource"; name: string; type: ResourceType; settings?: Record<string, Json> }
  | { op: "rename"; kind: "agent" | "resource" | "environment"; name: string; new_name: string }
  | { op: "remove"; kind: "agent" | "resource" | "environment"; name: string };

export type ResourceType = "s3" | "dynamodb" | "sqs" | "sns";
