// Limits shared by the hub, the workers and the editor. Exceeding one is a clear error, never a crash.

export const LIMITS = {
  /** Largest worker-protocol frame the room accepts (bytes of UTF-8 JSON). */
  maxFrameBytes: 1024 * 1024,
  /** Largest single message value, JSON-encoded. */
  maxMessageBytes: 256 * 1024,
  /** Messages in one publish or deliver frame. */
  maxBatchMessages: 1000,
  /** Nodes and edges in one graph. */
  maxNodes: 5000,
  maxEdges: 20000,
  /** Length of ids, names and descriptions. */
  maxIdLength: 64,
  maxNameLength: 200,
  maxDescriptionLength: 5000,
  /** Invalid frames tolerated from a worker before the room closes it. */
  maxInvalidFrames: 20,
  /** Messages a channel holds before the room refuses more publishes to it. */
  maxChannelDepth: 10000,
  /** Deliveries outstanding (sent, not acked) per consumer channel. */
  deliveryWindow: 500,
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
  workerFrames: { perSecond: 2000, burst: 4000 },
} as const;

/** Connection caps (defaults; WEFT_MAX_ROOM_CONNECTIONS and WEFT_MAX_USER_CONNECTIONS override them). */
export const CONNECTIONS = {
  /** Open WebSockets on one graph's room, editors and workers together. */
  perRoom: 2000,
  /** Open editor WebSockets of one user on one graph. */
  perUser: 50,
} as const;

export const HEARTBEAT = {
  intervalMs: 2000,
  timeoutMs: 6000,
} as const;

/** Graph, node, edge and worker ids: letters, digits, `_`, `-`, 1..64 characters. */
export const ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id);
}
