import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type GraphExport, validateGraph } from "./graph.ts";
import { addEdge, addNode, moveNode, readGraph, removeNode, replaceGraph, setParam } from "./ydoc.ts";

const graph: Omit<GraphExport, "id"> = {
  name: "G",
  description: "d",
  running: true,
  nodes: [
    { id: "a", type: "random", name: "A", x: 0, y: 0, params: { intervalMs: 50 } },
    { id: "b", type: "log", name: "B", x: 10, y: 20, params: { prefix: ">" } },
  ],
  edges: [{ id: "e", from: "a", fromPort: "out", to: "b", toPort: "in" }],
};

describe("graph document", () => {
  it("round-trips export JSON through the Yjs document", () => {
    const doc = new Y.Doc();
    replaceGraph(doc, graph);
    expect(readGraph(doc, "g")).toEqual({ id: "g", ...graph });
    const check = validateGraph(readGraph(doc, "g"), "g");
    expect(check.ok).toBe(true);
  });

  it("replacing with the same graph writes nothing", () => {
    const doc = new Y.Doc();
    replaceGraph(doc, graph);
    let updates = 0;
    doc.on("update", () => updates++);
    replaceGraph(doc, graph);
    expect(updates).toBe(0);
  });

  it("syncs edits between two documents", () => {
    const a = new Y.Doc();
    const b = new Y.Doc();
    a.on("update", (u: Uint8Array) => Y.applyUpdate(b, u));
    replaceGraph(a, graph);
    addNode(a, { id: "c", type: "factorize", name: "C", x: 5, y: 5, params: {} });
    addEdge(a, { id: "e2", from: "c", fromPort: "out", to: "b", toPort: "in" });
    moveNode(a, "a", 100, 200);
    setParam(a, "a", "intervalMs", 75);
    const read = readGraph(b, "g");
    expect(read.nodes.find((n) => n.id === "a")).toMatchObject({ x: 100, y: 200, params: { intervalMs: 75 } });
    expect(read.edges.map((e) => e.id)).toEqual(["e", "e2"]);
  });

  it("removing a node removes its edges", () => {
    const doc = new Y.Doc();
    replaceGraph(doc, graph);
    removeNode(doc, "b");
    expect(readGraph(doc, "g")).toMatchObject({ nodes: [{ id: "a" }], edges: [] });
  });
});
