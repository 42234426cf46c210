import { describe, expect, it } from "vitest";
import { edgeStatuses, emptyLive, fold, foldAll, nodeStatuses, timeline, type WireEvent } from "./live";

let n = 0;
const ev = (e: Partial<WireEvent>): WireEvent => ({ i: ++n, k: "tf", stack: "app", ts: 0, ...e }) as WireEvent;
const planned = (address: string, node: string, ts = 0, stack = "app", action = "create") =>
  ev({ type: "planned_change", address, node, ts, stack, action, rtype: address.split(".").slice(-2)[0] });
const start = (address: string, node: string, ts: number, stack = "app") =>
  ev({ type: "apply_start", address, node, ts, stack, action: "create", rtype: address.split(".").slice(-2)[0] });
const complete = (address: string, node: string, ts: number, stack = "app") =>
  ev({ type: "apply_complete", address, node, ts, stack, rtype: address.split(".").slice(-2)[0] });

describe("folding deployment events", () => {
  it("moves a node pending → deploying → succeeded, with its duration", () => {
    const s = emptyLive("k");
    fold(s, planned("module.table_t.aws_dynamodb_table.this", "resource:t"));
    expect(nodeStatuses(s).get("resource:t")?.status).toBe("pending");
    fold(s, start("module.table_t.aws_dynamodb_table.this", "resource:t", 10));
    expect(nodeStatuses(s).get("resource:t")?.status).toBe("deploying");
    fold(s, complete("module.table_t.aws_dynamodb_table.this", "resource:t", 12.5));
    const t = nodeStatuses(s).get("resource:t")!;
    expect(t.status).toBe("succeeded");
    expect(t.end! - t.start!).toBe(2.5);
  });

  it("keeps a node deploying while some of its resources are done and others wait", () => {
    const s = emptyLive("k");
    fold(s, planned("module.queue_j.aws_sqs_queue.this", "resource:j"));
    fold(s, planned("module.queue_j.aws_sqs_queue_policy.this", "resource:j"));
    fold(s, start("module.queue_j.aws_sqs_queue.this", "resource:j", 1));
    fold(s, complete("module.queue_j.aws_sqs_queue.this", "resource:j", 2));
    expect(nodeStatuses(s).get("resource:j")?.status).toBe("deploying");
    fold(s, start("module.queue_j.aws_sqs_queue_policy.this", "resource:j", 2));
    fold(s, complete("module.queue_j.aws_sqs_queue_policy.this", "resource:j", 3));
    expect(nodeStatuses(s).get("resource:j")?.status).toBe("succeeded");
  });

  it("skips events it has already folded (catch-up then live overlap)", () => {
    const s = emptyLive("k");
    const events = [planned("module.a.aws_sqs_queue.this", "resource:a"), start("module.a.aws_sqs_queue.this", "resource:a", 1)];
    foldAll(s, events);
    const version = s.version;
    expect(fold(s, events[0])).toBe(false);
    expect(fold(s, events[1])).toBe(false);
    expect(s.version).toBe(version);
  });

  it("keeps a failed node failed with the classified error and the fix", () => {
    const s = emptyLive("k");
    fold(s, start("module.queue_q.aws_sqs_queue.this", "resource:q", 1));
    fold(s, ev({ type: "apply_errored", address: "module.queue_q.aws_sqs_queue.this", node: "resource:q", ts: 2 }));
    fold(s, ev({ type: "diagnostic", address: "module.queue_q.aws_sqs_queue.this", node: "resource:q", ts: 2,
      diag: { severity: "error", summary: "creating queue: QueueAlreadyExists", detail: null, address: "module.queue_q.aws_sqs_queue.this", kind: "already_exists", category: "conflict", fix: "strands orphans" } }));
    fold(s, { i: ++n, k: "done", stack: "app", ts: 3, status: "failed", error: "apply failed" });
    const q = nodeStatuses(s).get("resource:q")!;
    expect(q.status).toBe("failed");
    expect(q.error).toContain("QueueAlreadyExists");
    expect(s.errors[0].fix).toBe("strands orphans");
    expect(s.errors[0].category).toBe("conflict");
  });

  it("marks resources of a stack that ended before they finished", () => {
    const s = emptyLive("k");
    fold(s, planned("module.a.aws_sqs_queue.this", "resource:a"));
    fold(s, start("module.b.aws_sns_topic.this", "resource:b", 1));
    fold(s, { i: ++n, k: "done", stack: "app", ts: 2, status: "cancelled", error: null });
    const statuses = nodeStatuses(s);
    expect(statuses.get("resource:a")?.status).toBe("warning");
    expect(statuses.get("resource:b")?.status).toBe("warning");
  });

  it("gives an AWS call to the resource of its type running at that time, then by request id", () => {
    const s = emptyLive("k");
    fold(s, start("module.queue_a.aws_sqs_queue.this", "resource:a", 10));
    fold(s, complete("module.queue_a.aws_sqs_queue.this", "resource:a", 11));
    fold(s, start("module.queue_b.aws_sqs_queue.this", "resource:b", 20));
    fold(s, start("module.t.aws_dynamodb_table.this", "resource:t", 20));
    const call = (ts: number, type: string, req: string) =>
      fold(s, { i: ++n, k: "aws", stack: "app", ts, service: "SQS", operation: "CreateQueue", status: 200, duration_ms: 12, resource_type: type, request_id: req, rpc: "ApplyResourceChange" });
    call(10.2, "aws_sqs_queue", "r1");
    call(20.1, "aws_sqs_queue", "r2");
    call(20.2, "aws_dynamodb_table", "r3");
    fold(s, complete("module.queue_b.aws_sqs_queue.this", "resource:b", 21));
    call(40, "aws_sqs_queue", "r2"); // after the resource ended: still its own request
    expect(s.calls.map((c) => c.node)).toEqual(["resource:a", "resource:b", "resource:t", "resource:b"]);
  });

  it("gives edges the status of the resources that make them", () => {
    const s = emptyLive("k");
    fold(s, ev({ type: "apply_start", address: 'module.api.aws_apigatewayv2_route.this["POST /chat"]', node: "api", edges: ["route:web"], ts: 1 }));
    expect(edgeStatuses(s).get("route:web")).toBe("deploying");
  });

  it("records drift per node", () => {
    const s = emptyLive("k");
    fold(s, ev({ k: "tf", phase: "plan", type: "resource_drift", address: "module.table_t.aws_dynamodb_table.this", node: "resource:t", action: "update" }));
    expect(s.drift.get("resource:t")).toEqual(["module.table_t.aws_dynamodb_table.this"]);
  });
});

describe("the timeline", () => {
  it("computes parallel efficiency as the history does: four independent 5 s resources in a row score 0.25", () => {
    const s = emptyLive("k");
    for (let i = 0; i < 4; i++) {
      fold(s, start(`module.q${i}.aws_sqs_queue.this`, `resource:q${i}`, i * 5));
      fold(s, complete(`module.q${i}.aws_sqs_queue.this`, `resource:q${i}`, i * 5 + 5));
    }
    const t = timeline(s);
    expect(t.wall).toBe(20);
    expect(t.possible).toBe(4);
    expect(t.efficiency).toBeCloseTo(0.25);
    expect(t.critical).toHaveLength(4); // each waits for the one before
    expect(t.lanes[0].rows).toBe(1);
  });

  it("squeezes idle stretches (a review waiting) on the axis and gives the efficiency while applying", () => {
    const s = emptyLive("k");
    fold(s, start("module.a.aws_sqs_queue.this", "resource:a", 0));
    fold(s, complete("module.a.aws_sqs_queue.this", "resource:a", 2));
    fold(s, start("module.b.aws_sqs_queue.this", "resource:b", 32)); // 30 s waiting for a confirmation
    fold(s, complete("module.b.aws_sqs_queue.this", "resource:b", 34));
    const t = timeline(s);
    expect(t.wall).toBe(34);
    expect(t.active).toBe(4);
    expect(t.gaps).toEqual([{ x: 2, seconds: 30 }]);
    expect(t.span).toBe(5); // 2 + 1 (the gap, drawn 1 s) + 2
    const b = t.lanes[0].bars.find((x) => x.address.startsWith("module.b"))!;
    expect([b.x0, b.x1]).toEqual([3, 5]);
    expect(t.efficiency).toBeCloseTo(4 / (34 * 2)); // as the history records it
    expect(t.activeEfficiency).toBeCloseTo(4 / (4 * 2));
  });

  it("puts stacks in lanes and waves; parallel bars in their own rows; the critical path is the long chain", () => {
    const s = emptyLive("k");
    fold(s, { i: ++n, k: "phase", stack: "shared", phase: "plan", ts: 100 });
    fold(s, start("module.t.aws_dynamodb_table.this", "resource:t", 101, "shared"));
    fold(s, start("module.q.aws_sqs_queue.this", "resource:q", 101, "shared"));
    fold(s, complete("module.q.aws_sqs_queue.this", "resource:q", 102, "shared"));
    fold(s, complete("module.t.aws_dynamodb_table.this", "resource:t", 105, "shared"));
    fold(s, { i: ++n, k: "done", stack: "shared", ts: 105.5, status: "applied" });
    for (const stack of ["web", "worker"]) fold(s, { i: ++n, k: "phase", stack, phase: "plan", ts: 106 });
    fold(s, start("module.agent_web.aws_lambda_function.this", "agent:web", 107, "web"));
    fold(s, start("module.agent_worker.aws_lambda_function.this", "agent:worker", 107, "worker"));
    fold(s, complete("module.agent_web.aws_lambda_function.this", "agent:web", 110, "web"));
    fold(s, complete("module.agent_worker.aws_lambda_function.this", "agent:worker", 108, "worker"));
    for (const stack of ["web", "worker"]) fold(s, { i: ++n, k: "done", stack, ts: 110.2, status: "applied" });
    const t = timeline(s, 200);
    expect(t.lanes.map((l) => [l.stack, l.wave])).toEqual([["shared", 0], ["web", 1], ["worker", 1]]);
    expect(t.waves.map((w) => w.stacks)).toEqual([["shared"], ["web", "worker"]]);
    expect(t.lanes[0].rows).toBe(2);
    expect(t.critical).toEqual(["shared|module.t.aws_dynamodb_table.this", "web|module.agent_web.aws_lambda_function.this"]);
    expect(t.efficiency).toBeGreaterThan(0);
  });
});
