// CodeMirror 6 for the YAML view and the conflict dialog's side-by-side comparison.
import { yaml } from "@codemirror/lang-yaml";
import { MergeView } from "@codemirror/merge";
import { EditorState } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

const theme = EditorView.theme({
  "&": { height: "100%", fontSize: "12.5px", backgroundColor: "#0f1320", color: "#dfe6f3" },
  ".cm-gutters": { backgroundColor: "#0c1019", color: "#5d6a85", border: "none" },
  ".cm-activeLine": { backgroundColor: "#1a2133" },
  ".cm-activeLineGutter": { backgroundColor: "#1a2133" },
  ".cm-selectionBackground, &.cm-focused .cm-selectionBackground": { backgroundColor: "#2d3b5e !important" },
  ".cm-cursor": { borderLeftColor: "#9fb3ff" },
  ".cm-scroller": { fontFamily: "'JetBrains Mono', 'Fira Code', ui-monospace, monospace" },
});

export function CodeEditor(props: { value: string; onChange?: (text: string) => void; onSave?: () => void; line?: number | null; readOnly?: boolean; testId?: string }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (!host.current) return;
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        basicSetup,
        yaml(),
        theme,
        EditorView.lineWrapping,
        EditorState.readOnly.of(!!props.readOnly),
        keymap.of([{ key: "Mod-s", preventDefault: true, run: () => (latest.current.onSave?.(), true) }]),
        EditorView.updateListener.of((update) => {
          if (update.docChanged) latest.current.onChange?.(update.state.doc.toString());
        }),
      ],
    });
    view.current = new EditorView({ state, parent: host.current });
    return () => view.current?.destroy();
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [props.readOnly]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) {
      v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
    }
  }, [props.value]);

  useEffect(() => {
    const v = view.current;
    if (!v || !props.line) return;
    const line = v.state.doc.line(Math.min(Math.max(1, props.line), v.state.doc.lines));
    v.dispatch({ selection: { anchor: line.from, head: line.to }, effects: EditorView.scrollIntoView(line.from, { y: "center" }) });
  }, [props.line]);

  return <div className="code-editor" ref={host} data-testid={props.testId} />;
}

export function DiffView(props: { left: string; right: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const extensions = [basicSetup, yaml(), theme, EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const merge = new MergeView({
      a: { doc: props.left, extensions },
      b: { doc: props.right, extensions },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => merge.destroy();
  }, [props.left, props.right]);
  return <div className="diff-view" ref={host} />;
}
