import { describe, expect, it } from "vitest";
import { changedFile, decideDocument, graphSource, isReadable, type Draft } from "./sync";
import type { Snapshot } from "../types";

function snap(revision: string, text: string): Snapshot {
  return { revision, files: { "strands.yaml": { text, revision: `r-${text.length}` } } } as unknown as Snapshot;
}

describe("a new version of the files", () => {
  const base = snap("1", "a: 1\n");
  const draft: Draft = { file: "strands.yaml", text: "a: 2\n", base: "r-5", baseText: "a: 1\n" };
  it("that is the canvas's own save coming back through the watcher is no conflict", () => {
    expect(decideDocument(base, snap("2", "a: 2\n"), draft, false)).toEqual({ kind: "draft-saved" });
  });
  it("that changed the file under unsaved YAML is a conflict with the disk version", () => {
    expect(decideDocument(base, snap("2", "a: 3\n"), draft, false)).toMatchObject({ kind: "conflict-draft", theirs: "a: 3\n" });
  });
  it("that leaves the draft's file alone keeps the draft", () => {
    expect(decideDocument(base, snap("2", "a: 1\n"), draft, false)).toEqual({ kind: "accept" });
  });
  it("while a form field is unsaved is a conflict; otherwise it is taken", () => {
    expect(decideDocument(base, snap("2", "a: 3\n"), null, true)).toEqual({ kind: "conflict-field" });
    expect(decideDocument(base, snap("2", "a: 3\n"), null, false)).toEqual({ kind: "accept" });
    expect(decideDocument(base, snap("1", "a: 1\n"), draft, true)).toEqual({ kind: "same" });
  });
});

describe("a file that does not parse", () => {
  const good = { ...snap("1", "agents: {a: {}}\n"), exists: true, data: { agents: { a: {} } }, problems: [], valid: true } as unknown as Snapshot;
  const broken = { ...snap("2", "agents: [\n"), exists: true, unreadable: ["strands.yaml"], data: {}, problems: [{ message: "invalid YAML" }], valid: false } as unknown as Snapshot;
  it("keeps the last readable graph with the current problems", () => {
    const shown = graphSource(broken, good);
    expect(shown.stale).toBe(true);
    expect(shown.snapshot.data).toEqual({ agents: { a: {} } });
    expect(shown.snapshot.problems).toEqual(broken.problems);
    expect(shown.snapshot.valid).toBe(false);
  });
  it("shows the current one when it parses, or when nothing readable came before", () => {
    expect(graphSource(good, null)).toEqual({ snapshot: good, stale: false });
    expect(graphSource(broken, null)).toEqual({ snapshot: broken, stale: false });
    expect(isReadable(good)).toBe(true);
    expect(isReadable(broken)).toBe(false);
  });
});

describe("the file another change touched", () => {
  const files = (main: string, fragment?: string) =>
    ({ files: { "strands.yaml": { text: main }, ...(fragment === undefined ? {} : { "agents/a/agent.yaml": { text: fragment } }) } }) as unknown as Snapshot;
  it("is the fragment when only the fragment changed, strands.yaml when both did", () => {
    expect(changedFile(files("m", "f"), files("m", "f2"))).toBe("agents/a/agent.yaml");
    expect(changedFile(files("m", "f"), files("m2", "f2"))).toBe("strands.yaml");
    expect(changedFile(files("m"), files("m", "new"))).toBe("agents/a/agent.yaml");
    expect(changedFile(files("m"), files("m"))).toBe("strands.yaml");
  });
});
