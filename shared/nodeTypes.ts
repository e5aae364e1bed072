// The node-type contract: what a node type declares, and the built-in skeleton types.

export type ParamType = "integer" | "number" | "string" | "boolean";

export interface ParamSpec {
  type: ParamType;
  title: string;
  description?: string;
  default: string | number | boolean;
  min?: number;
  max?: number;
}

export interface NodeTypeDef {
  type: string;
  version: string;
  title: string;
  category: "source" | "transform" | "sink";
  description: string;
  inputs: string[];
  outputs: string[];
  params: Record<string, ParamSpec>;
  /** Worker labels a worker must carry to run this type. */
  labels: string[];
}

export const BUILTIN_NODE_TYPES: readonly NodeTypeDef[] = [
  {
    type: "random",
    version: "1.0.0",
    title: "Random",
    category: "source",
    description: "Emits a random integer from 0 to 999 every intervalMs.",
    inputs: [],
    outputs: ["out"],
    params: {
      intervalMs: {
        type: "integer",
        title: "Interval (ms)",
        description: "Milliseconds between two numbers.",
        default: 1000,
        min: 1,
        max: 3_600_000,
      },
    },
    labels: [],
  },
  {
    type: "factorize",
    version: "1.0.0",
    title: "Factorize",
    category: "transform",
    description: "Emits { n, factors } with the prime factors of each input integer.",
    inputs: ["in"],
    outputs: ["out"],
    params: {},
    labels: [],
  },
  {
    type: "log",
    version: "1.0.0",
    title: "Log",
    category: "sink",
    description: "Prints each message on the worker and keeps the last 100 for status.",
    inputs: ["in"],
    outputs: [],
    params: {
      prefix: { type: "string", title: "Prefix", description: "Printed before each message.", default: "" },
    },
    labels: [],
  },
];

const builtinByType = new Map(BUILTIN_NODE_TYPES.map((def) => [def.type, def]));

export function findNodeType(type: string): NodeTypeDef | undefined {
  return builtinByType.get(type);
}

export type ParamValue = string | number | boolean;

/** The params a process runs with: defaults filled in, unknown keys refused. */
export type ParamCheck = { ok: true; params: Record<string, ParamValue> } | { ok: false; error: string };

export function checkParams(def: NodeTypeDef, given: Record<string, unknown>): ParamCheck {
  const params: Record<string, ParamValue> = {};
  for (const key of Object.keys(given)) {
    if (!(key in def.params)) return { ok: false, error: `unknown param "${key}" for node type ${def.type}` };
  }
  for (const [key, spec] of Object.entries(def.params)) {
    const value = given[key] ?? spec.default;
    const problem = paramProblem(spec, value);
    if (problem) return { ok: false, error: `param "${key}" ${problem}` };
    params[key] = value as ParamValue;
  }
  return { ok: true, params };
}

function paramProblem(spec: ParamSpec, value: unknown): string | undefined {
  switch (spec.type) {
    case "boolean":
      return typeof value === "boolean" ? undefined : `must be a boolean, got ${describe(value)}`;
    case "string":
      return typeof value === "string" ? undefined : `must be a string, got ${describe(value)}`;
    case "integer":
    case "number": {
      if (typeof value !== "number" || !Number.isFinite(value)) return `must be a number, got ${describe(value)}`;
      if (spec.type === "integer" && !Number.isInteger(value)) return `must be an integer, got ${value}`;
      if (spec.min !== undefined && value < spec.min) return `must be at least ${spec.min}, got ${value}`;
      if (spec.max !== undefined && value > spec.max) return `must be at most ${spec.max}, got ${value}`;
      return undefined;
    }
    default: {
      const never: never = spec.type;
      return `has an unknown param type ${String(never)}`;
    }
  }
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${JSON.stringify(value)?.slice(0, 40) ?? ""}`.trim();
}
