// Limits shared by the hub, the workers and the editor. Exceeding one is a clear error, never a crash.

export const LIMITS = {
  /** Largest worker-protocol frame the room accepts (bytes of UTF-8 JSON). */
  maxFrameBytes: 1024 * 1024,
  /** Largest single message value, JSON-encoded. */
  maxMessageBytes: 256 * 1024,
  /** Messages in one publish or deliver frame. */
  maxBatchMessages: 1000,
  /** Delivery ids in one ack or nack frame. */
  maxAckIds: 10_000,
  /** Nodes and edges in one graph. */
  maxNodes: 5000,
  maxEdges: 20000,
  /** Length of ids, names and descriptions. */
  maxIdLength: 64,
  maxNameLength: 200,
  maxDescriptionLength: 5000,
  /** An error text in a report or nack. */
  maxErrorChars: 2000,
  /** Invalid frames tolerated from a worker before the room closes it. */
  maxInvalidFrames: 20,
  /** Largest body of an HTTP API request, in bytes as received. */
  maxRequestBytes: 4 * 1024 * 1024,

  // ---- the graph document, on every path (HTTP import and Yjs) ----
  /** One param value: bytes of its JSON, or characters of a code (Y.Text) param. */
  maxParamBytes: 2 * 1024 * 1024,
  /** Params on one node. */
  maxParams: 200,
  /** Nesting of arrays and objects inside one param value. */
  maxJsonDepth: 32,
  /** Labels on one node. */
  maxLabels: 16,
  /** Largest single Yjs update (sync step 2 or update) an editor may send. */
  maxUpdateBytes: 8 * 1024 * 1024,
  /** Items (Yjs structs) in one update; each costs ~400 bytes of the room's memory however small. */
  maxUpdateItems: 100_000,
  /** The stored document (snapshot plus updates since), in bytes. */
  maxDocumentBytes: 24 * 1024 * 1024,
  /** Items (Yjs structs) the document may hold, bounding the room's memory (~60 MB at the limit). */
  maxDocumentItems: 150_000,

  // ---- editor connections ----
  /** Largest awareness (presence) update, in bytes. */
  maxAwarenessBytes: 16 * 1024,
  /** Awareness client ids one connection may control. */
  maxAwarenessClients: 4,
} as const;

/** Token buckets: `perSecond` sustained, bursts up to `burst`; exceeding one closes the connection. */
export const RATES = {
  /** Yjs sync, awareness and custom messages from one editor connection. */
  editorMessages: { perSecond: 200, burst: 400 },
  /** Awareness updates from one editor connection (a cursor at 30 Hz fits). */
  awareness: { perSecond: 40, burst: 80 },
  /** Frames from one worker connection. */
  workerFrames: { perSecond: 5000, burst: 10_000 },
} as const;

/** Connection caps (defaults; WEFT_MAX_ROOM_CONNECTIONS and WEFT_MAX_USER_CONNECTIONS override them). */
export const CONNECTIONS = {
  /** Open WebSockets on one graph's room, editors and workers together. */
  perRoom: 2000,
  /** Open editor WebSockets of one user on one graph. */
  perUser: 50,
} as const;

const HELLO_TIMEOUT_MS = 10_000;
const HEARTBEAT_TIMEOUT_MS = 6000;
const STOP_TIMEOUT_MS = 10_000;

/**
 * Timings both sides must agree on. One that depends on another is derived from it here, so the coupling
 * is in code, not in a comment.
 */
export const TIMING = {
  /** A worker heartbeats this often... */
  heartbeatIntervalMs: 2000,
  /** ...and is presumed dead after this much silence (SCHED-5). */
  heartbeatTimeoutMs: HEARTBEAT_TIMEOUT_MS,
  /** A connection that sends no hello within this is closed with 4003 (HELLO-1). */
  helloTimeoutMs: HELLO_TIMEOUT_MS,
  /** A worker waits for `welcome` as long as the room waits for a hello. */
  welcomeTimeoutMs: HELLO_TIMEOUT_MS,
  /** How long a stopping process may take to flush and report stopped before the room places it again (SCHED-6). */
  stopTimeoutMs: STOP_TIMEOUT_MS,
  /** A worker gives up flushing a stopping process 2 s before the room's stop timeout, so its report arrives in time. */
  stopFlushMs: STOP_TIMEOUT_MS - 2000,
  /** Longest a node implementation's own stop() may take on the worker (shutdown must finish within 2 s). */
  nodeStopMs: 500,
  /**
   * Longest wait between a worker's reconnect attempts: half the heartbeat timeout, so a worker comes back
   * within the time the room keeps its processes for it after a restart (HELLO-4), whenever the hub returns.
   */
  reconnectMaxMs: HEARTBEAT_TIMEOUT_MS / 2,
} as const;

/** Room for a frame's envelope around its messages, so a full batch still fits LIMITS.maxFrameBytes. */
export const FRAME_BUDGET = {
  /** Bytes of the publish frame's fields around `messages` (seq, nodeId, epoch, port). */
  publishEnvelopeBytes: 512,
  /** Bytes of a deliver frame's fields, plus the `d` and `attempt` each message gets. */
  deliverEnvelopeBytes: 512,
  deliverPerMessageBytes: 48,
} as const;

/** The broker's defaults (DESIGN "Messaging"); an edge's own settings override the first four. */
export const BROKER = {
  /** High water of a channel: past it the producer gets no more credit; it resumes at half. */
  maxDepth: 10_000,
  maxBytes: 64 * 1024 * 1024,
  /** Deliveries of one message (nacks and ack timeouts) before it is dead-lettered. */
  maxAttempts: 5,
  /** A delivery not acked within this is delivered again (a lease). */
  ackTimeoutMs: 30_000,
  /** Deliveries outstanding (sent, not acked) per channel. */
  deliveryWindow: 2000,
  /** A producer may overshoot its credit by one batch (the one that used it up); past that the room refuses. */
  creditSlackMessages: LIMITS.maxBatchMessages,
  creditSlackBytes: LIMITS.maxFrameBytes,
  /** A memory edge keeps this many messages in memory; past it, messages go to SQLite as on a durable edge. */
  memorySpillDepth: 5000,
  /** Message bytes the room keeps in memory across all channels; the rest is read back from SQLite when sent. */
  maxResidentBytes: 32 * 1024 * 1024,
  /** Batches remembered for de-duplication of re-sent ones (DELIVERY-2): at 1,000 messages each, 100 M messages. */
  dedupWindow: 100_000,
  /** Room: publishes and deletions within this many ms share one commit (group commit across frames). */
  commitDelayMs: 1,
  /** Producer: how long an emitted message waits for more to share its frame. */
  lingerMs: 3,
  /**
   * Messages per second one graph's room takes in, across all its edges (WEFT_ROOM_MAX_RATE; 0: unlimited).
   * Credit is paced to it, so no source setting lets one graph starve the hub's other graphs and its API: on
   * one machine every room shares one workerd thread. On a 2-core machine a room does ~130,000 msg/s
   * uncapped, but with an unthrottled source the hub's health check then took 360 ms at p99; at 20,000 it
   * took 22–104 ms over five one-minute runs (test/fastSource.test.ts, limit 100), so 10,000 leaves a margin.
   * On Cloudflare each room has its own isolate: raise it there.
   */
  maxRoomRate: 10_000,
  /** Messages one dead-letter replay or listing handles per request. */
  deadLetterPage: 1000,
} as const;

/** Graph, node, edge and worker ids: letters, digits, `_`, `-`, 1..64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
