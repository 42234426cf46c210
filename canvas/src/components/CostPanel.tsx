// The cost panel: the environment's monthly estimate by service and by agent/resource, updated with every edit.
import { costRows, formatMoney } from "../model/cost";
import type { CostSummary } from "../types";

export function CostPanel(props: { cost: CostSummary | null | undefined; environment: string; open: boolean; onToggle: () => void; onPick: (nodeId: string) => void }) {
  const cost = props.cost;
  const total = cost ? formatMoney(cost.monthly_total, cost.currency) : "not estimated";
  return (
    <section className={`cost-panel ${props.open ? "open" : ""}`} data-testid="cost-panel">
      <button className="cost-bar" onClick={props.onToggle} title="estimated monthly cost (list prices, usage from strands.yaml)">
        <span className="cost-total" data-testid="cost-total">{total}</span>
        <span className="muted">/ month · {props.environment}</span>
      </button>
      {props.open && cost && (
        <div className="cost-body">
          <h4>By service</h4>
          <ul data-testid="cost-by-service">
            {Object.entries(cost.by_service).map(([service, value]) => (
              <li key={service}><span>{service}</span><span className="money">{formatMoney(value, cost.currency)}</span></li>
            ))}
          </ul>
          <h4>By agent and resource</h4>
          <ul data-testid="cost-by-node">
            {costRows(cost).map((row) => (
              <li key={row.id} className="pick" onClick={() => props.onPick(row.id)}>
                <span>{row.label}</span><span className="money">{formatMoney(row.value, cost.currency)}</span>
              </li>
            ))}
          </ul>
          {cost.unpriced.map((u) => <div key={u} className="cost-note warning">not priced: {u}</div>)}
          {cost.warnings.map((w) => <div key={w} className="cost-note warning">{w}</div>)}
          <div className="cost-note muted">{cost.prices}; list prices without free tier. Usage: the <code>usage:</code> block of strands.yaml (<code>strands cost estimate</code> lists every assumption).</div>
        </div>
      )}
    </section>
  );
}
