// Editor toolbar: back to the list, graph name, connection indicator, counts, auto-layout and the Start/Stop button.
import { createSignal, Show } from "solid-js";
import { LIMITS } from "../../../shared/limits.ts";
import { useEditor } from "../editorContext.ts";
import { boundsOf } from "../geometry.ts";
import { layoutGraph } from "../layout.ts";
import { reportError } from "../notices.ts";
import { linkClick } from "../router.ts";
import { setSnap, snapOn } from "../snap.ts";
import { ConnectionIndicator } from "./ConnectionIndicator.tsx";
import { PresenceList } from "./PresenceList.tsx";
import { UserChip } from "./UserChip.tsx";

export function Toolbar() {
  const editor = useEditor();
  const meta = () => editor.graph.state.meta;
  const running = () => meta().running;
  const [layingOut, setLayingOut] = createSignal(false);
  const autoLayout = async () => {
    setLayingOut(true);
    try {
      // Let "Laying out…" paint first (ELK itself runs in a Web Worker: seconds on ~1,000 nodes).
      await new Promise((painted) => requestAnimationFrame(() => setTimeout(painted)));
      const { nodes, edges } = editor.graph.state;
      const positions = await layoutGraph(Object.values(nodes), Object.values(edges), editor.portsOf, {
        selected: editor.selection.nodes(),
      });
      for (const [id, p] of positions) editor.actions.moveNode(id, p.x, p.y);
      // Written now, as one undo step.
      editor.actions.endMove();
      editor.viewport.fit(boundsOf(Object.values(editor.graph.state.nodes), editor.portsOf));
    } catch (error) {
      reportError("Auto-layout failed", error);
    } finally {
      setLayingOut(false);
    }
  };
  return (
    <header class="toolbar" role="toolbar" aria-label="Graph">
      <a class="toolbar-back" href="/" onClick={linkClick} aria-label="All graphs">
        <span aria-hidden="true">←</span> Graphs
      </a>
      <div class="toolbar-title">
        <h1 class="graph-title" title={meta().description || undefined}>
          <input
            class="graph-name"
            aria-label="Graph name"
            data-graph-name
            value={meta().name || editor.graphId}
            size={Math.max(8, (meta().name || editor.graphId).length + 1)}
            maxLength={LIMITS.maxNameLength}
            disabled={!editor.synced() || editor.readOnly()}
            onKeyDown={(event) => {
              if (event.key === "Enter") event.currentTarget.blur();
              if (event.key === "Escape") {
                event.currentTarget.value = meta().name || editor.graphId;
                event.currentTarget.blur();
              }
            }}
            onChange={(event) => {
              editor.actions.renameGraph(event.currentTarget.value);
              event.currentTarget.value = meta().name || editor.graphId;
            }}
          />
        </h1>
        <ConnectionIndicator />
      </div>
      <div class="toolbar-spacer" />
      <PresenceList />
      <span class="muted toolbar-counts">
        {editor.graph.nodeIds().length} nodes · {editor.graph.edgeIds().length} edges
      </span>
      <Show when={editor.runtime.state.received}>
        <span class="muted toolbar-counts" title="Workers connected to this graph">
          {editor.runtime.state.workers.length} {editor.runtime.state.workers.length === 1 ? "worker" : "workers"}
        </span>
      </Show>
      <fieldset class="toolbar-history" aria-label="History">
        <button
          type="button"
          class="icon-button"
          data-action="undo"
          aria-label="Undo"
          title="Undo your last change (Ctrl+Z); others' changes are never undone"
          disabled={!editor.canUndo()}
          onClick={() => editor.actions.undo()}
        >
          ↶
        </button>
        <button
          type="button"
          class="icon-button"
          data-action="redo"
          aria-label="Redo"
          title="Redo (Ctrl+Shift+Z or Ctrl+Y)"
          disabled={!editor.canRedo()}
          onClick={() => editor.actions.redo()}
        >
          ↷
        </button>
      </fieldset>
      <button
        type="button"
        class="icon-button"
        data-action="snap"
        aria-label="Snap to grid"
        aria-pressed={snapOn()}
        title="Snap dragged nodes to the grid (hold Alt while dragging for the opposite)"
        onClick={() => setSnap(!snapOn())}
      >
        #
      </button>
      <button
        type="button"
        data-action="layout"
        disabled={layingOut() || editor.readOnly() || editor.graph.nodeIds().length === 0}
        title={
          editor.readOnly()
            ? "Viewers cannot rearrange the graph"
            : "Arrange the nodes left to right along their wires (only the selected ones when two or more are selected); one undo step"
        }
        onClick={() => void autoLayout()}
      >
        {layingOut() ? "Laying out…" : "Auto-layout"}
      </button>
      <UserChip graphId={editor.graphId} />
      <button
        type="button"
        class={running() ? "stop" : "primary"}
        data-action={running() ? "stop" : "start"}
        disabled={!editor.synced() || editor.readOnly()}
        title={editor.readOnly() ? "Viewers cannot start or stop the graph" : undefined}
        onClick={() => editor.actions.setRunning(!running())}
      >
        {running() ? "■ Stop" : "▶ Start"}
      </button>
    </header>
  );
}
