import { describe, expect, it } from "vitest";
import { buildGraph } from "./graph";
import { freeSpot, isCompact, layoutGraph, nodeSize, overlaps } from "./layout";
import { fieldsOf, parseFieldText, resolve, schemaFor } from "./schema";

function project(agents: number) {
  const data: any = { agents: {}, resources: {} };
  for (let i = 0; i < agents; i++) {
    data.resources[`table-${i}`] = { type: "dynamodb", hash_key: "id" };
    data.resources[`queue-${i}`] = { type: "sqs" };
    data.agents[`agent-${i}`] = { permissions: [{ resource: `table-${i}`, access: "read" }, { resource: `table-${(i + 1) % agents}`, access: "write" }], triggers: [{ queue: `queue-${i}` }] };
  }
  return buildGraph({ data, derived: null, locations: {} } as any);
}

function extent(graph: ReturnType<typeof project>, placed: Record<string, { x: number; y: number }>) {
  const compact = isCompact(graph);
  const xs = graph.nodes.flatMap((n) => [placed[n.id].x, placed[n.id].x + nodeSize(n.kind, compact).width]);
  const ys = graph.nodes.flatMap((n) => [placed[n.id].y, placed[n.id].y + nodeSize(n.kind, compact).height]);
  return { width: Math.max(...xs) - Math.min(...xs), height: Math.max(...ys) - Math.min(...ys) };
}

describe("layoutGraph", () => {
  it("places every node of a 50-agent project without overlaps, callers left of agents left of resources", () => {
    const graph = project(50);
    const placed = layoutGraph(graph);
    expect(Object.keys(placed).length).toBe(graph.nodes.length);
    const compact = isCompact(graph);
    const boxes = graph.nodes.map((n) => ({ ...placed[n.id], kind: n.kind }));
    for (let i = 0; i < boxes.length; i++) for (let j = i + 1; j < boxes.length; j++) expect(overlaps(boxes[i], boxes[j], compact)).toBe(false);
    expect(placed["resource:queue-3"].x).toBeLessThan(placed["agent:agent-3"].x);
    expect(placed["agent:agent-3"].x).toBeLessThan(placed["resource:table-3"].x);
  });
  it("wraps a layer of fifty agents into a grid that fits a wide screen, not one tall column", () => {
    const graph = project(50);
    const { width, height } = extent(graph, layoutGraph(graph));
    expect(width / height).toBeGreaterThan(1);
    expect(width / height).toBeLessThan(3);
    const agentColumns = new Set(graph.nodes.filter((n) => n.kind === "agent").map((n) => layoutGraph(graph)[n.id].x));
    expect(agentColumns.size).toBeGreaterThan(2);
  });
  it("keeps small projects as dagre lays them out (one column per layer)", () => {
    const graph = project(3);
    const placed = layoutGraph(graph);
    const agentXs = new Set(graph.nodes.filter((n) => n.kind === "agent").map((n) => placed[n.id].x));
    expect(agentXs.size).toBe(1);
  });
  it("puts a node added to an arranged canvas beside what it connects to, on no other node", () => {
    const before = project(3);
    const arranged = layoutGraph(before);
    const after = buildGraph({
      data: { ...before.nodes.reduce(() => ({}), {}), agents: { ...Object.fromEntries(before.nodes.filter((n) => n.kind === "agent").map((n) => [n.name, { permissions: [] }])), "agent-new": { permissions: [{ resource: "table-0", access: "read" }] } }, resources: { "table-0": { type: "dynamodb" } } },
      derived: null,
      locations: {},
    } as any);
    const saved = Object.fromEntries(Object.entries(arranged).filter(([id]) => after.nodes.some((n) => n.id === id)));
    const placed = layoutGraph(after, saved);
    const fresh = { ...placed["agent:agent-new"], kind: "agent" as const };
    for (const node of after.nodes) if (node.id !== "agent:agent-new") expect(overlaps(fresh, { ...placed[node.id], kind: node.kind })).toBe(false);
    expect(placed["agent:agent-new"].x).toBeLessThan(placed["resource:table-0"].x); // the caller to the left
  });
  it("finds a free spot for a card dropped on another", () => {
    const boxes = [{ x: 0, y: 0, width: 200, height: 80 }];
    const spot = freeSpot({ x: 10, y: 10, width: 200, height: 80 }, boxes);
    expect(spot.x).toBe(10);
    expect(spot.y >= 80 || spot.y + 80 <= 0).toBe(true);
  });
  it("keeps the positions the user dragged and is deterministic", () => {
    const graph = project(3);
    const first = layoutGraph(graph, { "agent:agent-1": { x: 999, y: -5 } });
    expect(first["agent:agent-1"]).toEqual({ x: 999, y: -5 });
    expect(layoutGraph(graph, { "agent:agent-1": { x: 999, y: -5 } })).toEqual(first);
  });
});

const schema = {
  $defs: {
    AgentConfig: {
      properties: {
        path: { type: "string", description: "code" },
        memory: { anyOf: [{ type: "integer", minimum: 128, maximum: 10240 }, { type: "null" }], default: null },
        runtime: { anyOf: [{ enum: ["python3.12", "python3.13"], type: "string" }, { type: "null" }] },
        tracing: { anyOf: [{ type: "boolean" }, { type: "null" }] },
        environment: { anyOf: [{ type: "object", additionalProperties: { type: ["string", "number"] } }, { type: "null" }] },
        dead_letter: { anyOf: [{ type: "boolean" }, { $ref: "#/$defs/DeadLetterConfig" }, { type: "null" }] },
        api: { anyOf: [{ $ref: "#/$defs/ApiConfig" }, { type: "null" }] },
        permissions: { type: "array", items: { $ref: "#/$defs/PermissionConfig" } },
      },
      required: ["path"],
    },
    DeadLetterConfig: { type: "object", properties: { enabled: { type: "boolean" } } },
    ApiConfig: { type: "object", properties: { routes: { type: "array", items: { type: "string" } } } },
    PermissionConfig: { type: "object", properties: { resource: { type: "string" } } },
  },
};

describe("properties form from the JSON Schema", () => {
  it("turns every model field into a widget (permissions are edited as edges)", () => {
    const fields = fieldsOf(schema, schemaFor(schema, "agent"), "agent");
    const widgets = Object.fromEntries(fields.map((f) => [f.key, f.widget]));
    expect(widgets).toEqual({ path: "text", memory: "number", runtime: "select", tracing: "bool", environment: "map", dead_letter: "yaml", api: "object" });
    expect(fields.find((f) => f.key === "path")?.required).toBe(true);
    expect(fields.find((f) => f.key === "memory")).toMatchObject({ minimum: 128, maximum: 10240, nullable: true });
    expect(fieldsOf(schema, resolve(schema, { $ref: "#/$defs/ApiConfig" }))[0].widget).toBe("list");
  });
  it("parses typed text, empty meaning the default", () => {
    expect(parseFieldText({ widget: "number" }, " 1024 ")).toBe(1024);
    expect(parseFieldText({ widget: "number" }, "")).toBeUndefined();
    expect(parseFieldText({ widget: "list" }, "POST /a\nGET /b, PUT /c")).toEqual(["POST /a", "GET /b", "PUT /c"]);
  });
});
