// Node geometry: port anchors, several outputs with the error port last, unknown types, and free-spot placement.
import { describe, expect, it } from "vitest";
import type { GraphEdge } from "../../shared/graph.ts";
import {
  boundsOf,
  edgeMidpoint,
  edgePath,
  freeSpot,
  heightOf,
  NODE_FOOTER,
  NODE_HEADER,
  NODE_WIDTH,
  nodeHeight,
  nodePorts,
  PORT_ROW,
  portPoint,
  portsResolver,
} from "./geometry.ts";
import { createNodeTypeStore } from "./nodeTypeStore.ts";

const types = createNodeTypeStore();
const edges: Record<string, GraphEdge> = {};
const portsOf = portsResolver(types.lookup, () => edges);

describe("geometry", () => {
  it("anchors inputs on the left edge and outputs on the right", () => {
    const node = { id: "f", x: 100, y: 50, type: "factorize" };
    const ports = portsOf(node);
    expect(portPoint(node, ports, "in", "in")).toEqual({ x: 100, y: 50 + NODE_HEADER + PORT_ROW / 2 });
    expect(portPoint(node, ports, "out", "out")).toEqual({ x: 100 + NODE_WIDTH, y: 50 + NODE_HEADER + PORT_ROW / 2 });
  });

  it("lays out every output of a switch one row apart, the error port last, and sizes the node to fit", () => {
    const node = { id: "s", x: 0, y: 0, type: "switch" };
    const ports = portsOf(node);
    expect(ports.outputs.at(-1)).toBe("error");
    expect(ports.outputs.length).toBeGreaterThanOrEqual(6);
    const ys = ports.outputs.map((port) => portPoint(node, ports, "out", port).y);
    expect(ys).toEqual(ports.outputs.map((_, i) => NODE_HEADER + i * PORT_ROW + PORT_ROW / 2));
    expect(nodeHeight(node, portsOf)).toBe(NODE_HEADER + ports.outputs.length * PORT_ROW + NODE_FOOTER);
    expect(portsOf({ id: "f", type: "filter" }).outputs).toEqual(["out", "rejected", "error"]);
  });

  it("gives a node of an unknown type the ports its edges use, sorted with error last, or none", () => {
    const graphEdges = [
      { from: "a", fromPort: "error", to: "x", toPort: "in" },
      { from: "a", fromPort: "text", to: "y", toPort: "in" },
      { from: "z", fromPort: "out", to: "a", toPort: "image" },
      { from: "a", fromPort: "text", to: "w", toPort: "in" },
    ];
    expect(nodePorts(undefined, "a", graphEdges)).toEqual({ inputs: ["image"], outputs: ["text", "error"] });
    expect(nodePorts(undefined, "lonely", graphEdges)).toEqual({ inputs: [], outputs: [] });
    expect(heightOf({ inputs: [], outputs: [] })).toBe(NODE_HEADER + PORT_ROW + NODE_FOOTER);
  });

  it("reads an unknown node's edges through the resolver, and a known type's ports from the registry", () => {
    const local: Record<string, GraphEdge> = {
      e1: { id: "e1", from: "ghost", fromPort: "out", to: "l", toPort: "in" },
    };
    const resolve = portsResolver(types.lookup, () => local);
    expect(resolve({ id: "ghost", type: "acme-plugin" })).toEqual({ inputs: [], outputs: ["out"] });
    expect(resolve({ id: "l", type: "log" })).toEqual({ inputs: ["in"], outputs: ["error"] });
  });

  it("places a new node where it overlaps no existing node", () => {
    const nodes = [
      { id: "a", x: 0, y: 0, type: "random" },
      { id: "b", x: 240, y: 0, type: "factorize" },
    ];
    const height = nodeHeight({ id: "new", type: "log" }, portsOf);
    const spot = freeSpot(nodes, { x: 0, y: 0 }, height, portsOf);
    for (const n of nodes) {
      const apart =
        spot.x + NODE_WIDTH <= n.x ||
        n.x + NODE_WIDTH <= spot.x ||
        spot.y + height <= n.y ||
        n.y + nodeHeight(n, portsOf) <= spot.y;
      expect(apart).toBe(true);
    }
  });

  it("prefers the same row, to the right", () => {
    const spot = freeSpot([{ id: "a", x: 0, y: 0, type: "random" }], { x: 0, y: 0 }, 100, portsOf);
    expect(spot.y).toBe(0);
    expect(spot.x).toBeGreaterThan(0);
  });

  it("bounds nodes by their own heights", () => {
    const nodes = [
      { id: "a", x: 0, y: 0, type: "random" },
      { id: "s", x: 300, y: 100, type: "switch" },
    ];
    expect(boundsOf(nodes, portsOf)).toEqual({
      x: 0,
      y: 0,
      width: 300 + NODE_WIDTH,
      height: 100 + nodeHeight(nodes[1]!, portsOf),
    });
    expect(boundsOf([], portsOf)).toBeUndefined();
  });

  it("puts an edge's midpoint on its curve, halfway between its ends", () => {
    const from = { x: 200, y: 60 };
    const to = { x: 500, y: 180 };
    expect(edgeMidpoint(from, to)).toEqual({ x: 350, y: 120 });
    // The curve's point at t = 0.5, from its control points.
    const [x0, y0, x1, y1, x2, y2, x3, y3] = (edgePath(from, to).match(/-?[\d.]+/g) ?? []).map(Number) as number[];
    const at = (a: number, b: number, c: number, d: number) => (a + 3 * b + 3 * c + d) / 8;
    expect({ x: at(x0!, x1!, x2!, x3!), y: at(y0!, y1!, y2!, y3!) }).toEqual(edgeMidpoint(from, to));
  });
});
