// The exec node's line protocol (NDJSON over the program's stdin and stdout): the request line for a
// message, and what an answer line means. Pure, so every case is tested without a program.
import type { JsonValue } from "../../../shared/graph.ts";
import type { Message } from "../../../shared/protocol.ts";

/** A request line: the message's id, key, value and headers (key and headers only when it has them). */
export function requestLine(message: Message): string {
  const request: { id: string; key?: string; value: JsonValue; headers?: Record<string, string> } = {
    id: message.id,
    value: message.value,
  };
  if (message.key !== undefined) request.key = message.key;
  if (message.headers !== undefined) request.headers = message.headers;
  return `${JSON.stringify(request)}\n`;
}

/**
 * What one line from the program says:
 * - `values`: emit these (an answer with `value` emits that one value; `values: []` emits none);
 * - `error`: fail the message with this text;
 * - `malformed`: it names a message but is not a valid answer (the message fails, saying why);
 * - `invalid`: not an answer at all (not JSON, not an object, no string id): logged and skipped.
 * `error` wins over `values`, which wins over `value`.
 */
export type Answer =
  | { kind: "values"; id: string; values: JsonValue[] }
  | { kind: "error"; id: string; error: string }
  | { kind: "malformed"; id: string; problem: string }
  | { kind: "invalid"; problem: string };

export function parseAnswer(line: string): Answer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(line);
  } catch {
    return { kind: "invalid", problem: "not JSON" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    return { kind: "invalid", problem: "not a JSON object" };
  }
  const answer = parsed as Record<string, JsonValue>;
  const id = answer.id;
  if (typeof id !== "string") return { kind: "invalid", problem: 'no string "id"' };
  if ("error" in answer) {
    const error = answer.error;
    return { kind: "error", id, error: typeof error === "string" ? error : JSON.stringify(error) };
  }
  if ("values" in answer) {
    const values = answer.values;
    if (!Array.isArray(values)) return { kind: "malformed", id, problem: '"values" must be an array' };
    return { kind: "values", id, values };
  }
  if ("value" in answer) return { kind: "values", id, values: [answer.value as JsonValue] };
  return { kind: "malformed", id, problem: 'an answer needs "value", "values" or "error"' };
}
