// The side panel's upper part: details of the selected node or edge, or a summary of the graph; below it, for a
// selected edge, its message sampler.
import { Match, Show, Switch } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { EdgeDebugPanel } from "./EdgeDebugPanel.tsx";
import { EdgeInspector } from "./EdgeInspector.tsx";
import { GraphSummary } from "./GraphSummary.tsx";
import { NodeInspector } from "./NodeInspector.tsx";

export function Inspector() {
  const editor = useEditor();
  const nodeId = () => {
    const s = editor.selection.single();
    return s?.kind === "node" ? s.id : undefined;
  };
  const edgeId = () => {
    const s = editor.selection.single();
    return s?.kind === "edge" ? s.id : undefined;
  };
  return (
    <>
      <section class="inspector panel" aria-label="Inspector">
        {/* A viewer sees every field but can change none of them. */}
        <fieldset class="inspector-fields" disabled={editor.readOnly()}>
          <Switch fallback={<GraphSummary />}>
            <Match when={nodeId()} keyed>
              {(id) => <NodeInspector id={id} />}
            </Match>
            <Match when={edgeId()} keyed>
              {(id) => <EdgeInspector id={id} />}
            </Match>
          </Switch>
        </fieldset>
      </section>
      <Show when={edgeId()} keyed>
        {(id) => <EdgeDebugPanel id={id} />}
      </Show>
    </>
  );
}
