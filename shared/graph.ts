// The graph export/import shape and its validation: the JSON twin of the Yjs document (rules in docModel.ts).
import {
  describe,
  edgeValueProblem,
  idRule,
  isPlainObject,
  META_RULES,
  NODE_RULES,
  paramKeyRule,
  paramValueProblem,
} from "./docModel.ts";
import { fromGofi, isGofiGraph } from "./gofi.ts";
import { LIMITS } from "./limits.ts";
import { checkParams, findNodeType, isSecretRef } from "./nodeTypes.ts";

export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };

export interface GraphNode {
  id: string;
  type: string;
  name: string;
  x: number;
  y: number;
  params: Record<string, JsonValue>;
  disabled?: boolean;
  labels?: string[];
}

export interface GraphEdge {
  id: string;
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
  mode?: "durable" | "memory";
  maxDepth?: number;
  maxBytes?: number;
  maxAttempts?: number;
}

export interface GraphExport {
  id: string;
  name: string;
  description: string;
  running: boolean;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** Why a node cannot run (its process is blocked); also returned as import warnings. */
export type NodeProblemCode = "unknown_node_type" | "invalid_params" | "invalid_node";
/** gofi_converted: a warning that importing a gofi graph changed or left out something (shared/gofi.ts). */
export type GraphProblem = {
  code: "invalid_graph" | "secret_in_graph" | "gofi_converted" | NodeProblemCode;
  message: string;
  nodeId?: string;
};
export type GraphCheck =
  | { ok: true; graph: GraphExport; warnings: GraphProblem[] }
  | { ok: false; problem: GraphProblem };

const ROOT_FIELDS = new Set(["id", "name", "description", "running", "nodes", "edges"]);
const NODE_FIELDS = new Set(["id", "params", ...Object.keys(NODE_RULES)]);

/**
 * Validates an imported graph against the document model (docModel.ts), the same rules the room applies
 * to Yjs updates; a graph that breaks one is refused whole, with the path of the offending field. Nodes
 * that fit the model but cannot run (an unknown type, invalid params) are accepted and reported as
 * warnings: they are blocked in the room, as the same node made in the editor would be.
 * gofi's graph JSON (`connections` and no `edges`) is converted first (shared/gofi.ts), then checked the same
 * way; the conversion's warnings come first.
 */
export function validateGraph(input: unknown, graphId: string): GraphCheck {
  if (!isGofiGraph(input)) return validateWeftGraph(input, graphId);
  const converted = fromGofi(input, graphId);
  if (!converted.ok) return converted;
  const checked = validateWeftGraph(converted.graph, graphId);
  if (!checked.ok) {
    return {
      ok: false,
      problem: { ...checked.problem, message: `gofi graph, as converted: ${checked.problem.message}` },
    };
  }
  return { ...checked, warnings: [...converted.warnings, ...checked.warnings] };
}

function validateWeftGraph(input: unknown, graphId: string): GraphCheck {
  const shape = shapeProblem(input);
  if (shape) return { ok: false, problem: { code: "invalid_graph", message: shape } };
  const data = input as Record<string, unknown>;
  if (data.id !== undefined && data.id !== graphId) {
    return invalid(`id "${String(data.id).slice(0, 80)}" does not match the graph id "${graphId}" in the URL`);
  }
  const graph: GraphExport = {
    id: graphId,
    name: data.name as string,
    description: (data.description as string | undefined) ?? "",
    running: (data.running as boolean | undefined) ?? false,
    nodes: (data.nodes as GraphNode[]).map(copyNode),
    edges: (data.edges as GraphEdge[]).map((e) => ({ ...e })),
  };
  const nodes = new Map<string, GraphNode>();
  const warnings: GraphProblem[] = [];
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) return invalid(`duplicate node id "${node.id}"`);
    nodes.set(node.id, node);
    const leak = secretLeak(node);
    if (leak) return { ok: false, problem: { code: "secret_in_graph", nodeId: node.id, message: leak } };
    const problem = nodeProblem(node);
    if (problem) warnings.push(problem);
  }
  const edgeIds = new Set<string>();
  for (const edge of graph.edges) {
    if (edgeIds.has(edge.id)) return invalid(`duplicate edge id "${edge.id}"`);
    edgeIds.add(edge.id);
    const problem = edgeProblem(edge, nodes);
    if (problem) return invalid(problem);
  }
  return { ok: true, graph, warnings };
}

/** The first field of `input` that breaks the model, as `path: problem`, or undefined. */
function shapeProblem(input: unknown): string | undefined {
  if (!isPlainObject(input)) return `(root): must be an object, got ${describe(input)}`;
  const unknown = Object.keys(input).filter((k) => !ROOT_FIELDS.has(k));
  if (unknown.length > 0) return `(root): unknown field(s) ${quoteList(unknown)}`;
  if (input.id !== undefined) {
    const problem = idRule(input.id);
    if (problem) return `id: ${problem}`;
  }
  for (const field of ["name", "description", "running"] as const) {
    if (field !== "name" && input[field] === undefined) continue;
    const problem = META_RULES[field]?.(input[field]);
    if (problem) return `${field}: ${problem}`;
  }
  const { nodes, edges } = input;
  if (!Array.isArray(nodes)) return `nodes: must be an array, got ${describe(nodes)}`;
  if (nodes.length > LIMITS.maxNodes) return `nodes: at most ${LIMITS.maxNodes} nodes, got ${nodes.length}`;
  if (!Array.isArray(edges)) return `edges: must be an array, got ${describe(edges)}`;
  if (edges.length > LIMITS.maxEdges) return `edges: at most ${LIMITS.maxEdges} edges, got ${edges.length}`;
  for (const [i, node] of nodes.entries()) {
    const problem = nodeShapeProblem(node);
    if (problem) return `nodes.${i}${problem.startsWith(":") ? "" : "."}${problem}`;
  }
  for (const [i, edge] of edges.entries()) {
    if (!isPlainObject(edge)) return `edges.${i}: must be an object, got ${describe(edge)}`;
    const { id, ...rest } = edge;
    const problem = idRule(id);
    if (problem) return `edges.${i}.id: ${problem}`;
    const valueProblem = edgeValueProblem(rest);
    if (valueProblem) return `edges.${i}.${valueProblem}`;
  }
  return undefined;
}

function nodeShapeProblem(node: unknown): string | undefined {
  if (!isPlainObject(node)) return `: must be an object, got ${describe(node)}`;
  const unknown = Object.keys(node).filter((k) => !NODE_FIELDS.has(k));
  if (unknown.length > 0) return `: unknown field(s) ${quoteList(unknown)}`;
  const idProblem = idRule(node.id);
  if (idProblem) return `id: ${idProblem}`;
  for (const [field, rule] of Object.entries(NODE_RULES)) {
    const required = field === "type" || field === "name" || field === "x" || field === "y";
    if (!required && node[field] === undefined) continue;
    const problem = rule(node[field]);
    if (problem) return `${field}: ${problem}`;
  }
  const params = node.params;
  if (!isPlainObject(params)) return `params: must be an object, got ${describe(params)}`;
  const keys = Object.keys(params);
  if (keys.length > LIMITS.maxParams) return `params: at most ${LIMITS.maxParams} params, got ${keys.length}`;
  for (const key of keys) {
    const keyProblem = paramKeyRule(key);
    if (keyProblem) return `params: name "${key.slice(0, 40)}" ${keyProblem}`;
    const valueProblem = paramValueProblem(params[key]);
    if (valueProblem) return `params.${key}: ${valueProblem}`;
  }
  return undefined;
}

/**
 * SECRET-1: a plain value in a param its type declares secret would put the secret into the document's
 * history forever; such an import is refused. The message says how to store it instead.
 */
export function secretLeak(node: Pick<GraphNode, "id" | "type" | "params">): string | undefined {
  const def = findNodeType(node.type);
  for (const [key, spec] of Object.entries(def?.params ?? {})) {
    const value = node.params[key];
    if (spec.type !== "secret" || value === undefined || value === "" || isSecretRef(value)) continue;
    return `node "${node.id}": param "${key}" is a secret; store its value with PUT /api/graphs/<id>/secrets/<NAME> and set the param to {"$secret": "<NAME>"}`;
  }
  return undefined;
}

/** Why a node cannot run as it stands, or undefined. */
export function nodeProblem(node: Pick<GraphNode, "id" | "type" | "params">): GraphProblem | undefined {
  const def = findNodeType(node.type);
  if (!def) {
    return { code: "unknown_node_type", nodeId: node.id, message: `node "${node.id}" has unknown type "${node.type}"` };
  }
  const params = checkParams(def, node.params);
  if (!params.ok) return { code: "invalid_params", nodeId: node.id, message: `node "${node.id}": ${params.error}` };
  return undefined;
}

/** Why an edge does not connect an existing output port to an existing input port, or undefined. */
export function edgeProblem(edge: GraphEdge, nodes: ReadonlyMap<string, Pick<GraphNode, "type">>): string | undefined {
  const from = nodes.get(edge.from);
  const to = nodes.get(edge.to);
  if (!from) return `edge "${edge.id}" starts at missing node "${edge.from}"`;
  if (!to) return `edge "${edge.id}" ends at missing node "${edge.to}"`;
  const fromDef = findNodeType(from.type);
  const toDef = findNodeType(to.type);
  if (fromDef && !fromDef.outputs.includes(edge.fromPort)) {
    return `edge "${edge.id}": node "${edge.from}" (${from.type}) has no output port "${edge.fromPort}"`;
  }
  if (toDef && !toDef.inputs.includes(edge.toPort)) {
    return `edge "${edge.id}": node "${edge.to}" (${to.type}) has no input port "${edge.toPort}"`;
  }
  return undefined;
}

function copyNode(node: GraphNode): GraphNode {
  const copy: GraphNode = { ...node, params: { ...node.params } };
  if (node.labels) copy.labels = [...node.labels];
  return copy;
}

function quoteList(keys: string[]): string {
  return keys.map((k) => JSON.stringify(k.slice(0, 40))).join(", ");
}

function invalid(message: string): GraphCheck {
  return { ok: false, problem: { code: "invalid_graph", message } };
}
