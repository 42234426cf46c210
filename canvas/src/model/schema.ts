// The properties form is built from the JSON Schema of strands.yaml (`strands schema`, served by /api/schema),
// so every field the models accept is editable and the form cannot drift from them. Pure, unit-tested.
import type { NodeKind } from "./graph";

export type Widget = "text" | "number" | "select" | "bool" | "map" | "list" | "object" | "objects" | "yaml";

export interface FieldSpec {
  key: string;
  title: string;
  description: string;
  widget: Widget;
  options: string[];
  required: boolean;
  nullable: boolean;
  minimum?: number;
  maximum?: number;
  pattern?: string;
  defaultValue?: unknown;
  schema: any; // the resolved schema of the value (objects: nested fields; objects: the item schema)
}

const DEF_OF_KIND: Partial<Record<NodeKind, string>> = {
  agent: "AgentConfig",
  s3: "S3Resource",
  dynamodb: "DynamoDbResource",
  sqs: "SqsResource",
  sns: "SnsResource",
  vpc: "VpcConfig",
};

// Fields the canvas edits elsewhere (name, the graph's edges) stay out of the generic form.
const HIDDEN: Partial<Record<NodeKind, string[]>> = {
  agent: ["permissions", "triggers"],
  s3: ["type"],
  dynamodb: ["type"],
  sqs: ["type"],
  sns: ["type"],
};

export function resolve(root: any, schema: any): any {
  let current = schema;
  for (let depth = 0; current && typeof current.$ref === "string" && depth < 20; depth++) {
    const name = current.$ref.replace(/^#\/\$defs\//, "");
    current = { ...root.$defs?.[name], ...Object.fromEntries(Object.entries(current).filter(([k]) => k !== "$ref")) };
  }
  return current ?? {};
}

/** The schema of one node kind's settings (null for derived, read-only kinds). */
export function schemaFor(root: any, kind: NodeKind): any | null {
  const def = DEF_OF_KIND[kind];
  return def && root?.$defs?.[def] ? root.$defs[def] : null;
}

function branches(root: any, schema: any): { nonNull: any[]; nullable: boolean } {
  const options = (schema.anyOf ?? schema.oneOf ?? null) as any[] | null;
  if (!options) return { nonNull: [resolve(root, schema)], nullable: false };
  const resolved = options.map((o) => resolve(root, o));
  const nonNull = resolved.filter((o) => o.type !== "null");
  return { nonNull, nullable: nonNull.length !== resolved.length };
}

function widgetOf(root: any, schema: any): { widget: Widget; options: string[]; value: any } {
  const { nonNull } = branches(root, schema);
  if (nonNull.length !== 1) return { widget: "yaml", options: [], value: schema };
  const value = nonNull[0];
  if (Array.isArray(value.enum)) return { widget: "select", options: value.enum.map(String), value };
  if (value.const !== undefined) return { widget: "select", options: [String(value.const)], value };
  const type = Array.isArray(value.type) ? value.type.find((t: string) => t !== "null") : value.type;
  switch (type) {
    case "boolean":
      return { widget: "bool", options: [], value };
    case "integer":
    case "number":
      return { widget: "number", options: [], value };
    case "string":
      return { widget: "text", options: [], value };
    case "object":
      if (value.properties) return { widget: "object", options: [], value };
      if (value.additionalProperties && typeof value.additionalProperties === "object") {
        const inner = resolve(root, value.additionalProperties);
        const simple = inner.type === "string" || (Array.isArray(inner.type) && inner.type.every((t: string) => ["string", "number"].includes(t)));
        return { widget: simple ? "map" : "yaml", options: [], value };
      }
      return { widget: "yaml", options: [], value };
    case "array": {
      const items = resolve(root, value.items ?? {});
      if (items.properties) return { widget: "objects", options: [], value: { ...value, items } };
      if (Array.isArray(items.enum)) return { widget: "list", options: items.enum.map(String), value: { ...value, items } };
      return { widget: items.type === "string" ? "list" : "yaml", options: [], value: { ...value, items } };
    }
    default:
      return { widget: "yaml", options: [], value };
  }
}

/** The form fields of an object schema, in the models' order. */
export function fieldsOf(root: any, objectSchema: any, kind?: NodeKind): FieldSpec[] {
  const schema = resolve(root, objectSchema);
  const required = new Set<string>(schema.required ?? []);
  const hidden = new Set(kind ? HIDDEN[kind] ?? [] : []);
  const out: FieldSpec[] = [];
  for (const [key, raw] of Object.entries<any>(schema.properties ?? {})) {
    if (hidden.has(key)) continue;
    const { nullable } = branches(root, raw);
    const { widget, options, value } = widgetOf(root, raw);
    out.push({
      key,
      title: raw.title ?? key,
      description: raw.description ?? value.description ?? "",
      widget,
      options,
      required: required.has(key),
      nullable,
      minimum: value.minimum,
      maximum: value.maximum,
      pattern: value.pattern,
      defaultValue: raw.default,
      schema: value,
    });
  }
  return out;
}

/** A text typed into a field → the value to write (undefined: reset to the default). */
export function parseFieldText(field: Pick<FieldSpec, "widget">, text: string): unknown {
  const trimmed = text.trim();
  if (trimmed === "") return undefined;
  if (field.widget === "number") {
    const n = Number(trimmed);
    return Number.isFinite(n) ? n : trimmed; // the loader reports a non-number with its line
  }
  if (field.widget === "list") return trimmed.split(/[\n,]/).map((s) => s.trim()).filter(Boolean);
  return text;
}
