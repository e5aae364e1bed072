// Editor toolbar: back to the list, graph name, connection indicator, counts and the Start/Stop button.
import { Show } from "solid-js";
import { useEditor } from "../editorContext.ts";
import { linkClick } from "../router.ts";
import { ConnectionIndicator } from "./ConnectionIndicator.tsx";

export function Toolbar() {
  const editor = useEditor();
  const meta = () => editor.graph.state.meta;
  const running = () => meta().running;
  return (
    <header class="toolbar" role="toolbar" aria-label="Graph">
      <a class="toolbar-back" href="/" onClick={linkClick} aria-label="All graphs">
        <span aria-hidden="true">←</span> Graphs
      </a>
      <div class="toolbar-title">
        <h1 class="graph-title" title={meta().description || undefined}>
          {meta().name || editor.graphId}
        </h1>
        <ConnectionIndicator />
      </div>
      <div class="toolbar-spacer" />
      <span class="muted toolbar-counts">
        {editor.graph.nodeIds().length} nodes · {editor.graph.edgeIds().length} edges
      </span>
      <Show when={editor.runtime.state.received}>
        <span class="muted toolbar-counts" title="Workers connected to this graph">
          {editor.runtime.state.workers.length} {editor.runtime.state.workers.length === 1 ? "worker" : "workers"}
        </span>
      </Show>
      <button
        type="button"
        class={running() ? "stop" : "primary"}
        data-action={running() ? "stop" : "start"}
        disabled={!editor.synced()}
        onClick={() => editor.actions.setRunning(!running())}
      >
        {running() ? "■ Stop" : "▶ Start"}
      </button>
    </header>
  );
}
