// What every editor component may use: the stores, the node types, the edit actions, the selection and the viewport.
import { type Accessor, createContext, useContext } from "solid-js";
import type { GraphActions } from "./actions.ts";
import type { Detail } from "./detail.ts";
import type { PortsOf } from "./geometry.ts";
import type { GraphStore } from "./graphStore.ts";
import type { NodeTypeStore } from "./nodeTypeStore.ts";
import type { Presence } from "./presence.ts";
import type { ConnectionState } from "./room.ts";
import type { RuntimeStore } from "./runtimeStore.ts";
import type { SelectionModel } from "./selection.ts";
import type { Viewport } from "./viewport.ts";

export interface EditorContextValue {
  graphId: string;
  graph: GraphStore;
  runtime: RuntimeStore;
  /** The graph's node-type registry (pushed by the room); look types up here, never in shared/nodeTypes.ts. */
  types: NodeTypeStore;
  /** The ports a node shows (its type's, or its edges' for an unknown type). */
  portsOf: PortsOf;
  actions: GraphActions;
  viewport: Viewport;
  /** Which nodes have their body built (detail.ts): near zoom, in or near the view. */
  detail: Detail;
  connection: Accessor<ConnectionState>;
  /** The graph has come (from the room or this device's copy) and the view is framed on it. */
  synced: Accessor<boolean>;
  /** Local edits the room does not have yet (made offline or while reconnecting). */
  unsynced: Accessor<number>;
  /** The signed-in user may only view this graph (the room drops a viewer's edits anyway). */
  readOnly: Accessor<boolean>;
  selection: SelectionModel;
  /** Who else is here: their cursors, selections and viewports. */
  presence: Presence;
  /** This browser's undo and redo (actions.undo/redo); whether there is a step to take. */
  canUndo: Accessor<boolean>;
  canRedo: Accessor<boolean>;
}

export const EditorContext = createContext<EditorContextValue>();

export function useEditor(): EditorContextValue {
  const value = useContext(EditorContext);
  if (!value) throw new Error("useEditor() outside <EditorContext.Provider>");
  return value;
}
