// Fixed node geometry shared by node boxes, ports and edge curves, so edges need no DOM measuring.
import type { GraphEdge, GraphNode } from "../../shared/graph.ts";
import { ERROR_PORT, type NodeTypeDef, type TypeLookup } from "../../shared/nodeTypes.ts";

export const NODE_WIDTH = 200;
export const NODE_HEADER = 48;
export const PORT_ROW = 24;
export const NODE_FOOTER = 28;

export interface Point {
  x: number;
  y: number;
}

export interface Ports {
  inputs: readonly string[];
  outputs: readonly string[];
}

/** What the ports of a node depend on: its id (for the edges of an unknown type) and its type. */
export type NodeRef = Pick<GraphNode, "id" | "type">;

/** The ports a node shows; see nodePorts. */
export type PortsOf = (node: NodeRef) => Ports;

type EdgeEnds = Pick<GraphEdge, "from" | "fromPort" | "to" | "toPort">;

/**
 * The ports of node `nodeId`: its type's when the type is known; for a type nobody announced, the ports its
 * edges use (sorted, `error` last), so its wires still attach; none when it has no edges.
 */
export function nodePorts(
  def: Pick<NodeTypeDef, "inputs" | "outputs"> | undefined,
  nodeId: string,
  edges: Iterable<EdgeEnds>,
): Ports {
  if (def) return { inputs: def.inputs, outputs: def.outputs };
  const inputs = new Set<string>();
  const outputs = new Set<string>();
  for (const edge of edges) {
    if (edge.to === nodeId) inputs.add(edge.toPort);
    if (edge.from === nodeId) outputs.add(edge.fromPort);
  }
  const order = (a: string, b: string) =>
    Number(a === ERROR_PORT) - Number(b === ERROR_PORT) || (a < b ? -1 : a > b ? 1 : 0);
  return { inputs: [...inputs].sort(order), outputs: [...outputs].sort(order) };
}

/** Node ports from a type lookup and the graph's edges (read only for nodes of unknown types). */
export function portsResolver(lookup: TypeLookup, edges: () => Record<string, EdgeEnds>): PortsOf {
  return (node) => {
    const def = lookup(node.type);
    return def ? nodePorts(def, node.id, []) : nodePorts(undefined, node.id, Object.values(edges()));
  };
}

export function portRows(ports: Ports): number {
  return Math.max(1, ports.inputs.length, ports.outputs.length);
}

/** Height of a node box with these ports: header, one row per port pair, footer. */
export function heightOf(ports: Ports): number {
  return NODE_HEADER + portRows(ports) * PORT_ROW + NODE_FOOTER;
}

export function nodeHeight(node: NodeRef, portsOf: PortsOf): number {
  return heightOf(portsOf(node));
}

/** Where an edge attaches: the centre of the port dot on the node's left (in) or right (out) edge. */
export function portPoint(node: Pick<GraphNode, "x" | "y">, ports: Ports, dir: "in" | "out", port: string): Point {
  const list = dir === "in" ? ports.inputs : ports.outputs;
  const index = Math.max(0, list.indexOf(port));
  return {
    x: node.x + (dir === "in" ? 0 : NODE_WIDTH),
    y: node.y + NODE_HEADER + index * PORT_ROW + PORT_ROW / 2,
  };
}

/** Where edge `edge` starts and ends, or undefined while one of its nodes is missing (the repair rule). */
export function edgeEnds(
  edge: EdgeEnds,
  nodes: Readonly<Record<string, Pick<GraphNode, "id" | "type" | "x" | "y">>>,
  portsOf: PortsOf,
): { from: Point; to: Point } | undefined {
  const from = nodes[edge.from];
  const to = nodes[edge.to];
  if (!from || !to) return undefined;
  return {
    from: portPoint(from, portsOf(from), "out", edge.fromPort),
    to: portPoint(to, portsOf(to), "in", edge.toPort),
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

type Placed = Pick<GraphNode, "id" | "x" | "y" | "type">;

export function boundsOf(nodes: Iterable<Placed>, portsOf: PortsOf): Rect | undefined {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const node of nodes) {
    minX = Math.min(minX, node.x);
    minY = Math.min(minY, node.y);
    maxX = Math.max(maxX, node.x + NODE_WIDTH);
    maxY = Math.max(maxY, node.y + nodeHeight(node, portsOf));
  }
  if (minX === Infinity) return undefined;
  return { x: minX, y: minY, width: maxX - minX, height: maxY - minY };
}

/** The free grid spot nearest `near` for a node `height` tall that overlaps no node (with a margin), in rings. */
export function freeSpot(nodes: readonly Placed[], near: Point, height: number, portsOf: PortsOf): Point {
  const stepX = NODE_WIDTH + 40;
  const stepY = 150;
  const margin = 24;
  const origin = { x: Math.round(near.x / 20) * 20, y: Math.round(near.y / 20) * 20 };
  const boxes = nodes.map((n) => ({ x: n.x, y: n.y, height: nodeHeight(n, portsOf) }));
  const free = (p: Point) =>
    boxes.every(
      (n) =>
        p.x + NODE_WIDTH + margin <= n.x ||
        n.x + NODE_WIDTH + margin <= p.x ||
        p.y + height + margin <= n.y ||
        n.y + n.height + margin <= p.y,
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
