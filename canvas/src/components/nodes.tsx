// One node component for every kind: a card with the kind's colour and icon, problems and plan status on it.
import { Handle, Position, type NodeProps } from "@xyflow/react";
import { memo } from "react";
import { KIND_LABEL, type GNode, type NodeKind } from "../model/graph";
import { nodeSize } from "../model/layout";
import { formatDuration, type NodeLive } from "../model/live";
import type { Problem } from "../types";

export interface CanvasNodeData extends Record<string, unknown> {
  g: GNode;
  problems: Problem[];
  plan: string | null;
  planCount: number;
  planError: string | null;
  compact: boolean;
  cost: string | null; // the node's share of the environment's monthly estimate
  live?: NodeLive | null; // its status in the deployment shown (running, or the last one)
  drift?: boolean; // resources changed outside Terraform (the last plan)
}

const ICON_PATHS: Record<NodeKind, string> = {
  agent: "M12 2a2 2 0 0 1 2 2v1h3a3 3 0 0 1 3 3v8a3 3 0 0 1-3 3H7a3 3 0 0 1-3-3V8a3 3 0 0 1 3-3h3V4a2 2 0 0 1 2-2zM9 10a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zm6 0a1.5 1.5 0 1 0 0 3 1.5 1.5 0 0 0 0-3zM9 15.5h6v1.5H9z",
  dynamodb: "M12 3c4.4 0 8 1.3 8 3v12c0 1.7-3.6 3-8 3s-8-1.3-8-3V6c0-1.7 3.6-3 8-3zm0 2C8 5 6 6 6 6s2 1 6 1 6-1 6-1-2-1-6-1zm-6 4v3c0 .5 2.2 1.5 6 1.5s6-1 6-1.5V9c-1.5.8-3.7 1.2-6 1.2S7.5 9.8 6 9zm0 6v3c0 .5 2.2 1.5 6 1.5s6-1 6-1.5v-3c-1.5.8-3.7 1.2-6 1.2s-4.5-.4-6-1.2z",
  s3: "M4 6l8-3 8 3-1.5 12.5L12 21l-6.5-2.5zm3 1.5l1 9.5 4 1.5 4-1.5 1-9.5-5-1.8z",
  sqs: "M3 7h13l5 5-5 5H3zm3 3v4h2v-4zm4 0v4h2v-4z",
  sns: "M4 10h3l7-5v14l-7-5H4zm13-1.5a4 4 0 0 1 0 7v-2a2 2 0 0 0 0-3z",
  api: "M4 5h16v3H4zm0 5.5h16v3H4zM4 16h16v3H4zM6 6v1h2V6zm0 5.5v1h2v-1zM6 17v1h2v-1z",
  role: "M12 2l8 3v6c0 5-3.4 9.4-8 11-4.6-1.6-8-6-8-11V5zm0 5a2.5 2.5 0 0 0-1 4.8V16h2v-4.2A2.5 2.5 0 0 0 12 7z",
  dlq: "M3 7h13l5 5-5 5H3zm8 1.5L9.5 10 11 11.5 9.5 13 11 14.5l1.5-1.5 1.5 1.5 1.5-1.5-1.5-1.5 1.5-1.5L14 8.5l-1.5 1.5z",
  vpc: "M3 5h18v14H3zm2 2v10h14V7zm2 2h4v3H7zm6 0h4v3h-4zm-6 5h10v1.5H7z",
  gone: "M6 7h12l-1 13H7zm3-4h6l1 2h4v2H4V5h4z",
};

export function KindIcon({ kind, size = 20 }: { kind: NodeKind; size?: number }) {
  return (
    <svg className="kind-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true">
      <path d={ICON_PATHS[kind]} fill="currentColor" />
    </svg>
  );
}

// one symbol and word per plan action, the same in the legend, on nodes and in the panel
export const PLAN_ACTIONS: { action: string; symbol: string; label: string }[] = [
  { action: "create", symbol: "+", label: "create" },
  { action: "update", symbol: "~", label: "update" },
  { action: "replace", symbol: "±", label: "replace" },
  { action: "delete", symbol: "−", label: "delete" },
  { action: "no-op", symbol: "=", label: "no change" },
];
// a node of a stack planned after the stacks it reads are applied (`strands plan` says "planned after …")
const DEFERRED = { action: "deferred", symbol: "…", label: "planned later" };
const PLAN_LABEL = Object.fromEntries([...PLAN_ACTIONS, DEFERRED].map((a) => [a.action, `${a.symbol} ${a.label}`]));

function CanvasNodeView({ data, selected }: NodeProps) {
  const { g, problems, plan, planCount, planError, compact, cost, live, drift } = data as CanvasNodeData;
  const errors = problems.filter((p) => p.severity === "error");
  const warnings = problems.filter((p) => p.severity === "warning");
  const classes = ["cnode", `kind-${g.kind}`];
  if (compact) classes.push("compact");
  if (selected) classes.push("selected");
  if (errors.length) classes.push("has-error");
  else if (warnings.length) classes.push("has-warning");
  if (plan) classes.push(`plan-${plan}`);
  if (planError) classes.push("plan-error");
  if (g.readOnly) classes.push("read-only");
  if (live) classes.push(`live-${live.status}`);
  if (drift) classes.push("drifted");
  const acceptsIn = !["api", "role", "vpc", "gone"].includes(g.kind);
  const sendsOut = ["agent", "sqs", "api", "role", "vpc"].includes(g.kind);
  const tooltip = [
    g.fullName && g.fullName !== g.name ? g.fullName : null,
    ...[...errors, ...warnings].map((p) => `${p.severity}: ${p.message}`),
    planError ? `plan error: ${planError}` : null,
    live?.error ? `failed: ${live.error}` : null,
    drift ? "changed outside Terraform (see the last plan)" : null,
  ].filter(Boolean).join("\n");
  const size = nodeSize(g.kind, compact);
  const kindLine = `${KIND_LABEL[g.kind]}${g.readOnly && g.kind !== "api" && g.kind !== "gone" ? " · derived" : ""}`;
  const liveChip = live ? (
    <span className={`cnode-chip live-chip lc-${live.status}`} data-testid={`live-${g.id}`}>
      {live.status === "deploying" ? `${live.done}/${live.total}` : live.status === "succeeded" ? `✓ ${formatDuration(live.end && live.start ? live.end - live.start : null)}` : live.status === "failed" ? "✕ failed" : live.status === "pending" ? "pending" : "!"}
    </span>
  ) : null;
  const chip = liveChip ?? (planError ? (
    <span className="cnode-chip plan-chip-error">! error</span>
  ) : plan ? (
    <span className={`cnode-chip plan-chip-${plan}`}>
      {compact ? ([...PLAN_ACTIONS, DEFERRED].find((a) => a.action === plan)?.symbol ?? plan) : PLAN_LABEL[plan] ?? plan}
      {planCount > 1 && plan !== "no-op" && !compact ? ` ${planCount}` : ""}
    </span>
  ) : null);
  return (
    <div
      className={classes.join(" ")}
      style={{ width: size.width, height: size.height }}
      title={tooltip || undefined}
      data-testid={`node-${g.id}`}
      data-plan={plan ?? ""}
      data-plan-error={planError ? "1" : undefined}
      data-problems={errors.length}
      data-live={live?.status ?? ""}
      data-drift={drift ? "1" : undefined}
    >
      {acceptsIn && <Handle type="target" position={Position.Left} className="handle" />}
      <div className="cnode-head">
        <span className="cnode-icon">
          <KindIcon kind={g.kind} size={compact ? 16 : 20} />
        </span>
        <div className="cnode-titles">
          <div className="cnode-name">{g.name}</div>
          <div className="cnode-kind">
            {kindLine}
            {cost && (
              <>
                {" · "}
                <span className="cnode-cost" data-testid={`cost-${g.id}`} title="estimated monthly cost">{cost}/mo</span>
              </>
            )}
          </div>
        </div>
        {drift && <span className="cnode-drift" title="changed outside Terraform">drift</span>}
        {errors.length > 0 && <span className="cnode-alert" aria-label={`${errors.length} problems`}>{errors.length}</span>}
        {compact && chip}
      </div>
      {!compact && (
        <div className="cnode-row">
          <span className="cnode-sub">{g.kind === "agent" ? g.subtitle : g.details.join(" · ") || g.subtitle}</span>
          {g.kind !== "agent" && chip}
        </div>
      )}
      {!compact && g.kind === "agent" && (
        <div className="cnode-row">
          <span className="cnode-tags">
            {g.details.map((d) => (
              <span key={d} className="tag">{d}</span>
            ))}
            {g.badges.map((b) => (
              <span key={b} className={`tag badge-${b}`}>{b}</span>
            ))}
            {g.details.length === 0 && g.badges.length === 0 && <span className="tag muted-tag">project defaults</span>}
          </span>
          {chip}
        </div>
      )}
      {sendsOut && <Handle type="source" position={Position.Right} className="handle" />}
    </div>
  );
}

export const CanvasNode = memo(CanvasNodeView);
export const nodeTypes = { canvas: CanvasNode };
