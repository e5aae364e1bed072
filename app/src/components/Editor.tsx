// The editor page for one graph: the workspace, or a not-found page when the hub does not list the graph.
// When the room says this copy of the document must go (an edit refused, the graph replaced), the workspace
// is built again from a fresh sync.
import { createSignal, For, Show } from "solid-js";
import { NotFound } from "./NotFound.tsx";
import { RescuedCopy } from "./RescuedCopy.tsx";
import { Workspace } from "./Workspace.tsx";

export function Editor(props: { graphId: string }) {
  const [missing, setMissing] = createSignal(false);
  const [generation, setGeneration] = createSignal(0);
  return (
    <Show when={!missing()} fallback={<GraphNotFound graphId={props.graphId} />}>
      <For each={[generation()]}>
        {() => (
          <Workspace
            graphId={props.graphId}
            onMissing={() => setMissing(true)}
            onReset={() => setGeneration((n) => n + 1)}
          />
        )}
      </For>
    </Show>
  );
}

function GraphNotFound(props: { graphId: string }) {
  return (
    <NotFound title="Graph not found" page="graph-not-found">
      <p class="muted">
        There is no graph <code>{props.graphId}</code> on this hub. It may have been deleted.
      </p>
      <RescuedCopy graphId={props.graphId} />
    </NotFound>
  );
}
