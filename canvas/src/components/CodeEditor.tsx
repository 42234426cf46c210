// CodeMirror 6 for the YAML view and the conflict dialog's side-by-side comparison, in the page's theme.
import { yaml } from "@codemirror/lang-yaml";
import { HighlightStyle, syntaxHighlighting } from "@codemirror/language";
import { MergeView } from "@codemirror/merge";
import { Compartment, EditorState, type Extension } from "@codemirror/state";
import { EditorView, keymap } from "@codemirror/view";
import { tags as t } from "@lezer/highlight";
import { basicSetup } from "codemirror";
import { useEffect, useRef } from "react";

export type ThemeMode = "dark" | "light";

// colours chosen for contrast on each background (keys, strings, numbers, comments, anchors)
const PALETTE = {
  dark: { bg: "#0f1320", gutter: "#0c1019", gutterText: "#6b7895", text: "#dfe6f3", active: "#1a2133", selection: "#2d3b5e", cursor: "#9fb3ff",
    key: "#8fb4ff", string: "#9be3b9", number: "#f5b94a", bool: "#ff9c6b", comment: "#7d8aa6", anchor: "#e6a3ff", punct: "#aab5cc" },
  light: { bg: "#ffffff", gutter: "#f4f6fa", gutterText: "#8a93a6", text: "#1d2433", active: "#eef2fb", selection: "#cfdcff", cursor: "#2346d8",
    key: "#1f4fbf", string: "#17794a", number: "#a35b00", bool: "#b5471b", comment: "#6b7488", anchor: "#8a2fb8", punct: "#4b5568" },
};

function themeFor(mode: ThemeMode): Extension {
  const c = PALETTE[mode];
  const editor = EditorView.theme(
    {
      "&": { height: "100%", fontSize: "12.5px", backgroundColor: c.bg, color: c.text },
      ".cm-content": { caretColor: c.cursor },
      ".cm-gutters": { backgroundColor: c.gutter, color: c.gutterText, border: "none" },
      ".cm-activeLine": { backgroundColor: c.active },
      ".cm-activeLineGutter": { backgroundColor: c.active },
      ".cm-selectionBackground, &.cm-focused .cm-selectionBackground, ::selection": { backgroundColor: `${c.selection} !important` },
      ".cm-cursor": { borderLeftColor: c.cursor },
      ".cm-scroller": { fontFamily: "'JetBrains Mono', 'Fira Code', ui-monospace, monospace" },
      ".cm-collapsedLines": { background: c.gutter, color: c.gutterText, borderTop: `1px solid ${c.active}`, borderBottom: `1px solid ${c.active}` },
      ".cm-foldPlaceholder": { background: c.active, color: c.gutterText, border: "none" },
    },
    { dark: mode === "dark" },
  );
  const highlight = HighlightStyle.define([
    { tag: [t.propertyName, t.definition(t.propertyName)], color: c.key },
    { tag: [t.string, t.special(t.string), t.content], color: c.string },
    { tag: [t.number, t.integer, t.float], color: c.number },
    { tag: [t.bool, t.null, t.atom, t.keyword], color: c.bool },
    { tag: [t.comment, t.lineComment, t.meta], color: c.comment, fontStyle: "italic" },
    { tag: [t.labelName, t.special(t.name), t.typeName], color: c.anchor },
    { tag: [t.punctuation, t.separator, t.squareBracket, t.brace], color: c.punct },
  ]);
  return [editor, syntaxHighlighting(highlight)];
}

/** The line separator a text uses, so a Windows (CRLF) file is saved with CRLF again. */
function separatorOf(text: string): string | undefined {
  return text.includes("\r\n") ? "\r\n" : undefined;
}

export function CodeEditor(props: { value: string; onChange?: (text: string) => void; onSave?: () => void; line?: number | null; readOnly?: boolean; testId?: string; theme: ThemeMode }) {
  const host = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const themeSlot = useRef(new Compartment());
  const separatorSlot = useRef(new Compartment());
  const latest = useRef(props);
  latest.current = props;

  useEffect(() => {
    if (!host.current) return;
    const state = EditorState.create({
      doc: props.value,
      extensions: [
        separatorSlot.current.of(EditorState.lineSeparator.of(separatorOf(props.value) ?? "\n")),
        basicSetup,
        yaml(),
        themeSlot.current.of(themeFor(props.theme)),
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
    view.current?.dispatch({ effects: themeSlot.current.reconfigure(themeFor(props.theme)) });
  }, [props.theme]);

  useEffect(() => {
    const v = view.current;
    if (v && v.state.doc.toString() !== props.value) {
      v.dispatch({
        effects: separatorSlot.current.reconfigure(EditorState.lineSeparator.of(separatorOf(props.value) ?? "\n")),
      });
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

export function DiffView(props: { left: string; right: string; theme: ThemeMode }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!host.current) return;
    const extensions = [basicSetup, yaml(), themeFor(props.theme), EditorState.readOnly.of(true), EditorView.editable.of(false)];
    const merge = new MergeView({
      a: { doc: props.left, extensions },
      b: { doc: props.right, extensions },
      parent: host.current,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    return () => merge.destroy();
  }, [props.left, props.right, props.theme]);
  return <div className="diff-view" ref={host} />;
}
