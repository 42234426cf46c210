// Side panels: properties (a form from the JSON Schema), the edge editor with the IAM action picker, problems.
import { useEffect, useMemo, useState } from "react";
import type { Api } from "../api";
import { KIND_LABEL, type GEdge, type GNode } from "../model/graph";
import { PLAN_ACTIONS } from "./nodes";
import { accessChoices, fieldOps, renameOps, setAccessOps } from "../model/ops";
import { fieldsOf, parseFieldText, schemaFor, type FieldSpec } from "../model/schema";
import type { Json, Op, PlanNodeResult, Problem, Snapshot } from "../types";

type Path = (string | number)[];
const pathKey = (path: Path) => path.join(".");

interface FieldProps {
  field: FieldSpec;
  value: any;
  path: Path;
  root: any;
  onOps: (ops: Op[]) => void;
  onDirty: (key: string, pending: { path: Path; value: Json | undefined } | null) => void;
  problems: Problem[];
}

function problemFor(problems: Problem[], path: Path): Problem | undefined {
  const dotted = path.map((p) => (typeof p === "number" ? `[${p}]` : `.${p}`)).join("").replace(/^\./, "");
  return problems.find((p) => p.path === dotted || p.path.startsWith(dotted + "."));
}

function TextField({ field, value, path, onOps, onDirty }: FieldProps) {
  const shown = value === undefined || value === null ? "" : field.widget === "list" ? (value as unknown[]).join("\n") : String(value);
  const [draft, setDraft] = useState<string | null>(null);
  useEffect(() => setDraft(null), [shown]);
  const commit = () => {
    if (draft === null || draft === shown) return setDraft(null);
    const parsed = parseFieldText(field, draft) as Json | undefined;
    onDirty(pathKey(path), null);
    onOps(fieldOps(path, parsed));
    setDraft(null);
  };
  const change = (text: string) => {
    setDraft(text);
    onDirty(pathKey(path), { path, value: parseFieldText(field, text) as Json | undefined });
  };
  const common = {
    value: draft ?? shown,
    placeholder: field.defaultValue !== undefined && field.defaultValue !== null ? String(field.defaultValue) : field.required ? "required" : "",
    onChange: (e: any) => change(e.target.value),
    onBlur: commit,
    "data-testid": `field-${pathKey(path)}`,
  };
  if (field.widget === "list") return <textarea rows={Math.max(2, shown.split("\n").length)} {...common} />;
  return (
    <input
      type={field.widget === "number" ? "number" : "text"}
      min={field.minimum}
      max={field.maximum}
      onKeyDown={(e) => {
        if (e.key === "Enter") (e.target as HTMLInputElement).blur();
        if (e.key === "Escape") {
          setDraft(null);
          onDirty(pathKey(path), null);
        }
      }}
      {...common}
    />
  );
}

function SelectField({ field, value, path, onOps }: FieldProps) {
  const options = field.widget === "bool" ? ["true", "false"] : field.options;
  const current = value === undefined || value === null ? "" : String(value);
  return (
    <select
      value={current}
      data-testid={`field-${pathKey(path)}`}
      onChange={(e) => {
        const text = e.target.value;
        const parsed: Json | undefined = text === "" ? undefined : field.widget === "bool" ? text === "true" : text;
        onOps(fieldOps(path, parsed));
      }}
    >
      <option value="">{field.defaultValue !== undefined && field.defaultValue !== null ? `default (${String(field.defaultValue)})` : "—"}</option>
      {options.map((o) => (
        <option key={o} value={o}>{o}</option>
      ))}
    </select>
  );
}

function MapField({ value, path, onOps }: FieldProps) {
  const entries = Object.entries((value as Record<string, unknown>) ?? {});
  const [key, setKey] = useState("");
  const [val, setVal] = useState("");
  return (
    <div className="map-field">
      {entries.map(([k, v]) => (
        <div key={k} className="map-row">
          <code>{k}</code>
          <input
            defaultValue={String(v)}
            onBlur={(e) => e.target.value !== String(v) && onOps([{ op: "set", path: [...path, k], value: e.target.value }])}
          />
          <button className="icon-btn" title={`remove ${k}`} onClick={() => onOps([{ op: "delete", path: [...path, k] }])}>×</button>
        </div>
      ))}
      <div className="map-row">
        <input placeholder="KEY" value={key} onChange={(e) => setKey(e.target.value)} />
        <input placeholder="value" value={val} onChange={(e) => setVal(e.target.value)} />
        <button
          className="icon-btn"
          disabled={!key}
          onClick={() => {
            onOps([{ op: "set", path: [...path, key], value: val }]);
            setKey("");
            setVal("");
          }}
        >+</button>
      </div>
    </div>
  );
}

function JsonField({ value, path, onOps }: FieldProps) {
  const shown = value === undefined ? "" : JSON.stringify(value);
  const [draft, setDraft] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => setDraft(null), [shown]);
  return (
    <>
      <input
        className="mono"
        value={draft ?? shown}
        placeholder="JSON, e.g. true or {…}"
        data-testid={`field-${pathKey(path)}`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => {
          if (draft === null || draft === shown) return;
          if (draft.trim() === "") return onOps([{ op: "delete", path }]);
          try {
            onOps([{ op: "set", path, value: JSON.parse(draft) }]);
            setError(null);
          } catch {
            setError("not valid JSON");
          }
        }}
      />
      {error && <div className="field-error">{error}</div>}
    </>
  );
}

function FieldEditor(props: FieldProps) {
  const { field, value, path, root, problems } = props;
  const problem = problemFor(problems, path);
  let control;
  if (field.widget === "object") {
    const nested = fieldsOf(root, field.schema);
    control = (
      <details className="nested" open={value !== undefined && value !== null}>
        <summary>{value === undefined || value === null ? "not set" : "settings"}</summary>
        {nested.map((f) => (
          <FieldEditor key={f.key} {...props} field={f} value={value?.[f.key]} path={[...path, f.key]} />
        ))}
      </details>
    );
  } else if (field.widget === "objects") {
    const items: any[] = Array.isArray(value) ? value : [];
    const nested = fieldsOf(root, field.schema.items);
    control = (
      <div className="objects">
        {items.map((item, index) => (
          <details key={index} className="nested" open>
            <summary>
              #{index + 1}
              <button className="icon-btn" onClick={() => props.onOps([{ op: "delete", path: [...path, index] }])}>remove</button>
            </summary>
            {nested.map((f) => (
              <FieldEditor key={f.key} {...props} field={f} value={item?.[f.key]} path={[...path, index, f.key]} />
            ))}
          </details>
        ))}
        <button className="small-btn" onClick={() => props.onOps([{ op: "append", path, value: {} }])}>+ add</button>
      </div>
    );
  } else if (field.widget === "select" || field.widget === "bool") control = <SelectField {...props} />;
  else if (field.widget === "map") control = <MapField {...props} />;
  else if (field.widget === "yaml") control = <JsonField {...props} />;
  else control = <TextField {...props} />;
  return (
    <label className={`field ${problem ? "field-has-problem" : ""}`} title={field.description}>
      <span className="field-label">
        {field.key}
        {field.required && <em>*</em>}
      </span>
      {control}
      {problem && <span className="field-error">{problem.message}</span>}
    </label>
  );
}

function NameField({ node, onOps }: { node: GNode; onOps: (ops: Op[]) => void }) {
  const [draft, setDraft] = useState(node.name);
  useEffect(() => setDraft(node.name), [node.name]);
  return (
    <label className="field">
      <span className="field-label">name</span>
      <input
        value={draft}
        data-testid="field-name"
        onChange={(e) => setDraft(e.target.value)}
        onKeyDown={(e) => e.key === "Enter" && (e.target as HTMLInputElement).blur()}
        onBlur={() => draft && draft !== node.name && onOps(renameOps(node, draft))}
      />
    </label>
  );
}

export function PropertiesPanel(props: {
  node: GNode;
  snapshot: Snapshot;
  schema: any;
  problems: Problem[];
  plan: PlanNodeResult | null;
  planError: string[] | null;
  onOps: (ops: Op[]) => void;
  onDirty: FieldProps["onDirty"];
  onShowYaml: (file: string | null, line: number | null) => void;
  onDelete: () => void;
}) {
  const { node, snapshot, schema } = props;
  const objectSchema = schema ? schemaFor(schema, node.kind) : null;
  const value = node.path ? node.path.reduce<any>((acc, key) => (acc == null ? acc : acc[key]), snapshot.data) : null;
  const fields = useMemo(() => (objectSchema ? fieldsOf(schema, objectSchema, node.kind) : []), [schema, objectSchema, node.kind]);
  const role = node.kind === "role" ? snapshot.derived?.roles.find((r) => `role:${r.id}` === node.id) : null;
  return (
    <aside className="panel" data-testid="properties">
      <header className={`panel-head kind-${node.kind}`}>
        <div>
          <div className="panel-kind">{KIND_LABEL[node.kind]}{node.readOnly ? " · read-only" : ""}</div>
          <div className="panel-title">{node.name}</div>
          {node.fullName && node.fullName !== node.name && <div className="panel-full-name" title="the name in AWS">{node.fullName}</div>}
        </div>
        <div className="panel-actions">
          {node.file && <button className="small-btn" onClick={() => props.onShowYaml(node.file, node.line)}>YAML ↗</button>}
          {!node.readOnly && node.kind !== "vpc" && (
            <button className="small-btn danger" data-testid="delete-node" onClick={props.onDelete}>Delete</button>
          )}
        </div>
      </header>
      {props.problems.length > 0 && (
        <ul className="panel-problems">
          {props.problems.map((p, i) => (
            <li key={i} className={p.severity}>{p.message}{p.hint ? <em> — {p.hint}</em> : null}</li>
          ))}
        </ul>
      )}
      {(props.plan || props.planError) && (
        <section className="plan-section">
          <h4>Plan {props.plan ? `· ${PLAN_ACTIONS.find((a) => a.action === props.plan!.action)?.label ?? props.plan.action}` : ""}</h4>
          {props.plan && props.plan.changes.length === 0 && <p className="muted">Terraform changes nothing here.</p>}
          {props.planError?.map((e, i) => <div key={i} className="field-error">{e}</div>)}
          <ul>
            {props.plan?.changes.map((c) => (
              <li key={c.address} className={`plan-line plan-line-${c.action}`}>
                <code>{PLAN_ACTIONS.find((a) => a.action === c.action)?.symbol ?? ""} {c.action}</code> {c.address}
                {c.changed_attributes?.length ? <div className="muted">changes {c.changed_attributes.join(", ")}</div> : null}
                {c.reason ? <div className="muted">{c.reason}</div> : null}
              </li>
            ))}
          </ul>
        </section>
      )}
      {role && (
        <section className="statements">
          <p className="muted">The statements strands writes for this role in {snapshot.derived?.environment}; change them through permissions.</p>
          {role.statements.map((s) => (
            <div key={s.sid} className="statement" data-testid={`statement-${s.sid}`}>
              <div className="statement-sid">{s.effect} · {s.sid}</div>
              <div className="statement-actions">{s.actions.join(", ")}</div>
              <ul>{s.resources.map((r) => <li key={r}><code>{r}</code></li>)}</ul>
            </div>
          ))}
        </section>
      )}
      {node.kind === "api" && snapshot.derived?.api && (
        <section className="statements">
          {Object.entries(snapshot.derived.api.routes).map(([route, agent]) => (
            <div key={route} className="route-row"><code>{route}</code> → {agent}</div>
          ))}
        </section>
      )}
      {!node.readOnly && node.kind !== "vpc" && <NameField node={node} onOps={props.onOps} />}
      {node.path && fields.length > 0 && (
        <div className="form">
          {fields.map((f) => (
            <FieldEditor
              key={f.key}
              field={f}
              value={value?.[f.key]}
              path={[...node.path!, f.key]}
              root={schema}
              onOps={props.onOps}
              onDirty={props.onDirty}
              problems={snapshot.problems}
            />
          ))}
        </div>
      )}
    </aside>
  );
}

// what each access template grants, in a few words (strands_tf/model/iam.py has the exact actions)
const ACCESS_HELP: Record<string, string> = {
  read: "get, query, list",
  write: "put, update, delete",
  read_write: "read and write",
  consume: "receive and delete messages",
  publish: "send messages",
  invoke: "call the agent",
};

export function EdgePanel(props: { edge: GEdge; snapshot: Snapshot; target: GNode | undefined; api: Api; onOps: (ops: Op[]) => void; onDelete: () => void; problems: Problem[]; onShowYaml: (file: string | null, line: number | null) => void }) {
  const { edge, target, snapshot } = props;
  const perm = edge.path ? edge.path.reduce<any>((acc, key) => (acc == null ? acc : acc[key]), snapshot.data) : null;
  const kind = target ? (target.kind === "agent" ? "agent" : target.kind) : "";
  const [picker, setPicker] = useState(false);
  const [actions, setActions] = useState<{ action: string; level: string; templates: string[] }[]>([]);
  const [chosen, setChosen] = useState<Set<string>>(new Set(Array.isArray(perm?.actions) ? perm.actions : []));
  const [filter, setFilter] = useState("");
  useEffect(() => {
    setChosen(new Set(Array.isArray(perm?.actions) ? perm.actions : []));
    setPicker(Array.isArray(perm?.actions));
  }, [edge.id]); // eslint-disable-line react-hooks/exhaustive-deps
  useEffect(() => {
    if (picker && edge.kind === "permission" && kind) props.api.iamActions(kind).then((r) => setActions(r.actions)).catch(() => setActions([]));
  }, [picker, kind]); // eslint-disable-line react-hooks/exhaustive-deps
  const title = edge.kind === "permission" ? "Permission" : edge.kind === "trigger" ? "Trigger" : edge.kind === "route" ? "Routes" : edge.kind;
  return (
    <aside className="panel" data-testid="edge-editor">
      <header className={`panel-head edge-${edge.kind}`}>
        <div>
          <div className="panel-kind">{title}</div>
          <div className="panel-title">
            {edge.source.split(":").pop()} <span className="muted">→</span> {edge.target.split(":").pop()}
          </div>
        </div>
        <div className="panel-actions">
          {edge.file && <button className="small-btn" onClick={() => props.onShowYaml(edge.file, edge.line)}>YAML ↗</button>}
          {edge.path && <button className="small-btn danger" data-testid="delete-edge" onClick={props.onDelete}>Delete</button>}
        </div>
      </header>
      {props.problems.map((p, i) => <div key={i} className="field-error">{p.message}</div>)}
      {edge.kind === "permission" && (
        <section>
          <h4>Access</h4>
          <div className="access-list">
            {accessChoices(kind).map((access) => (
              <label key={access} className={`access-option ${perm?.access === access ? "on" : ""}`}>
                <input
                  type="radio"
                  name="access"
                  checked={perm?.access === access}
                  data-testid={`access-${access}`}
                  onChange={() => {
                    setPicker(false);
                    props.onOps(setAccessOps(edge, { access }));
                  }}
                />
                {access}
                <span className="muted">{ACCESS_HELP[access] ?? ""}</span>
              </label>
            ))}
            <label className={`access-option ${picker ? "on" : ""}`}>
              <input type="radio" name="access" checked={picker} data-testid="access-custom" onChange={() => setPicker(true)} />
              custom actions…
            </label>
          </div>
          {picker && (
            <div className="picker">
              <input placeholder={`filter ${kind} actions`} value={filter} onChange={(e) => setFilter(e.target.value)} data-testid="action-filter" />
              <div className="picker-list">
                {actions
                  .filter((a) => a.action.toLowerCase().includes(filter.toLowerCase()))
                  .map((a) => (
                    <label key={a.action} className="picker-row">
                      <input
                        type="checkbox"
                        checked={chosen.has(a.action)}
                        data-testid={`action-${a.action}`}
                        onChange={(e) => {
                          const next = new Set(chosen);
                          if (e.target.checked) next.add(a.action);
                          else next.delete(a.action);
                          setChosen(next);
                        }}
                      />
                      <code>{a.action}</code>
                      <span className={`level level-${a.level}`}>{a.level}</span>
                    </label>
                  ))}
              </div>
              <button className="primary-btn" disabled={!chosen.size} data-testid="apply-actions" onClick={() => props.onOps(setAccessOps(edge, { actions: [...chosen].sort() }))}>
                Use {chosen.size} action{chosen.size === 1 ? "" : "s"}
              </button>
            </div>
          )}
        </section>
      )}
      {edge.kind === "trigger" && edge.path && (
        <section className="form">
          {(["batch_size", "maximum_batching_window", "enabled"] as const).map((key) => (
            <label key={key} className="field">
              <span className="field-label">{key}</span>
              <input
                defaultValue={perm?.[key] ?? ""}
                placeholder={key === "batch_size" ? "10" : key === "enabled" ? "true" : "0"}
                data-testid={`field-trigger-${key}`}
                onBlur={(e) => {
                  const text = e.target.value.trim();
                  const value: Json | undefined = text === "" ? undefined : key === "enabled" ? text === "true" : Number(text);
                  if (String(perm?.[key] ?? "") !== text) props.onOps(fieldOps([...edge.path!, key], value));
                }}
              />
            </label>
          ))}
        </section>
      )}
      {edge.kind === "route" && edge.path && (
        <section>
          {(perm as string[] | null)?.map((route, index) => (
            <div key={route} className="route-row">
              <code>{route}</code>
              <button className="icon-btn" onClick={() => props.onOps([{ op: "delete", path: [...edge.path!, index] }])}>×</button>
            </div>
          ))}
          <RouteAdder onAdd={(route) => props.onOps([{ op: "append", path: edge.path!, value: route }])} />
        </section>
      )}
    </aside>
  );
}

function RouteAdder({ onAdd }: { onAdd: (route: string) => void }) {
  const [route, setRoute] = useState("");
  return (
    <div className="map-row">
      <input placeholder="GET /status" value={route} onChange={(e) => setRoute(e.target.value)} />
      <button className="icon-btn" disabled={!route} onClick={() => (onAdd(route), setRoute(""))}>+</button>
    </div>
  );
}

export function ProblemsList(props: { problems: Problem[]; onPick: (problem: Problem) => void; open: boolean; onToggle: () => void }) {
  const errors = props.problems.filter((p) => p.severity === "error").length;
  const warnings = props.problems.length - errors;
  return (
    <section className={`problems ${props.open ? "open" : ""}`} data-testid="problems">
      <button className="problems-bar" onClick={props.onToggle}>
        <span className={errors ? "count error" : "count ok"}>{errors} error{errors === 1 ? "" : "s"}</span>
        <span className={warnings ? "count warning" : "count ok"}>{warnings} warning{warnings === 1 ? "" : "s"}</span>
        <span className="muted">{props.open ? "hide" : "problems"}</span>
      </button>
      {props.open && (
        <ul className="problem-list">
          {props.problems.length === 0 && <li className="muted">strands.yaml is valid.</li>}
          {props.problems.map((p, i) => (
            <li key={i} className={`problem ${p.severity}`} onClick={() => props.onPick(p)} data-testid="problem">
              <span className="where">{p.file ?? ""}{p.line ? `:${p.line}` : ""}{p.column ? `:${p.column}` : ""}</span>
              <span className="path">{p.path}</span>
              <span className="message">{p.message}</span>
              {p.hint && <span className="hint">{p.hint}</span>}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
