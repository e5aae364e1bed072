// The graph document's model: its fields, the values each may hold, and the dangling-edge rule.
// One definition for every path: the HTTP import schema (graph.ts), the room's Yjs update gate
// (edge/room/docGate.ts), the defensive reader (ydoc.ts) and the editor.
import { ID_PATTERN, LIMITS } from "./limits.ts";

/** Node types: letters, digits and `@ / . _ : -`, 1..64 characters (plugins may be `@acme/ocr`). */
export const TYPE_PATTERN = /^[A-Za-z0-9@/._:-]{1,64}$/;
/** Port names: 1..64 letters, digits, `_` or `-`. */
export const PORT_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** Param names: a letter or `_` first, then letters, digits, `_ . -`; at most 64. */
export const PARAM_KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}$/;
/** Coordinates on the canvas stay within ±1,000,000. */
export const MAX_COORDINATE = 1e6;

/** A rule returns why a value is refused, or undefined when it is allowed. */
export type Rule = (value: unknown) => string | undefined;

const string =
  (min: number, max: number, pattern?: RegExp, hint?: string): Rule =>
  (value) => {
    if (typeof value !== "string") return `must be a string, got ${describe(value)}`;
    if (value.length < min) return min === 1 ? "must not be empty" : `must be at least ${min} characters`;
    if (value.length > max) return `must be at most ${max} characters, got ${value.length}`;
    if (pattern && !pattern.test(value)) return `must be ${hint ?? `like ${pattern}`}`;
    return undefined;
  };

const boolean: Rule = (value) => (typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`);

const integer =
  (min: number, max: number): Rule =>
  (value) => {
    if (typeof value !== "number" || !Number.isInteger(value)) return `must be an integer, got ${describe(value)}`;
    if (value < min || value > max) return `must be from ${min} to ${max}, got ${value}`;
    return undefined;
  };

const coordinate: Rule = (value) => {
  if (typeof value !== "number" || !Number.isFinite(value)) return `must be a finite number, got ${describe(value)}`;
  if (Math.abs(value) > MAX_COORDINATE) return `must be within ±${MAX_COORDINATE}, got ${value}`;
  return undefined;
};

export const idRule = string(1, LIMITS.maxIdLength, ID_PATTERN, "1-64 letters, digits, _ or -");
export const typeRule = string(1, 64, TYPE_PATTERN, "1-64 letters, digits or @ / . _ : -");
export const portRule = string(1, 64, PORT_PATTERN, "1-64 letters, digits, _ or -");
export const paramKeyRule = string(1, 64, PARAM_KEY_PATTERN, "a letter or _ followed by letters, digits, _ . or -");
const labelRule = string(1, LIMITS.maxIdLength);

const labels: Rule = (value) => {
  if (!Array.isArray(value)) return `must be an array of strings, got ${describe(value)}`;
  if (value.length > LIMITS.maxLabels) return `must hold at most ${LIMITS.maxLabels} labels, got ${value.length}`;
  for (const [i, label] of value.entries()) {
    const problem = labelRule(label);
    if (problem) return `[${i}] ${problem}`;
  }
  return undefined;
};

/** `meta` map fields. `name` must not be empty; a document without one reads as its graph id. */
export const META_RULES: Readonly<Record<string, Rule>> = {
  schema: integer(1, 1),
  name: string(1, LIMITS.maxNameLength),
  description: string(0, LIMITS.maxDescriptionLength),
  running: boolean,
};

/** Fields of a node's map other than `params` (a map of its own, see paramValueProblem). */
export const NODE_RULES: Readonly<Record<string, Rule>> = {
  type: typeRule,
  name: string(0, LIMITS.maxNameLength),
  x: coordinate,
  y: coordinate,
  disabled: boolean,
  labels,
};

/** Optional per-edge settings (DESIGN "Messaging"); the four endpoint fields are required. */
const EDGE_OPTION_RULES: Readonly<Record<string, Rule>> = {
  mode: (v) => (v === "durable" || v === "memory" ? undefined : `must be "durable" or "memory", got ${describe(v)}`),
  maxDepth: integer(1, 1_000_000),
  maxBytes: integer(1024, 1024 ** 4),
  maxAttempts: integer(1, 1000),
};
const EDGE_ENDPOINT_RULES: Readonly<Record<string, Rule>> = {
  from: idRule,
  fromPort: portRule,
  to: idRule,
  toPort: portRule,
};

/** Why a value is not an allowed edge object `{ from, fromPort, to, toPort, mode?, maxDepth?, maxBytes?, maxAttempts? }`. */
export function edgeValueProblem(value: unknown): string | undefined {
  if (!isPlainObject(value)) return `an edge must be an object, got ${describe(value)}`;
  for (const [field, rule] of Object.entries(EDGE_ENDPOINT_RULES)) {
    const problem = rule(value[field]);
    if (problem) return `${field}: ${problem}`;
  }
  for (const [field, v] of Object.entries(value)) {
    if (field in EDGE_ENDPOINT_RULES) continue;
    const rule = EDGE_OPTION_RULES[field];
    if (!rule) return `unknown field "${field.slice(0, 40)}"`;
    const problem = rule(v);
    if (problem) return `${field}: ${problem}`;
  }
  return undefined;
}

/** Why a param value is refused: JSON only (finite numbers, no undefined), at most maxJsonDepth deep and maxParamBytes. */
export function paramValueProblem(value: unknown): string | undefined {
  return jsonProblem(value, LIMITS.maxJsonDepth, LIMITS.maxParamBytes);
}

/**
 * Why `value` is not a JSON value within `maxDepth` levels of nesting and `maxBytes` of UTF-8 JSON
 * (estimated from below: escapes are not counted). Iterative, so a hostile value cannot overflow the stack.
 */
export function jsonProblem(value: unknown, maxDepth: number, maxBytes: number): string | undefined {
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  let bytes = 0;
  while (stack.length > 0) {
    const { value: v, depth } = stack.pop() as { value: unknown; depth: number };
    if (v === null || typeof v === "boolean") bytes += 5;
    else if (typeof v === "string") bytes += utf8Bytes(v) + 2;
    else if (typeof v === "number") {
      if (!Number.isFinite(v)) return `must be JSON: ${v} is not a finite number`;
      bytes += 8;
    } else if (Array.isArray(v) || isPlainObject(v)) {
      if (depth >= maxDepth) return `is nested deeper than ${maxDepth} levels`;
      if (Array.isArray(v)) {
        bytes += 2 + v.length;
        for (let i = v.length - 1; i >= 0; i--) {
          if (!(i in v)) return "must be JSON: an array with holes";
          stack.push({ value: v[i], depth: depth + 1 });
        }
      } else {
        for (const [key, child] of Object.entries(v)) {
          bytes += utf8Bytes(key) + 4;
          stack.push({ value: child, depth: depth + 1 });
        }
        bytes += 2;
      }
    } else return `must be JSON, got ${describe(v)}`;
    if (bytes > maxBytes) return `is larger than ${maxBytes} bytes of JSON`;
  }
  return undefined;
}

/**
 * The dangling-edge rule (DESIGN "Graph document"): concurrent edits can leave an edge whose node was
 * deleted, or whose port the node's type does not have. Such an edge stays in the document (an undo of
 * the delete brings it back) but is never exported, scheduled or shown. `ports` answers for node types
 * it knows; an unknown type's ports are not checked (its node is blocked until a worker announces it).
 */
export function edgeIsLive(
  edge: { from: string; fromPort: string; to: string; toPort: string },
  nodeType: (nodeId: string) => string | undefined,
  ports: (type: string) => { inputs: readonly string[]; outputs: readonly string[] } | undefined,
): boolean {
  const fromType = nodeType(edge.from);
  const toType = nodeType(edge.to);
  if (fromType === undefined || toType === undefined) return false;
  const fromPorts = ports(fromType);
  const toPorts = ports(toType);
  if (fromPorts && !fromPorts.outputs.includes(edge.fromPort)) return false;
  if (toPorts && !toPorts.inputs.includes(edge.toPort)) return false;
  return true;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** UTF-8 length of `text`, counted without allocating. */
export function utf8Bytes(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) bytes += 1;
    else if (unit < 0x800) bytes += 2;
    else if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** A short description of a value for error messages; never throws (BigInt, symbols, cycles). */
export function describe(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "nothing";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return `the string ${JSON.stringify(value.slice(0, 40))}${value.length > 40 ? "…" : ""}`;
    case "number":
    case "boolean":
      return `${typeof value} ${String(value)}`;
    case "bigint":
      return `the BigInt ${String(value).slice(0, 40)}`;
    case "object":
      return value instanceof Uint8Array ? "binary data" : isPlainObject(value) ? "an object" : "a non-JSON object";
    default:
      return `a ${typeof value}`;
  }
}
