// Editor edits go through shared/ydoc.ts; refused connections never reach the document; types come from the registry.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { NodeTypeInfo } from "../../shared/status.ts";
import { addEdge, addNode, edgesMap, readGraph } from "../../shared/ydoc.ts";
import { connectionProblem, createGraphActions } from "./actions.ts";
import { portsResolver } from "./geometry.ts";
import type { GraphState } from "./graphStore.ts";
import { createHistory } from "./history.ts";
import { builtinInfos, createNodeTypeStore } from "./nodeTypeStore.ts";

const upper: NodeTypeInfo = {
  type: "upper",
  version: "1.0.0",
  title: "Upper case",
  category: "text",
  description: "Upper-cases text.",
  inputs: ["in"],
  outputs: ["out", "error"],
  params: {},
  labels: [],
  source: "worker",
  available: false,
  workers: [],
  reason: "no worker runs it",
};

/** A plain GraphState mirror kept in step by hand (the real one is a Solid store fed by graphStore.ts). */
function setup(types = createNodeTypeStore()) {
  const doc = new Y.Doc();
  const state: GraphState = { meta: { name: "", description: "", running: false }, nodes: {}, edges: {} };
  const sync = () => {
    const g = readGraph(doc, "g");
    state.nodes = Object.fromEntries(g.nodes.map((n) => [n.id, n]));
    state.edges = Object.fromEntries(g.edges.map((e) => [e.id, e]));
    state.meta = { name: g.name, description: g.description, running: g.running };
  };
  doc.on("update", sync);
  const portsOf = portsResolver(types.lookup, () => state.edges);
  return { doc, state, portsOf, actions: createGraphActions(doc, state, types.lookup, createHistory(doc)) };
}

describe("graph actions", () => {
  it("adds nodes with n- ids and the type title as name", () => {
    const { doc, actions } = setup();
    const id = actions.addNode("random", { x: 0, y: 0 });
    expect(id).toMatch(/^n-[a-z0-9]{8}$/);
    const node = readGraph(doc, "g").nodes[0];
    expect(node).toMatchObject({ id, type: "random", name: "Random", params: {} });
  });

  it("connects an output to an input once, with an e- id", () => {
    const { doc, actions } = setup();
    const a = actions.addNode("random", { x: 0, y: 0 });
    const b = actions.addNode("log", { x: 0, y: 0 });
    const first = actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    expect(first.ok && first.edgeId).toMatch(/^e-[a-z0-9]{8}$/);
    const again = actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    expect(again).toEqual({ ok: false, reason: "these ports are already connected" });
    expect(readGraph(doc, "g").edges).toHaveLength(1);
  });

  it("refuses self-loops and ports a node does not have", () => {
    const { state, portsOf, actions } = setup();
    const f = actions.addNode("factorize", { x: 0, y: 0 });
    const l = actions.addNode("log", { x: 0, y: 0 });
    expect(connectionProblem(state, { from: f, fromPort: "out", to: f, toPort: "in" }, portsOf)).toBe(
      "a node cannot connect to itself",
    );
    expect(connectionProblem(state, { from: l, fromPort: "out", to: f, toPort: "in" }, portsOf)).toMatch(
      /no output "out"/,
    );
    expect(connectionProblem(state, { from: f, fromPort: "out", to: l, toPort: "nope" }, portsOf)).toMatch(
      /no input "nope"/,
    );
  });

  it("connects from the error output every node has, like any output (ERROR-1)", () => {
    const { doc, actions } = setup();
    const f = actions.addNode("factorize", { x: 0, y: 0 });
    const l = actions.addNode("log", { x: 0, y: 0 });
    expect(actions.connect({ from: f, fromPort: "error", to: l, toPort: "in" })).toMatchObject({ ok: true });
    expect(readGraph(doc, "g").edges).toMatchObject([{ from: f, fromPort: "error", to: l, toPort: "in" }]);
  });

  it("names and ports a plugin type from the registry, unavailable or not", () => {
    const types = createNodeTypeStore();
    types.apply([...builtinInfos(), upper]);
    const { doc, actions } = setup(types);
    const u = actions.addNode("upper", { x: 0, y: 0 });
    const l = actions.addNode("log", { x: 0, y: 0 });
    expect(readGraph(doc, "g").nodes.find((n) => n.id === u)?.name).toBe("Upper case");
    expect(actions.connect({ from: u, fromPort: "error", to: l, toPort: "in" })).toMatchObject({ ok: true });
  });

  it("a node of an unknown type has only the ports its edges use", () => {
    const { doc, state, portsOf, actions } = setup();
    const l = actions.addNode("log", { x: 0, y: 0 });
    const r = actions.addNode("random", { x: 0, y: 0 });
    addNode(doc, { id: "n-ghost", type: "acme-ocr", name: "OCR", x: 0, y: 0, params: {} });
    addEdge(doc, { id: "e-old", from: "n-ghost", fromPort: "text", to: l, toPort: "in" });
    expect(readGraph(doc, "g").nodes.find((n) => n.id === "n-ghost")?.type).toBe("acme-ocr");
    expect(connectionProblem(state, { from: "n-ghost", fromPort: "text", to: l, toPort: "in" }, portsOf)).toBe(
      "these ports are already connected",
    );
    expect(actions.connect({ from: r, fromPort: "out", to: "n-ghost", toPort: "in" })).toEqual({
      ok: false,
      reason: 'OCR has no input "in"',
    });
  });

  it("removes a node with its edges, and sets running", () => {
    const { doc, actions } = setup();
    const a = actions.addNode("random", { x: 0, y: 0 });
    const b = actions.addNode("log", { x: 0, y: 0 });
    actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    actions.removeNode(a);
    actions.setRunning(true);
    const g = readGraph(doc, "g");
    expect(g.nodes.map((n) => n.id)).toEqual([b]);
    expect(g.edges).toEqual([]);
    expect(g.running).toBe(true);
  });

  it("sets an edge's settings by replacing its object whole, and clearing a field removes the key", () => {
    const { doc, actions } = setup();
    const a = actions.addNode("random", { x: 0, y: 0 });
    const b = actions.addNode("log", { x: 0, y: 0 });
    const made = actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    if (!made.ok) throw new Error(made.reason);
    const stored = () => edgesMap(doc).get(made.edgeId) as unknown as Record<string, unknown>;
    const first = stored();

    expect(actions.setEdgeSettings(made.edgeId, { maxDepth: 20, mode: "memory" })).toEqual({ ok: true });
    expect(stored()).toEqual({ from: a, fromPort: "out", to: b, toPort: "in", maxDepth: 20, mode: "memory" });
    expect(stored()).not.toBe(first);
    expect(readGraph(doc, "g").edges[0]).toMatchObject({ id: made.edgeId, maxDepth: 20, mode: "memory" });

    expect(actions.setEdgeSettings(made.edgeId, { maxDepth: null })).toEqual({ ok: true });
    expect(Object.keys(stored()).sort()).toEqual(["from", "fromPort", "mode", "to", "toPort"]);
  });

  it("writes nothing for an invalid or unchanged setting", () => {
    const { doc, actions } = setup();
    const a = actions.addNode("random", { x: 0, y: 0 });
    const b = actions.addNode("log", { x: 0, y: 0 });
    const made = actions.connect({ from: a, fromPort: "out", to: b, toPort: "in" });
    if (!made.ok) throw new Error(made.reason);
    actions.setEdgeSettings(made.edgeId, { maxDepth: 20 });
    let updates = 0;
    doc.on("update", () => updates++);
    expect(actions.setEdgeSettings(made.edgeId, { maxDepth: 0 })).toEqual({
      ok: false,
      field: "maxDepth",
      reason: "must be from 1 to 1000000, got 0",
    });
    expect(actions.setEdgeSettings(made.edgeId, { maxDepth: 20 })).toEqual({ ok: true });
    expect(actions.setEdgeSettings("e-gone", { maxDepth: 20 })).toMatchObject({ ok: false });
    expect(updates).toBe(0);
    expect(readGraph(doc, "g").edges[0]?.maxDepth).toBe(20);
  });

  it("a viewer's settings change is refused and writes nothing", () => {
    const doc = new Y.Doc();
    const state: GraphState = { meta: { name: "", description: "", running: false }, nodes: {}, edges: {} };
    addEdge(doc, { id: "e1", from: "a", fromPort: "out", to: "b", toPort: "in" });
    const actions = createGraphActions(doc, state, createNodeTypeStore().lookup, createHistory(doc), () => true);
    expect(actions.setEdgeSettings("e1", { maxDepth: 20 })).toEqual({
      ok: false,
      reason: "you can only view this graph",
    });
    expect(edgesMap(doc).get("e1")).toEqual({ from: "a", fromPort: "out", to: "b", toPort: "in" });
  });
});
