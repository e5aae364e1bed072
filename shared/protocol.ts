// The worker protocol: one validated union per direction, the protocol version and close codes.
// Grammar and rules: shared/PROTOCOL.md.
import { z } from "zod";
import { utf8Bytes } from "./docModel.ts";
import type { JsonValue } from "./graph.ts";
import { deliverProblem, hotFrameProblem, isHotType } from "./hotFrames.ts";
import { ID_PATTERN, LIMITS } from "./limits.ts";

/**
 * 2: per-edge channels, credit, nack and leases (PROTOCOL.md "Delivery"); 3: hello announces full node-type
 * definitions and plugin problems (TYPES-*), failed messages go to error ports (ERROR-*).
 */
export const PROTOCOL_VERSION = 3;

/** WebSocket close codes the room uses with workers (PROTOCOL.md CLOSE-*). */
export const CloseCode = {
  /** Too many invalid frames (CLOSE-1). */
  ProtocolError: 4000,
  /** The hello named a protocol version the room does not speak (CLOSE-2). */
  ProtocolVersion: 4002,
  /** The first frame was not a valid hello, or none came in time (CLOSE-3). */
  HelloRequired: 4003,
  /** The graph was deleted (CLOSE-5). */
  GraphDeleted: 4005,
  /** The hello was valid JSON but cannot be accepted, e.g. unknown node types (CLOSE-8). */
  HelloRefused: 4006,
  /** A live connection already holds this worker id (CLOSE-9). */
  DuplicateWorker: 4007,
  /** No heartbeat within the timeout (CLOSE-7). */
  HeartbeatTimeout: 4008,
  /** A frame exceeded LIMITS.maxFrameBytes (CLOSE-6). */
  FrameTooLarge: 4009,
  /** More messages per second than the connection's rate allows (CLOSE-10). */
  RateLimited: 4010,
  /** An editor's Yjs update broke the document model or a limit; the reason names it (CLOSE-11). */
  UpdateRefused: 4011,
  /** The worker token this connection presented was revoked (CLOSE-14). */
  TokenRevoked: 4014,
  /** The access token this connection presented expired (CLOSE-15). */
  SessionExpired: 4015,
  /** The graph was replaced wholesale (an import over a damaged document): reload it (CLOSE-16). */
  GraphReplaced: 4016,
  /** An awareness (presence) update was too large or claimed another connection's client (CLOSE-17). */
  AwarenessRefused: 4017,
} as const;
export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export type ErrorCode =
  | "invalid_json"
  | "invalid_frame"
  | "unknown_frame_type"
  | "frame_too_large"
  | "message_too_large"
  | "stale_epoch"
  | "not_assigned"
  | "unknown_port"
  | "channel_full"
  | "unknown_delivery"
  | "storage_failed"
  | "hello_required"
  | "already_registered"
  | "unknown_node_type"
  | "type_refused"
  | "duplicate_worker";

const id = z.string().regex(ID_PATTERN, "must be 1-64 letters, digits, _ or -");
const portName = z.string().min(1).max(64);

const counter = z.number().int().nonnegative();
const jsonValue = z.json() as z.ZodType<JsonValue>;

export const messageSchema = z.strictObject({
  id: z.string().min(1).max(128),
  key: z.string().max(256).optional(),
  value: jsonValue,
  headers: z.record(z.string(), z.string()).optional(),
  ts: z.number(),
});
export type Message = z.infer<typeof messageSchema>;
export type Delivery = Message & { d: number; attempt?: number };

const processReport = z.strictObject({
  nodeId: id,
  epoch: counter,
  state: z.enum(["running", "crashed", "blocked", "stopped"]),
  in: counter,
  out: counter,
  errors: counter,
  lastError: z.string().max(LIMITS.maxErrorChars).nullable(),
  recent: z.array(jsonValue).max(100).optional(),
});
export type ProcessReport = z.infer<typeof processReport>;

const workerFrameSchemas = {
  hello: z.strictObject({
    type: z.literal("hello"),
    protocol: z.number().int(),
    workerId: id,
    name: z.string().min(1).max(LIMITS.maxNameLength),
    version: z.string().max(64),
    labels: z.array(z.string().min(1).max(64)).max(32),
    capacity: z.number().int().min(1).max(10_000),
    /** Definitions (shared/nodeTypeDef.ts checks each; a bad one is refused alone, TYPES-2). */
    nodeTypes: z.array(z.record(z.string(), z.unknown())).max(500),
    /** What went wrong loading plugins, shown in the worker's status (PLUGIN-2). */
    problems: z.array(z.string().max(LIMITS.maxErrorChars)).max(50).optional(),
    load: counter,
  }),
  heartbeat: z.strictObject({
    type: z.literal("heartbeat"),
    load: counter,
    processes: z.array(processReport).max(10_000),
  }),
  state: z.strictObject({ type: z.literal("state"), process: processReport }),
  publish: z.strictObject({
    type: z.literal("publish"),
    seq: counter,
    nodeId: id,
    epoch: counter,
    port: portName,
    messages: z.array(messageSchema).min(1).max(LIMITS.maxBatchMessages),
  }),
  ack: z.strictObject({
    type: z.literal("ack"),
    nodeId: id,
    epoch: counter,
    deliveries: z.array(counter).min(1).max(LIMITS.maxAckIds),
  }),
  /** The process failed these deliveries (DELIVERY-6): each counts an attempt and goes again, or to dead letter. */
  nack: z.strictObject({
    type: z.literal("nack"),
    nodeId: id,
    epoch: counter,
    deliveries: z.array(counter).min(1).max(LIMITS.maxAckIds),
    error: z.string().max(LIMITS.maxErrorChars),
  }),
  drain: z.strictObject({ type: z.literal("drain") }),
} as const;

type Schemas = typeof workerFrameSchemas;
export type WorkerFrame = { [K in keyof Schemas]: z.infer<Schemas[K]> }[keyof Schemas];
export type WorkerFrameOf<T extends WorkerFrame["type"]> = Extract<WorkerFrame, { type: T }>;

/** A message as delivered: `d` names this delivery (ack or nack it), `attempt` counts from 1. */
const deliverySchema = messageSchema.extend({ d: counter, attempt: z.number().int().min(1).optional() });

const roomFrameSchemas = {
  welcome: z.strictObject({
    type: z.literal("welcome"),
    protocol: z.number().int(),
    graphId: id,
    workerId: id,
    heartbeatMs: z.number().int().positive(),
    heartbeatTimeoutMs: z.number().int().positive(),
  }),
  assign: z.strictObject({
    type: z.literal("assign"),
    nodeId: id,
    epoch: counter,
    nodeType: z.string().min(1).max(64),
    params: z.record(z.string(), jsonValue),
    inputs: z.array(z.string()),
    outputs: z.array(z.string()),
  }),
  unassign: z.strictObject({ type: z.literal("unassign"), nodeId: id, epoch: counter, reason: z.string() }),
  published: z.strictObject({
    type: z.literal("published"),
    seq: counter,
    /** Messages of the batch the room refused (too large); the rest is stored (DELIVERY-5). */
    rejected: z
      .array(z.strictObject({ id: z.string(), code: z.string() as z.ZodType<ErrorCode>, message: z.string() }))
      .optional(),
  }),
  drained: z.strictObject({ type: z.literal("drained") }),
  deliver: z.strictObject({
    type: z.literal("deliver"),
    nodeId: id,
    epoch: counter,
    port: z.string(),
    /** The edge (channel) the messages come through. */
    edge: z.string(),
    messages: z.array(deliverySchema),
  }),
  /**
   * Credit (DELIVERY-7): the producer may publish on `port` until it has sent `messages` messages and `bytes`
   * bytes of message JSON in total on this connection under this epoch. Limits only grow.
   */
  credit: z.strictObject({
    type: z.literal("credit"),
    nodeId: id,
    epoch: counter,
    port: z.string(),
    messages: counter,
    bytes: counter,
  }),
  error: z.strictObject({
    type: z.literal("error"),
    code: z.string() as z.ZodType<ErrorCode>,
    message: z.string(),
    ref: z.union([z.number(), z.string()]).optional(),
  }),
} as const;

type RoomSchemas = typeof roomFrameSchemas;
export type RoomFrame = { [K in keyof RoomSchemas]: z.infer<RoomSchemas[K]> }[keyof RoomSchemas];
export type RoomFrameOf<T extends RoomFrame["type"]> = Extract<RoomFrame, { type: T }>;

export type ParseResult<T> = { ok: true; frame: T } | { ok: false; code: ErrorCode; message: string };

/** Parses and validates one worker → room frame (PROTOCOL.md FRAME-1..4); hot frames are checked by hand. */
export function parseWorkerFrame(text: string): ParseResult<WorkerFrame> {
  return parseFrame(text, workerFrameSchemas, hotFrameProblem) as ParseResult<WorkerFrame>;
}

/** parseWorkerFrame with zod for every frame: the reference the hand checks are compared with. */
export function parseWorkerFrameStrict(text: string): ParseResult<WorkerFrame> {
  return parseFrame(text, workerFrameSchemas) as ParseResult<WorkerFrame>;
}

/** Parses and validates one room → worker frame, on the worker; `deliver` (the hot one) is checked by hand. */
export function parseRoomFrame(text: string): ParseResult<RoomFrame> {
  return parseFrame(text, roomFrameSchemas, (data) =>
    data.type === "deliver" ? deliverProblem(data) : hotFrameProblem(data),
  ) as ParseResult<RoomFrame>;
}

/** parseRoomFrame with zod for every frame: the reference the hand check of `deliver` is compared with. */
export function parseRoomFrameStrict(text: string): ParseResult<RoomFrame> {
  return parseFrame(text, roomFrameSchemas) as ParseResult<RoomFrame>;
}

function parseFrame(
  text: string,
  schemas: Record<string, z.ZodType>,
  hot?: (data: Record<string, unknown>) => string | undefined,
): ParseResult<unknown> {
  if (exceedsFrameLimit(text)) {
    return { ok: false, code: "frame_too_large", message: `frame exceeds ${LIMITS.maxFrameBytes} bytes` };
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return { ok: false, code: "invalid_json", message: `frame is not JSON: ${(error as Error).message}` };
  }
  if (!data || typeof data !== "object" || Array.isArray(data)) {
    return { ok: false, code: "invalid_frame", message: "frame must be a JSON object" };
  }
  const type = (data as { type?: unknown }).type;
  if (typeof type !== "string") return { ok: false, code: "invalid_frame", message: "type: must be a string" };
  const schema = Object.hasOwn(schemas, type) ? schemas[type] : undefined;
  if (!schema) return { ok: false, code: "unknown_frame_type", message: `unknown frame type "${type.slice(0, 40)}"` };
  if (hot && (isHotType(type) || type === "deliver")) {
    const problem = hot(data as Record<string, unknown>);
    return problem ? { ok: false, code: "invalid_frame", message: `${type}: ${problem}` } : { ok: true, frame: data };
  }
  const parsed = schema.safeParse(data);
  if (!parsed.success) return { ok: false, code: "invalid_frame", message: `${type}: ${formatZodError(parsed.error)}` };
  return { ok: true, frame: parsed.data };
}

/** True when the UTF-8 encoding of `text` is longer than LIMITS.maxFrameBytes. */
export function exceedsFrameLimit(text: string): boolean {
  if (text.length * 3 <= LIMITS.maxFrameBytes) return false;
  if (text.length > LIMITS.maxFrameBytes) return true;
  return utf8Bytes(text) > LIMITS.maxFrameBytes;
}

/** The first zod issue as `path: message`, naming unknown fields. */
export function formatZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid input";
  const path = issue.path.length ? issue.path.join(".") : "(root)";
  if (issue.code === "unrecognized_keys")
    return `${path}: unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(", ")}`;
  return `${path}: ${issue.message}`;
}
