// Fixed node geometry shared by node boxes, ports and edge curves, so edges need no DOM measuring.
import type { GraphNode } from "../../shared/graph.ts";
import { findNodeType } from "../../shared/nodeTypes.ts";

export const NODE_WIDTH = 200;
export const NODE_HEADER = 48;
export const PORT_ROW = 24;
export const NODE_FOOTER = 28;

export interface Point {
  x: number;
  y: number;
}

export interface Ports {
  inputs: string[];
  outputs: string[];
}

const UNKNOWN_TYPE_PORTS: Ports = { inputs: ["in"], outputs: ["out"] };

/** Ports of a node type; a type this editor does not know (a plugin) gets the default `in` / `out`. */
export function portsOf(type: string): Ports {
  const def = findNodeType(type);
  return def ? { inputs: def.inputs, outputs: def.outputs } : UNKNOWN_TYPE_PORTS;
}

export function portRows(ports: Ports): number {
  return Math.max(1, ports.inputs.length, ports.outputs.length);
}

export function nodeHeight(type: string): number {
  return NODE_HEADER + portRows(portsOf(type)) * PORT_ROW + NODE_FOOTER;
}

/** Where an edge attaches: the centre of the port dot on the node's left (in) or right (out) edge. */
export function portPoint(node: Pick<GraphNode, "x" | "y" | "type">, dir: "in" | "out", port: string): Point {
  const ports = portsOf(node.type);
  const list = dir === "in" ? ports.inputs : ports.outputs;
  const index = Math.max(0, list.indexOf(port));
  return {
    x: node.x + (dir === "in" ? 0 : NODE_WIDTH),
    y: node.y + NODE_HEADER + index * PORT_ROW + PORT_ROW / 2,
  };
}

/** A horizontal S-curve from an output port to an input port. */
export function edgePath(from: Point, to: Point): string {
  const dx = Math.max(40, Math.abs(to.x - from.x) / 2);
  return `M ${from.x} ${from.y} C ${from.x + dx} ${from.y}, ${to.x - dx} ${to.y}, ${to.x} ${to.y}`;
}

/** The point halfway along edgePath(from, to): for that symmetric curve, the middle of its two ends. */
export function edgeMidpoint(from: Point, to: Point): Point {
  return { x: (from.x + to.x) / 2, y: (from.y + to.y) / 2 };
}

export interface Rect {
  x: number;
  y: number;
  width: number;
  height: number;
}

export function boundsOf(nodes: Iterable<Pick<GraphNode, "x" | "y" | "type">>): Rect | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of nodes) {
    minX = Math.min(minX, node.x);
    minY = Math.min(minY, node.y);
    maxX = Math.max(maxX, node.x + NODE_WIDTH);
    maxY = Math.max(maxY, node.y + nodeHeight(node.type));
  }
  if (minX === Infinity) return undefined;
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/** The free grid spot nearest `near` that overlaps no node (with a margin), searched in rings. */
export function freeSpot(nodes: Pick<GraphNode, "x" | "y" | "type">[], near: Point, type: string): Point {
  const stepX = NODE_WIDTH + 40;
  const stepY = 150;
  const height = nodeHeight(type);
  const margin = 24;
  const origin = { x: Math.round(near.x / 20) * 20, y: Math.round(near.y / 20) * 20 };
  const free = (p: Point) =>
    nodes.every(
      (n) =>
        p.x + NODE_WIDTH + margin <= n.x ||
        n.x + NODE_WIDTH + margin <= p.x ||
        p.y + height + margin <= n.y ||
        n.y + nodeHeight(n.type) + margin <= p.y,
    );
  for (let ring = 0; ring < 40; ring++) {
    for (const [dx, dy] of ringOffsets(ring)) {
      const p = { x: origin.x + dx * stepX, y: origin.y + dy * stepY };
      if (free(p)) return p;
    }
  }
  return origin;
}

/** Grid offsets at Chebyshev distance `ring`, same row first, then right before left, then nearer rows. */
function ringOffsets(ring: number): [number, number][] {
  const out: [number, number][] = [];
  for (let dy = -ring; dy <= ring; dy++) {
    for (let dx = -ring; dx <= ring; dx++) if (Math.max(Math.abs(dx), Math.abs(dy)) === ring) out.push([dx, dy]);
  }
  return out.sort((a, b) => Math.abs(a[1]) - Math.abs(b[1]) || Number(a[0] < 0) - Number(b[0] < 0) || a[1] - b[1]);
}
