// Collisions: B deletes a node A is working on, or one A just drew an edge to, concurrently; after the merge the
// repair rule hides the dangling edge and A is told what happened. B's own deletions are not reported to B.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { addEdge, addNode, moveNode, readGraph, removeNode, setParam } from "../../shared/ydoc.ts";
import { watchCollisions } from "./collisions.ts";
import { LOCAL_ORIGIN } from "./history.ts";

const node = (id: string, type = "log") => ({ id, type, name: `Node ${id}`, x: 0, y: 0, params: {} });

/** A and B share a base graph, then diverge (a partition) until `merge`. */
function setup(selected: string[] = []) {
  const a = new Y.Doc();
  const b = new Y.Doc();
  a.transact(() => {
    addNode(a, node("src", "random"));
    addNode(a, node("x"));
    addNode(a, node("y"));
  });
  Y.applyUpdate(b, Y.encodeStateAsUpdate(a), "remote");
  const told: string[] = [];
  let clock = 1_000_000;
  // Like the editor's store, names are read as they were before the merge.
  const known = new Map(readGraph(a, "g").nodes.map((n) => [n.id, n.name]));
  const names = (id: string) => known.get(id);
  const watch = watchCollisions(
    a,
    names,
    (id) => selected.includes(id),
    (t) => told.push(t),
    () => clock,
  );
  const merge = () => {
    Y.applyUpdate(a, Y.encodeStateAsUpdate(b, Y.encodeStateVector(a)), "remote");
    Y.applyUpdate(b, Y.encodeStateAsUpdate(a, Y.encodeStateVector(b)), "remote");
  };
  const local = (change: () => void) => a.transact(change, LOCAL_ORIGIN);
  return { a, b, told, watch, merge, local, advance: (ms: number) => (clock += ms) };
}

describe("collisions", () => {
  it("an edge A draws to a node B deletes concurrently: dropped by the repair rule, and A is told", () => {
    const { a, b, told, merge, local } = setup();
    local(() => addEdge(a, { id: "e-new", from: "src", fromPort: "out", to: "x", toPort: "in" }));
    removeNode(b, "x");
    merge();
    expect(readGraph(a, "g").edges).toEqual([]);
    expect(readGraph(b, "g").edges).toEqual([]);
    expect(told).toEqual([
      'Someone else deleted "Node x" while you connected it to "Node src": that edge was dropped with it.',
    ]);
  });

  it("a node A moved or edited a moment ago, deleted by B: A is told; a minute later it is not news", () => {
    const { a, b, told, merge, local, advance } = setup();
    local(() => moveNode(a, "x", 50, 50));
    local(() => setParam(a, "y", "level", "warn"));
    removeNode(b, "x");
    merge();
    expect(told).toEqual([
      'Someone else deleted "Node x" while you were working on it; your changes to it went with it.',
    ]);
    advance(61_000);
    removeNode(b, "y");
    merge();
    expect(told).toHaveLength(1);
  });

  it("a node A has selected, deleted by B, is reported; A's own deletion and untouched nodes are not", () => {
    const { a, b, told, merge, local } = setup(["y"]);
    local(() => removeNode(a, "src"));
    removeNode(b, "y");
    merge();
    expect(told).toEqual([
      'Someone else deleted "Node y" while you were working on it; your changes to it went with it.',
    ]);
    expect(readGraph(a, "g").nodes.map((n) => n.id)).toEqual(["x"]);
  });
});
