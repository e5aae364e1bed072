// The graph export/import shape and its validation: the JSON twin of the Yjs document.
import { z } from "zod";
import { ID_PATTERN, LIMITS } from "./limits.ts";
import { checkParams, findNodeType } from "./nodeTypes.ts";

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
}

export interface GraphExport {
  id: string;
  name: string;
  description: string;
  running: boolean;
  nodes: GraphNode[];
  edges: GraphEdge[];
}

const id = z.string().regex(ID_PATTERN, "must be 1-64 letters, digits, _ or -");
const port = z.string().min(1).max(LIMITS.maxIdLength);
const coordinate = z.number().finite().min(-1e6).max(1e6);
const jsonValue: z.ZodType<JsonValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number().finite(),
    z.boolean(),
    z.null(),
    z.array(jsonValue),
    z.record(z.string(), jsonValue),
  ]),
);

export const graphNodeSchema = z.strictObject({
  id,
  type: z.string().min(1).max(LIMITS.maxIdLength),
  name: z.string().max(LIMITS.maxNameLength),
  x: coordinate,
  y: coordinate,
  params: z.record(z.string(), jsonValue),
  disabled: z.boolean().optional(),
  labels: z.array(z.string().min(1).max(LIMITS.maxIdLength)).max(16).optional(),
});

export const graphEdgeSchema = z.strictObject({ id, from: id, fromPort: port, to: id, toPort: port });

export const graphImportSchema = z.strictObject({
  id: id.optional(),
  name: z.string().min(1).max(LIMITS.maxNameLength),
  description: z.string().max(LIMITS.maxDescriptionLength).default(""),
  running: z.boolean().default(false),
  nodes: z.array(graphNodeSchema).max(LIMITS.maxNodes),
  edges: z.array(graphEdgeSchema).max(LIMITS.maxEdges),
});

export type GraphProblem = { code: "invalid_graph" | "unknown_node_type" | "invalid_params"; message: string };
export type GraphCheck = { ok: true; graph: GraphExport } | { ok: false; problem: GraphProblem };

/** Validates an imported graph completely; a graph that fails any rule is refused whole. */
export function validateGraph(input: unknown, graphId: string): GraphCheck {
  const parsed = graphImportSchema.safeParse(input);
  if (!parsed.success) return invalid("invalid_graph", formatZodError(parsed.error));
  const data = parsed.data;
  if (data.id !== undefined && data.id !== graphId) {
    return invalid("invalid_graph", `id "${data.id}" does not match the graph id "${graphId}" in the URL`);
  }
  const graph: GraphExport = { ...data, id: graphId };
  const nodes = new Map<string, GraphNode>();
  for (const node of graph.nodes) {
    if (nodes.has(node.id)) return invalid("invalid_graph", `duplicate node id "${node.id}"`);
    nodes.set(node.id, node);
    const problem = nodeProblem(node);
    if (problem) return { ok: false, problem };
  }
  const edgeIds = new Set<string>();
  for (const edge of graph.edges) {
    if (edgeIds.has(edge.id)) return invalid("invalid_graph", `duplicate edge id "${edge.id}"`);
    edgeIds.add(edge.id);
    const problem = edgeProblem(edge, nodes);
    if (problem) return invalid("invalid_graph", problem);
  }
  return { ok: true, graph };
}

/** Why a node cannot run as it stands, or undefined. */
export function nodeProblem(node: Pick<GraphNode, "id" | "type" | "params">): GraphProblem | undefined {
  const def = findNodeType(node.type);
  if (!def) return { code: "unknown_node_type", message: `node "${node.id}" has unknown type "${node.type}"` };
  const params = checkParams(def, node.params);
  if (!params.ok) return { code: "invalid_params", message: `node "${node.id}": ${params.error}` };
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

export function formatZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.length ? issue.path.join(".") : "(root)";
  if (issue.code === "unrecognized_keys")
    return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return `${path}: ${issue.message}`;
}

function invalid(code: GraphProblem["code"], message: string): GraphCheck {
  return { ok: false, problem: { code, message } };
}
