// The Yjs → Solid adapter: every kind of document change reaches the store, and only what changed is touched.
import { createEffect, createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import {
  addEdge,
  addNode,
  moveNode,
  removeNode,
  replaceGraph,
  setNodeField,
  setParam,
  setRunning,
} from "../../shared/ydoc.ts";
import { createGraphStore, type GraphStore } from "./graphStore.ts";

/** Runs `run` outside the store's root, as the app does: edits arrive later, from events. */
function withStore(run: (doc: Y.Doc, store: GraphStore) => void): void {
  const doc = new Y.Doc();
  const { store, dispose } = createRoot((dispose) => ({ store: createGraphStore(doc), dispose }));
  try {
    run(doc, store);
  } finally {
    store.dispose();
    dispose();
  }
}

const node = (id: string, type = "random") => ({ id, type, name: id, x: 0, y: 0, params: {} });

describe("createGraphStore", () => {
  it("mirrors adds, field edits, params, moves and removals", () => {
    withStore((doc, { state, nodeIds, edgeIds }) => {
      addNode(doc, node("a"));
      addNode(doc, node("b", "log"));
      addEdge(doc, { id: "e", from: "a", fromPort: "out", to: "b", toPort: "in" });
      expect(nodeIds()).toEqual(["a", "b"]);
      expect(edgeIds()).toEqual(["e"]);
      moveNode(doc, "a", 40, 60);
      setNodeField(doc, "a", "name", "Source");
      setParam(doc, "a", "intervalMs", 250);
      setRunning(doc, true);
      expect(state.nodes.a).toMatchObject({ x: 40, y: 60, name: "Source", params: { intervalMs: 250 } });
      expect(state.meta.running).toBe(true);
      removeNode(doc, "a");
      expect(nodeIds()).toEqual(["b"]);
      expect(state.edges.e).toBeUndefined();
    });
  });

  it("applies changes from another peer", () => {
    withStore((doc, { state }) => {
      const remote = new Y.Doc();
      remote.on("update", (update: Uint8Array) => Y.applyUpdate(doc, update, "remote"));
      addNode(remote, node("r"));
      moveNode(remote, "r", 5, 7);
      expect(state.nodes.r).toMatchObject({ x: 5, y: 7 });
    });
  });

  it("takes a bulk import in one pass", () => {
    withStore((doc, { state, nodeIds }) => {
      const nodes = Array.from({ length: 1000 }, (_, i) => node(`n${i}`));
      replaceGraph(doc, { name: "big", description: "", running: false, nodes, edges: [] });
      expect(nodeIds()).toHaveLength(1000);
      expect(state.meta.name).toBe("big");
    });
  });

  it("a move touches that node's coordinates and not the id list", () => {
    withStore((doc, { state, nodeIds }) => {
      addNode(doc, node("a"));
      addNode(doc, node("b"));
      let idRuns = 0;
      let bRuns = 0;
      const dispose = createRoot((dispose) => {
        createEffect(() => {
          nodeIds();
          idRuns++;
        });
        createEffect(() => {
          void state.nodes.b?.x;
          bRuns++;
        });
        return dispose;
      });
      expect({ idRuns, bRuns }).toEqual({ idRuns: 1, bRuns: 1 });
      moveNode(doc, "a", 10, 10);
      expect(state.nodes.a?.x).toBe(10);
      expect({ idRuns, bRuns }).toEqual({ idRuns: 1, bRuns: 1 });
      moveNode(doc, "b", 10, 10);
      expect({ idRuns, bRuns }).toEqual({ idRuns: 1, bRuns: 2 });
      dispose();
    });
  });
});
