// Checks a node-type definition as a plugin or a worker's hello gives it: the shape, the ports and that each
// param's default fits its own schema. One function, used by defineNode (at load) and the room (at hello).
import { isPlainObject } from "./docModel.ts";
import {
  CAPABILITIES,
  NODE_TYPE_PATTERN,
  type NodeTypeDef,
  PARAM_TYPES,
  type ParamSpec,
  PORT_NAME_PATTERN,
  paramProblem,
} from "./nodeTypes.ts";
import { ERROR_PORT } from "./ports.ts";

/** The fields a NodeTypeDef may have (anything else is refused). */
export const DEF_FIELDS = [
  "type",
  "version",
  "title",
  "category",
  "description",
  "inputs",
  "outputs",
  "params",
  "labels",
  "runsOn",
  "capability",
] as const satisfies readonly (keyof NodeTypeDef)[];
const DEF_FIELD_SET = new Set<string>(DEF_FIELDS);
const SPEC_FIELDS = new Set([
  "type",
  "title",
  "description",
  "default",
  "min",
  "max",
  "choices",
  "required",
  "maxLength",
  "language",
]);
const VERSION_PATTERN = /^\d+\.\d+\.\d+(?:[-+][0-9A-Za-z.-]{1,40})?$/;
const LABEL_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
const MAX_PORTS = 16;
const MAX_PARAMS = 64;
const MAX_DEF_BYTES = 64 * 1024;

/**
 * Why `input` is not a valid NodeTypeDef (as `field: problem`, naming the type when it has one), or
 * undefined. Its outputs must end with `error` (normalizeOutputs adds it).
 */
export function nodeTypeProblem(input: unknown): string | undefined {
  const problem = defProblem(input);
  if (!problem) return undefined;
  const type = isPlainObject(input) && typeof input.type === "string" ? input.type.slice(0, 64) : undefined;
  return type ? `node type "${type}": ${problem}` : `node type: ${problem}`;
}

/** Outputs as a definition declares them, with `error` last (every node has it). */
export function normalizeOutputs(outputs: readonly string[]): string[] {
  return [...outputs.filter((p) => p !== ERROR_PORT), ERROR_PORT];
}

/** What a definition declares, as JSON with every object's keys sorted: equal keys, equal definitions. */
export function definitionKey(def: NodeTypeDef): string {
  return canonicalJson(def);
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

function defProblem(input: unknown): string | undefined {
  if (!isPlainObject(input)) return "must be an object";
  const unknown = Object.keys(input).filter((k) => !DEF_FIELD_SET.has(k));
  if (unknown.length > 0) return `unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}`;
  let size = 0;
  try {
    size = JSON.stringify(input).length;
  } catch {
    return "must be plain JSON";
  }
  if (size > MAX_DEF_BYTES) return `is ${size} bytes of JSON; at most ${MAX_DEF_BYTES}`;
  const { type, version, title, category, description, inputs, outputs, params, labels, runsOn } = input;
  if (typeof type !== "string" || !NODE_TYPE_PATTERN.test(type)) {
    return "type: must be lower case letters, digits, '-', '_', '.', '/' or '@', starting with a letter or @, at most 64";
  }
  if (typeof version !== "string" || !VERSION_PATTERN.test(version)) {
    return `version: must be a semantic version such as "1.0.0", got ${JSON.stringify(version)}`;
  }
  for (const [field, value, max] of [
    ["title", title, 80],
    ["category", category, 32],
    ["description", description, 2000],
  ] as const) {
    if (typeof value !== "string" || value.trim() === "" || value.length > max) {
      return `${field}: must be a non-empty string of at most ${max} characters`;
    }
  }
  const portProblem = portsProblem("inputs", inputs) ?? portsProblem("outputs", outputs);
  if (portProblem) return portProblem;
  if ((inputs as string[]).includes(ERROR_PORT)) return `inputs: "${ERROR_PORT}" is an output every node has`;
  if ((outputs as string[]).at(-1) !== ERROR_PORT) return `outputs: must end with "${ERROR_PORT}"`;
  if (
    !Array.isArray(labels) ||
    labels.length > 16 ||
    !labels.every((l) => typeof l === "string" && LABEL_PATTERN.test(l))
  ) {
    return "labels: must be at most 16 labels of letters, digits, '.', '_' or '-'";
  }
  if (runsOn !== undefined && runsOn !== "hub") return 'runsOn: must be "hub" or absent';
  const { capability } = input;
  if (capability !== undefined && !(CAPABILITIES as readonly unknown[]).includes(capability)) {
    return `capability: must be one of ${CAPABILITIES.join(", ")} or absent`;
  }
  if (!isPlainObject(params)) return "params: must be an object of param schemas";
  const keys = Object.keys(params);
  if (keys.length > MAX_PARAMS) return `params: at most ${MAX_PARAMS}, got ${keys.length}`;
  for (const key of keys) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(key))
      return `params: name ${JSON.stringify(key.slice(0, 40))} must be an identifier`;
    const problem = specProblem(params[key]);
    if (problem) return `params.${key}: ${problem}`;
  }
  return undefined;
}

function portsProblem(field: string, ports: unknown): string | undefined {
  if (!Array.isArray(ports) || ports.length > MAX_PORTS)
    return `${field}: must be an array of at most ${MAX_PORTS} port names`;
  const seen = new Set<string>();
  for (const port of ports) {
    if (typeof port !== "string" || !PORT_NAME_PATTERN.test(port)) {
      return `${field}: port ${JSON.stringify(port)} must be a letter then letters, digits, '_' or '-' (at most 32)`;
    }
    if (seen.has(port)) return `${field}: port "${port}" is named twice`;
    seen.add(port);
  }
  return undefined;
}

function specProblem(spec: unknown): string | undefined {
  if (!isPlainObject(spec)) return "must be a param schema object";
  const unknown = Object.keys(spec).filter((k) => !SPEC_FIELDS.has(k));
  if (unknown.length > 0) return `unknown field(s) ${unknown.map((k) => JSON.stringify(k.slice(0, 40))).join(", ")}`;
  const s = spec as Partial<ParamSpec> & Record<string, unknown>;
  if (!PARAM_TYPES.includes(s.type as ParamSpec["type"])) {
    return `type: must be one of ${PARAM_TYPES.join(", ")}, got ${JSON.stringify(s.type)}`;
  }
  if (typeof s.title !== "string" || s.title.trim() === "" || s.title.length > 80) {
    return "title: must be a non-empty string of at most 80 characters";
  }
  if (s.description !== undefined && (typeof s.description !== "string" || s.description.length > 2000)) {
    return "description: must be a string of at most 2000 characters";
  }
  for (const field of ["min", "max", "maxLength"] as const) {
    if (s[field] !== undefined && (typeof s[field] !== "number" || !Number.isFinite(s[field]))) {
      return `${field}: must be a number`;
    }
  }
  if (s.min !== undefined && s.max !== undefined && s.min > s.max) return `min ${s.min} is above max ${s.max}`;
  if (s.required !== undefined && typeof s.required !== "boolean") return "required: must be a boolean";
  if (s.language !== undefined && (typeof s.language !== "string" || s.language.length > 32)) {
    return "language: must be a string of at most 32 characters";
  }
  if (s.type === "select") {
    if (!Array.isArray(s.choices) || s.choices.length === 0 || s.choices.length > 100) {
      return "choices: a select needs 1 to 100 choices";
    }
    if (!s.choices.every((c) => typeof c === "string" && c.length <= 200)) return "choices: must be strings";
  } else if (s.choices !== undefined) return "choices: only a select has choices";
  if (!("default" in s)) return "default: every param needs a default";
  if (s.type === "secret") {
    return s.default === "" ? undefined : 'default: a secret param\'s default must be "" (no secret)';
  }
  // A required text may default to "" (the user must fill it in); otherwise the default must fit.
  if (s.required && s.default === "") return undefined;
  const problem = paramProblem(s as ParamSpec, s.default);
  return problem ? `default ${problem}` : undefined;
}
