// gofi's graph JSON mapped onto Weft's: types, params, positions, ids, connections, and validateGraph's hook.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fromGofi, isGofiGraph, weftIds } from "./gofi.ts";
import { validateGraph } from "./graph.ts";

type GofiNodeInput = { id: unknown; name?: unknown; type: unknown; meta?: unknown; params?: unknown };
type GofiInput = { nodes: GofiNodeInput[]; connections: Array<Record<string, unknown>>; [field: string]: unknown };

const node = (id: unknown, type: string, params = "{}", meta: unknown = { x: 10, y: 20 }): GofiNodeInput => ({
  id,
  name: `name of ${String(id)}`,
  type,
  meta,
  params,
});
const link = (nid: unknown, from: unknown, to: unknown) => ({ nid, input_node: from, output_node: to });

/** SOURCE → GRPC → SINK, as gofi's demo. */
const demo = (): GofiInput => ({
  id: "gofi-graph-1",
  name: "demo",
  description: "numbers factorized",
  nodes: [
    node("src", "SOURCE", "{}", { x: 80, y: 120 }),
    node("rpc", "GRPC", '{"address": "127.0.0.1:50051"}', { x: 340, y: 120.5 }),
    node("out", "SINK", "{}", { x: 600, y: -40 }),
  ],
  connections: [link("c1", "src", "rpc"), link("c2", "rpc", "out")],
});

function converted(input: unknown) {
  const result = fromGofi(input, "g1");
  if (!result.ok) throw new Error(`expected the conversion to succeed: ${result.problem.message}`);
  return result;
}

function refusal(input: unknown): string {
  const result = fromGofi(input, "g1");
  if (result.ok) throw new Error("expected the conversion to be refused");
  expect(result.problem.code).toBe("invalid_graph");
  return result.problem.message;
}

function paramsOf(type: string, params: string) {
  const result = converted({ name: "p", nodes: [node("n", type, params)], connections: [] });
  return { params: result.graph.nodes[0]?.params, warnings: result.warnings.map((w) => w.message) };
}

describe("isGofiGraph", () => {
  it("recognizes gofi's shape by connections without edges", () => {
    expect(isGofiGraph(demo())).toBe(true);
    expect(isGofiGraph({ connections: null })).toBe(true);
    expect(isGofiGraph({ name: "w", nodes: [], edges: [] })).toBe(false);
    expect(isGofiGraph({ name: "both", nodes: [], edges: [], connections: [] })).toBe(false);
    expect(isGofiGraph([{ connections: [] }])).toBe(false);
    expect(isGofiGraph(null)).toBe(false);
  });
});

describe("fromGofi", () => {
  it("maps SOURCE → random, GRPC → grpc (address kept), SINK → log, keeping names and meta positions", () => {
    const { graph, warnings } = converted(demo());
    expect(warnings).toEqual([]);
    expect(graph).toEqual({
      id: "g1",
      name: "demo",
      description: "numbers factorized",
      running: false,
      nodes: [
        { id: "src", type: "random", name: "name of src", x: 80, y: 120, params: {} },
        { id: "rpc", type: "grpc", name: "name of rpc", x: 340, y: 120.5, params: { address: "127.0.0.1:50051" } },
        { id: "out", type: "log", name: "name of out", x: 600, y: -40, params: {} },
      ],
      edges: [
        { id: "c1", from: "src", fromPort: "out", to: "rpc", toPort: "in" },
        { id: "c2", from: "rpc", fromPort: "out", to: "out", toPort: "in" },
      ],
    });
  });

  it("takes data from input_node into output_node: a connection listed SINK → GRPC is refused, not reversed", () => {
    const g = demo();
    g.connections = [link("c1", "out", "rpc")];
    expect(refusal(g)).toBe(
      'gofi connection "c1": input_node "out" is a SINK, which sends nothing (data flows from input_node into output_node)',
    );
    g.connections = [link("c1", "rpc", "src")];
    expect(refusal(g)).toBe(
      'gofi connection "c1": output_node "src" is a SOURCE, which receives nothing (data flows from input_node into output_node)',
    );
  });

  it("maps a SOURCE interval (Go duration, milliseconds, or Weft's own intervalMs) and drops the rest with a warning", () => {
    expect(paramsOf("SOURCE", '{"interval": "1m30s"}').params).toEqual({ intervalMs: 90_000 });
    expect(paramsOf("SOURCE", '{"interval": 250}').params).toEqual({ intervalMs: 250 });
    expect(paramsOf("SOURCE", '{"interval_ms": 40}').params).toEqual({ intervalMs: 40 });
    expect(paramsOf("SOURCE", '{"intervalMs": 700, "interval": "1s"}')).toEqual({
      params: { intervalMs: 700 },
      warnings: ['gofi node "n" (SOURCE): param "interval" dropped: "intervalMs" is set too'],
    });
    expect(paramsOf("SOURCE", '{"interval": "5ns", "min": 1, "max": 9}')).toEqual({
      params: {},
      warnings: [
        'gofi node "n" (SOURCE): param "interval" (the string "5ns") dropped: as intervalMs it must be a number of milliseconds or a duration such as "500ms", "5s" or "1m"',
        'gofi node "n" (SOURCE): param(s) "min", "max" dropped: Weft\'s random has no such param (it takes intervalMs)',
      ],
    });
    expect(paramsOf("SOURCE", '{"interval": "2h"}').warnings).toEqual([
      'gofi node "n" (SOURCE): param "interval" (the string "2h") dropped: as intervalMs it must be at most 3600000, got 7200000',
    ]);
  });

  it("keeps the grpc params Weft defines (address, tls, timeout, connectTimeout) and drops the others", () => {
    const params = '{"address": "rpc:9000", "tls": true, "timeout": "3s", "connectTimeout": "1s", "retries": 3}';
    const result = paramsOf("GRPC", params);
    expect(result.params).toEqual({ address: "rpc:9000", tls: true, timeout: "3s", connectTimeout: "1s" });
    expect(result.warnings).toEqual([
      'gofi node "n" (GRPC): param(s) "retries" dropped: Weft\'s grpc has no such param (it takes address, tls, timeout, connectTimeout)',
    ]);
    expect(paramsOf("SINK", '{"topic": "t"}').params).toEqual({});
  });

  it("reads empty params text, null and nothing as no params, and warnings carry the Weft node id", () => {
    for (const params of ["", "  ", "null", null, undefined]) {
      expect(paramsOf("SINK", params as string)).toEqual({ params: {}, warnings: [] });
    }
    const result = converted({ name: "p", nodes: [node("a b", "SINK", '{"x": 1}')], connections: [] });
    expect(result.warnings.map((w) => [w.code, w.nodeId])).toEqual([
      ["gofi_converted", "a_b"],
      ["gofi_converted", "a_b"],
    ]);
  });

  it("refuses params that are not JSON text of an object, naming the node", () => {
    expect(refusal({ name: "p", nodes: [node("rpc-1", "GRPC", '{"address": ')], connections: [] })).toMatch(
      /^gofi node "rpc-1" \(GRPC\): params is not valid JSON \(.+\): \{"address": $/,
    );
    expect(refusal({ name: "p", nodes: [node("s", "SINK", "[1, 2]")], connections: [] })).toBe(
      'gofi node "s" (SINK): params must be a JSON object, got an array',
    );
    expect(refusal({ name: "p", nodes: [node("s", "SINK", 5 as never)], connections: [] })).toBe(
      'gofi node "s" (SINK): params must be JSON text such as "{}", got number 5',
    );
  });

  it("refuses an unknown gofi node type, naming the node and the three known types", () => {
    const g = demo();
    g.nodes.push(node("f1", "FILTER"));
    expect(refusal(g)).toBe(
      'gofi node "f1" has type "FILTER", which Weft cannot import: gofi\'s node types are SOURCE, SINK and GRPC',
    );
    expect(refusal({ name: "p", nodes: [node("lower", "source")], connections: [] })).toMatch(
      /"lower" has type "source"/,
    );
    expect(refusal({ name: "p", nodes: [{ id: "t", type: 3 }], connections: [] })).toMatch(/"t" has type number 3,/);
  });

  it("makes invalid ids valid, deterministically, and reports each mapping", () => {
    const long = "x".repeat(70);
    const input: GofiInput = {
      name: "ids",
      nodes: [
        node("a_b", "SOURCE"),
        node("a.b", "GRPC", '{"address": "h:1"}'),
        node("a b", "GRPC", '{"address": "h:2"}'),
        node(long, "SINK"),
        node("节点", "SINK"),
        node(42, "SINK"),
        node("550e8400-e29b-41d4-a716-446655440000", "SINK"),
      ],
      connections: [
        link("c 1", "a_b", "a.b"),
        link(undefined, "a.b", "a b"),
        link("dup", "a b", long),
        link("dup", "a b", "节点"),
        link("e2", "a b", 42),
      ],
    };
    const first = converted(input);
    expect(first.graph.nodes.map((n) => n.id)).toEqual([
      "a_b",
      "a_b-2",
      "a_b-3",
      "x".repeat(64),
      "node5",
      "42",
      "550e8400-e29b-41d4-a716-446655440000",
    ]);
    expect(first.graph.edges.map((e) => [e.id, e.from, e.to])).toEqual([
      ["c_1", "a_b", "a_b-2"],
      ["e2-2", "a_b-2", "a_b-3"],
      ["dup", "a_b-3", "x".repeat(64)],
      ["dup-2", "a_b-3", "node5"],
      ["e2", "a_b-3", "42"],
    ]);
    expect(first.warnings.map((w) => w.message)).toEqual([
      'gofi node id "a.b" is not a valid Weft id (1-64 letters, digits, _ or -): imported as "a_b-2"',
      'gofi node id "a b" is not a valid Weft id (1-64 letters, digits, _ or -): imported as "a_b-3"',
      `gofi node id "${long}" is not a valid Weft id (1-64 letters, digits, _ or -): imported as "${"x".repeat(64)}"`,
      'gofi node id "节点" is not a valid Weft id (1-64 letters, digits, _ or -): imported as "node5"',
      'gofi connection nid "c 1" is not a valid Weft id (1-64 letters, digits, _ or -): imported as edge "c_1"',
      'gofi connections.1 has no nid: imported as edge "e2-2"',
      'gofi connection nid "dup" is used twice: imported as edge "dup-2"',
    ]);
    expect(converted(structuredClone(input))).toEqual(first);
    expect(validateGraph(input, "g1")).toMatchObject({ ok: true });
  });

  it("weftIds keeps valid ids, cleans invalid ones and never returns two equal ids", () => {
    const ids = weftIds(["ok", "ok", "o k", undefined, "!!!", "ok-2"], (i) => `n${i}`);
    expect(ids).toEqual(["ok", "ok-3", "o_k", "n3", "n4", "ok-2"]);
    expect(new Set(ids).size).toBe(ids.length);
    const long = weftIds(["y".repeat(64), `${"y".repeat(64)}!`], () => "n");
    expect(long).toEqual(["y".repeat(64), `${"y".repeat(62)}-2`]);
  });

  it("imports an empty graph, with Go's null slices read as empty", () => {
    expect(converted({ id: "x", name: "empty", nodes: [], connections: [] }).graph).toEqual({
      id: "g1",
      name: "empty",
      description: "",
      running: false,
      nodes: [],
      edges: [],
    });
    const nulls = converted({ name: "", description: null, nodes: null, connections: null });
    expect(nulls.graph).toMatchObject({ name: "g1", nodes: [], edges: [] });
    expect(nulls.warnings.map((w) => w.message)).toEqual(['gofi graph has no name: it is named "g1"']);
  });

  it("keeps cycles and self-loops, and drops repeated connections with a warning", () => {
    const input: GofiInput = {
      name: "loops",
      nodes: [node("a", "GRPC", '{"address": "h:1"}'), node("b", "GRPC", '{"address": "h:2"}')],
      connections: [link("ab", "a", "b"), link("ba", "b", "a"), link("aa", "a", "a"), link("ab2", "a", "b")],
    };
    const result = converted(input);
    expect(result.graph.edges.map((e) => [e.id, e.from, e.to])).toEqual([
      ["ab", "a", "b"],
      ["ba", "b", "a"],
      ["aa", "a", "a"],
    ]);
    expect(result.warnings).toEqual([
      {
        code: "gofi_converted",
        message: 'gofi connection "ab2" repeats gofi connection "ab" (from "a" into "b"): dropped',
      },
    ]);
    expect(validateGraph(input, "g1")).toMatchObject({ ok: true, warnings: result.warnings });
  });

  it("places a node without meta on a grid, with a warning, and refuses a coordinate that is not a number", () => {
    const result = converted({
      name: "p",
      nodes: [node("a", "SINK"), node("b", "SINK", "{}", null), node("c", "SINK", "{}", { x: 5 })],
      connections: [],
    });
    expect(result.graph.nodes.map((n) => [n.x, n.y])).toEqual([
      [10, 20],
      [300, 0],
      [5, 0],
    ]);
    expect(result.warnings.map((w) => [w.nodeId, w.message])).toEqual([
      ["b", 'gofi node "b" (SINK) has no meta.x or meta.y: placed at (300, 0)'],
      ["c", 'gofi node "c" (SINK) has no meta.y: placed at (5, 0)'],
    ]);
    expect(refusal({ name: "p", nodes: [node("a", "SINK", "{}", { x: "1", y: 2 })], connections: [] })).toBe(
      'gofi node "a": meta.x must be a number, got the string "1"',
    );
  });

  it("refuses duplicate node ids, a node without id and a connection to a missing node", () => {
    expect(refusal({ name: "p", nodes: [node("a", "SINK"), node("a", "SOURCE")], connections: [] })).toBe(
      'gofi node id "a" is used twice (nodes.0 and nodes.1)',
    );
    expect(refusal({ name: "p", nodes: [node("", "SINK")], connections: [] })).toBe("gofi nodes.0 has no id");
    const g = demo();
    g.connections.push(link("c3", "rpc", "nowhere"));
    expect(refusal(g)).toBe('gofi connection "c3": output_node "nowhere" is not the id of a node in the graph');
    g.connections = [{ nid: "c4", input_node: "src" }];
    expect(refusal(g)).toBe('gofi connection "c4" has no output_node');
  });

  it("names fields it does not import in one warning per kind", () => {
    const g = demo() as GofiInput & { nodes: Array<Record<string, unknown>> };
    g.created = "2020-01-01";
    g.nodes[0]!.status = "RUNNING";
    g.nodes[1]!.status = "RUNNING";
    g.nodes[1]!.meta = { x: 1, y: 2, w: 100 };
    g.connections[0]!.weight = 1;
    expect(converted(g).warnings.map((w) => w.message)).toEqual([
      'gofi graph field(s) "created" not imported',
      'gofi node field(s) "status" not imported',
      'gofi node field(s) "meta.w" not imported',
      'gofi connection field(s) "weight" not imported',
    ]);
  });
});

describe("validateGraph with gofi's JSON", () => {
  it("accepts examples/gofi-graph.json converted, with no errors or warnings", () => {
    const sample = JSON.parse(readFileSync(new URL("../examples/gofi-graph.json", import.meta.url), "utf8"));
    const result = validateGraph(sample, "gofi-demo");
    if (!result.ok) throw new Error(result.problem.message);
    expect(result.warnings).toEqual([]);
    expect(result.graph).toMatchObject({ id: "gofi-demo", name: "gofi demo (gRPC)", running: false });
    expect(result.graph.nodes.map((n) => [n.type, n.name, n.x, n.y, n.params])).toEqual([
      ["random", "numbers", 80, 120, {}],
      ["grpc", "factorize (gofi)", 340, 120, { address: "127.0.0.1:50051" }],
      ["log", "answers", 600, 120, {}],
    ]);
    const [src, rpc, log] = result.graph.nodes.map((n) => n.id);
    expect(result.graph.edges.map((e) => [e.from, e.fromPort, e.to, e.toPort])).toEqual([
      [src, "out", rpc, "in"],
      [rpc, "out", log, "in"],
    ]);
  });

  it("adds its own warnings after the conversion's, and refuses what the converted graph breaks", () => {
    const g = demo();
    g.nodes[1] = node("rpc", "GRPC", '{"address": 7, "retries": 1}');
    const result = validateGraph(g, "g1");
    if (!result.ok) throw new Error(result.problem.message);
    expect(result.warnings.map((w) => [w.code, w.nodeId])).toEqual([
      ["gofi_converted", "rpc"],
      ["invalid_params", "rpc"],
    ]);
    const far = demo();
    far.nodes[0]!.meta = { x: 2e6, y: 0 };
    expect(validateGraph(far, "g1")).toEqual({
      ok: false,
      problem: {
        code: "invalid_graph",
        message: "gofi graph, as converted: nodes.0.x: must be within ±1000000, got 2000000",
      },
    });
    expect(validateGraph({ ...demo(), nodes: [node("x", "MAP")] }, "g1")).toMatchObject({
      ok: false,
      problem: { code: "invalid_graph", message: expect.stringContaining("SOURCE, SINK and GRPC") },
    });
  });
});
