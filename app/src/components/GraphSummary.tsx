// Side-panel view when nothing is selected: the graph's description and how many processes are in each state.
import { createMemo, For, Show } from "solid-js";
import type { ProcessState } from "../../../shared/status.ts";
import { useEditor } from "../editorContext.ts";
import { downloadGraph } from "../graphTransfer.ts";
import { reportError } from "../notices.ts";

const STATES: ProcessState[] = ["running", "assigned", "pending", "blocked", "crashed", "stopped"];

export function GraphSummary() {
  const editor = useEditor();
  // A memo: the list and each of its items read it, and a thousand processes are counted once per change.
  const counts = createMemo(() => {
    const out: Record<string, number> = {};
    for (const p of Object.values(editor.runtime.state.processes)) out[p.state] = (out[p.state] ?? 0) + 1;
    return out;
  });
  return (
    <div class="inspector-body" data-inspector="graph">
      <h2 class="panel-title">{editor.graph.state.meta.name || editor.graphId}</h2>
      <Show when={editor.graph.state.meta.description}>
        <p class="muted">{editor.graph.state.meta.description}</p>
      </Show>
      <dl class="facts">
        <dt>Graph id</dt>
        <dd class="mono">{editor.graphId}</dd>
        <dt>Desired</dt>
        <dd>{editor.graph.state.meta.running ? "running" : "stopped"}</dd>
      </dl>
      <button
        type="button"
        class="ghost"
        data-action="export-graph"
        onClick={() => downloadGraph(editor.graphId).catch((error) => reportError("Could not export the graph", error))}
      >
        Export JSON
      </button>
      <h3 class="section-title">Processes</h3>
      <Show when={editor.runtime.state.received} fallback={<p class="muted small">Waiting for runtime status…</p>}>
        <ul class="state-counts" aria-label="Processes by state">
          <For each={STATES.filter((s) => counts()[s])}>
            {(state) => (
              <li>
                <span class={`badge badge-${state}`}>{state}</span> {counts()[state]}
              </li>
            )}
          </For>
        </ul>
      </Show>
      <p class="muted small">Select a node to edit it, or an edge to see its queue, settings and dead letters.</p>
    </div>
  );
}
