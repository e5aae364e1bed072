import { describe, expect, it } from "vitest";
import * as Y from "yjs";
import { type GraphExport, validateGraph } from "./graph.ts";
import { fuzzSeeds, prng } from "./testing/seeds.ts";
import {
  addEdge,
  addNode,
  edgesMap,
  inspectGraph,
  metaMap,
  moveNode,
  nodesMap,
  readGraph,
  removeNode,
  replaceGraph,
  setParam,
} from "./ydoc.ts";

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

describe("reading a hostile document (never throws; the export always re-imports)", () => {
  function hostile(fill: (doc: Y.Doc) => void): Y.Doc {
    const doc = new Y.Doc();
    replaceGraph(doc, graph);
    doc.transact(() => fill(doc));
    return doc;
  }
  const params = (doc: Y.Doc, nodeId: string) => nodesMap(doc).get(nodeId)?.get("params") as Y.Map<unknown>;

  it("a BigInt param is ignored with a reason", () => {
    const doc = hostile((d) => params(d, "a").set("big", 10n));
    const read = inspectGraph(doc, "g");
    expect(read.graph.nodes[0]?.params).toEqual({ intervalMs: 50 });
    expect(read.problems.get("a")).toEqual(['param "big" must be JSON, got the BigInt 10; ignored']);
    expect(() => JSON.stringify(read.graph)).not.toThrow();
  });

  it("10,000 nested Y.Maps in a param are not walked, and flag the document as foreign", () => {
    const doc = hostile((d) => {
      let cursor = params(d, "a");
      for (let i = 0; i < 10_000; i++) {
        const next = new Y.Map<unknown>();
        cursor.set("deeper", next);
        cursor = next;
      }
    });
    const read = inspectGraph(doc, "g");
    expect(read.foreign).toBe(true);
    expect(read.problems.get("a")?.[0]).toMatch(/param "deeper" holds a nested Yjs type/);
    expect(validateGraph(read.graph, "g").ok).toBe(true);
  });

  it("fields of the wrong type read as defaults; typeless nodes and bad ids are not exported; ghost edges are dropped", () => {
    const doc = hostile((d) => {
      const a = nodesMap(d).get("a") as Y.Map<unknown>;
      a.set("x", "left");
      a.set("name", "n".repeat(300));
      a.set("labels", [1, 2]);
      a.set("colour", "red");
      const typeless = new Y.Map<unknown>();
      typeless.set("name", "no type");
      nodesMap(d).set("typeless", typeless);
      const badId = new Y.Map<unknown>();
      badId.set("type", "log");
      nodesMap(d).set("bad id!", badId);
      nodesMap(d).set("text", new Y.Text("x") as never);
      edgesMap(d).set("ghost", { from: "a", fromPort: "out", to: "missing", toPort: "in" } as never);
      edgesMap(d).set("noport", { from: "a", fromPort: "nope", to: "b", toPort: "in" } as never);
      edgesMap(d).set("junk", 5 as never);
      metaMap(d).set("name", 42);
    });
    const read = inspectGraph(doc, "g");
    expect(read.graph.name).toBe("g");
    expect(read.graph.nodes.map((n) => n.id)).toEqual(["a", "b"]);
    expect(read.graph.nodes[0]).toMatchObject({ x: 0, name: "", params: { intervalMs: 50 } });
    expect(read.graph.nodes[0]?.labels).toBeUndefined();
    expect(read.graph.edges.map((e) => e.id)).toEqual(["e"]);
    expect([...read.problems.keys()].sort()).toEqual(["a", "bad id!", "text", "typeless"]);
    expect(read.problems.get("typeless")).toEqual(["type is missing"]);
    expect(validateGraph(read.graph, "g").ok).toBe(true);
  });

  it("a code param held as Y.Text reads as its text", () => {
    const doc = hostile((d) => params(d, "b").set("prefix", new Y.Text("> ")));
    expect(readGraph(doc, "g").nodes[1]?.params).toEqual({ prefix: "> " });
  });

  for (const seed of fuzzSeeds([1, 2, 3, 20261201])) {
    it(`seed ${seed}: random hostile values anywhere never make the reader throw, and its export re-imports`, () => {
      const rand = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
      const values = (): unknown =>
        pick([
          () => 10n ** BigInt(Math.floor(rand() * 30)),
          () => Number.NaN,
          () => "s".repeat(Math.floor(rand() * 300)),
          () => new Uint8Array(3),
          () => ({ nested: { deeper: [1, { x: undefined }] } }),
          () => [[[[[]]]]],
          () => null,
          () => new Y.Map(),
          () => new Y.Text("t"),
          () => new Y.Array(),
          () => rand() * 2e6 - 1e6,
          () => true,
        ])();
      const doc = new Y.Doc();
      replaceGraph(doc, graph);
      for (let step = 0; step < 60; step++) {
        const target = pick(["meta", "nodes", "node", "params", "edges"] as const);
        const key = pick(["a", "b", "name", "type", "x", "params", "labels", "running", "e", "bad key", "zz"]);
        doc.transact(() => {
          if (target === "meta") metaMap(doc).set(key, values());
          else if (target === "nodes") nodesMap(doc).set(key, values() as never);
          else if (target === "edges") edgesMap(doc).set(key, values() as never);
          else {
            const ynode = nodesMap(doc).get(pick(["a", "b"]));
            if (!(ynode instanceof Y.Map)) return;
            const where = target === "node" ? ynode : ynode.get("params");
            if (where instanceof Y.Map) where.set(key, values());
          }
        });
        const read = inspectGraph(doc, "g");
        expect(() => JSON.stringify(read.graph)).not.toThrow();
        const again = validateGraph(JSON.parse(JSON.stringify(read.graph)), "g");
        expect(again.ok ? "" : again.problem.message, `seed ${seed} step ${step}`).toBe("");
      }
    });
  }
});
