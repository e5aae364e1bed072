// Side-panel details of one selected edge: its ends, live queue figures, settings, dead letters, delete.
import { Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { DeadLetters } from "./DeadLetters.tsx";
import { EdgeSettingsForm } from "./EdgeSettingsForm.tsx";
import { EdgeStats } from "./EdgeStats.tsx";

export function EdgeInspector(props: { id: string }) {
  const editor = useEditor();
  const edge = () => editor.graph.state.edges[props.id];
  const nodeName = (id: string) => editor.graph.state.nodes[id]?.name || id;
  return (
    <Show when={edge()}>
      {(e) => (
        <div class="inspector-body" data-inspector="edge" data-inspector-edge={props.id}>
          <h2 class="panel-title">Edge</h2>
          <p class="mono muted small">{props.id}</p>
          <dl class="facts">
            <dt>From</dt>
            <dd>
              {nodeName(e().from)} <span class="mono muted">.{e().fromPort}</span>
            </dd>
            <dt>To</dt>
            <dd>
              {nodeName(e().to)} <span class="mono muted">.{e().toPort}</span>
            </dd>
          </dl>
          <EdgeStats id={props.id} />
          <EdgeSettingsForm id={props.id} />
          <DeadLetters id={props.id} />
          <button
            type="button"
            class="danger"
            data-action="delete-edge"
            onClick={() => {
              editor.actions.removeEdge(props.id);
              editor.selection.select(null);
            }}
          >
            Delete edge
          </button>
        </div>
      )}
    </Show>
  );
}
