// The editor page for one graph: the workspace, or a not-found page when the hub does not list the graph.
import { createSignal, Show } from "solid-js";
import { NotFound } from "./NotFound.tsx";
import { Workspace } from "./Workspace.tsx";

export function Editor(props: { graphId: string }) {
  const [missing, setMissing] = createSignal(false);
  return (
    <Show when={!missing()} fallback={<GraphNotFound graphId={props.graphId} />}>
      <Workspace graphId={props.graphId} onMissing={() => setMissing(true)} />
    </Show>
  );
}

function GraphNotFound(props: { graphId: string }) {
  return (
    <NotFound title="Graph not found" page="graph-not-found">
      <p class="muted">
        There is no graph <code>{props.graphId}</code> on this hub. It may have been deleted.
      </p>
    </NotFound>
  );
}
