// Runtime status of a graph: pushed live to editors and served by GET /api/graphs/:id/status.
import type { JsonValue } from "./graph.ts";

/** pending: wanted, no worker can take it (see reason); assigned: sent to a worker, not yet confirmed. */
export type ProcessState = "pending" | "assigned" | "running" | "crashed" | "blocked" | "stopped";

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
}

export interface GraphStatus {
  running: boolean;
  workers: WorkerStatus[];
  processes: ProcessStatus[];
}

/** Editor → room custom message (y-partyserver `__YPS:` frames). */
export type EditorRequest = { type: "watch" };
/** Room → editor custom message; sent only to editors that asked with `watch`. */
export type EditorPush = { type: "status"; status: GraphStatus };
