// A code param edited with CodeMirror 6 bound to the param's Y.Text (y-codemirror.next): two people typing in one
// program both keep their keystrokes, each sees the other's caret, and Ctrl+Z in the editor undoes only your typing.
import { defaultKeymap, indentWithTab } from "@codemirror/commands";
import { javascript } from "@codemirror/lang-javascript";
import { EditorState, type Extension } from "@codemirror/state";
import { drawSelection, EditorView, highlightActiveLine, keymap, lineNumbers } from "@codemirror/view";
import { onCleanup, onMount } from "solid-js";
import { yCollab, yUndoManagerKeymap } from "y-codemirror.next";
import * as Y from "yjs";
import type { JsonValue } from "../../../shared/graph.ts";
import type { ParamSpec } from "../../../shared/nodeTypes.ts";
import { useEditor } from "../editorContext.ts";

export interface CodeFieldProps {
  id: string;
  nodeId: string;
  name: string;
  spec: ParamSpec;
  /** The value as the store reads it: shown read-only when there is no Y.Text to bind (a viewer). */
  value: JsonValue | undefined;
  invalid: boolean;
  describedBy: string | undefined;
}

export function CodeField(props: CodeFieldProps) {
  const editor = useEditor();
  let host!: HTMLDivElement;

  onMount(() => {
    let view: EditorView | undefined;
    const common = (): Extension[] => [
      lineNumbers(),
      drawSelection(),
      highlightActiveLine(),
      props.spec.language === "javascript" ? javascript() : [],
      EditorView.contentAttributes.of({
        id: props.id,
        "aria-label": `${props.spec.title} (${props.spec.language || "code"}; Esc then Tab leaves the editor)`,
        ...(props.describedBy ? { "aria-describedby": props.describedBy } : {}),
        "aria-invalid": String(props.invalid),
      }),
    ];
    const mount = (text: Y.Text | undefined) => {
      view?.destroy();
      const readOnly = editor.readOnly() || !text;
      const extensions = [...common(), EditorState.readOnly.of(readOnly), EditorView.editable.of(!readOnly)];
      if (text) {
        extensions.push(
          keymap.of([...yUndoManagerKeymap, indentWithTab, ...defaultKeymap]),
          yCollab(text, editor.presence.awareness, { undoManager: new Y.UndoManager(text) }),
        );
      }
      const initial = text ? text.toString() : typeof props.value === "string" ? props.value : "";
      view = new EditorView({ parent: host, state: EditorState.create({ doc: initial, extensions }) });
    };
    const stop = editor.actions.watchCode(props.nodeId, props.name, mount);
    onCleanup(() => {
      stop();
      view?.destroy();
    });
  });

  return (
    <div class="code-field">
      <div class="code-meta">
        <span class="code-language" data-code-language={props.spec.language ?? ""}>
          {props.spec.language || "code"}
        </span>
        <span class="muted">Saved as you type · shared live · Esc, Tab leaves</span>
      </div>
      <div ref={host} class="code-editor" classList={{ invalid: props.invalid }} data-code-editor={props.name} />
    </div>
  );
}
