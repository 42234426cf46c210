// Money and labels of the cost panel and the node badges (the server computes the figures).
import type { CostSummary } from "../types";

export function formatMoney(value: number, currency = "USD"): string {
  const symbol = currency === "USD" ? "$" : `${currency} `;
  const abs = Math.abs(value);
  const digits = abs > 0 && abs < 0.01 ? 4 : 2;
  const text = abs.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  return `${value < 0 ? "-" : ""}${symbol}${text}`;
}

/** `agent:support` → `agent support`, `api` → `HTTP API`. */
export function nodeLabel(nodeId: string): string {
  if (nodeId === "api") return "HTTP API";
  if (nodeId === "project") return "project (artifacts)";
  const [kind, ...rest] = nodeId.split(":");
  return rest.length ? `${kind} ${rest.join(":")}` : kind;
}

/** The badge text of one node, or null when the estimate gives it nothing. */
export function nodeCost(cost: CostSummary | null | undefined, nodeId: string): string | null {
  const value = cost?.by_node?.[nodeId];
  if (value === undefined) return null;
  return formatMoney(value, cost?.currency);
}

/** The elements with a cost, largest first (the panel's breakdown by agent and resource). */
export function costRows(cost: CostSummary): { id: string; label: string; value: number }[] {
  return Object.entries(cost.by_node)
    .map(([id, value]) => ({ id, label: nodeLabel(id), value }))
    .sort((a, b) => b.value - a.value || a.label.localeCompare(b.label));
}
