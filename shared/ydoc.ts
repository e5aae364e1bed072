// Reading and writing the graph Yjs document (schema in DESIGN.md "Graph document").
import * as Y from "yjs";
import type { GraphEdge, GraphExport, GraphNode, JsonValue } from "./graph.ts";

export const SCHEMA_VERSION = 1;

export function metaMap(doc: Y.Doc): Y.Map<unknown> {
  return doc.getMap("meta");
}
export function nodesMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap("nodes");
}
export function edgesMap(doc: Y.Doc): Y.Map<GraphEdge> {
  return doc.getMap("edges");
}

export interface GraphMeta {
  name: string;
  description: string;
  running: boolean;
}

export function readMeta(doc: Y.Doc): GraphMeta {
  const meta = metaMap(doc);
  return {
    name: asString(meta.get("name")),
    description: asString(meta.get("description")),
    running: meta.get("running") === true,
  };
}

/** One node as plain JSON; fields of the wrong type read as their defaults so a bad peer cannot break readers. */
export function readNode(id: string, ynode: Y.Map<unknown>): GraphNode {
  const params = ynode.get("params");
  const node: GraphNode = {
    id,
    type: asString(ynode.get("type")),
    name: asString(ynode.get("name")),
    x: asNumber(ynode.get("x")),
    y: asNumber(ynode.get("y")),
    params: params instanceof Y.Map ? (params.toJSON() as Record<string, JsonValue>) : {},
  };
  const disabled = ynode.get("disabled");
  if (typeof disabled === "boolean") node.disabled = disabled;
  const labels = ynode.get("labels");
  if (Array.isArray(labels)) node.labels = labels.filter((l): l is string => typeof l === "string");
  return node;
}

export function readEdge(id: string, value: unknown): GraphEdge | undefined {
  if (!value || typeof value !== "object") return undefined;
  const e = value as Record<string, unknown>;
  const fields = [e.from, e.fromPort, e.to, e.toPort];
  if (!fields.every((f) => typeof f === "string")) return undefined;
  return { id, from: e.from as string, fromPort: e.fromPort as string, to: e.to as string, toPort: e.toPort as string };
}

export function readGraph(doc: Y.Doc, id: string): GraphExport {
  const nodes: GraphNode[] = [];
  nodesMap(doc).forEach((ynode, nodeId) => {
    if (ynode instanceof Y.Map) nodes.push(readNode(nodeId, ynode));
  });
  const edges: GraphEdge[] = [];
  edgesMap(doc).forEach((value, edgeId) => {
    const edge = readEdge(edgeId, value);
    if (edge) edges.push(edge);
  });
  nodes.sort((a, b) => a.id.localeCompare(b.id));
  edges.sort((a, b) => a.id.localeCompare(b.id));
  return { id, ...readMeta(doc), nodes, edges };
}

export function nodeToYMap(node: Omit<GraphNode, "id">): Y.Map<unknown> {
  const ynode = new Y.Map<unknown>();
  ynode.set("type", node.type);
  ynode.set("name", node.name);
  ynode.set("x", node.x);
  ynode.set("y", node.y);
  const params = new Y.Map<unknown>();
  for (const [key, value] of Object.entries(node.params)) params.set(key, value);
  ynode.set("params", params);
  if (node.disabled !== undefined) ynode.set("disabled", node.disabled);
  if (node.labels !== undefined) ynode.set("labels", node.labels);
  return ynode;
}

/** Makes the document equal to `graph` in one transaction, keeping unchanged nodes' identity. */
export function replaceGraph(doc: Y.Doc, graph: Omit<GraphExport, "id">, origin?: unknown): void {
  doc.transact(() => {
    const meta = metaMap(doc);
    setIfChanged(meta, "schema", SCHEMA_VERSION);
    setIfChanged(meta, "name", graph.name);
    setIfChanged(meta, "description", graph.description);
    setIfChanged(meta, "running", graph.running);
    const nodes = nodesMap(doc);
    const keep = new Set(graph.nodes.map((n) => n.id));
    for (const nodeId of [...nodes.keys()]) if (!keep.has(nodeId)) nodes.delete(nodeId);
    for (const node of graph.nodes) {
      const existing = nodes.get(node.id);
      if (existing instanceof Y.Map && stableJson(readNode(node.id, existing)) === stableJson(node)) continue;
      const { id: nodeId, ...rest } = node;
      nodes.set(nodeId, nodeToYMap(rest));
    }
    const edges = edgesMap(doc);
    const keepEdges = new Set(graph.edges.map((e) => e.id));
    for (const edgeId of [...edges.keys()]) if (!keepEdges.has(edgeId)) edges.delete(edgeId);
    for (const { id: edgeId, ...edge } of graph.edges) {
      const existing = readEdge(edgeId, edges.get(edgeId));
      if (existing && stableJson(existing) === stableJson({ id: edgeId, ...edge })) continue;
      edges.set(edgeId, edge as GraphEdge);
    }
  }, origin);
}

export function setRunning(doc: Y.Doc, running: boolean, origin?: unknown): void {
  doc.transact(() => setIfChanged(metaMap(doc), "running", running), origin);
}

/** Renames the graph or changes its description (empty names are refused by the callers' forms). */
export function setGraphField(doc: Y.Doc, field: "name" | "description", value: string): void {
  setIfChanged(metaMap(doc), field, value);
}

export function addNode(doc: Y.Doc, node: GraphNode): void {
  const { id, ...rest } = node;
  nodesMap(doc).set(id, nodeToYMap(rest));
}

export function moveNode(doc: Y.Doc, nodeId: string, x: number, y: number): void {
  const ynode = nodesMap(doc).get(nodeId);
  if (!(ynode instanceof Y.Map)) return;
  doc.transact(() => {
    ynode.set("x", x);
    ynode.set("y", y);
  });
}

export function setNodeField(doc: Y.Doc, nodeId: string, field: "name" | "disabled", value: string | boolean): void {
  const ynode = nodesMap(doc).get(nodeId);
  if (ynode instanceof Y.Map) ynode.set(field, value);
}

export function setParam(doc: Y.Doc, nodeId: string, key: string, value: JsonValue): void {
  const params = nodesMap(doc).get(nodeId)?.get("params");
  if (params instanceof Y.Map) params.set(key, value);
}

/** Removes a node and every edge touching it, in one transaction. */
export function removeNode(doc: Y.Doc, nodeId: string): void {
  doc.transact(() => {
    nodesMap(doc).delete(nodeId);
    const edges = edgesMap(doc);
    for (const [edgeId, value] of [...edges.entries()]) {
      const edge = readEdge(edgeId, value);
      if (!edge || edge.from === nodeId || edge.to === nodeId) edges.delete(edgeId);
    }
  });
}

export function addEdge(doc: Y.Doc, edge: GraphEdge): void {
  const { id, ...rest } = edge;
  edgesMap(doc).set(id, rest as GraphEdge);
}

export function removeEdge(doc: Y.Doc, edgeId: string): void {
  edgesMap(doc).delete(edgeId);
}

function setIfChanged(map: Y.Map<unknown>, key: string, value: unknown): void {
  if (map.get(key) !== value) map.set(key, value);
}
function asString(value: unknown): string {
  return typeof value === "string" ? value : "";
}
function asNumber(value: unknown): number {
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** JSON with object keys sorted, for comparing values regardless of key order. */
export function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
  if (value && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${stableJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}
