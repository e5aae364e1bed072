// The node-type contract: what a node type declares (ports, one param schema, labels), and the checks every
// side applies with that one schema: the room and importers on the document, the worker before it runs.
import { BUILTIN_NODE_TYPES } from "./builtins/index.ts";
import { ERROR_PORT } from "./ports.ts";

/**
 * The kinds of param a schema can declare; each gives validation everywhere and a field in the editor.
 * - text, number, integer, boolean: plain values (number/integer with min/max, text with required/maxLength);
 * - select: a text that is one of `choices`;
 * - json: any JSON value (an object, an array, …);
 * - code: program text in `language` (the editor shows a code editor);
 * - duration: "250ms", "5s", "2m", "1h30m" or a number of milliseconds; a running process sees milliseconds;
 * - secret: the document holds only a reference `{ "$secret": "NAME" }` to a value kept encrypted in the
 *   room (PUT /api/graphs/<id>/secrets/NAME); the room puts the value into the process's assignment.
 */
export const PARAM_TYPES = [
  "text",
  "number",
  "integer",
  "boolean",
  "select",
  "json",
  "code",
  "duration",
  "secret",
] as const;
export type ParamType = (typeof PARAM_TYPES)[number];

export { ERROR_PORT };

/** A reference to one of the graph's secrets, as a secret param holds it in the document. */
export type SecretRef = { $secret: string };

/** Secret names: a letter or _ first, then letters, digits or _; at most 64. */
export const SECRET_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** Node type names: lower case letters, digits, `-`, `_`, `.`, `/` or `@`; a letter or @ first; at most 64. */
export const NODE_TYPE_PATTERN = /^[a-z@][a-z0-9._/@-]{0,63}$/;

/** Port names: a letter first, then letters, digits, `_` or `-`; at most 32. */
export const PORT_NAME_PATTERN = /^[A-Za-z][A-Za-z0-9_-]{0,31}$/;

export function isSecretRef(value: unknown): value is SecretRef {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const name = (value as { $secret?: unknown }).$secret;
  return keys.length === 1 && typeof name === "string" && SECRET_NAME_PATTERN.test(name);
}

/** A param default or value that is JSON (json params hold any JSON value). */
export type ParamDefault = string | number | boolean | null | ParamDefault[] | { [key: string]: ParamDefault };

export interface ParamSpec {
  type: ParamType;
  title: string;
  description?: string;
  default: ParamDefault;
  /** number, integer: bounds; duration: bounds in milliseconds. */
  min?: number;
  max?: number;
  /** select: the values it may take. */
  choices?: readonly string[];
  /** text, code, select, secret: must not be empty. */
  required?: boolean;
  /** text, code: most characters. */
  maxLength?: number;
  /** code: the language, for the editor ("javascript", "python", …). */
  language?: string;
}

export interface NodeTypeDef {
  type: string;
  version: string;
  title: string;
  /** Where the palette lists it: "source", "processing", "sink", or a plugin's own category. */
  category: string;
  description: string;
  inputs: string[];
  /** Its outputs; the last one is always `error` (ERROR_PORT), which every node has. */
  outputs: string[];
  params: Record<string, ParamSpec>;
  /** Worker labels a worker must carry to run this type. */
  labels: string[];
  /** `hub`: the hub itself produces its messages (http-in, catch); no worker runs it. */
  runsOn?: "hub";
  /** A worker offers it only when started with `--allow <capability>` (built-ins only). */
  capability?: Capability;
}

/**
 * What a worker must grant the graph's editors to offer a type (`weft worker --allow`): `exec` runs programs
 * and code they write (exec, transform); `files` reads and writes the worker's files (file-*).
 */
export const CAPABILITIES = ["exec", "files"] as const;
export type Capability = (typeof CAPABILITIES)[number];

/** Finds the definition of a node type, or undefined when nobody knows it. */
export type TypeLookup = (type: string) => NodeTypeDef | undefined;

const builtinByType = new Map(BUILTIN_NODE_TYPES.map((def) => [def.type, def]));

/** The hub's built-in types only (the room also knows what its workers announce: see its registry). */
export function findNodeType(type: string): NodeTypeDef | undefined {
  return builtinByType.get(type);
}

export { BUILTIN_NODE_TYPES };

/** A built-in type's definition, for its implementation on the worker; throws for a type not built in. */
export function builtinType(type: string): NodeTypeDef {
  const def = builtinByType.get(type);
  if (!def) throw new Error(`"${type}" is not a built-in node type`);
  return def;
}

/** A checked param: in the document a secret is a SecretRef; in a running process, its value (a string). */
export type ParamValue = ParamDefault | SecretRef;

/** The params a process runs with: defaults filled in, unknown keys refused. */
export type ParamCheck = { ok: true; params: Record<string, ParamValue> } | { ok: false; error: string };

/**
 * Checks params against the type. `document` (the room and importers): a secret param must be a reference
 * (or unset); `runtime` (the worker, after the room resolved the references): a secret param is its value,
 * and a duration is given to the process in milliseconds.
 */
export function checkParams(
  def: NodeTypeDef,
  given: Record<string, unknown>,
  side: "document" | "runtime" = "document",
): ParamCheck {
  const params: Record<string, ParamValue> = {};
  for (const key of Object.keys(given)) {
    if (!Object.hasOwn(def.params, key))
      return { ok: false, error: `unknown param "${key}" for node type ${def.type}` };
  }
  for (const [key, spec] of Object.entries(def.params)) {
    const value = given[key] ?? spec.default;
    const problem = spec.type === "secret" ? secretProblem(spec, value, side) : paramProblem(spec, value);
    if (problem) return { ok: false, error: `param "${key}" ${problem}` };
    params[key] =
      spec.type === "duration" && side === "runtime" ? (parseDuration(value) as number) : (value as ParamValue);
  }
  return { ok: true, params };
}

/** The secret names a node's params refer to. */
export function secretRefs(def: NodeTypeDef, params: Record<string, unknown>): string[] {
  return Object.entries(def.params)
    .filter(([key, spec]) => spec.type === "secret" && isSecretRef(params[key]))
    .map(([key]) => (params[key] as SecretRef).$secret);
}

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DURATION_PATTERN = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

/** Milliseconds of a duration ("1h30m", "250ms", "5s" or a number of ms), or undefined when it is not one. */
export function parseDuration(value: unknown): number | undefined {
  if (typeof value === "number") return Number.isFinite(value) && value >= 0 ? value : undefined;
  if (typeof value !== "string") return undefined;
  const text = value.trim().toLowerCase();
  if (text === "" || text.length > 40 || !DURATION_PATTERN.test(text)) return undefined;
  let total = 0;
  for (const [, amount, unit] of text.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h|d)/g)) {
    total += Number(amount) * (DURATION_UNITS[unit as string] as number);
  }
  return Math.round(total);
}

/** A duration in words a person reads back: 1500 → "1.5s", 90000 → "1m30s". */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const parts: string[] = [];
  let rest = ms;
  for (const [unit, size] of [
    ["d", 86_400_000],
    ["h", 3_600_000],
    ["m", 60_000],
  ] as const) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  if (rest > 0) parts.push(`${rest / 1000}s`);
  return parts.join("");
}

function secretProblem(spec: ParamSpec, value: unknown, side: "document" | "runtime"): string | undefined {
  if (value === "") return spec.required ? "is a required secret; set it to a secret reference" : undefined;
  if (side === "runtime") return typeof value === "string" ? undefined : "must be the secret's value, a string";
  if (isSecretRef(value)) return undefined;
  return 'is a secret: the graph holds only a reference {"$secret": "NAME"}; set the value with PUT /api/graphs/<id>/secrets/NAME';
}

/** Why `value` does not fit `spec`, or undefined (secret params are checked by secretProblem). */
export function paramProblem(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "secret":
    case "json":
      return undefined;
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`;
    case "text":
    case "code":
    case "select":
      if (typeof value !== "string") return `must be a string, got ${describe(value)}`;
      if (spec.required && value === "") return "is required";
      if (spec.maxLength !== undefined && value.length > spec.maxLength) {
        return `must be at most ${spec.maxLength} characters, got ${value.length}`;
      }
      if (spec.type === "select" && !(spec.choices ?? []).includes(value) && !(value === "" && !spec.required)) {
        return `must be one of ${(spec.choices ?? []).map((c) => JSON.stringify(c)).join(", ")}, got ${JSON.stringify(value.slice(0, 40))}`;
      }
      return undefined;
    case "duration": {
      const ms = parseDuration(value);
      if (ms === undefined) return `must be a duration such as "500ms", "5s", "2m" or "1h30m", got ${describe(value)}`;
      return boundsProblem(spec, ms, (n) => formatDuration(n));
    }
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
      if (spec.type === "integer" && !Number.isInteger(value)) return `must be an integer, got ${value}`;
      return boundsProblem(spec, value, String);
    }
    default: {
      const never: never = spec.type;
      return `has an unknown param type ${String(never)}`;
    }
  }
}

function boundsProblem(spec: ParamSpec, value: number, show: (n: number) => string): string | undefined {
  if (spec.min !== undefined && value < spec.min) return `must be at least ${show(spec.min)}, got ${show(value)}`;
  if (spec.max !== undefined && value > spec.max) return `must be at most ${show(spec.max)}, got ${show(value)}`;
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ""}`.trim();
}
