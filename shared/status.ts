// Runtime status of a graph: pushed live to editors and served by GET /api/graphs/:id/status.
import type { JsonValue } from "./graph.ts";
import type { NodeTypeDef } from "./nodeTypes.ts";

/**
 * pending: wanted, no worker can take it (see reason); assigned: sent to a worker, not yet confirmed;
 * stopping: told to stop, flushing its output before it may run elsewhere; crashed: waiting out its restart backoff.
 */
export type ProcessState = "pending" | "assigned" | "running" | "stopping" | "crashed" | "blocked" | "stopped";

export interface ProcessStatus {
  nodeId: string;
  type: string;
  state: ProcessState;
  workerId: string | null;
  in: number;
  out: number;
  errors: number;
  lastError: string | null;
  /** Why a process is pending or blocked, in words a user can act on. */
  reason?: string;
  /** Last messages kept by sink nodes such as `log` (newest last). */
  recent?: JsonValue[];
}

export interface WorkerStatus {
  id: string;
  name: string;
  labels: string[];
  capacity: number;
  load: number;
  version: string;
  lastHeartbeat: number;
  /** Processes of this graph assigned to the worker. */
  processes: number;
  /** Draining workers get no new work; their processes are moved away. */
  draining: boolean;
  /** What went wrong on the worker that is not one process's fault: plugins that failed to load, refused types. */
  problems?: string[];
}

/** A node type as a graph's registry knows it (TYPES-1): built in, or announced by a worker. */
export interface NodeTypeInfo extends NodeTypeDef {
  /** Built into the hub, or announced by workers only (a plugin). */
  source: "builtin" | "worker";
  /** A live worker can run it now (hub types always can). */
  available: boolean;
  /** Ids of the connected workers that can run it. */
  workers: string[];
  /** Why it is unavailable, in words a user can act on. */
  reason?: string;
}

/** One edge's channel as the broker counts it (DELIVERY-9). */
export interface EdgeStatus {
  id: string;
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
  mode: "durable" | "memory";
  /** Messages queued: ready plus in flight. */
  depth: number;
  inflight: number;
  bytes: number;
  /** Messages per second in (published) and out (acknowledged), over the last whole second. */
  rateIn: number;
  rateOut: number;
  /** Messages accepted onto the edge and acknowledged by its consumer since the room started. */
  totalIn: number;
  totalOut: number;
  deadLetters: number;
  /** At its high water: the producer gets no credit until the channel is back under half. */
  paused: boolean;
  maxDepth: number;
  maxBytes: number;
}

export interface GraphStatus {
  running: boolean;
  workers: WorkerStatus[];
  processes: ProcessStatus[];
  edges: EdgeStatus[];
  /** Bytes of the room's SQLite database (document, queues, dead letters), when the room knows it. */
  storageBytes?: number;
}

/**
 * What changed between two status pushes (EDITOR-1 with `deltas`): the entries that are new or differ, whole, and
 * the ids that went; `running`, `workers` and `storageBytes` as they are now (they are small).
 */
export interface StatusDelta {
  running: boolean;
  workers: WorkerStatus[];
  processes: ProcessStatus[];
  removedProcesses: string[];
  edges: EdgeStatus[];
  removedEdges: string[];
  storageBytes?: number;
}

/**
 * Editor → room custom message (y-partyserver `__YPS:` frames). With `deltas`, the room sends the status in full
 * once and then `statusDelta` pushes; without, every push is the full status (older editors).
 */
export type EditorRequest = { type: "watch"; deltas?: boolean };
/** Room → editor custom message; sent only to editors that asked with `watch`. */
export type EditorPush =
  | { type: "status"; status: GraphStatus }
  /** What changed since the previous status or delta push to this editor (only to a `watch` with `deltas`). */
  | { type: "statusDelta"; delta: StatusDelta }
  /** The graph's node-type registry: sent after `watch` and whenever it changes (the palette). */
  | { type: "nodeTypes"; types: NodeTypeInfo[] }
  /** The room refused this editor's update (the connection closes with 4011 unless `code` is read_only). */
  | { type: "refused"; code: string; reason: string };
