// Undo and redo are per user: one browser's undo reverts its own steps only, never a peer's edit; one gesture is
// one step. Paste adds copied nodes with fresh ids and refuses what is not Weft nodes.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import * as Y from "yjs";
import { readGraph } from "../../shared/ydoc.ts";
import { createGraphActions, type GraphActions } from "./actions.ts";
import { CLIPBOARD_KIND, copyText } from "./clipboard.ts";
import type { GraphState } from "./graphStore.ts";
import { createHistory } from "./history.ts";
import { createNodeTypeStore } from "./nodeTypeStore.ts";

/** Animation frames run when the test says so (moves are written once per frame). */
let frames = new Map<number, () => void>();
let nextFrame = 1;
beforeEach(() => {
  frames = new Map();
  globalThis.requestAnimationFrame = (run: FrameRequestCallback) => {
    frames.set(nextFrame, () => run(0));
    return nextFrame++;
  };
  globalThis.cancelAnimationFrame = (id: number) => void frames.delete(id);
});
afterEach(() => {
  Reflect.deleteProperty(globalThis, "requestAnimationFrame");
  Reflect.deleteProperty(globalThis, "cancelAnimationFrame");
});
const runFrames = () => {
  const due = [...frames.values()];
  frames.clear();
  for (const run of due) run();
};

interface Peer {
  doc: Y.Doc;
  state: GraphState;
  actions: GraphActions;
}

/** One browser: a doc, a plain mirror of it, and the actions with their own history. */
function peer(): Peer {
  const doc = new Y.Doc();
  const state: GraphState = { meta: { name: "", description: "", running: false }, nodes: {}, edges: {} };
  doc.on("update", () => {
    const g = readGraph(doc, "g");
    state.nodes = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    state.edges = Object.fromEntries(g.edges.map((e) => [e.id, e]));
    state.meta = { name: g.name, description: g.description, running: g.running };
  });
  return { doc, state, actions: createGraphActions(doc, state, createNodeTypeStore().lookup, createHistory(doc)) };
}

/** Two browsers joined like the room joins them: every update reaches the other, with a remote origin. */
function pair(): [Peer, Peer] {
  const a = peer();
  const b = peer();
  a.doc.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(b.doc, u, "remote"));
  b.doc.on("update", (u: Uint8Array, origin: unknown) => origin !== "remote" && Y.applyUpdate(a.doc, u, "remote"));
  return [a, b];
}

const nodeOf = (p: Peer, id: string) => readGraph(p.doc, "g").nodes.find((n) => n.id === id);

describe("per-user undo", () => {
  it("undoes and redoes adds, connections, params and deletions, one step each", () => {
    const p = peer();
    const a = p.actions.addNode("random", { x: 0, y: 0 }, true);
    const b = p.actions.addNode("log", { x: 300, y: 0 }, true);
    const edge = p.actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    expect(edge.ok).toBe(true);
    p.actions.setParam(a, "intervalMs", 50);
    p.actions.removeNode(b);
    expect(Object.keys(p.state.edges)).toHaveLength(0);

    expect(p.actions.undo()).toBe(true); // the deletion: node and its edge come back
    expect(Object.keys(p.state.nodes).sort()).toEqual([a, b].sort());
    expect(Object.keys(p.state.edges)).toHaveLength(1);
    expect(p.actions.undo()).toBe(true); // the param
    expect(nodeOf(p, a)?.params).toEqual({});
    expect(p.actions.redo()).toBe(true);
    expect(nodeOf(p, a)?.params).toEqual({ intervalMs: 50 });
    p.actions.undo();
    p.actions.undo(); // the edge
    p.actions.undo(); // log
    p.actions.undo(); // random
    expect(Object.keys(p.state.nodes)).toHaveLength(0);
    expect(p.actions.undo()).toBe(false);
  });

  it("a whole drag is one step; starting or stopping the graph is not an edit and is never undone", () => {
    const p = peer();
    const id = p.actions.addNode("random", { x: 0, y: 0 }, true);
    for (let i = 1; i <= 30; i++) {
      p.actions.moveNode(id, i * 10, i * 5);
      runFrames();
    }
    p.actions.endMove();
    p.actions.setRunning(true);
    expect(nodeOf(p, id)).toMatchObject({ x: 300, y: 150 });
    p.actions.undo();
    expect(nodeOf(p, id)).toMatchObject({ x: 0, y: 0 });
    expect(p.state.meta.running).toBe(true);
  });

  it("a move not yet written when undo is pressed is written first, then undone as its own step", () => {
    const p = peer();
    const id = p.actions.addNode("random", { x: 0, y: 0 }, true);
    p.actions.moveNode(id, 40, 40);
    p.actions.undo();
    expect(nodeOf(p, id)).toMatchObject({ x: 0, y: 0 });
    expect(Object.keys(p.state.nodes)).toEqual([id]);
  });

  it("undo in one browser never reverts another's edit, even of the same node", () => {
    const [a, b] = pair();
    const id = a.actions.addNode("random", { x: 0, y: 0 }, true);
    a.actions.setParam(id, "intervalMs", 100);
    b.actions.setParam(id, "min", 5);
    b.actions.rename(id, "by b");
    const other = b.actions.addNode("log", { x: 400, y: 0 }, true);
    a.actions.undo(); // a's param only
    for (const p of [a, b]) {
      expect(nodeOf(p, id)).toMatchObject({ name: "by b", params: { min: 5 } });
      expect(nodeOf(p, id)?.params.intervalMs).toBeUndefined();
      expect(nodeOf(p, other)).toBeDefined();
    }
    expect(b.actions.undo()).toBe(true); // b's node
    expect(b.actions.undo()).toBe(true); // b's rename
    expect(nodeOf(a, id)?.name).toBe("Random");
    expect(nodeOf(a, other)).toBeUndefined();
  });

  it("a peer's later change to the same field survives my undo of mine", () => {
    const [a, b] = pair();
    const id = b.actions.addNode("random", { x: 0, y: 0 }, true);
    a.actions.moveNode(id, 100, 100);
    a.actions.endMove();
    b.actions.moveNode(id, 500, 500);
    b.actions.endMove();
    // Yjs skips a step that no longer changes anything (b moved the node since): a has nothing left to undo.
    expect(a.actions.undo()).toBe(false);
    expect(nodeOf(a, id)).toMatchObject({ x: 500, y: 500 });
    expect(nodeOf(b, id)).toMatchObject({ x: 500, y: 500 });
  });

  it("removing several nodes and edges is one step", () => {
    const p = peer();
    const ids = [0, 1, 2].map((i) => p.actions.addNode("log", { x: i * 300, y: 0 }, true));
    const r = p.actions.addNode("random", { x: 0, y: 200 }, true);
    const made = ids.map((to) => p.actions.connect({ from: r, fromPort: "out", to, toPort: "in" }));
    const keep = made[2]?.ok ? made[2].edgeId : "";
    p.actions.removeMany([ids[0] as string, ids[1] as string], [keep]);
    expect(Object.keys(p.state.nodes)).toHaveLength(2);
    expect(Object.keys(p.state.edges)).toHaveLength(0);
    p.actions.undo();
    expect(Object.keys(p.state.nodes)).toHaveLength(4);
    expect(Object.keys(p.state.edges)).toHaveLength(3);
  });
});

describe("copy and paste", () => {
  it("pastes copied nodes with new ids at the given point, keeping the edges between them and their params", () => {
    const source = peer();
    const a = source.actions.addNode("random", { x: 100, y: 100 }, true);
    const b = source.actions.addNode("log", { x: 400, y: 160 }, true);
    const c = source.actions.addNode("log", { x: 400, y: 400 }, true);
    source.actions.setParam(a, "intervalMs", 250);
    source.actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    source.actions.connect({ from: a, fromPort: "out", to: c, toPort: "in" });
    const text = copyText(source.state.nodes, source.state.edges, [a, b]) as string;
    expect(JSON.parse(text)).toMatchObject({ kind: CLIPBOARD_KIND });

    const target = peer();
    const pasted = target.actions.paste(text, { x: 1000, y: 1000 });
    expect(pasted.ok).toBe(true);
    const g = readGraph(target.doc, "g");
    expect(g.nodes).toHaveLength(2);
    expect(g.nodes.map((n) => n.id)).not.toContain(a);
    const random = g.nodes.find((n) => n.type === "random");
    const log = g.nodes.find((n) => n.type === "log");
    expect(random).toMatchObject({ x: 1000, y: 1000, params: { intervalMs: 250 } });
    expect(log).toMatchObject({ x: 1300, y: 1060 });
    expect(g.edges).toEqual([expect.objectContaining({ from: random?.id, to: log?.id })]);
    target.actions.undo();
    expect(readGraph(target.doc, "g").nodes).toHaveLength(0);
  });

  it("refuses text that is not Weft nodes, saying why, and writes nothing", () => {
    const p = peer();
    let updates = 0;
    p.doc.on("update", () => updates++);
    expect(p.actions.paste("hello", { x: 0, y: 0 })).toEqual({
      ok: false,
      reason: "the clipboard does not hold Weft nodes (it is not JSON)",
    });
    expect(p.actions.paste('{"a":1}', { x: 0, y: 0 })).toMatchObject({ ok: false, reason: /not Weft nodes/ });
    const bad = JSON.stringify({
      kind: CLIPBOARD_KIND,
      nodes: [{ id: "x", type: "log", name: "x", x: "left", y: 0, params: {} }],
      edges: [],
    });
    expect(p.actions.paste(bad, { x: 0, y: 0 })).toMatchObject({ ok: false, reason: /not valid: nodes\.0\.x/ });
    expect(updates).toBe(0);
  });

  it("pastes a whole exported graph too", () => {
    const source = peer();
    const a = source.actions.addNode("random", { x: 0, y: 0 }, true);
    const b = source.actions.addNode("log", { x: 300, y: 0 }, true);
    source.actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    const exported = JSON.stringify({ ...readGraph(source.doc, "other-graph"), running: true });
    const target = peer();
    expect(target.actions.paste(exported, { x: 0, y: 0 }).ok).toBe(true);
    expect(readGraph(target.doc, "g")).toMatchObject({ running: false });
    expect(readGraph(target.doc, "g").edges).toHaveLength(1);
  });
});
