// What drawing an edge would do, told while the pointer (or the keyboard) is over a port, before anything is
// written: a connection the editor refuses (direction, the node itself, a missing port, one already there) is
// "bad" with the reason; one that closes a loop is allowed but "loop", naming the way round.
import { type Connection, connectionProblem } from "./actions.ts";
import type { PortsOf } from "./geometry.ts";
import type { GraphState } from "./graphStore.ts";

export interface PortRef {
  nodeId: string;
  port: string;
  dir: "in" | "out";
}

export type LinkVerdict =
  | { kind: "ok"; connection: Connection; text: string }
  | { kind: "loop"; connection: Connection; text: string }
  | { kind: "bad"; text: string };

/** A port's key in a verdict lookup: node, direction and port. */
export const portKey = (p: PortRef): string => `${p.nodeId}\u0000${p.dir}\u0000${p.port}`;

/** The longest way round a loop is named by this many nodes at most. */
const LOOP_NAMES = 6;

/** Where the edges lead: for each node, the nodes its outputs reach directly (edges whose both ends exist). */
export function successors(graph: GraphState): Map<string, string[]> {
  const next = new Map<string, string[]>();
  for (const edge of Object.values(graph.edges)) {
    if (!graph.nodes[edge.from] || !graph.nodes[edge.to]) continue;
    const list = next.get(edge.from);
    if (list) list.push(edge.to);
    else next.set(edge.from, [edge.to]);
  }
  return next;
}

/** The nodes from `start` to `goal` along `next` (both included), or undefined when `goal` is not reached. */
export function pathBetween(next: Map<string, string[]>, start: string, goal: string): string[] | undefined {
  const cameFrom = new Map<string, string>([[start, start]]);
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const at = queue[i] as string;
    if (at === goal) {
      const path = [at];
      for (let p = at; p !== start; ) {
        p = cameFrom.get(p) as string;
        path.push(p);
      }
      return path.reverse();
    }
    for (const to of next.get(at) ?? []) {
      if (!cameFrom.has(to)) {
        cameFrom.set(to, at);
        queue.push(to);
      }
    }
  }
  return undefined;
}

/**
 * The verdict on joining port `from` (where the drag started) to port `to`; `next` is successors(graph), taken
 * once per drag.
 */
export function linkVerdict(
  graph: GraphState,
  portsOf: PortsOf,
  next: Map<string, string[]>,
  from: PortRef,
  to: PortRef,
): LinkVerdict {
  if (from.dir === to.dir) {
    const both = from.dir === "out" ? "outputs" : "inputs";
    return { kind: "bad", text: `Both are ${both}: an edge runs from an output (right) to an input (left)` };
  }
  const [out, inp] = from.dir === "out" ? [from, to] : [to, from];
  const connection = { from: out.nodeId, fromPort: out.port, to: inp.nodeId, toPort: inp.port };
  const problem = connectionProblem(graph, connection, portsOf);
  if (problem) return { kind: "bad", text: `Cannot connect: ${problem}` };
  const name = (id: string) => graph.nodes[id]?.name || id;
  const target = `${name(inp.nodeId)}.${inp.port}`;
  const source = `${name(out.nodeId)}.${out.port}`;
  // The new edge closes a loop when its target already reaches its source.
  const loop = pathBetween(next, inp.nodeId, out.nodeId);
  if (loop) {
    const names = loop.length > LOOP_NAMES ? [...loop.slice(0, LOOP_NAMES - 1), "…"] : loop;
    const round = [...names.map((id) => (id === "…" ? id : name(id))), name(inp.nodeId)].join(" → ");
    return {
      kind: "loop",
      connection,
      text: `Connect ${source} → ${target}: this closes a loop (${round}); messages can go round it for ever unless a node in it drops them`,
    };
  }
  return { kind: "ok", connection, text: `Connect ${source} → ${target}` };
}
