// The editor page for one graph: the workspace, or a not-found page when the hub does not list the graph.
import { createSignal, Show } from "solid-js";
import { linkClick } from "../router.ts";
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
    <main class="page page-narrow" data-page="graph-not-found">
      <h1>Graph not found</h1>
      <p class="muted">
        There is no graph <code>{props.graphId}</code> on this hub. It may have been deleted.
      </p>
      <p>
        <a href="/" onClick={linkClick}>
          Back to the graphs
        </a>
      </p>
    </main>
  );
}
