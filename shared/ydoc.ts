// Reading and writing the graph Yjs document (schema in DESIGN.md "Graph document").
import * as Y from "yjs";
import {
  edgeIsLive,
  edgeValueProblem,
  idRule,
  META_RULES,
  NODE_RULES,
  paramKeyRule,
  paramValueProblem,
  typeRule,
} from "./docModel.ts";
import type { GraphEdge, GraphExport, GraphNode, JsonValue } from "./graph.ts";
import { LIMITS } from "./limits.ts";
import { findNodeType } from "./nodeTypes.ts";

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

/** The meta fields; a field that breaks its rule reads as its default ("" or false). */
export function readMeta(doc: Y.Doc): GraphMeta {
  const meta = metaMap(doc);
  const field = <T>(key: string, fallback: T): T => {
    const value = meta.get(key);
    return META_RULES[key]?.(value) === undefined ? (value as T) : fallback;
  };
  return { name: field("name", ""), description: field("description", ""), running: field("running", false) };
}

/** A node read defensively: fields that break the model read as defaults, each noted in `problems`. */
export interface NodeRead {
  node: GraphNode;
  problems: string[];
  /** The node holds Yjs types where the model has none (nested maps in params): never walk into them. */
  foreign: boolean;
}

const NODE_DEFAULTS = { type: "", name: "", x: 0, y: 0 } as const;

/** Reads one node without throwing, whatever a peer wrote (bounded work: nested Yjs types are not walked). */
export function inspectNode(id: string, ynode: Y.Map<unknown>): NodeRead {
  const problems: string[] = [];
  let foreign = false;
  const node: GraphNode = { id, ...NODE_DEFAULTS, params: {} };
  for (const [key, value] of ynode.entries()) {
    if (key === "params") continue;
    const rule = NODE_RULES[key];
    if (!rule) {
      problems.push(`unknown field "${key.slice(0, 40)}" ignored`);
      foreign ||= value instanceof Y.AbstractType;
      continue;
    }
    const problem = value instanceof Y.AbstractType ? "must not be a Yjs type" : rule(value);
    if (problem) {
      problems.push(`${key} ${problem}`);
      foreign ||= value instanceof Y.AbstractType;
    } else (node as unknown as Record<string, unknown>)[key] = key === "labels" ? [...(value as string[])] : value;
  }
  if (!ynode.has("type")) problems.push("type is missing");
  const params = ynode.get("params");
  if (params instanceof Y.Map) {
    foreign = readParams(params, node.params, problems) || foreign;
  } else if (params !== undefined) {
    problems.push("params must be a map");
    foreign ||= params instanceof Y.AbstractType;
  }
  return { node, problems, foreign };
}

/** Copies the params that fit the model into `out`; returns true when a foreign Yjs type was met. */
function readParams(params: Y.Map<unknown>, out: Record<string, JsonValue>, problems: string[]): boolean {
  let foreign = false;
  let count = 0;
  for (const key of [...params.keys()].sort()) {
    const value = params.get(key);
    const keyProblem = paramKeyRule(key);
    let problem: string | undefined;
    let read: JsonValue | undefined;
    if (keyProblem) problem = `name ${keyProblem}`;
    else if (count >= LIMITS.maxParams) problem = `is past the limit of ${LIMITS.maxParams} params`;
    else if (value instanceof Y.Text) {
      if (value.length > LIMITS.maxParamBytes) problem = `is longer than ${LIMITS.maxParamBytes} characters`;
      else read = value.toString();
    } else if (value instanceof Y.AbstractType) {
      problem = "holds a nested Yjs type (only JSON values and code text are allowed)";
      foreign = true;
    } else {
      problem = paramValueProblem(value);
      if (!problem) read = value as JsonValue;
    }
    if (problem || read === undefined) {
      problems.push(`param "${key.slice(0, 40)}" ${problem ?? "is unreadable"}; ignored`);
      continue;
    }
    out[key] = read;
    count++;
  }
  return foreign;
}

/** One node as plain JSON; fields of the wrong type read as their defaults so a bad peer cannot break readers. */
export function readNode(id: string, ynode: Y.Map<unknown>): GraphNode {
  return inspectNode(id, ynode).node;
}

/** An edge, or undefined when its id or value breaks the model. */
export function readEdge(id: string, value: unknown): GraphEdge | undefined {
  if (idRule(id) !== undefined || edgeValueProblem(value) !== undefined) return undefined;
  return { id, ...(value as Omit<GraphEdge, "id">) };
}

/** What a defensive read of the whole document found besides the graph itself. */
export interface GraphInspection {
  /** The graph as exported: nodes with a valid id and type, live edges only (edgeIsLive). */
  graph: GraphExport;
  /** Nodes that break the model, by id: why (their process is blocked; typeless ones are not exported). */
  problems: Map<string, string[]>;
  /** Some entry holds Yjs types where the model has none; walking or deleting it could overflow the stack. */
  foreign: boolean;
}

export function inspectGraph(doc: Y.Doc, id: string): GraphInspection {
  const problems = new Map<string, string[]>();
  let foreign = false;
  const nodes: GraphNode[] = [];
  nodesMap(doc).forEach((ynode: unknown, nodeId) => {
    const idProblem = idRule(nodeId);
    if (!(ynode instanceof Y.Map) || idProblem) {
      problems.set(nodeId.slice(0, 64), [idProblem ? `id ${idProblem}` : "is not a map"]);
      foreign ||= ynode instanceof Y.AbstractType && !(ynode instanceof Y.Map);
      return;
    }
    const read = inspectNode(nodeId, ynode);
    foreign ||= read.foreign;
    if (read.problems.length > 0) problems.set(nodeId, read.problems);
    if (typeRule(read.node.type) === undefined) nodes.push(read.node);
  });
  nodes.sort((a, b) => compare(a.id, b.id));
  const types = new Map(nodes.map((n) => [n.id, n.type]));
  const edges: GraphEdge[] = [];
  edgesMap(doc).forEach((value: unknown, edgeId) => {
    foreign ||= value instanceof Y.AbstractType;
    const edge = readEdge(edgeId, value);
    if (edge && edgeIsLive(edge, (n) => types.get(n), findNodeType)) edges.push(edge);
  });
  edges.sort((a, b) => compare(a.id, b.id));
  const meta = readMeta(doc);
  return { graph: { id, ...meta, name: meta.name || id, nodes, edges }, problems, foreign };
}

/** The graph as export JSON: never throws, whatever the document holds (see inspectGraph). */
export function readGraph(doc: Y.Doc, id: string): GraphExport {
  return inspectGraph(doc, id).graph;
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

/**
 * The code param `key` of a node as a Y.Text, so concurrent typing merges character by character; a plain
 * string (or missing) value is converted in place first. Undefined when the node is gone.
 */
export function codeText(doc: Y.Doc, nodeId: string, key: string, origin?: unknown): Y.Text | undefined {
  const params = nodesMap(doc).get(nodeId)?.get("params");
  if (!(params instanceof Y.Map)) return undefined;
  const value = params.get(key);
  if (value instanceof Y.Text) return value;
  const text = new Y.Text(typeof value === "string" ? value : "");
  doc.transact(() => params.set(key, text), origin);
  return text;
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
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
