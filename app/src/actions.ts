// Every edit the editor makes, expressed through shared/ydoc.ts helpers so all peers see it.
import type * as Y from "yjs";
import type { GraphEdge, JsonValue } from "../../shared/graph.ts";
import { LIMITS } from "../../shared/limits.ts";
import type { TypeLookup } from "../../shared/nodeTypes.ts";
import * as ydoc from "../../shared/ydoc.ts";
import { checkEdgeSettings, type EdgeSettingsPatch } from "./edgeSettings.ts";
import { freeSpot, heightOf, nodePorts, type Point, type PortsOf, portsResolver } from "./geometry.ts";
import type { GraphState } from "./graphStore.ts";
import { newEdgeId, newNodeId } from "./ids.ts";

export interface Connection {
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
}

export type EdgeSettingsResult = { ok: true } | { ok: false; field?: string; reason: string };

export interface GraphActions {
  addNode(type: string, near: Point, exact?: boolean): string;
  /** Queues a move; the document is written at most once per animation frame per node. */
  moveNode(nodeId: string, x: number, y: number): void;
  rename(nodeId: string, name: string): void;
  setDisabled(nodeId: string, disabled: boolean): void;
  setParam(nodeId: string, key: string, value: JsonValue): void;
  removeNode(nodeId: string): void;
  /** Adds the edge, or returns why it is refused. */
  connect(connection: Connection): { ok: true; edgeId: string } | { ok: false; reason: string };
  removeEdge(edgeId: string): void;
  /**
   * Changes an edge's delivery settings (null clears one: the default applies), replacing its object whole.
   * Refused, with the room's own reason, when the edge would break the model; then nothing is written.
   */
  setEdgeSettings(edgeId: string, patch: EdgeSettingsPatch): EdgeSettingsResult;
  setRunning(running: boolean): void;
  /** Renames the graph; blank names are ignored. */
  renameGraph(name: string): void;
}

/**
 * The actions on `doc`, knowing node types through `types` (the graph's registry, nodeTypeStore.ts); while
 * `readOnly()` (a viewer), every edit does nothing and connect says why.
 */
export function createGraphActions(
  doc: Y.Doc,
  graph: GraphState,
  types: TypeLookup,
  readOnly: () => boolean = () => false,
): GraphActions {
  const actions = writableActions(doc, graph, types);
  if (!readOnly) return actions;
  const guard =
    <A extends unknown[], R>(f: (...args: A) => R, otherwise: R) =>
    (...args: A): R =>
      readOnly() ? otherwise : f(...args);
  return {
    addNode: guard(actions.addNode, ""),
    moveNode: guard(actions.moveNode, undefined),
    rename: guard(actions.rename, undefined),
    setDisabled: guard(actions.setDisabled, undefined),
    setParam: guard(actions.setParam, undefined),
    removeNode: guard(actions.removeNode, undefined),
    connect: guard(actions.connect, { ok: false, reason: "you can only view this graph" }),
    removeEdge: guard(actions.removeEdge, undefined),
    setEdgeSettings: guard(actions.setEdgeSettings, { ok: false, reason: "you can only view this graph" }),
    setRunning: guard(actions.setRunning, undefined),
    renameGraph: guard(actions.renameGraph, undefined),
  };
}

function writableActions(doc: Y.Doc, graph: GraphState, types: TypeLookup): GraphActions {
  const portsOf = portsResolver(types, () => graph.edges);
  const pendingMoves = new Map<string, Point>();
  let frame = 0;
  const flushMoves = () => {
    frame = 0;
    doc.transact(() => {
      for (const [nodeId, p] of pendingMoves) ydoc.moveNode(doc, nodeId, p.x, p.y);
    });
    pendingMoves.clear();
  };

  return {
    addNode(type, near, exact = false) {
      const id = newNodeId();
      const def = types(type);
      const height = heightOf(nodePorts(def, id, []));
      const at = exact ? near : freeSpot(Object.values(graph.nodes), near, height, portsOf);
      ydoc.addNode(doc, {
        id,
        type,
        name: def?.title ?? type,
        x: Math.round(at.x),
        y: Math.round(at.y),
        params: {},
      });
      return id;
    },
    moveNode(nodeId, x, y) {
      pendingMoves.set(nodeId, { x: Math.round(x), y: Math.round(y) });
      if (!frame) frame = requestAnimationFrame(flushMoves);
    },
    rename(nodeId, name) {
      ydoc.setNodeField(doc, nodeId, "name", name);
    },
    setDisabled(nodeId, disabled) {
      ydoc.setNodeField(doc, nodeId, "disabled", disabled);
    },
    setParam(nodeId, key, value) {
      ydoc.setParam(doc, nodeId, key, value);
    },
    removeNode(nodeId) {
      pendingMoves.delete(nodeId);
      ydoc.removeNode(doc, nodeId);
    },
    connect(connection) {
      const reason = connectionProblem(graph, connection, portsOf);
      if (reason) return { ok: false, reason };
      const edge: GraphEdge = { id: newEdgeId(), ...connection };
      ydoc.addEdge(doc, edge);
      return { ok: true, edgeId: edge.id };
    },
    removeEdge(edgeId) {
      ydoc.removeEdge(doc, edgeId);
    },
    setEdgeSettings(edgeId, patch) {
      // The document, not the store, is the truth: a peer's change of another field is kept.
      const check = checkEdgeSettings(ydoc.edgesMap(doc).get(edgeId), patch);
      if (!check.ok) return check;
      // addEdge sets the plain object under its id: the edge is replaced whole (DESIGN "Graph document").
      if (check.changed) ydoc.addEdge(doc, { id: edgeId, ...check.edge });
      return { ok: true };
    },
    setRunning(running) {
      ydoc.setRunning(doc, running);
    },
    renameGraph(name) {
      const trimmed = name.trim().slice(0, LIMITS.maxNameLength);
      if (trimmed) ydoc.setGraphField(doc, "name", trimmed);
    },
  };
}

/**
 * Why an edge may not be added: self-loop, duplicate, or a port the node does not have (a node of an unknown
 * type has only the ports its edges already use).
 */
export function connectionProblem(graph: GraphState, c: Connection, portsOf: PortsOf): string | undefined {
  if (c.from === c.to) return "a node cannot connect to itself";
  const from = graph.nodes[c.from];
  const to = graph.nodes[c.to];
  if (!from || !to) return "that node no longer exists";
  if (!portsOf(from).outputs.includes(c.fromPort)) return `${from.name} has no output "${c.fromPort}"`;
  if (!portsOf(to).inputs.includes(c.toPort)) return `${to.name} has no input "${c.toPort}"`;
  for (const edge of Object.values(graph.edges)) {
    if (edge.from === c.from && edge.fromPort === c.fromPort && edge.to === c.to && edge.toPort === c.toPort) {
      return "these ports are already connected";
    }
  }
  return undefined;
}
