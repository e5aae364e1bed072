// The worker protocol's hot frames (publish, ack, nack) checked by hand, and the hot frames both sides build
// from message JSON they already hold. zod is exact but costs ~30 % of the room's CPU on a busy edge; these
// checks accept exactly what the schemas in protocol.ts accept (hotFrames.test.ts compares them).
import { ID_PATTERN, LIMITS } from "./limits.ts";
import type { RoomFrameOf, WorkerFrameOf } from "./protocol.ts";

type Hot = WorkerFrameOf<"publish"> | WorkerFrameOf<"ack"> | WorkerFrameOf<"nack">;
export type HotType = Hot["type"];

export function isHotType(type: string): type is HotType {
  return type === "publish" || type === "ack" || type === "nack";
}

/** Why `data` (a parsed JSON object whose type is publish, ack or nack) is not a valid frame, or undefined. */
export function hotFrameProblem(data: Record<string, unknown>): string | undefined {
  switch (data.type) {
    case "publish":
      return (
        onlyKeys(data, PUBLISH_KEYS) ??
        counterProblem(data, "seq") ??
        idProblem(data, "nodeId") ??
        counterProblem(data, "epoch") ??
        portProblem(data.port) ??
        messagesProblem(data.messages)
      );
    case "ack":
      return onlyKeys(data, ACK_KEYS) ?? idProblem(data, "nodeId") ?? counterProblem(data, "epoch") ?? idsProblem(data);
    case "nack":
      return (
        onlyKeys(data, NACK_KEYS) ??
        idProblem(data, "nodeId") ??
        counterProblem(data, "epoch") ??
        idsProblem(data) ??
        (typeof data.error !== "string"
          ? "error: must be a string"
          : data.error.length > LIMITS.maxErrorChars
            ? `error: at most ${LIMITS.maxErrorChars} characters`
            : undefined)
      );
    default:
      return "type: not a hot frame";
  }
}

const PUBLISH_KEYS = new Set(["type", "seq", "nodeId", "epoch", "port", "messages"]);
const ACK_KEYS = new Set(["type", "nodeId", "epoch", "deliveries"]);
const NACK_KEYS = new Set(["type", "nodeId", "epoch", "deliveries", "error"]);
const MESSAGE_KEYS = new Set(["id", "key", "value", "headers", "ts"]);

function onlyKeys(data: Record<string, unknown>, allowed: ReadonlySet<string>, path = ""): string | undefined {
  for (const key in data) {
    if (!allowed.has(key)) return `${path || "(root)"}: unknown field(s) "${key}"`;
  }
  return undefined;
}

function isCounter(v: unknown): boolean {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
}

function counterProblem(data: Record<string, unknown>, field: string): string | undefined {
  return isCounter(data[field]) ? undefined : `${field}: must be a non-negative integer`;
}

function idProblem(data: Record<string, unknown>, field: string): string | undefined {
  const v = data[field];
  return typeof v === "string" && ID_PATTERN.test(v) ? undefined : `${field}: must be 1-64 letters, digits, _ or -`;
}

function portProblem(v: unknown): string | undefined {
  return typeof v === "string" && v.length >= 1 && v.length <= 64 ? undefined : "port: must be 1-64 characters";
}

function idsProblem(data: Record<string, unknown>): string | undefined {
  const list = data.deliveries;
  if (!Array.isArray(list)) return "deliveries: must be an array";
  if (list.length < 1 || list.length > LIMITS.maxAckIds) return `deliveries: must hold 1-${LIMITS.maxAckIds} ids`;
  for (let i = 0; i < list.length; i++) {
    if (!isCounter(list[i])) return `deliveries.${i}: must be a non-negative integer`;
  }
  return undefined;
}

function messagesProblem(list: unknown): string | undefined {
  if (!Array.isArray(list)) return "messages: must be an array";
  if (list.length < 1 || list.length > LIMITS.maxBatchMessages) {
    return `messages: must hold 1-${LIMITS.maxBatchMessages} messages`;
  }
  for (let i = 0; i < list.length; i++) {
    const problem = messageProblem(list[i], `messages.${i}`);
    if (problem) return problem;
  }
  return undefined;
}

function messageProblem(m: unknown, path: string): string | undefined {
  if (!isObject(m)) return `${path}: must be an object`;
  const keys = onlyKeys(m, MESSAGE_KEYS, path);
  if (keys) return keys;
  if (typeof m.id !== "string" || m.id.length < 1 || m.id.length > 128) return `${path}.id: must be 1-128 characters`;
  if (m.key !== undefined && (typeof m.key !== "string" || m.key.length > 256)) {
    return `${path}.key: must be a string of at most 256 characters`;
  }
  // Anything JSON.parse produced is JSON; only a missing value is wrong.
  if (m.value === undefined) return `${path}.value: must be a JSON value`;
  if (m.headers !== undefined) {
    if (!isObject(m.headers)) return `${path}.headers: must be an object of strings`;
    for (const key in m.headers) {
      if (typeof m.headers[key] !== "string") return `${path}.headers.${key}: must be a string`;
    }
  }
  if (typeof m.ts !== "number" || !Number.isFinite(m.ts)) return `${path}.ts: must be a number`;
  return undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

const DELIVER_KEYS = new Set(["type", "nodeId", "epoch", "port", "edge", "messages"]);
const DELIVERY_KEYS = new Set(["d", "attempt", "id", "key", "value", "headers", "ts"]);

/**
 * Why a parsed `deliver` frame (room → worker) is not valid, or undefined: the worker's hot path, checked
 * by hand as the room checks publishes (the same rules as the zod schema in protocol.ts).
 */
export function deliverProblem(data: Record<string, unknown>): string | undefined {
  const keys = onlyKeys(data, DELIVER_KEYS);
  if (keys) return keys;
  const head =
    idProblem(data, "nodeId") ??
    counterProblem(data, "epoch") ??
    (typeof data.port !== "string" ? "port: must be a string" : undefined) ??
    (typeof data.edge !== "string" ? "edge: must be a string" : undefined);
  if (head) return head;
  const list = data.messages;
  if (!Array.isArray(list)) return "messages: must be an array";
  for (let i = 0; i < list.length; i++) {
    const m = list[i] as unknown;
    const path = `messages.${i}`;
    if (!isObject(m)) return `${path}: must be an object`;
    if (!isCounter(m.d)) return `${path}.d: must be a non-negative integer`;
    if (m.attempt !== undefined && !(Number.isSafeInteger(m.attempt) && (m.attempt as number) >= 1)) {
      return `${path}.attempt: must be an integer of at least 1`;
    }
    const { d: _d, attempt: _attempt, ...message } = m;
    const problem = onlyKeys(m, DELIVERY_KEYS, path) ?? messageProblem(message, path);
    if (problem) return problem;
  }
  return undefined;
}

/**
 * The publish frame for messages already serialized as JSON (the producer's hot path). The envelope is
 * typed; `messages` are spliced in as the JSON texts of Message objects.
 */
export function encodePublish(
  head: Omit<WorkerFrameOf<"publish">, "type" | "messages">,
  messages: readonly string[],
): string {
  const envelope: Omit<WorkerFrameOf<"publish">, "messages"> = { type: "publish", ...head };
  return `${JSON.stringify(envelope).slice(0, -1)},"messages":[${messages.join(",")}]}`;
}

/** One message of a deliver frame: the stored Message JSON text and this delivery's id and attempt. */
export interface DeliveryText {
  d: number;
  attempt: number;
  /** JSON text of a Message object. */
  text: string;
}

/** The deliver frame for stored message texts (the room's hot path): `d` and `attempt` go in front of each. */
export function encodeDeliver(
  head: Omit<RoomFrameOf<"deliver">, "type" | "messages">,
  items: readonly DeliveryText[],
): string {
  const envelope: Omit<RoomFrameOf<"deliver">, "messages"> = { type: "deliver", ...head };
  const parts = items.map((item) => {
    const rest = item.text.length > 2 ? `,${item.text.slice(1)}` : "}";
    return item.attempt > 1 ? `{"d":${item.d},"attempt":${item.attempt}${rest}` : `{"d":${item.d}${rest}`;
  });
  return `${JSON.stringify(envelope).slice(0, -1)},"messages":[${parts.join(",")}]}`;
}

/**
 * The JSON texts of the messages of a publish frame, cut from the frame's own text (the room stores and
 * forwards them as they came instead of serializing each again). `text` must be valid JSON (it was parsed
 * already). Undefined when the texts cannot be used as they are: a count that differs, an element that is
 * not an object, or one holding a raw newline (stored rows separate messages by newlines); the caller then
 * serializes the parsed messages.
 */
export function splitMessages(text: string, count: number): string[] | undefined {
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      const end = stringEnd(text, i);
      if (depth === 1 && end - i === 10 && text.startsWith('"messages"', i)) {
        let j = skipSpace(text, end);
        if (text.charCodeAt(j) !== COLON) return undefined;
        j = skipSpace(text, j + 1);
        return text.charCodeAt(j) === OPEN_ARRAY ? splitArray(text, j, count) : undefined;
      }
      i = end;
      continue;
    }
    if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
    else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) depth--;
    i++;
  }
  return undefined;
}

const QUOTE = 34;
const BACKSLASH = 92;
const COLON = 58;
const COMMA = 44;
const OPEN_OBJECT = 123;
const CLOSE_OBJECT = 125;
const OPEN_ARRAY = 91;
const CLOSE_ARRAY = 93;

/** Index just past the string that opens at `start` (a quote), skipping escaped quotes. */
function stringEnd(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const quote = text.indexOf('"', from);
    if (quote < 0) return text.length;
    let backslashes = 0;
    for (let k = quote - 1; text.charCodeAt(k) === BACKSLASH; k--) backslashes++;
    if (backslashes % 2 === 0) return quote + 1;
    from = quote + 1;
  }
}

function skipSpace(text: string, from: number): number {
  let i = from;
  for (;;) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 10 && c !== 13) return i;
    i++;
  }
}

/** The elements of the array opening at `start`, as texts, when there are `count` plain objects. */
function splitArray(text: string, start: number, count: number): string[] | undefined {
  const out: string[] = [];
  let i = skipSpace(text, start + 1);
  if (text.charCodeAt(i) === CLOSE_ARRAY) return count === 0 ? out : undefined;
  for (;;) {
    const from = i;
    if (text.charCodeAt(from) !== OPEN_OBJECT) return undefined;
    let depth = 0;
    for (;;) {
      const c = text.charCodeAt(i);
      if (Number.isNaN(c)) return undefined;
      if (c === QUOTE) {
        i = stringEnd(text, i);
        continue;
      }
      if (c === OPEN_OBJECT || c === OPEN_ARRAY) depth++;
      else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        depth--;
        if (depth === 0) {
          i++;
          break;
        }
      }
      i++;
    }
    const element = text.slice(from, i);
    if (element.includes("\n")) return undefined;
    out.push(element);
    i = skipSpace(text, i);
    const c = text.charCodeAt(i);
    if (c === CLOSE_ARRAY) return out.length === count ? out : undefined;
    if (c !== COMMA) return undefined;
    i = skipSpace(text, i + 1);
  }
}
