// Auto-layout: left-to-right layers computed by ELK, returned as new node positions (the caller writes them).
import type { ELK as ElkEngine, ElkExtendedEdge, ElkNode, ElkPort } from "elkjs/lib/elk.bundled.js";
import type { GraphEdge, GraphNode } from "../../shared/graph.ts";
import { heightOf, NODE_HEADER, NODE_WIDTH, PORT_ROW, type Point, type PortsOf } from "./geometry.ts";

type Placed = Pick<GraphNode, "id" | "type" | "x" | "y">;
type EdgeEnds = Pick<GraphEdge, "from" | "fromPort" | "to" | "toPort">;

export interface LayoutGraphOptions {
  /** The selected node ids: when two or more of them exist, only those are laid out. */
  selected?: readonly string[];
}

const SPACING_NODES = 60;
const SPACING_LAYERS = 120;

const ELK_OPTIONS = {
  "elk.algorithm": "layered",
  "elk.direction": "RIGHT",
  "elk.spacing.nodeNode": String(SPACING_NODES),
  "elk.layered.spacing.nodeNodeBetweenLayers": String(SPACING_LAYERS),
  "elk.spacing.componentComponent": String(SPACING_NODES),
  "elk.separateConnectedComponents": "true",
  // The canvas draws its own curves, so ELK's routes are dropped: polyline is the cheapest router (orthogonal
  // took about half as long again on 1,000 nodes).
  "elk.edgeRouting": "POLYLINE",
  "elk.padding": "[top=0,left=0,bottom=0,right=0]",
};

// The engine is about 1.5 MB minified (450 kB gzipped): loaded on the first layout, not with the editor, and run
// in a Web Worker where there is one, so laying out a thousand nodes (seconds) never freezes the page.
let engine: Promise<ElkEngine> | undefined;
function elk(): Promise<ElkEngine> {
  engine ??=
    typeof Worker === "undefined"
      ? import("elkjs/lib/elk.bundled.js").then(({ default: ELK }) => new ELK())
      : Promise.all([import("elkjs/lib/elk-api.js"), import("elkjs/lib/elk-worker.min.js?url")]).then(
          ([{ default: ELK }, { default: workerUrl }]) => new ELK({ workerUrl }),
        );
  return engine;
}

/**
 * New positions for the nodes, rounded, with the laid-out block's top-left where the nodes' top-left is now.
 * With two or more `selected` nodes only those move (and only the edges among them count); edges whose ends
 * are missing are skipped.
 */
export async function layoutGraph(
  nodes: readonly Placed[],
  edges: Iterable<EdgeEnds>,
  portsOf: PortsOf,
  options: LayoutGraphOptions = {},
): Promise<Map<string, Point>> {
  const chosen = new Set(options.selected ?? []);
  const picked = nodes.filter((node) => chosen.has(node.id));
  const laidOut = picked.length >= 2 ? picked : nodes;
  if (laidOut.length === 0) return new Map();

  // ELK ids are indices, so nothing a node or port is called can collide with another id.
  const index = new Map(laidOut.map((node, i) => [node.id, i]));
  const ports = laidOut.map(portsOf);
  const children: ElkNode[] = ports.map((own, i) => ({
    id: `n${i}`,
    width: NODE_WIDTH,
    height: heightOf(own),
    // Fixed positions, not just a fixed order: ELK then aligns the very points the wires are drawn from.
    layoutOptions: { "elk.portConstraints": "FIXED_POS" },
    ports: [...side(i, "in", own.inputs.length), ...side(i, "out", own.outputs.length)],
  }));
  const elkEdges: ElkExtendedEdge[] = [];
  for (const edge of edges) {
    const from = index.get(edge.from);
    const to = index.get(edge.to);
    if (from === undefined || to === undefined) continue;
    // Same row as portPoint draws the wire at: a port the node does not list attaches to the first row.
    const out = Math.max(0, ports[from]!.outputs.indexOf(edge.fromPort));
    const into = Math.max(0, ports[to]!.inputs.indexOf(edge.toPort));
    elkEdges.push({
      id: `e${elkEdges.length}`,
      sources: [portId(from, "out", out)],
      targets: [portId(to, "in", into)],
    });
  }

  // Read before awaiting: a peer may move nodes while ELK runs.
  const origin = { x: Math.min(...laidOut.map((n) => n.x)), y: Math.min(...laidOut.map((n) => n.y)) };
  const result = await (await elk()).layout({
    id: "root",
    layoutOptions: ELK_OPTIONS,
    children,
    edges: elkEdges,
  });
  const placed = result.children ?? [];
  const minX = Math.min(...placed.map((c) => c.x ?? 0));
  const minY = Math.min(...placed.map((c) => c.y ?? 0));
  const positions = new Map<string, Point>();
  for (const child of placed) {
    const node = laidOut[Number(child.id.slice(1))]!;
    positions.set(node.id, {
      x: Math.round(origin.x + (child.x ?? 0) - minX),
      y: Math.round(origin.y + (child.y ?? 0) - minY),
    });
  }
  return positions;
}

function portId(node: number, dir: "in" | "out", row: number): string {
  return `n${node}.${dir}${row}`;
}

/**
 * One side's ports at the centres of the port dots geometry.ts draws; at least one, since a wire to a port the
 * node does not list is drawn at the first row.
 */
function side(node: number, dir: "in" | "out", count: number): ElkPort[] {
  return Array.from({ length: Math.max(1, count) }, (_, row) => ({
    id: portId(node, dir, row),
    x: dir === "in" ? 0 : NODE_WIDTH,
    y: NODE_HEADER + row * PORT_ROW + PORT_ROW / 2,
    width: 0,
    height: 0,
    layoutOptions: { "elk.port.side": dir === "in" ? "WEST" : "EAST" },
  }));
}
