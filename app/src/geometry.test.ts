// Node geometry: port anchors, unknown types, and free-spot placement.
import { describe, expect, it } from "vitest";
import {
  edgeMidpoint,
  edgePath,
  freeSpot,
  NODE_HEADER,
  NODE_WIDTH,
  nodeHeight,
  PORT_ROW,
  portPoint,
  portsOf,
} from "./geometry.ts";

describe("geometry", () => {
  it("anchors inputs on the left edge and outputs on the right", () => {
    const node = { x: 100, y: 50, type: "factorize" };
    expect(portPoint(node, "in", "in")).toEqual({ x: 100, y: 50 + NODE_HEADER + PORT_ROW / 2 });
    expect(portPoint(node, "out", "out")).toEqual({ x: 100 + NODE_WIDTH, y: 50 + NODE_HEADER + PORT_ROW / 2 });
  });

  it("gives unknown (plugin) types the default ports", () => {
    expect(portsOf("acme-plugin")).toEqual({ inputs: ["in"], outputs: ["out"] });
  });

  it("places a new node where it overlaps no existing node", () => {
    const nodes = [
      { x: 0, y: 0, type: "random" },
      { x: 240, y: 0, type: "factorize" },
    ];
    const spot = freeSpot(nodes, { x: 0, y: 0 }, "log");
    for (const n of nodes) {
      const apart =
        spot.x + NODE_WIDTH <= n.x ||
        n.x + NODE_WIDTH <= spot.x ||
        spot.y + nodeHeight("log") <= n.y ||
        n.y + nodeHeight(n.type) <= spot.y;
      expect(apart).toBe(true);
    }
  });

  it("prefers the same row, to the right", () => {
    const spot = freeSpot([{ x: 0, y: 0, type: "random" }], { x: 0, y: 0 }, "log");
    expect(spot.y).toBe(0);
    expect(spot.x).toBeGreaterThan(0);
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
