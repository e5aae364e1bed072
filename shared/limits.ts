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
  /** Largest body of an HTTP API request. */
  maxRequestBytes: 4 * 1024 * 1024,
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
