// Node geometry: port anchors, unknown types, and free-spot placement.
import { describe, expect, it } from "vitest";
import { freeSpot, NODE_HEADER, NODE_WIDTH, nodeHeight, PORT_ROW, portPoint, portsOf } from "./geometry.ts";

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
});
