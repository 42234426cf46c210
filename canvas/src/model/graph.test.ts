import { describe, expect, it } from "vitest";
import { buildGraph, problemTarget, shortName, withGhosts } from "./graph";
import { accessChoices, connectOps, deleteOps, freshName, renameOps, setAccessOps } from "./ops";

const data = {
  version: 1,
  project: "demo",
  agents: {
    triage: {
      path: "agents/triage",
      triggers: [{ queue: "inbound", batch_size: 5 }],
      permissions: [
        { resource: "tickets", access: "write" },
        { resource: "alerts", actions: ["sns:Publish"] },
        { resource: "ghost", access: "read" },
      ],
      api: { routes: ["POST /triage", "GET /health"] },
    },
    helper: { path: "agents/helper" },
  },
  resources: { inbound: { type: "sqs" }, tickets: { type: "dynamodb", hash_key: "id" }, alerts: { type: "sns" } },
};
const derived = {
  environment: "dev", target: "aws", region: "us-east-1",
  roles: [{ id: "role_triage", name: "demo-dev-triage", agents: ["triage"], statements: [] }],
  dlqs: [{ id: "queue_inbound_dlq", owner: "resource:inbound", name: "demo-dev-inbound-dlq" }],
  vpc: null, api: { name: "demo-dev", authorization: "AWS_IAM", routes: {} }, names: {},
};
const snapshot = { data, derived, locations: { "agent:triage": ["strands.yaml", 4] as [string, number] } };

describe("buildGraph", () => {
  const graph = buildGraph(snapshot as any, { showRoles: true });
  const ids = graph.nodes.map((n) => n.id).sort();
  it("draws one node per agent, resource, the API, derived roles and DLQs", () => {
    expect(ids).toEqual(["agent:helper", "agent:triage", "api", "dlq:queue_inbound_dlq", "resource:alerts", "resource:inbound", "resource:tickets", "role:role_triage"]);
    expect(graph.nodes.find((n) => n.id === "agent:triage")?.line).toBe(4);
    expect(graph.nodes.find((n) => n.id === "role:role_triage")?.readOnly).toBe(true);
  });
  it("maps permissions (with access), triggers and routes to edges; dangling references draw nothing", () => {
    const edges = Object.fromEntries(graph.edges.map((e) => [e.id, e]));
    expect(edges["perm:triage:0"]).toMatchObject({ source: "agent:triage", target: "resource:tickets", access: "write", path: ["agents", "triage", "permissions", 0] });
    expect(edges["perm:triage:1"]).toMatchObject({ custom: true, label: "1 action" });
    expect(edges["perm:triage:2"]).toBeUndefined();
    expect(edges["trigger:triage:0"]).toMatchObject({ source: "resource:inbound", target: "agent:triage", label: "triggers · batch 5" });
    expect(edges["route:triage"]).toMatchObject({ source: "api", label: "POST /triage, GET /health" });
    expect(edges["dlq:queue_inbound_dlq"]).toMatchObject({ source: "resource:inbound" });
  });
  it("hides roles when asked and tolerates a broken document", () => {
    expect(buildGraph(snapshot as any, { showRoles: false }).nodes.some((n) => n.kind === "role")).toBe(false);
    const broken = buildGraph({ data: { agents: ["not", "a", "map"], resources: null }, derived: null, locations: {} } as any);
    expect(broken.nodes).toEqual([]);
  });
});

describe("problems on the graph", () => {
  it("finds the element a loader problem belongs to", () => {
    expect(problemTarget({ path: "agents.triage.permissions[2].resource" })).toBe("perm:triage:2");
    expect(problemTarget({ path: "agents.triage.triggers[0].queue" })).toBe("trigger:triage:0");
    expect(problemTarget({ path: "agents.triage.api.routes[1]" })).toBe("route:triage");
    expect(problemTarget({ path: "agents.triage.memory" })).toBe("agent:triage");
    expect(problemTarget({ path: "resources.tickets.hash_key" })).toBe("resource:tickets");
    expect(problemTarget({ path: "environments.prod.vpc.cidr" })).toBe("vpc:prod");
    expect(problemTarget({ path: "project" })).toBeNull();
  });
});

describe("graph actions → strands.yaml operations", () => {
  const graph = buildGraph(snapshot as any);
  const node = (id: string) => graph.nodes.find((n) => n.id === id)!;
  it("connecting an agent to a table appends a permission with the least template", () => {
    expect(connectOps(node("agent:helper"), node("resource:tickets"), data)).toEqual({
      ops: [{ op: "append", path: ["agents", "helper", "permissions"], value: { resource: "tickets", access: "read" } }],
      select: "perm:helper:0",
    });
  });
  it("an existing permission is selected, not duplicated", () => {
    expect(connectOps(node("agent:triage"), node("resource:tickets"), data)).toEqual({ ops: [], select: "perm:triage:0" });
  });
  it("a queue to an agent is a trigger, the API to an agent a route; nonsense is refused", () => {
    expect(connectOps(node("resource:inbound"), node("agent:helper"), data)).toMatchObject({ ops: [{ op: "append", path: ["agents", "helper", "triggers"], value: { queue: "inbound" } }] });
    expect(connectOps(node("api"), node("agent:helper"), data)).toMatchObject({ ops: [{ op: "set", path: ["agents", "helper", "api"], value: { routes: ["POST /helper"] } }] });
    expect(connectOps(node("resource:tickets"), node("agent:helper"), data)).toHaveProperty("error");
    expect(connectOps(node("agent:helper"), node("agent:helper"), data)).toHaveProperty("error");
  });
  it("changes access between templates and explicit actions", () => {
    const edge = graph.edges.find((e) => e.id === "perm:triage:0")!;
    expect(setAccessOps(edge, { access: "read_write" })).toEqual([{ op: "set", path: ["agents", "triage", "permissions", 0, "access"], value: "read_write" }]);
    expect(setAccessOps(edge, { actions: ["dynamodb:GetItem"] })).toEqual([
      { op: "set", path: ["agents", "triage", "permissions", 0, "actions"], value: ["dynamodb:GetItem"] },
      { op: "delete", path: ["agents", "triage", "permissions", 0, "access"] },
    ]);
    const custom = graph.edges.find((e) => e.id === "perm:triage:1")!;
    expect(setAccessOps(custom, { access: "publish" })[1]).toEqual({ op: "delete", path: ["agents", "triage", "permissions", 1, "actions"] });
    expect(accessChoices("sqs")).toEqual(["consume", "publish", "read_write"]);
  });
  it("deletes and renames through semantic operations (references follow on the server)", () => {
    expect(deleteOps({ node: node("resource:tickets") })).toEqual([{ op: "remove", kind: "resource", name: "tickets" }]);
    expect(deleteOps({ node: node("role:role_triage") })).toEqual([]);
    expect(deleteOps({ edge: graph.edges.find((e) => e.id === "route:triage") })).toEqual([{ op: "delete", path: ["agents", "triage", "api"] }]);
    expect(renameOps(node("agent:helper"), "aide")).toEqual([{ op: "rename", kind: "agent", name: "helper", new_name: "aide" }]);
  });
  it("gives new nodes free names", () => {
    expect(freshName("dynamodb", ["table", "table-2"])).toBe("table-3");
    expect(freshName("agent", ["helper"])).toBe("agent");
  });
});

describe("derived names and plan ghosts", () => {
  it("shortens derived names to what follows <project>-<environment>-", () => {
    expect(shortName("shop-dev-triage-dlq", "shop", "dev")).toBe("triage-dlq");
    expect(shortName("shop-dev", "shop", "dev")).toBeNull();
    expect(shortName("other-name", "shop", "dev")).toBe("other-name");
  });
  it("adds a read-only ghost node for each module a plan deletes", () => {
    const graph = withGhosts({ nodes: [], edges: [] }, { "gone:agent_old": { kind: "agent", name: "old" } });
    expect(graph.nodes).toMatchObject([{ id: "gone:agent_old", kind: "gone", name: "old", readOnly: true }]);
    expect(graph.nodes[0].subtitle).toContain("Agent");
  });
});
