// One open graph: owns the room, the stores and the selection, and lays out toolbar, palette, canvas and panels.
import { createComputed, createEffect, createSignal, on, onCleanup, onMount, Show } from "solid-js";
import { ApiError } from "../../../shared/errors.ts";
import { createGraphActions } from "../actions.ts";
import { getGraphStatus } from "../api.ts";
import { watchCollisions } from "../collisions.ts";
import { createDetail } from "../detail.ts";
import { EditorContext, type EditorContextValue } from "../editorContext.ts";
import { bindEditorKeys } from "../editorKeys.ts";
import { boundsOf, portsResolver } from "../geometry.ts";
import { createGraphStore } from "../graphStore.ts";
import { createHistory } from "../history.ts";
import { createNodeTypeStore } from "../nodeTypeStore.ts";
import { notify, reportError } from "../notices.ts";
import { browserIdentity, createPresence } from "../presence.ts";
import { openRoom } from "../room.ts";
import { createRuntimeStore } from "../runtimeStore.ts";
import { createSelection } from "../selection.ts";
import { mayEdit, session, sessionEnded } from "../session.ts";
import { hubUnreachable } from "../sessionCache.ts";
import { pageSettled } from "../swRegister.ts";
import { cachedTypes, cacheTypes } from "../typesCache.ts";
import { createViewport } from "../viewport.ts";
import { Canvas } from "./Canvas.tsx";
import { Inspector } from "./Inspector.tsx";
import { Palette } from "./Palette.tsx";
import { Toolbar } from "./Toolbar.tsx";
import { WorkersPanel } from "./WorkersPanel.tsx";

export function Workspace(props: { graphId: string; onMissing: () => void; onReset: () => void }) {
  const readOnly = () => !mayEdit(props.graphId);
  const runtime = createRuntimeStore();
  // The registry last seen for this graph (typesCache.ts) until the room's first push, else the built-ins.
  const types = createNodeTypeStore(cachedTypes(props.graphId));
  const room = openRoom(props.graphId, {
    onStatus: runtime.apply,
    onTypes: (list) => {
      types.apply(list);
      cacheTypes(props.graphId, list);
    },
  });
  // The room syncs the document itself; this request tells a missing graph from a slow hub and
  // shows runtime state before the first push arrives.
  getGraphStatus(props.graphId).then(
    (status) => {
      if (!runtime.state.received) runtime.apply(status);
    },
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 404) props.onMissing();
      // Offline, the local copy is the graph: the indicator says the hub is out of reach, not a notice.
      else if (!hubUnreachable(error)) reportError("Could not read the graph status", error);
    },
  );
  const graph = createGraphStore(room.doc);
  const history = createHistory(room.doc);
  const signedIn = session();
  const presence = createPresence(
    room.awareness,
    browserIdentity(signedIn.state === "signed-in" ? signedIn.me.name : undefined),
  );
  const collisions = watchCollisions(
    room.doc,
    (id) => graph.state.nodes[id]?.name,
    (id) => selection.has({ kind: "node", id }),
    (text) => notify("info", text, 15_000),
  );
  onCleanup(() => {
    collisions.destroy();
    presence.destroy();
    history.destroy();
    graph.dispose();
    room.destroy();
  });
  const actions = createGraphActions(room.doc, graph.state, types.lookup, history, readOnly);
  const portsOf = portsResolver(types.lookup, () => graph.state.edges);
  const viewport = createViewport();
  const [framed, setFramed] = createSignal(false);
  const detail = createDetail(viewport, () => graph.raw.nodes, graph.revision);
  // What a peer deleted drops out of the selection by itself.
  const selection = createSelection((item) =>
    item.kind === "node" ? graph.state.nodes[item.id] !== undefined : graph.state.edges[item.id] !== undefined,
  );

  const editor: EditorContextValue = {
    graphId: props.graphId,
    graph,
    runtime,
    types,
    portsOf,
    actions,
    viewport,
    detail,
    connection: room.connection,
    synced: framed,
    unsynced: room.unsynced,
    readOnly,
    selection,
    presence,
    canUndo: () => !readOnly() && history.canUndo(),
    canRedo: () => !readOnly() && history.canRedo(),
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

  // Frame the whole graph once, when the first sync has delivered it; the editor counts as synced (and the canvas
  // builds the nodes) only then, so they are built once, at the level of detail of that view. Built as the sync
  // lands and framed after, a thousand nodes got their near-zoom bodies and lost them again in one task.
  createComputed(
    on(
      room.synced,
      (synced) => {
        if (!synced) return;
        viewport.fit(boundsOf(Object.values(graph.state.nodes), portsOf));
        setFramed(true);
      },
      { defer: true },
    ),
  );

  onMount(() => onCleanup(bindEditorKeys(editor)));
  // Once the first sync is painted (the frame after the one that drew it), the offline worker may install.
  createEffect(() => {
    if (room.synced()) requestAnimationFrame(() => setTimeout(pageSettled));
  });

  // What this browser shows others: its selected nodes and where it looks.
  createEffect(() => presence.setSelection(selection.nodes()));
  createEffect(() => presence.setView({ center: viewport.center(), zoom: viewport.view().zoom }));
  // Following someone: their viewport becomes ours whenever it changes.
  createEffect(() => {
    const followed = presence.following();
    const peer = presence.peers().find((p) => p.clientId === followed);
    if (peer?.view) viewport.centerOn(peer.view.center, peer.view.zoom);
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
