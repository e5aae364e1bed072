import { describe, expect, it } from "vitest";
import { validateGraph } from "./graph.ts";

const good = () => ({
  name: "G",
  nodes: [
    { id: "a", type: "random", name: "A", x: 0, y: 0, params: { intervalMs: 50 } },
    { id: "b", type: "log", name: "B", x: 1, y: 1, params: {} },
  ],
  edges: [{ id: "e", from: "a", fromPort: "out", to: "b", toPort: "in" }],
});

function problem(input: unknown) {
  const result = validateGraph(input, "g1");
  if (result.ok) throw new Error("expected the graph to be refused");
  return result.problem;
}

describe("validateGraph", () => {
  it("accepts a valid graph and fills defaults", () => {
    const result = validateGraph(good(), "g1");
    expect(result).toMatchObject({ ok: true, graph: { id: "g1", description: "", running: false } });
  });

  it("refuses an edge to a missing node", () => {
    const g = good();
    g.edges[0]!.to = "zz";
    expect(problem(g)).toEqual({ code: "invalid_graph", message: 'edge "e" ends at missing node "zz"' });
  });

  it("refuses duplicate node and edge ids", () => {
    const g = good();
    g.nodes[1]!.id = "a";
    expect(problem(g).message).toBe('duplicate node id "a"');
    const h = good();
    h.edges.push({ ...h.edges[0]! });
    expect(problem(h).message).toBe('duplicate edge id "e"');
  });

  it("names unknown fields and wrong field types", () => {
    expect(problem({ ...good(), colour: "red" }).message).toBe('(root): unknown field(s) "colour"');
    const g = good() as { nodes: Array<Record<string, unknown>> };
    g.nodes[0]!.x = "left";
    expect(problem(g).message).toMatch(/^nodes\.0\.x: /);
  });

  it("refuses unknown node types and invalid params", () => {
    const g = good();
    g.nodes[0]!.type = "teleport";
    expect(problem(g)).toEqual({ code: "unknown_node_type", message: 'node "a" has unknown type "teleport"' });
    const h = good();
    h.nodes[0]!.params = { intervalMs: -5 };
    expect(problem(h)).toEqual({
      code: "invalid_params",
      message: 'node "a": param "intervalMs" must be at least 1, got -5',
    });
    const k = good();
    k.nodes[0]!.params = { speed: 1 } as never;
    expect(problem(k).message).toBe('node "a": unknown param "speed" for node type random');
  });

  it("refuses ports a node type does not have", () => {
    const g = good();
    g.edges[0]!.fromPort = "nope";
    expect(problem(g).message).toBe('edge "e": node "a" (random) has no output port "nope"');
  });

  it("refuses an id in the body that differs from the URL", () => {
    expect(problem({ ...good(), id: "other" }).message).toBe('id "other" does not match the graph id "g1" in the URL');
  });
});
