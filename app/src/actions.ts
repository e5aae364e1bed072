// Every edit the editor makes, expressed through shared/ydoc.ts helpers so all peers see it.
import * as Y from "yjs";
import type { GraphEdge, JsonValue } from "../../shared/graph.ts";
import { LIMITS } from "../../shared/limits.ts";
import type { TypeLookup } from "../../shared/nodeTypes.ts";
import * as ydoc from "../../shared/ydoc.ts";
import { type Paste, pasteFrom } from "./clipboard.ts";
import { checkEdgeSettings, type EdgeSettingsPatch } from "./edgeSettings.ts";
import { freeSpot, heightOf, nodePorts, type Point, type PortsOf, portsResolver } from "./geometry.ts";
import type { GraphState } from "./graphStore.ts";
import { type History, LOCAL_ORIGIN } from "./history.ts";
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
  /** Ends a drag: queued moves are written now, and the drag becomes one undo step. */
  endMove(): void;
  rename(nodeId: string, name: string): void;
  setDisabled(nodeId: string, disabled: boolean): void;
  setParam(nodeId: string, key: string, value: JsonValue): void;
  removeNode(nodeId: string): void;
  /** Removes these nodes (with every edge touching them) and edges, as one undo step. */
  removeMany(nodeIds: readonly string[], edgeIds: readonly string[]): void;
  /** Adds the nodes and edges in clipboard `text` (new ids; top-left at `at`), or says why it cannot. */
  paste(text: string, at: Point): Paste;
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
  /**
   * Calls `onText` with the Y.Text of code param `key` now and whenever it is replaced (a peer converting the
   * same plain value at the same time wins or loses as a whole), converting a plain value first unless viewing.
   * Returns the unsubscribe.
   */
  watchCode(nodeId: string, key: string, onText: (text: Y.Text | undefined) => void): () => void;
  /** Undoes this browser's last edit step (never another person's); false when there is none. */
  undo(): boolean;
  redo(): boolean;
}

/**
 * The actions on `doc`, knowing node types through `types` (the graph's registry, nodeTypeStore.ts); while
 * `readOnly()` (a viewer), every edit does nothing and connect says why.
 */
export function createGraphActions(
  doc: Y.Doc,
  graph: GraphState,
  types: TypeLookup,
  history: History,
  readOnly: () => boolean = () => false,
): GraphActions {
  const actions = writableActions(doc, graph, types, history);
  if (!readOnly) return actions;
  const guard =
    <A extends unknown[], R>(f: (...args: A) => R, otherwise: R) =>
    (...args: A): R =>
      readOnly() ? otherwise : f(...args);
  return {
    addNode: guard(actions.addNode, ""),
    moveNode: guard(actions.moveNode, undefined),
    endMove: guard(actions.endMove, undefined),
    rename: guard(actions.rename, undefined),
    setDisabled: guard(actions.setDisabled, undefined),
    setParam: guard(actions.setParam, undefined),
    removeNode: guard(actions.removeNode, undefined),
    removeMany: guard(actions.removeMany, undefined),
    paste: guard(actions.paste, { ok: false, reason: "you can only view this graph" }),
    connect: guard(actions.connect, { ok: false, reason: "you can only view this graph" }),
    removeEdge: guard(actions.removeEdge, undefined),
    setEdgeSettings: guard(actions.setEdgeSettings, { ok: false, reason: "you can only view this graph" }),
    setRunning: guard(actions.setRunning, undefined),
    renameGraph: guard(actions.renameGraph, undefined),
    undo: guard(actions.undo, false),
    watchCode: (nodeId, key, onText) => watchCode(doc, nodeId, key, onText, () => !readOnly()),
    redo: guard(actions.redo, false),
  };
}

function writableActions(doc: Y.Doc, graph: GraphState, types: TypeLookup, history: History): GraphActions {
  const portsOf = portsResolver(types, () => graph.edges);
  const pendingMoves = new Map<string, Point>();
  let frame = 0;
  const flushMoves = () => {
    if (frame) cancelAnimationFrame(frame);
    frame = 0;
    if (pendingMoves.size === 0) return;
    doc.transact(() => {
      for (const [nodeId, p] of pendingMoves) ydoc.moveNode(doc, nodeId, p.x, p.y);
    }, LOCAL_ORIGIN);
    pendingMoves.clear();
  };
  /** One discrete edit: its own undo step, tagged as this browser's. */
  const edit = (change: () => void) => {
    flushMoves();
    history.cut();
    doc.transact(change, LOCAL_ORIGIN);
    history.cut();
  };

  return {
    addNode(type, near, exact = false) {
      const id = newNodeId();
      const def = types(type);
      const height = heightOf(nodePorts(def, id, []));
      const at = exact ? near : freeSpot(Object.values(graph.nodes), near, height, portsOf);
      const node = {
        id,
        type,
        name: def?.title ?? type,
        x: Math.round(at.x),
        y: Math.round(at.y),
        params: {},
      };
      edit(() => ydoc.addNode(doc, node));
      return id;
    },
    moveNode(nodeId, x, y) {
      pendingMoves.set(nodeId, { x: Math.round(x), y: Math.round(y) });
      if (!frame) frame = requestAnimationFrame(flushMoves);
    },
    endMove() {
      flushMoves();
      history.cut();
    },
    rename(nodeId, name) {
      edit(() => ydoc.setNodeField(doc, nodeId, "name", name));
    },
    setDisabled(nodeId, disabled) {
      edit(() => ydoc.setNodeField(doc, nodeId, "disabled", disabled));
    },
    setParam(nodeId, key, value) {
      edit(() => ydoc.setParam(doc, nodeId, key, value));
    },
    removeNode(nodeId) {
      pendingMoves.delete(nodeId);
      edit(() => ydoc.removeNode(doc, nodeId));
    },
    removeMany(nodeIds, edgeIds) {
      for (const id of nodeIds) pendingMoves.delete(id);
      edit(() => {
        for (const id of edgeIds) ydoc.removeEdge(doc, id);
        for (const id of nodeIds) ydoc.removeNode(doc, id);
      });
    },
    paste(text, at) {
      const result = pasteFrom(text, at, LIMITS.maxNodes - Object.keys(graph.nodes).length);
      if (!result.ok) return result;
      edit(() => {
        for (const node of result.nodes) ydoc.addNode(doc, node);
        for (const edge of result.edges) ydoc.addEdge(doc, edge);
      });
      return result;
    },
    connect(connection) {
      const reason = connectionProblem(graph, connection, portsOf);
      if (reason) return { ok: false, reason };
      const edge: GraphEdge = { id: newEdgeId(), ...connection };
      edit(() => ydoc.addEdge(doc, edge));
      return { ok: true, edgeId: edge.id };
    },
    removeEdge(edgeId) {
      edit(() => ydoc.removeEdge(doc, edgeId));
    },
    setEdgeSettings(edgeId, patch) {
      // The document, not the store, is the truth: a peer's change of another field is kept.
      const check = checkEdgeSettings(ydoc.edgesMap(doc).get(edgeId), patch);
      if (!check.ok) return check;
      // addEdge sets the plain object under its id: the edge is replaced whole (DESIGN "Graph document").
      if (check.changed) edit(() => ydoc.addEdge(doc, { id: edgeId, ...check.edge }));
      return { ok: true };
    },
    // Starting and stopping is not an edit of the flow: undo never starts or stops it.
    setRunning(running) {
      ydoc.setRunning(doc, running);
    },
    renameGraph(name) {
      const trimmed = name.trim().slice(0, LIMITS.maxNameLength);
      if (trimmed) edit(() => ydoc.setGraphField(doc, "name", trimmed));
    },
    watchCode: (nodeId, key, onText) => watchCode(doc, nodeId, key, onText, () => true),
    undo() {
      flushMoves();
      return history.undo();
    },
    redo() {
      flushMoves();
      return history.redo();
    },
  };
}

/** Converting a plain code param to Y.Text is no edit of the user's: it is never an undo step. */
const CODE_ORIGIN = Symbol("weft-code-text");

function watchCode(
  doc: Y.Doc,
  nodeId: string,
  key: string,
  onText: (text: Y.Text | undefined) => void,
  mayConvert: () => boolean,
): () => void {
  const params = ydoc.nodesMap(doc).get(nodeId)?.get("params");
  if (!(params instanceof Y.Map)) {
    onText(undefined);
    return () => {};
  }
  const current = () => {
    const value = params.get(key);
    if (value instanceof Y.Text) return value;
    return mayConvert() ? ydoc.codeText(doc, nodeId, key, CODE_ORIGIN) : undefined;
  };
  let shown = current();
  onText(shown);
  const observer = (event: Y.YMapEvent<unknown>) => {
    if (!event.keysChanged.has(key)) return;
    const next = current();
    if (next === shown) return;
    shown = next;
    onText(next);
  };
  params.observe(observer);
  return () => params.unobserve(observer);
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
