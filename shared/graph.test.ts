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

function withParams(g: ReturnType<typeof good>, params: Record<string, unknown>) {
  return { ...g, nodes: [{ ...g.nodes[0], params }, g.nodes[1]] };
}

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

  it("accepts unknown node types and invalid params, reporting them as warnings (blocked in the room)", () => {
    const g = good();
    g.nodes[0]!.type = "teleport";
    g.nodes[1]!.params = { prefix: 5 } as never;
    const result = validateGraph(g, "g1");
    if (!result.ok) throw new Error(result.problem.message);
    expect(result.warnings).toEqual([
      { code: "unknown_node_type", nodeId: "a", message: 'node "a" has unknown type "teleport"' },
      { code: "invalid_params", nodeId: "b", message: 'node "b": param "prefix" must be a string, got number 5' },
    ]);
    const h = good();
    h.nodes[0]!.params = { speed: 1 } as never;
    const checked = validateGraph(h, "g1");
    expect(checked.ok && checked.warnings.map((w) => w.message)).toEqual([
      'node "a": unknown param "speed" for node type random',
    ]);
  });

  it("refuses what breaks the document model, naming the field (the rules the room applies to Yjs updates)", () => {
    const deep: unknown[] = [];
    let cursor = deep;
    for (let i = 0; i < 10_000; i++) {
      const next: unknown[] = [];
      cursor.push(next);
      cursor = next;
    }
    const cases: Array<[string, (g: ReturnType<typeof good>) => unknown, RegExp]> = [
      [
        "params nested 10,000 deep",
        (g) => withParams(g, { v: deep }),
        /^nodes\.0\.params\.v: is nested deeper than 32/,
      ],
      ["a param over 2 MiB", (g) => withParams(g, { v: "x".repeat(2 * 1024 * 1024 + 1) }), /params\.v: is larger than/],
      ["a bad param name", (g) => withParams(g, { "1bad": 1 }), /params: name "1bad"/],
      [
        "a 201-character node name",
        (g) => ({ ...g, nodes: [{ ...g.nodes[0], name: "n".repeat(201) }] }),
        /nodes\.0\.name:/,
      ],
      ["an empty graph name", (g) => ({ ...g, name: "" }), /^name: must not be empty/],
      ["a node id that fails the pattern", (g) => ({ ...g, nodes: [{ ...g.nodes[0], id: "a b" }] }), /nodes\.0\.id:/],
      ["a type with spaces", (g) => ({ ...g, nodes: [{ ...g.nodes[0], type: "a b" }] }), /nodes\.0\.type:/],
      ["x out of range", (g) => ({ ...g, nodes: [{ ...g.nodes[0], x: 1e7 }] }), /nodes\.0\.x: must be within/],
      [
        "17 labels",
        (g) => ({ ...g, nodes: [{ ...g.nodes[0], labels: Array(17).fill("l") }] }),
        /labels: must hold at most 16/,
      ],
      [
        "an unknown node field",
        (g) => ({ ...g, nodes: [{ ...g.nodes[0], colour: 1 }] }),
        /^nodes\.0: unknown field\(s\) "colour"/,
      ],
      [
        "an unknown edge field",
        (g) => ({ ...g, edges: [{ ...g.edges[0], weight: 1 }] }),
        /^edges\.0\.unknown field "weight"/,
      ],
      ["a bad edge mode", (g) => ({ ...g, edges: [{ ...g.edges[0], mode: "fast" }] }), /^edges\.0\.mode:/],
      ["5,001 nodes", (g) => ({ ...g, nodes: Array(5001).fill(g.nodes[0]) }), /^nodes: at most 5000/],
      ["a node that is not an object", (g) => ({ ...g, nodes: [7] }), /^nodes\.0: must be an object/],
    ];
    for (const [what, make, message] of cases) {
      const refused = validateGraph(make(good()), "g1");
      expect(refused.ok, what).toBe(false);
      if (!refused.ok) expect(refused.problem.message, what).toMatch(message);
    }
  });

  it("SECRET-1: refuses a plain value in a secret param (it would stay in the document's history); accepts a reference", () => {
    const g = good();
    g.nodes.push({
      id: "post",
      type: "http-request",
      name: "P",
      x: 0,
      y: 0,
      params: { authorization: "Bearer leaked" } as never,
    });
    expect(problem(g)).toMatchObject({ code: "secret_in_graph", nodeId: "post" });
    g.nodes[2]!.params = { authorization: { $secret: "HOOK" } } as never;
    expect(validateGraph(g, "g1").ok).toBe(true);
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
