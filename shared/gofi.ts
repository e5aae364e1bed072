// Import of gofi's graph JSON: detects its shape and maps it onto Weft's (SOURCE → random, SINK → log, GRPC → grpc).
import { describe, isPlainObject } from "./docModel.ts";
import type { GraphEdge, GraphExport, GraphNode, GraphProblem, JsonValue } from "./graph.ts";
import { isValidId, LIMITS } from "./limits.ts";
import { findNodeType, paramProblem, parseDuration } from "./nodeTypes.ts";

/** gofi's node types and the built-in Weft type each one becomes. */
export const GOFI_TYPES: ReadonlyMap<string, string> = new Map([
  ["SOURCE", "random"],
  ["SINK", "log"],
  ["GRPC", "grpc"],
]);

/** A gofi param Weft knows under another name: the Weft param, and the value converted (undefined: cannot be). */
interface ParamAlias {
  to: string;
  convert: (value: unknown) => JsonValue | undefined;
}

/** Per Weft type, gofi param names that map onto one of its params (an interval in ms or as a Go duration). */
const PARAM_ALIASES: Readonly<Record<string, Readonly<Record<string, ParamAlias>>>> = {
  random: {
    interval: { to: "intervalMs", convert: (value) => parseDuration(value) },
    interval_ms: { to: "intervalMs", convert: (value) => (typeof value === "number" ? value : undefined) },
  },
};

export type GofiConversion =
  | { ok: true; graph: GraphExport; warnings: GraphProblem[] }
  | { ok: false; problem: GraphProblem };

const ROOT_FIELDS = new Set(["id", "name", "description", "nodes", "connections"]);
const NODE_FIELDS = new Set(["id", "name", "type", "meta", "params"]);
const META_FIELDS = new Set(["x", "y"]);
const CONNECTION_FIELDS = new Set(["nid", "input_node", "output_node"]);
const ID_HINT = "1-64 letters, digits, _ or -";
const KNOWN_TYPES = "SOURCE, SINK and GRPC";

/** gofi's shape: an object with `connections` and no `edges` (a Weft graph has `edges`). */
export function isGofiGraph(input: unknown): input is Record<string, unknown> {
  return isPlainObject(input) && Object.hasOwn(input, "connections") && !Object.hasOwn(input, "edges");
}

/**
 * Maps a gofi graph onto a Weft graph with the id `graphId` (gofi's own graph id is not used), not running.
 * What cannot be mapped refuses the whole import (an unknown node type, params that are not JSON, a connection
 * to a missing node or against a node's direction); what is changed or left out on the way (ids made valid,
 * params Weft's type lacks, repeated connections, unknown fields) is reported in `warnings` (code gofi_converted).
 * The result still has to pass validateGraph's own checks.
 */
export function fromGofi(input: unknown, graphId: string): GofiConversion {
  try {
    return { ok: true, ...convert(input, graphId) };
  } catch (error) {
    if (!(error instanceof Refusal)) throw error;
    return { ok: false, problem: { code: "invalid_graph", message: error.message } };
  }
}

class Refusal extends Error {}

function refuse(message: string): never {
  throw new Refusal(message);
}

type Note = (message: string, nodeId?: string) => void;

interface GofiNode {
  gofiId: string;
  label: string;
  gofiType: string;
  type: string;
  name: string;
  meta: Record<string, unknown> | undefined;
  params: Record<string, unknown>;
}

interface GofiConnection {
  nid: string | undefined;
  label: string;
  from: number;
  to: number;
}

function convert(input: unknown, graphId: string): { graph: GraphExport; warnings: GraphProblem[] } {
  if (!isPlainObject(input)) refuse(`gofi graph: must be an object, got ${describe(input)}`);
  const warnings: GraphProblem[] = [];
  const note: Note = (message, nodeId) =>
    warnings.push(
      nodeId === undefined ? { code: "gofi_converted", message } : { code: "gofi_converted", message, nodeId },
    );
  noteExtraFields("gofi graph field", [input], ROOT_FIELDS, note);
  const name = optionalString(input.name, "gofi graph name");
  const description = optionalString(input.description, "gofi graph description");
  if (name === "") note(`gofi graph has no name: it is named "${graphId}"`);

  const read = list(input.nodes, "nodes", LIMITS.maxNodes).map(readNode);
  const gofiNodes = read.map((r) => r.node);
  const byGofiId = new Map<string, number>();
  for (const [i, node] of gofiNodes.entries()) {
    const first = byGofiId.get(node.gofiId);
    if (first !== undefined)
      refuse(`gofi node id "${clip(node.gofiId)}" is used twice (nodes.${first} and nodes.${i})`);
    byGofiId.set(node.gofiId, i);
  }
  noteExtraFields(
    "gofi node field",
    read.map((r) => r.raw),
    NODE_FIELDS,
    note,
  );
  noteExtraFields(
    "gofi node field",
    gofiNodes.map((n) => n.meta ?? {}),
    META_FIELDS,
    note,
    "meta.",
  );

  const nodeIds = weftIds(
    gofiNodes.map((n) => n.gofiId),
    (i) => `node${i + 1}`,
  );
  const nodes: GraphNode[] = gofiNodes.map((node, i) => {
    const id = nodeIds[i] as string;
    if (id !== node.gofiId) {
      note(`gofi node id "${clip(node.gofiId)}" is not a valid Weft id (${ID_HINT}): imported as "${id}"`, id);
    }
    const [x, y] = position(node, i, id, note);
    return { id, type: node.type, name: node.name, x, y, params: mapParams(node, id, note) };
  });

  const rawConnections = list(input.connections, "connections", LIMITS.maxEdges);
  noteExtraFields("gofi connection field", rawConnections.filter(isPlainObject), CONNECTION_FIELDS, note);
  const connections: GofiConnection[] = [];
  const seen = new Map<string, GofiConnection>();
  for (const [i, raw] of rawConnections.entries()) {
    const connection = readConnection(raw, i, byGofiId, gofiNodes);
    const key = `${connection.from}:${connection.to}`;
    const first = seen.get(key);
    if (first) {
      const from = gofiNodes[connection.from]?.gofiId ?? "";
      const to = gofiNodes[connection.to]?.gofiId ?? "";
      note(`${connection.label} repeats ${first.label} (from "${clip(from)}" into "${clip(to)}"): dropped`);
      continue;
    }
    seen.set(key, connection);
    connections.push(connection);
  }
  const edgeIds = weftIds(
    connections.map((c) => c.nid),
    (i) => `e${i + 1}`,
  );
  const edges: GraphEdge[] = connections.map((connection, i) => {
    const id = edgeIds[i] as string;
    if (connection.nid === undefined) note(`${connection.label} has no nid: imported as edge "${id}"`);
    else if (!isValidId(connection.nid)) {
      note(
        `gofi connection nid "${clip(connection.nid)}" is not a valid Weft id (${ID_HINT}): imported as edge "${id}"`,
      );
    } else if (id !== connection.nid)
      note(`gofi connection nid "${connection.nid}" is used twice: imported as edge "${id}"`);
    const from = nodeIds[connection.from] as string;
    const to = nodeIds[connection.to] as string;
    return { id, from, fromPort: "out", to, toPort: "in" };
  });

  const graph: GraphExport = { id: graphId, name: name || graphId, description, running: false, nodes, edges };
  return { graph, warnings };
}

/** A gofi node read and checked: its type known, its params parsed. */
function readNode(raw: unknown, i: number): { raw: Record<string, unknown>; node: GofiNode } {
  if (!isPlainObject(raw)) refuse(`gofi nodes.${i}: must be an object, got ${describe(raw)}`);
  if (raw.id === undefined || raw.id === null || raw.id === "") refuse(`gofi nodes.${i} has no id`);
  const gofiId = idText(raw.id, `gofi nodes.${i}.id`);
  const label = `gofi node "${clip(gofiId)}"`;
  const gofiType = raw.type;
  const type = typeof gofiType === "string" ? GOFI_TYPES.get(gofiType) : undefined;
  if (typeof gofiType !== "string" || type === undefined) {
    const given = typeof gofiType === "string" ? `"${clip(gofiType)}"` : describe(gofiType);
    refuse(`${label} has type ${given}, which Weft cannot import: gofi's node types are ${KNOWN_TYPES}`);
  }
  const name = optionalString(raw.name, `${label}: name`);
  const meta = raw.meta === undefined || raw.meta === null ? undefined : raw.meta;
  if (meta !== undefined && !isPlainObject(meta))
    refuse(`${label}: meta must be an object { x, y }, got ${describe(meta)}`);
  const node: GofiNode = {
    gofiId,
    label: `${label} (${gofiType})`,
    gofiType,
    type,
    name,
    meta,
    params: parseParams(raw.params, `${label} (${gofiType})`),
  };
  return { raw, node };
}

/** gofi keeps params as JSON text; an empty text, null or nothing is no params (an object is taken as it is). */
function parseParams(raw: unknown, label: string): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  if (isPlainObject(raw)) return raw;
  if (typeof raw !== "string") refuse(`${label}: params must be JSON text such as "{}", got ${describe(raw)}`);
  if (raw.trim() === "") return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    refuse(`${label}: params is not valid JSON (${(error as Error).message.slice(0, 200)}): ${clip(raw)}`);
  }
  if (parsed === null) return {};
  if (!isPlainObject(parsed)) refuse(`${label}: params must be a JSON object, got ${describe(parsed)}`);
  return parsed;
}

/**
 * The params the Weft type takes: a gofi param named as one of the type's own is kept as it is (validateGraph
 * checks its value), one with a known alias is converted, the rest are dropped and named in a warning.
 */
function mapParams(node: GofiNode, nodeId: string, note: Note): Record<string, JsonValue> {
  const def = findNodeType(node.type);
  if (!def) throw new Error(`gofi: Weft type "${node.type}" is not built in`);
  const params: Record<string, JsonValue> = {};
  const dropped: string[] = [];
  for (const [key, value] of Object.entries(node.params)) {
    if (Object.hasOwn(def.params, key)) params[key] = value as JsonValue;
  }
  for (const [key, value] of Object.entries(node.params)) {
    if (Object.hasOwn(def.params, key)) continue;
    const aliases = PARAM_ALIASES[node.type];
    const alias = aliases && Object.hasOwn(aliases, key) ? aliases[key] : undefined;
    const spec = alias ? def.params[alias.to] : undefined;
    if (!alias || !spec) {
      dropped.push(key);
      continue;
    }
    if (params[alias.to] !== undefined) {
      note(`${node.label}: param "${clip(key)}" dropped: "${alias.to}" is set too`, nodeId);
      continue;
    }
    const converted = alias.convert(value);
    const problem =
      converted === undefined
        ? `must be a number of milliseconds or a duration such as "500ms", "5s" or "1m"`
        : paramProblem(spec, converted);
    if (problem)
      note(`${node.label}: param "${key}" (${describe(value)}) dropped: as ${alias.to} it ${problem}`, nodeId);
    else params[alias.to] = converted as JsonValue;
  }
  if (dropped.length > 0) {
    const takes = Object.keys(def.params);
    note(
      `${node.label}: param(s) ${quoteList(dropped)} dropped: Weft's ${node.type} has no such param (it takes ${takes.length > 0 ? takes.join(", ") : "none"})`,
      nodeId,
    );
  }
  return params;
}

/** meta.x and meta.y; a missing one is taken from a grid of 10 columns, with a warning. */
function position(node: GofiNode, i: number, nodeId: string, note: Note): [number, number] {
  const grid = [300 * (i % 10), 200 * Math.floor(i / 10)] as const;
  const missing: string[] = [];
  const coordinate = (axis: "x" | "y", fallback: number): number => {
    const value = node.meta?.[axis];
    if (value === undefined || value === null) {
      missing.push(`meta.${axis}`);
      return fallback;
    }
    if (typeof value !== "number" || !Number.isFinite(value)) {
      refuse(`gofi node "${clip(node.gofiId)}": meta.${axis} must be a number, got ${describe(value)}`);
    }
    return value;
  };
  const x = coordinate("x", grid[0]);
  const y = coordinate("y", grid[1]);
  if (missing.length > 0) note(`${node.label} has no ${missing.join(" or ")}: placed at (${x}, ${y})`, nodeId);
  return [x, y];
}

/** A connection read and checked: both ends exist, and data can leave input_node and enter output_node. */
function readConnection(
  raw: unknown,
  i: number,
  byGofiId: ReadonlyMap<string, number>,
  nodes: readonly GofiNode[],
): GofiConnection {
  if (!isPlainObject(raw)) refuse(`gofi connections.${i}: must be an object, got ${describe(raw)}`);
  const nid =
    raw.nid === undefined || raw.nid === null || raw.nid === ""
      ? undefined
      : idText(raw.nid, `gofi connections.${i}.nid`);
  const label = nid === undefined ? `gofi connections.${i}` : `gofi connection "${clip(nid)}"`;
  const end = (field: "input_node" | "output_node"): number => {
    const value = raw[field];
    if (value === undefined || value === null || value === "") refuse(`${label} has no ${field}`);
    const id = idText(value, `${label}: ${field}`);
    const index = byGofiId.get(id);
    if (index === undefined) refuse(`${label}: ${field} "${clip(id)}" is not the id of a node in the graph`);
    return index;
  };
  const from = end("input_node");
  const to = end("output_node");
  const source = nodes[from] as GofiNode;
  const target = nodes[to] as GofiNode;
  if (!findNodeType(source.type)?.outputs.includes("out")) {
    refuse(
      `${label}: input_node "${clip(source.gofiId)}" is a ${source.gofiType}, which sends nothing (data flows from input_node into output_node)`,
    );
  }
  if (!findNodeType(target.type)?.inputs.includes("in")) {
    refuse(
      `${label}: output_node "${clip(target.gofiId)}" is a ${target.gofiType}, which receives nothing (data flows from input_node into output_node)`,
    );
  }
  return { nid, label, from, to };
}

/**
 * Weft ids for gofi's, in order: a valid id is kept (its first use); an invalid one becomes its letters, digits,
 * `_` and `-` (other runs of characters → `_`, cut to 64); a missing one `fallback(i)`; a taken result gets -2, -3…
 * The same input always gives the same ids.
 */
export function weftIds(raw: readonly (string | undefined)[], fallback: (i: number) => string): string[] {
  const taken = new Set<string>();
  const ids: (string | undefined)[] = raw.map((id) => {
    if (id === undefined || !isValidId(id) || taken.has(id)) return undefined;
    taken.add(id);
    return id;
  });
  return ids.map((id, i) => {
    if (id !== undefined) return id;
    const given = raw[i];
    const base =
      given === undefined
        ? fallback(i)
        : given
            .replace(/[^A-Za-z0-9_-]+/g, "_")
            .replace(/^_+|_+$/g, "")
            .slice(0, LIMITS.maxIdLength) || fallback(i);
    return unique(base, taken);
  });
}

function unique(base: string, taken: Set<string>): string {
  let id = base;
  for (let n = 2; taken.has(id); n++) {
    const suffix = `-${n}`;
    id = `${base.slice(0, LIMITS.maxIdLength - suffix.length)}${suffix}`;
  }
  taken.add(id);
  return id;
}

/** A gofi id: a string, or a number written as one. */
function idText(value: unknown, what: string): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  return refuse(`${what} must be a string, got ${describe(value)}`);
}

function optionalString(value: unknown, what: string): string {
  if (value === undefined || value === null) return "";
  if (typeof value !== "string") refuse(`${what} must be a string, got ${describe(value)}`);
  return value;
}

/** An array field; Go writes an empty slice as null, so null and a missing field are empty. */
function list(value: unknown, field: string, max: number): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) refuse(`gofi graph ${field} must be an array, got ${describe(value)}`);
  if (value.length > max) refuse(`gofi graph ${field}: at most ${max}, got ${value.length}`);
  return value;
}

/** One warning naming the fields (of all `objects`) outside `known`, which are not imported. */
function noteExtraFields(
  what: string,
  objects: readonly Record<string, unknown>[],
  known: ReadonlySet<string>,
  note: Note,
  prefix = "",
): void {
  const extra = new Set<string>();
  for (const object of objects) {
    for (const key of Object.keys(object)) if (!known.has(key)) extra.add(key);
  }
  if (extra.size === 0) return;
  note(`${what}(s) ${quoteList([...extra].map((k) => `${prefix}${k}`))} not imported`);
}

function quoteList(keys: readonly string[]): string {
  const shown = keys.slice(0, 10).map((k) => JSON.stringify(clip(k)));
  return keys.length > 10 ? `${shown.join(", ")} and ${keys.length - 10} more` : shown.join(", ");
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 80)}…` : text;
}
