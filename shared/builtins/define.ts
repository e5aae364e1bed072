// How a built-in definition is written: its own outputs; the error port every node has is added here.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { ERROR_PORT } from "../ports.ts";

export type BuiltinSpec = Omit<NodeTypeDef, "labels"> & { labels?: string[] };

/** A built-in node type: `error` appended to its outputs, no labels unless it says so. */
export function builtin(spec: BuiltinSpec): NodeTypeDef {
  return { ...spec, outputs: [...spec.outputs.filter((p) => p !== ERROR_PORT), ERROR_PORT], labels: spec.labels ?? [] };
}
