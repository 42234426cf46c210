import { describe, expect, it } from "vitest";
import { costRows, formatMoney, nodeCost, nodeLabel } from "./cost";
import type { CostSummary } from "../types";

const cost: CostSummary = {
  currency: "USD",
  prices: "us-east-1 prices of 2026-12-03",
  monthly_total: 10535.14,
  by_service: { Bedrock: 10500, Lambda: 26.87 },
  by_node: { api: 1.25, "agent:assistant": 10533.89, "resource:notes": 0.004 },
  services_by_node: {},
  unpriced: [],
  warnings: [],
};

describe("cost", () => {
  it("formats money like the command line", () => {
    expect(formatMoney(10535.14)).toBe("$10,535.14");
    expect(formatMoney(0.2)).toBe("$0.20");
    expect(formatMoney(0.004)).toBe("$0.0040");
    expect(formatMoney(-3.1)).toBe("-$3.10");
    expect(formatMoney(5, "EUR")).toBe("EUR 5.00");
  });
  it("labels nodes and sorts the breakdown by cost", () => {
    expect(nodeLabel("agent:support")).toBe("agent support");
    expect(nodeLabel("api")).toBe("HTTP API");
    expect(costRows(cost).map((r) => r.id)).toEqual(["agent:assistant", "api", "resource:notes"]);
  });
  it("gives a badge only to nodes with a cost", () => {
    expect(nodeCost(cost, "agent:assistant")).toBe("$10,533.89");
    expect(nodeCost(cost, "role:role_assistant")).toBeNull();
    expect(nodeCost(null, "api")).toBeNull();
  });
});
