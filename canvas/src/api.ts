// The canvas server's API: every call carries the token from the page URL; one WebSocket with reconnects.
import type { DeploymentInfo } from "./model/live";
import type { Op, PlanJob, Snapshot } from "./types";

const TOKEN_KEY = "strands-canvas-token";

export function readToken(): string | null {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get("token");
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    // keep the token out of the address bar (screenshots, screen sharing); the session keeps it
    url.searchParams.delete("token");
    window.history.replaceState(null, "", url.pathname + url.search + url.hash);
    return fromUrl;
  }
  return sessionStorage.getItem(TOKEN_KEY);
}

export interface HistoryRow {
  id: string;
  command: string;
  status: string;
  started_at: string;
  finished_at: string | null;
  duration_seconds: number | null;
  who: string | null;
  git: { commit: string | null; branch: string | null; dirty: boolean | null };
  changes: { created: number; updated: number; replaced: number; deleted: number };
  rollback_of: string | null;
  parallel_efficiency: number | null;
}

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: any,
  ) {
    super(body?.error?.summary ?? `HTTP ${status}`);
  }
  get hint(): string | null {
    return this.body?.error?.hint ?? null;
  }
}

export class Api {
  constructor(private token: string) {}

  private async call<T>(method: string, path: string, body?: unknown): Promise<T> {
    const response = await fetch(path, {
      method,
      headers: { "X-Strands-Token": this.token, ...(body !== undefined ? { "Content-Type": "application/json" } : {}) },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await response.text();
    const data = text && response.headers.get("content-type")?.includes("json") ? JSON.parse(text) : text;
    if (!response.ok) throw new ApiError(response.status, data);
    return data as T;
  }

  project(environment?: string): Promise<Snapshot> {
    return this.call("GET", `/api/project${environment ? `?environment=${encodeURIComponent(environment)}` : ""}`);
  }
  schema(): Promise<any> {
    return this.call("GET", "/api/schema");
  }
  edit(base: string, ops: Op[]): Promise<{ written: string[]; snapshot: Snapshot }> {
    return this.call("POST", "/api/edit", { base, ops });
  }
  saveFile(file: string, text: string, baseRevision: string): Promise<{ written: string[]; snapshot: Snapshot }> {
    return this.call("PUT", "/api/files", { file, text, base_revision: baseRevision });
  }
  merge(file: string, baseText: string, mine: string): Promise<{ text: string; conflicts: number; conflict_lines: number[]; disk_revision: string }> {
    return this.call("POST", "/api/merge", { file, base_text: baseText, mine });
  }
  positions(positions: Record<string, { x: number; y: number } | null>, replace = false): Promise<unknown> {
    return this.call("PUT", "/api/positions", { positions, replace });
  }
  iamActions(kind: string): Promise<{ actions: { action: string; level: string; templates: string[] }[] }> {
    return this.call("GET", `/api/iam-actions?kind=${encodeURIComponent(kind)}`);
  }
  plan(environment: string): Promise<{ job: PlanJob }> {
    return this.call("POST", "/api/plan", { environment });
  }
  cancelPlan(): Promise<unknown> {
    return this.call("DELETE", "/api/plan");
  }
  currentPlan(): Promise<{ job: PlanJob | null }> {
    return this.call("GET", "/api/plan");
  }
  deployState(): Promise<{ current: DeploymentInfo | null; last: DeploymentInfo | null; lock: string | null }> {
    return this.call("GET", "/api/deploy");
  }
  deploy(command: "apply" | "destroy" | "rollback", environment: string, deployment?: string): Promise<{ deployment: DeploymentInfo }> {
    return this.call("POST", "/api/deploy", { command, environment, ...(deployment ? { deployment } : {}) });
  }
  confirmDeploy(approve: boolean, projectName?: string): Promise<unknown> {
    return this.call("POST", "/api/deploy/confirm", { approve, ...(projectName !== undefined ? { project_name: projectName } : {}) });
  }
  cancelDeploy(): Promise<{ cancelled: boolean; how: string }> {
    return this.call("DELETE", "/api/deploy");
  }
  history(environment: string): Promise<{ environment: string; records: HistoryRow[] }> {
    return this.call("GET", `/api/history?environment=${encodeURIComponent(environment)}`);
  }
  historyRecord(environment: string, id: string): Promise<{ record: any }> {
    return this.call("GET", `/api/history/record?environment=${encodeURIComponent(environment)}&id=${encodeURIComponent(id)}`);
  }
  compare(environment: string, a: string, b: string): Promise<{ diff: any; a: any; b: any }> {
    return this.call("GET", `/api/history/compare?environment=${encodeURIComponent(environment)}&a=${encodeURIComponent(a)}&b=${encodeURIComponent(b)}`);
  }
  templates(): Promise<{ templates: { id: string; name: string; title: string; description: string; builtin: boolean }[] }> {
    return this.call("GET", "/api/templates");
  }
  applyTemplate(template: string, project: string): Promise<{ snapshot: Snapshot }> {
    return this.call("POST", "/api/templates/apply", { template, project });
  }
  saveTemplate(name: string, description: string): Promise<unknown> {
    return this.call("POST", "/api/templates/save", { name, description });
  }
  importTemplate(text: string): Promise<unknown> {
    return this.call("POST", "/api/templates/import", { text });
  }
  async exportTemplate(name: string): Promise<string> {
    return this.call("GET", `/api/templates/export?name=${encodeURIComponent(name)}`);
  }

  /** The project's event channel; reconnects with backoff and tells the page each time it (re)opens. */
  connect(onEvent: (event: any) => void, onState: (open: boolean) => void): () => void {
    let socket: WebSocket | null = null;
    let closed = false;
    let delay = 250;
    const open = () => {
      const scheme = window.location.protocol === "https:" ? "wss" : "ws";
      socket = new WebSocket(`${scheme}://${window.location.host}/api/ws?token=${encodeURIComponent(this.token)}`);
      socket.onopen = () => {
        delay = 250;
        onState(true);
      };
      socket.onmessage = (message) => {
        try {
          onEvent(JSON.parse(message.data));
        } catch {
          /* not ours */
        }
      };
      socket.onclose = () => {
        onState(false);
        if (!closed) window.setTimeout(open, (delay = Math.min(delay * 2, 5000)));
      };
    };
    open();
    return () => {
      closed = true;
      socket?.close();
    };
  }
}
