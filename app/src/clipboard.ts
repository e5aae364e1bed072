// Copy and paste of nodes as JSON text, so it works across graphs, tabs and browsers: what is copied is the
// nodes with the edges between them; a paste gets fresh ids and is checked with the same rules as an import.
import type { GraphEdge, GraphNode } from "../../shared/graph.ts";
import { validateGraph } from "../../shared/graph.ts";
import { LIMITS } from "../../shared/limits.ts";
import type { Point } from "./geometry.ts";
import { newEdgeId, newNodeId } from "./ids.ts";

/** Marks clipboard text as Weft nodes; any graph export (Weft's or gofi's) pastes too. */
export const CLIPBOARD_KIND = "weft/nodes";

export interface ClipboardNodes {
  kind: typeof CLIPBOARD_KIND;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The clipboard text for `nodeIds`: those nodes and the edges with both ends among them. */
export function copyText(
  nodes: Readonly<Record<string, GraphNode>>,
  edges: Readonly<Record<string, GraphEdge>>,
  nodeIds: Iterable<string>,
): string | undefined {
  const picked = [...nodeIds].flatMap((id) => (nodes[id] ? [nodes[id]] : []));
  if (picked.length === 0) return undefined;
  const ids = new Set(picked.map((n) => n.id));
  const inner = Object.values(edges).filter((e) => ids.has(e.from) && ids.has(e.to));
  const payload: ClipboardNodes = { kind: CLIPBOARD_KIND, nodes: picked, edges: inner };
  return JSON.stringify(payload, null, 2);
}

export type Paste = { ok: true; nodes: GraphNode[]; edges: GraphEdge[] } | { ok: false; reason: string };

/**
 * The nodes and edges to add for clipboard `text`, with new ids, moved so their top-left corner is at `at`.
 * `room` is how many more nodes the graph may take. Text that is not Weft nodes or a graph is refused with why.
 */
export function pasteFrom(text: string, at: Point, room: number): Paste {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return { ok: false, reason: "the clipboard does not hold Weft nodes (it is not JSON)" };
  }
  const graph = asGraph(parsed);
  if (!graph) return { ok: false, reason: "the clipboard holds JSON, but not Weft nodes or a graph" };
  const checked = validateGraph(graph, "clipboard");
  if (!checked.ok) return { ok: false, reason: `the copied nodes are not valid: ${checked.problem.message}` };
  const { nodes, edges } = checked.graph;
  if (nodes.length === 0) return { ok: false, reason: "the clipboard holds no nodes" };
  if (nodes.length > room) {
    return {
      ok: false,
      reason: `pasting ${nodes.length} nodes would pass the limit of ${LIMITS.maxNodes} nodes per graph`,
    };
  }
  const left = Math.min(...nodes.map((n) => n.x));
  const top = Math.min(...nodes.map((n) => n.y));
  const ids = new Map(nodes.map((n) => [n.id, newNodeId()]));
  return {
    ok: true,
    nodes: nodes.map((n) => ({
      ...n,
      id: ids.get(n.id) as string,
      x: Math.round(at.x + n.x - left),
      y: Math.round(at.y + n.y - top),
    })),
    edges: edges.map((e) => ({ ...e, id: newEdgeId(), from: ids.get(e.from) as string, to: ids.get(e.to) as string })),
  };
}

/** Clipboard nodes, a Weft export or a gofi graph, as a graph validateGraph reads; else undefined. */
function asGraph(value: unknown): Record<string, unknown> | undefined {
  if (!value || typeof value !== "object" || Array.isArray(value)) return undefined;
  const data = value as Record<string, unknown>;
  if (data.kind === CLIPBOARD_KIND) return { name: "clipboard", nodes: data.nodes, edges: data.edges };
  if (Array.isArray(data.nodes) && (Array.isArray(data.edges) || Array.isArray(data.connections))) {
    const { id: _id, running: _running, ...rest } = data;
    return rest;
  }
  return undefined;
}
