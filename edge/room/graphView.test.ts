// GraphView: the room's incremental picture of the graph. A change must report exactly what scheduling needs.
import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import type { GraphExport } from "../../shared/graph.ts";
import {
  addEdge,
  addNode,
  edgesMap,
  moveNode,
  nodesMap,
  readGraph,
  removeNode,
  replaceGraph,
  setNodeField,
  setParam,
  setRunning,
} from "../../shared/ydoc.ts";
import { type GraphChange, GraphView } from "./graphView.ts";

const GRAPH: Omit<GraphExport, "id"> = {
  name: "G",
  description: "",
  running: true,
  nodes: [
    { id: "a", type: "random", name: "A", x: 0, y: 0, params: { intervalMs: 50 } },
    { id: "b", type: "factorize", name: "B", x: 1, y: 1, params: {} },
    { id: "c", type: "log", name: "C", x: 2, y: 2, params: {} },
  ],
  edges: [
    { id: "ab", from: "a", fromPort: "out", to: "b", toPort: "in" },
    { id: "bc", from: "b", fromPort: "out", to: "c", toPort: "in" },
  ],
};

function setup() {
  const doc = new Y.Doc();
  replaceGraph(doc, GRAPH);
  const view = new GraphView(doc);
  let last: GraphChange | undefined;
  doc.on("afterTransaction", (t: Y.Transaction) => {
    last = view.absorb(t);
  });
  const change = (edit: (d: Y.Doc) => void) => {
    last = undefined;
    edit(doc);
    return last as unknown as GraphChange;
  };
  return { doc, view, change };
}

const summary = (c: GraphChange) => ({ running: c.running, nodes: [...c.nodes].sort(), edges: c.edges, name: c.name });

describe("GraphView", () => {
  it("reads the graph: nodes, and live edges by their source port", () => {
    const { view } = setup();
    expect([...view.nodes()].map((n) => n.id)).toEqual(["a", "b", "c"]);
    expect(view.edgesFrom("a", "out").map((e) => e.id)).toEqual(["ab"]);
    expect([...view.liveEdges()].map((e) => e.id).sort()).toEqual(["ab", "bc"]);
    expect(view.running).toBe(true);
  });

  it("SCHED-4: a move or a rename changes nothing scheduling depends on", () => {
    const { change } = setup();
    expect(summary(change((d) => moveNode(d, "a", 50, 60)))).toEqual({
      running: false,
      nodes: [],
      edges: false,
      name: false,
    });
    expect(summary(change((d) => setNodeField(d, "b", "name", "Bee")))).toEqual({
      running: false,
      nodes: [],
      edges: false,
      name: false,
    });
  });

  it("a param edit or disabling changes exactly that node", () => {
    const { view, change } = setup();
    expect(summary(change((d) => setParam(d, "a", "intervalMs", 75)))).toMatchObject({ nodes: ["a"], edges: false });
    expect(view.node("a")?.params).toEqual({ intervalMs: 75 });
    expect(summary(change((d) => setNodeField(d, "c", "disabled", true)))).toMatchObject({ nodes: ["c"] });
    expect(view.node("c")?.disabled).toBe(true);
  });

  it("typing into a code param changes its node", () => {
    const { doc, view, change } = setup();
    const params = () => nodesMap(doc).get("c")?.get("params") as Y.Map<unknown>;
    change(() => params().set("prefix", new Y.Text("")));
    const typed = change(() => (params().get("prefix") as Y.Text).insert(0, ">"));
    expect(summary(typed)).toMatchObject({ nodes: ["c"] });
    expect(view.node("c")?.params).toEqual({ prefix: ">" });
  });

  it("removing a node makes its edges dangling: they leave the live set, as the repair rule says", () => {
    const { doc, view, change } = setup();
    const removed = change((d) => nodesMap(d).delete("b"));
    expect(summary(removed)).toMatchObject({ nodes: ["b"], edges: true });
    expect([...view.liveEdges()]).toEqual([]);
    expect(edgesMap(doc).size).toBe(2);
    // Bringing the node back (an undo) revives its edges.
    const back = change((d) => addNode(d, GRAPH.nodes[1]!));
    expect(summary(back)).toMatchObject({ nodes: ["b"], edges: true });
    expect([...view.liveEdges()].map((e) => e.id).sort()).toEqual(["ab", "bc"]);
  });

  it("an edge to a port the type lacks is not live; rewiring changes the edges", () => {
    const { view, change } = setup();
    expect(
      summary(change((d) => addEdge(d, { id: "bad", from: "a", fromPort: "nope", to: "c", toPort: "in" }))),
    ).toMatchObject({ edges: false });
    expect([...view.liveEdges()].map((e) => e.id)).not.toContain("bad");
    expect(
      summary(change((d) => addEdge(d, { id: "ac", from: "a", fromPort: "out", to: "c", toPort: "in" }))),
    ).toMatchObject({ edges: true });
    expect(
      view
        .edgesFrom("a", "out")
        .map((e) => e.id)
        .sort(),
    ).toEqual(["ab", "ac"]);
  });

  it("start, stop and a rename of the graph are reported", () => {
    const { change } = setup();
    expect(summary(change((d) => setRunning(d, false)))).toMatchObject({ running: true });
    expect(summary(change((d) => replaceGraph(d, { ...GRAPH, name: "Renamed", running: false })))).toMatchObject({
      name: true,
    });
  });

  it("stays equal to a fresh read after a random series of edits", () => {
    const { doc, view, change } = setup();
    let seq = 0;
    const edits: Array<(d: Y.Doc) => void> = [
      (d) => addNode(d, { id: `n${++seq}`, type: "log", name: "", x: 0, y: 0, params: {} }),
      (d) => removeNode(d, "b"),
      (d) => addEdge(d, { id: `e${++seq}`, from: "a", fromPort: "out", to: "c", toPort: "in" }),
      (d) => addEdge(d, { id: "ab", from: seq % 2 ? "b" : "a", fromPort: "out", to: "c", toPort: "in" }),
      (d) => moveNode(d, "a", seq, seq),
      (d) => setParam(d, "a", "intervalMs", ++seq),
      (d) => addNode(d, GRAPH.nodes[1]!),
      (d) => replaceGraph(d, GRAPH),
    ];
    for (let i = 0; i < 200; i++) {
      change(edits[(i * 7 + 3) % edits.length] as (d: Y.Doc) => void);
      const fresh = readGraph(doc, "g");
      expect([...view.nodes()].map((n) => n.id).sort()).toEqual(fresh.nodes.map((n) => n.id));
      expect([...view.liveEdges()].map((e) => e.id).sort()).toEqual(fresh.edges.map((e) => e.id));
      for (const port of new Set(fresh.edges.map((e) => `${e.from}.${e.fromPort}`))) {
        const [from, fromPort] = port.split(".") as [string, string];
        const want = fresh.edges.filter((e) => e.from === from && e.fromPort === fromPort).map((e) => e.id);
        expect(
          view
            .edgesFrom(from, fromPort)
            .map((e) => e.id)
            .sort(),
        ).toEqual(want);
      }
    }
  });
});
