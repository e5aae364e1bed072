// One open graph: owns the room, the stores and the selection, and lays out toolbar, palette, canvas and panels.
import { createEffect, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import { ApiError } from "../../../shared/errors.ts";
import { createGraphActions } from "../actions.ts";
import { getGraphStatus } from "../api.ts";
import { EditorContext, type EditorContextValue, type Selection } from "../editorContext.ts";
import { boundsOf, portsResolver } from "../geometry.ts";
import { createGraphStore } from "../graphStore.ts";
import { createNodeTypeStore } from "../nodeTypeStore.ts";
import { reportError } from "../notices.ts";
import { openRoom } from "../room.ts";
import { createRuntimeStore } from "../runtimeStore.ts";
import { mayEdit, sessionEnded } from "../session.ts";
import { createViewport } from "../viewport.ts";
import { Canvas } from "./Canvas.tsx";
import { Inspector } from "./Inspector.tsx";
import { Palette } from "./Palette.tsx";
import { Toolbar } from "./Toolbar.tsx";
import { WorkersPanel } from "./WorkersPanel.tsx";

export function Workspace(props: { graphId: string; onMissing: () => void; onReset: () => void }) {
  const readOnly = () => !mayEdit(props.graphId);
  const runtime = createRuntimeStore();
  const types = createNodeTypeStore();
  const room = openRoom(props.graphId, { onStatus: runtime.apply, onTypes: types.apply });
  // The room syncs the document itself; this request tells a missing graph from a slow hub and
  // shows runtime state before the first push arrives.
  getGraphStatus(props.graphId).then(
    (status) => {
      if (!runtime.state.received) runtime.apply(status);
    },
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 404) props.onMissing();
      else reportError("Could not read the graph status", error);
    },
  );
  const graph = createGraphStore(room.doc);
  onCleanup(() => {
    graph.dispose();
    room.destroy();
  });
  const actions = createGraphActions(room.doc, graph.state, types.lookup, readOnly);
  const portsOf = portsResolver(types.lookup, () => graph.state.edges);
  const viewport = createViewport();
  const [rawSelection, setSelection] = createSignal<Selection>(null);

  // A selection whose node or edge was deleted (here or by a peer) reads as no selection.
  const selection = (): Selection => {
    const s = rawSelection();
    if (s?.kind === "node" && !graph.state.nodes[s.id]) return null;
    if (s?.kind === "edge" && !graph.state.edges[s.id]) return null;
    return s;
  };

  const editor: EditorContextValue = {
    graphId: props.graphId,
    graph,
    runtime,
    types,
    portsOf,
    actions,
    viewport,
    connection: room.connection,
    synced: room.synced,
    readOnly,
    selection,
    select: setSelection,
  };

  // The room closes with CLOSE-5 when someone deletes the graph, CLOSE-11/16 when this copy must be synced
  // afresh, CLOSE-15 when the session expired.
  createEffect(() => {
    const state = room.connection();
    if (state === "deleted") props.onMissing();
    else if (state === "reset") props.onReset();
    else if (state === "expired") sessionEnded("Your access token expired; sign in again.");
  });

  createEffect(() => {
    document.title = `${graph.state.meta.name || props.graphId} · Weft`;
  });
  onCleanup(() => {
    document.title = "Weft";
  });

  // Frame the whole graph once, when the first sync has delivered it.
  createEffect(
    on(
      room.synced,
      (synced) => {
        if (synced) viewport.fit(boundsOf(Object.values(graph.state.nodes), portsOf));
      },
      { defer: true },
    ),
  );

  onMount(() => {
    const onKey = (event: KeyboardEvent) => {
      if (isTyping(event.target)) return;
      const s = selection();
      if ((event.key === "Delete" || event.key === "Backspace") && s && !readOnly()) {
        event.preventDefault();
        if (s.kind === "node") actions.removeNode(s.id);
        else actions.removeEdge(s.id);
        setSelection(null);
      } else if (event.key === "Escape") {
        setSelection(null);
      }
    };
    window.addEventListener("keydown", onKey);
    onCleanup(() => window.removeEventListener("keydown", onKey));
  });

  return (
    <EditorContext.Provider value={editor}>
      <div class="editor">
        <Toolbar />
        <div class="editor-body">
          <div class="sidebar">
            <Show when={!readOnly()} fallback={<ReadOnlyNote />}>
              <Palette />
            </Show>
            <WorkersPanel />
          </div>
          <Canvas />
          <aside class="side" aria-label="Details">
            <Inspector />
          </aside>
        </div>
      </div>
    </EditorContext.Provider>
  );
}

function ReadOnlyNote() {
  return (
    <section class="panel read-only-note" data-read-only aria-label="Read only">
      <h2>View only</h2>
      <p class="muted">You are a viewer of this graph: you see it and its runtime state live, but cannot change it.</p>
    </section>
  );
}

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName);
}
