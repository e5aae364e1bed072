// Per-user undo and redo: a Y.UndoManager that records only this browser's own edits (LOCAL_ORIGIN), so undo
// never reverts what another person did. One gesture (a drag, a paste, a delete) is one step.
import { type Accessor, createSignal } from "solid-js";
import * as Y from "yjs";
import { edgesMap, metaMap, nodesMap } from "../../shared/ydoc.ts";

/** The transaction origin of every edit this editor makes; remote updates arrive with the provider's origin. */
export const LOCAL_ORIGIN = Symbol("weft-local-edit");

export interface History {
  undo(): boolean;
  redo(): boolean;
  canUndo: Accessor<boolean>;
  canRedo: Accessor<boolean>;
  /** Ends the current step: the next local edit starts a new one. */
  cut(): void;
  destroy(): void;
}

export function createHistory(doc: Y.Doc): History {
  const manager = new Y.UndoManager([nodesMap(doc), edgesMap(doc), metaMap(doc)], {
    trackedOrigins: new Set([LOCAL_ORIGIN]),
    // Steps are cut explicitly around each gesture (cut()); within one, every frame of a drag merges.
    captureTimeout: Number.MAX_SAFE_INTEGER,
  });
  const [canUndo, setCanUndo] = createSignal(false);
  const [canRedo, setCanRedo] = createSignal(false);
  const refresh = () => {
    setCanUndo(manager.canUndo());
    setCanRedo(manager.canRedo());
  };
  for (const event of ["stack-item-added", "stack-item-popped", "stack-cleared"] as const) manager.on(event, refresh);
  return {
    undo() {
      manager.stopCapturing();
      return manager.undo() !== null;
    },
    redo() {
      manager.stopCapturing();
      return manager.redo() !== null;
    },
    canUndo,
    canRedo,
    cut() {
      manager.stopCapturing();
    },
    destroy() {
      manager.destroy();
    },
  };
}
