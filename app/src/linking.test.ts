// Drawing an edge says what it would do before anything is written: refused with the reason, a loop named, or fine.
import { describe, expect, it } from "vitest";
import type { GraphEdge, GraphNode } from "../../shared/graph.ts";
import { portsResolver } from "./geometry.ts";
import type { GraphState } from "./graphStore.ts";
import { linkVerdict, type PortRef, pathBetween, successors } from "./linking.ts";
import { createNodeTypeStore } from "./nodeTypeStore.ts";

const node = (id: string, type = "filter"): GraphNode => ({ id, type, name: id.toUpperCase(), x: 0, y: 0, params: {} });
const edge = (id: string, from: string, to: string): GraphEdge => ({ id, from, fromPort: "out", to, toPort: "in" });

function graphOf(nodes: GraphNode[], edges: GraphEdge[]): GraphState {
  return {
    meta: { name: "g", description: "", running: false },
    nodes: Object.fromEntries(nodes.map((n) => [n.id, n])),
    edges: Object.fromEntries(edges.map((e) => [e.id, e])),
  };
}

const out = (nodeId: string, port = "out"): PortRef => ({ nodeId, port, dir: "out" });
const inp = (nodeId: string, port = "in"): PortRef => ({ nodeId, port, dir: "in" });

describe("linkVerdict", () => {
  // a → b → c, and d alone.
  const graph = graphOf([node("a"), node("b"), node("c"), node("d")], [edge("e1", "a", "b"), edge("e2", "b", "c")]);
  const portsOf = portsResolver(createNodeTypeStore().lookup, () => graph.edges);
  const judge = (from: PortRef, to: PortRef) => linkVerdict(graph, portsOf, successors(graph), from, to);

  it("accepts an output to an input, either way the drag went", () => {
    const forward = judge(out("c"), inp("d"));
    const backward = judge(inp("d"), out("c"));
    expect(forward).toMatchObject({ kind: "ok", connection: { from: "c", fromPort: "out", to: "d", toPort: "in" } });
    expect(backward).toEqual(forward);
    expect(forward.text).toBe("Connect C.out → D.in");
  });

  it("refuses two outputs or two inputs, saying which way edges run", () => {
    expect(judge(out("a"), out("d"))).toEqual({
      kind: "bad",
      text: "Both are outputs: an edge runs from an output (right) to an input (left)",
    });
    expect(judge(inp("a"), inp("d")).text).toMatch(/^Both are inputs/);
  });

  it("refuses the node itself, a port the type lacks and an edge already there", () => {
    expect(judge(out("a"), inp("a")).text).toBe("Cannot connect: a node cannot connect to itself");
    expect(judge(out("a"), inp("d", "nope")).text).toBe('Cannot connect: D has no input "nope"');
    expect(judge(out("a"), inp("b")).text).toBe("Cannot connect: these ports are already connected");
  });

  it("allows an edge that closes a loop but names the way round", () => {
    const verdict = judge(out("c"), inp("a"));
    expect(verdict.kind).toBe("loop");
    expect(verdict.text).toContain("closes a loop (A → B → C → A)");
  });

  it("ignores edges whose node is gone when looking for loops", () => {
    const broken = graphOf([node("a"), node("b")], [edge("e1", "a", "ghost"), edge("e2", "ghost", "b")]);
    const ports = portsResolver(createNodeTypeStore().lookup, () => broken.edges);
    expect(linkVerdict(broken, ports, successors(broken), out("b"), inp("a")).kind).toBe("ok");
  });
});

describe("pathBetween", () => {
  it("finds the shortest way and nothing when there is none", () => {
    const next = new Map([
      ["a", ["b", "x"]],
      ["b", ["c"]],
      ["x", ["c"]],
      ["c", ["a"]],
    ]);
    expect(pathBetween(next, "a", "c")).toEqual(["a", "b", "c"]);
    expect(pathBetween(next, "c", "b")).toEqual(["c", "a", "b"]);
    expect(pathBetween(next, "a", "zzz")).toBeUndefined();
    expect(pathBetween(next, "a", "a")).toEqual(["a"]);
  });
});
