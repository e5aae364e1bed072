// Auto-layout: layer order, no overlaps, selection-only layout, skipped dangling edges, and a 1,000-node timing.
import { describe, expect, it } from "vitest";
import { fuzzSeeds, prng } from "../../shared/testing/seeds.ts";
import { NODE_WIDTH, nodeHeight, type Point, type Ports, type PortsOf } from "./geometry.ts";
import { layoutGraph } from "./layout.ts";

interface TestNode {
  id: string;
  type: string;
  x: number;
  y: number;
}
interface TestEdge {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
}

const TYPES: Record<string, Ports> = {
  pipe: { inputs: ["in"], outputs: ["out", "error"] },
  source: { inputs: [], outputs: ["out"] },
  join: { inputs: ["a", "b", "c"], outputs: ["out"] },
  fork: { inputs: ["in"], outputs: ["one", "two", "three", "four", "error"] },
};
const portsOf: PortsOf = (node) => TYPES[node.type] ?? { inputs: [], outputs: [] };

const node = (id: string, x = 0, y = 0, type = "pipe"): TestNode => ({ id, type, x, y });
const wire = (from: string, to: string): TestEdge => ({ from, fromPort: "out", to, toPort: "in" });

/** `count` nodes scattered over a wide area and `edgeCount` random edges between existing ports. */
function randomGraph(seed: number, count: number, edgeCount: number): { nodes: TestNode[]; edges: TestEdge[] } {
  const rand = prng(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;
  const typeNames = Object.keys(TYPES);
  const nodes = Array.from({ length: count }, (_, i) =>
    node(`n${i}`, Math.round(rand() * 4000 - 2000), Math.round(rand() * 4000 - 2000), pick(typeNames)),
  );
  const edges: TestEdge[] = [];
  while (edges.length < edgeCount) {
    const from = pick(nodes);
    const to = pick(nodes);
    const outs = portsOf(from).outputs;
    const ins = portsOf(to).inputs;
    if (from === to || outs.length === 0 || ins.length === 0) continue;
    edges.push({ from: from.id, fromPort: pick(outs), to: to.id, toPort: pick(ins) });
  }
  return { nodes, edges };
}

/** The pairs of laid-out node boxes that intersect (touching edges do not count). */
function overlaps(nodes: readonly TestNode[], positions: Map<string, Point>): string[] {
  const boxes = nodes.map((n) => {
    const p = positions.get(n.id) ?? n;
    return { id: n.id, x: p.x, y: p.y, w: NODE_WIDTH, h: nodeHeight(n, portsOf) };
  });
  const found: string[] = [];
  for (let i = 0; i < boxes.length; i++) {
    for (let j = i + 1; j < boxes.length; j++) {
      const a = boxes[i]!;
      const b = boxes[j]!;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h) found.push(`${a.id}/${b.id}`);
    }
  }
  return found;
}

describe("layoutGraph", () => {
  it("puts a chain a→b→c in increasing layers, at least the layer gap apart, at the graph's top-left", async () => {
    const nodes = [node("c", 50, 900), node("a", 400, 300), node("b", 100, 20)];
    const positions = await layoutGraph(nodes, [wire("a", "b"), wire("b", "c")], portsOf);
    const [a, b, c] = ["a", "b", "c"].map((id) => positions.get(id)!);
    expect(b!.x - a!.x).toBeGreaterThanOrEqual(NODE_WIDTH + 120);
    expect(c!.x - b!.x).toBeGreaterThanOrEqual(NODE_WIDTH + 120);
    // Same ports on a straight chain: one row.
    expect(new Set([a!.y, b!.y, c!.y]).size).toBe(1);
    expect(Math.min(a!.x, b!.x, c!.x)).toBe(50);
    expect(Math.min(a!.y, b!.y, c!.y)).toBe(20);
    for (const p of positions.values()) {
      expect(Number.isInteger(p.x) && Number.isInteger(p.y)).toBe(true);
    }
  });

  it("gives an empty graph no positions", async () => {
    expect(await layoutGraph([], [], portsOf)).toEqual(new Map());
    expect(await layoutGraph([], [wire("a", "b")], portsOf, { selected: ["a", "b"] })).toEqual(new Map());
  });

  it("skips edges whose ends are missing", async () => {
    const nodes = [node("a"), node("b")];
    const edges = [wire("a", "b"), wire("ghost", "a"), wire("b", "gone"), wire("ghost", "gone")];
    const positions = await layoutGraph(nodes, edges, portsOf);
    expect([...positions.keys()].sort()).toEqual(["a", "b"]);
    expect(positions.get("b")!.x).toBeGreaterThan(positions.get("a")!.x);
  });

  it("attaches a wire to a port the node does not list at its first row, as the canvas draws it", async () => {
    const nodes = [node("a"), node("b")];
    const positions = await layoutGraph(nodes, [{ from: "a", fromPort: "nope", to: "b", toPort: "gone" }], portsOf);
    expect(positions.get("b")!.x).toBeGreaterThan(positions.get("a")!.x);
    expect(positions.get("b")!.y).toBe(positions.get("a")!.y);
  });

  it("packs disconnected components without overlap", async () => {
    const nodes = Array.from({ length: 30 }, (_, i) => node(`s${i}`, 0, 0, i % 2 ? "source" : "pipe"));
    const edges = [wire("s0", "s2"), wire("s4", "s6")];
    const positions = await layoutGraph(nodes, edges, portsOf);
    expect(positions.size).toBe(30);
    expect(overlaps(nodes, positions)).toEqual([]);
    const xs = [...positions.values()].map((p) => p.x);
    const ys = [...positions.values()].map((p) => p.y);
    // Packed into a block, not one column or one row 30 nodes long.
    expect(Math.max(...xs) - Math.min(...xs)).toBeLessThan(15 * NODE_WIDTH);
    expect(Math.max(...ys) - Math.min(...ys)).toBeLessThan(15 * 100);
  });

  it("with two or more selected nodes lays out only those, at the selection's top-left", async () => {
    const nodes = [node("a", 500, 500), node("b", 300, 700), node("c", 900, 400), node("x", -50, -50)];
    const edges = [wire("a", "b"), wire("b", "c"), wire("x", "a"), wire("c", "x")];
    const positions = await layoutGraph(nodes, edges, portsOf, { selected: ["a", "b", "c", "deleted"] });
    expect([...positions.keys()].sort()).toEqual(["a", "b", "c"]);
    const [a, b, c] = ["a", "b", "c"].map((id) => positions.get(id)!);
    expect(a!.x).toBeLessThan(b!.x);
    expect(b!.x).toBeLessThan(c!.x);
    expect(Math.min(a!.x, b!.x, c!.x)).toBe(300);
    expect(Math.min(a!.y, b!.y, c!.y)).toBe(400);
  });

  it("lays out everything when fewer than two selected nodes exist", async () => {
    const nodes = [node("a"), node("b"), node("c")];
    const edges = [wire("a", "b"), wire("b", "c")];
    for (const selected of [[], ["a"], ["a", "deleted"]]) {
      const positions = await layoutGraph(nodes, edges, portsOf, { selected });
      expect(positions.size).toBe(3);
    }
  });

  it.each(fuzzSeeds([1, 20260514]))("seed %i: 200 random nodes land with no two overlapping", async (seed) => {
    const { nodes, edges } = randomGraph(seed, 200, 260);
    const positions = await layoutGraph(nodes, edges, portsOf);
    expect(positions.size, `seed ${seed}`).toBe(200);
    expect(overlaps(nodes, positions), `seed ${seed}`).toEqual([]);
  });

  it("lays out 1,000 nodes and 1,200 edges (timing printed)", { timeout: 60_000 }, async () => {
    const { nodes, edges } = randomGraph(7, 1000, 1200);
    await layoutGraph(nodes.slice(0, 2), [], portsOf); // loads the engine, so the timing is the layout's own
    const started = performance.now();
    const positions = await layoutGraph(nodes, edges, portsOf);
    const ms = performance.now() - started;
    console.log(`layoutGraph: 1,000 nodes / 1,200 edges in ${Math.round(ms)} ms`);
    expect(positions.size).toBe(1000);
    expect(overlaps(nodes, positions)).toEqual([]);
  });
});
