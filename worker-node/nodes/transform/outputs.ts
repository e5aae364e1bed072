// What transform code may return, and the messages it becomes: a message { value, key?, headers? }, an array of
// them (null entries skipped), or null / undefined for none. Anything else fails the message, naming the part.
import type { JsonValue } from "../../../shared/graph.ts";
import { LIMITS } from "../../../shared/limits.ts";
import type { EmitOptions } from "../../../shared/sdk.ts";

/** One message to emit on out. */
export interface TransformOutput {
  value: JsonValue;
  options?: EmitOptions;
}

/** Messages one input message may produce (one publish batch). */
export const MAX_OUTPUTS = LIMITS.maxBatchMessages;
/** Longest message key (the protocol's limit). */
export const MAX_KEY_CHARS = 256;

/** The fields a returned message may have; id and ts are accepted (so `{ ...msg }` works) and ignored. */
const MESSAGE_FIELDS = new Set(["value", "key", "headers", "id", "ts"]);
const SHAPE = "a message is { value, key?, headers? }, e.g. return { ...msg, value: 42 }";

/** The messages `result` (plain JSON, as the sandbox returned it) stands for; throws an Error naming the problem. */
export function toOutputs(result: unknown): TransformOutput[] {
  if (result === null || result === undefined) return [];
  if (!Array.isArray(result)) return [toOutput(result, "result")];
  if (result.length > MAX_OUTPUTS) {
    throw new Error(`transform returned ${result.length} messages; at most ${MAX_OUTPUTS} per input message`);
  }
  const outputs: TransformOutput[] = [];
  result.forEach((item: unknown, i) => {
    if (item !== null && item !== undefined) outputs.push(toOutput(item, `result[${i}]`));
  });
  return outputs;
}

function toOutput(item: unknown, path: string): TransformOutput {
  if (typeof item !== "object" || item === null || Array.isArray(item)) {
    throw new Error(`transform returned ${describe(item)} as ${path}, not a message: ${SHAPE}`);
  }
  const message = item as Record<string, unknown>;
  const fields = Object.keys(message);
  if (!("value" in message)) {
    const seen = fields.length > 0 ? `it has ${fields.map((f) => JSON.stringify(f)).join(", ")}` : "it is {}";
    throw new Error(`transform returned ${path} without a value field (${seen}): ${SHAPE}`);
  }
  const unknown = fields.filter((f) => !MESSAGE_FIELDS.has(f));
  if (unknown.length > 0) {
    throw new Error(
      `transform returned ${path} with unknown field(s) ${unknown.map((f) => JSON.stringify(f)).join(", ")}: ${SHAPE}`,
    );
  }
  const value = message.value as JsonValue;
  const bytes = Buffer.byteLength(JSON.stringify(value));
  if (bytes > LIMITS.maxMessageBytes) {
    throw new Error(`transform returned ${path}.value of ${bytes} bytes of JSON; at most ${LIMITS.maxMessageBytes}`);
  }
  const options: EmitOptions = {};
  const { key, headers } = message;
  if (key !== undefined && key !== null) {
    if (typeof key !== "string") throw new Error(`transform returned ${path}.key ${describe(key)}; a key is a string`);
    if (key.length > MAX_KEY_CHARS) {
      throw new Error(`transform returned ${path}.key of ${key.length} characters; at most ${MAX_KEY_CHARS}`);
    }
    options.key = key;
  }
  if (headers !== undefined && headers !== null) {
    if (typeof headers !== "object" || Array.isArray(headers)) {
      throw new Error(`transform returned ${path}.headers ${describe(headers)}; headers are an object of strings`);
    }
    for (const [name, text] of Object.entries(headers)) {
      if (typeof text !== "string") {
        throw new Error(
          `transform returned ${path}.headers[${JSON.stringify(name)}] ${describe(text)}; header values are strings`,
        );
      }
    }
    options.headers = headers as Record<string, string>;
  }
  return options.key === undefined && options.headers === undefined ? { value } : { value, options };
}

function describe(value: unknown): string {
  if (Array.isArray(value)) return "an array";
  if (value === null) return "null";
  if (typeof value === "object") return "an object";
  const json = JSON.stringify(value);
  return json === undefined ? typeof value : json.length > 60 ? `${json.slice(0, 60)}…` : json;
}
