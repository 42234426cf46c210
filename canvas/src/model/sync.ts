// What a new version of the files (pushed by the server's watcher, or the echo of the canvas's own save) means
// for what the page holds. Pure, unit-tested: a wrong answer here is a false conflict dialog or lost work.
import type { Snapshot } from "../types";

export interface Draft {
  file: string;
  text: string; // the YAML view's unsaved text
  base: string; // revision of the file the draft started from
  baseText: string;
}

export type DocumentDecision =
  | { kind: "same" } // nothing changed
  | { kind: "accept" } // take the new version
  | { kind: "draft-saved" } // the file now holds exactly the draft (our own save came back): take it, drop the draft
  | { kind: "conflict-draft"; theirs: string; revision: string } // the file changed under the unsaved YAML view
  | { kind: "conflict-field" }; // the file changed while a form field has an unsaved value

export function decideDocument(current: Snapshot | null, next: Snapshot, draft: Draft | null, fieldPending: boolean): DocumentDecision {
  if (current && next.revision === current.revision) return { kind: "same" };
  if (!current) return { kind: "accept" };
  if (draft) {
    const theirs = next.files[draft.file]?.text ?? "";
    if (theirs === draft.text) return { kind: "draft-saved" };
    if (theirs === draft.baseText) return { kind: "accept" }; // another file changed: the draft stays valid
    return { kind: "conflict-draft", theirs, revision: next.files[draft.file]?.revision ?? "absent" };
  }
  if (fieldPending) return { kind: "conflict-field" };
  return { kind: "accept" };
}

/**
 * The snapshot the graph is drawn from: the current one, or — while a file does not parse (someone mid-edit in
 * another editor) — the last one that did, with the current problems, so the canvas does not go blank and invite
 * "drag an agent to start" on a project that is only broken for a moment.
 */
export function graphSource(current: Snapshot, lastReadable: Snapshot | null): { snapshot: Snapshot; stale: boolean } {
  if (!current.unreadable?.length || !lastReadable) return { snapshot: current, stale: false };
  return { snapshot: { ...lastReadable, problems: current.problems, valid: false }, stale: true };
}

/** Whether a snapshot can serve as the graph while a later version does not parse. */
export function isReadable(snapshot: Snapshot): boolean {
  return snapshot.exists && !snapshot.unreadable?.length;
}

/** The file a change from elsewhere touched (the one the conflict dialog compares): strands.yaml first, then fragments. */
export function changedFile(current: Snapshot, next: Snapshot): string {
  const names = [...new Set([...Object.keys(current.files), ...Object.keys(next.files)])];
  names.sort((a, b) => (a === "strands.yaml" ? -1 : b === "strands.yaml" ? 1 : a.localeCompare(b)));
  return names.find((f) => current.files[f]?.text !== next.files[f]?.text) ?? "strands.yaml";
}
