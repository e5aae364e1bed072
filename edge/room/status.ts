// Builds a graph's runtime status from the room's state: one entry per node, one per live worker.
import type { ProcessReport } from "../../shared/protocol.ts";
import type { EdgeStatus, GraphStatus, ProcessStatus, WorkerStatus } from "../../shared/status.ts";
import type { Crash, NodeRun, WorkerRecord } from "./leaderStore.ts";

export interface StatusInput {
  running: boolean;
  /** Every node of the graph, in the order status lists them. */
  nodes: ReadonlyArray<{ id: string; type: string; disabled: boolean }>;
  now: number;
  desired: ReadonlySet<string>;
  /** Nodes the hub runs itself (http-in, catch). */
  hub: ReadonlySet<string>;
  /** Messages the hub produced for each of them, and its last error (http-in). */
  hubCounts?: ReadonlyMap<string, { out: number; errors: number; lastError: string | null }>;
  blocked: ReadonlyMap<string, string>;
  pending: ReadonlyMap<string, string>;
  runs: ReadonlyMap<string, NodeRun>;
  crashes: ReadonlyMap<string, Crash>;
  reports: ReadonlyMap<string, ProcessReport>;
  workers: readonly WorkerRecord[];
  edges: EdgeStatus[];
}

export function buildStatus(input: StatusInput): GraphStatus {
  const processes = input.nodes.map((node) => processStatus(input, node.id, node.type, node.disabled));
  const own = new Map<string, number>();
  for (const run of input.runs.values()) {
    if (run.kind === "assigned") own.set(run.workerId, (own.get(run.workerId) ?? 0) + 1);
  }
  const workers: WorkerStatus[] = [...input.workers]
    .filter((w) => w.link.kind === "connected")
    .map((w) => ({
      id: w.id,
      name: w.name,
      labels: w.labels,
      capacity: w.capacity,
      load: Math.max(0, w.load - w.ownLoad) + (own.get(w.id) ?? 0),
      version: w.version,
      lastHeartbeat: w.lastSeen,
      processes: own.get(w.id) ?? 0,
      draining: w.draining === true,
      ...(w.problems?.length ? { problems: w.problems } : {}),
    }));
  return { running: input.running, workers, processes, edges: input.edges };
}

function processStatus(input: StatusInput, nodeId: string, type: string, disabled: boolean): ProcessStatus {
  const held = input.runs.get(nodeId);
  const a = held?.kind === "assigned" ? held : undefined;
  const stopping = held?.kind === "stopping" ? held : undefined;
  const report = input.reports.get(nodeId);
  const live = held && report && report.epoch === held.epoch ? report : undefined;
  const base: ProcessStatus = {
    nodeId,
    type,
    state: "stopped",
    workerId: held?.workerId ?? null,
    in: live?.in ?? 0,
    out: live?.out ?? 0,
    errors: live?.errors ?? 0,
    lastError: live?.lastError ?? null,
  };
  if (live?.recent) base.recent = live.recent;
  const blocked = input.blocked.get(nodeId);
  if (blocked) return { ...base, state: "blocked", reason: blocked, lastError: blocked };
  if (input.hub.has(nodeId)) {
    const counts = input.hubCounts?.get(nodeId);
    return { ...base, ...counts, state: "running", reason: "runs on the hub" };
  }
  if (a && !connected(input, a.workerId)) {
    return { ...base, state: "assigned", reason: `waiting for worker ${a.workerId} to reconnect` };
  }
  if (a) return { ...base, state: live && live.state !== "stopped" ? live.state : "assigned" };
  if (stopping) return { ...base, state: "stopping", reason: "finishing its work before it stops" };
  const crash = input.crashes.get(nodeId);
  if (crash && input.desired.has(nodeId)) {
    const wait = Math.max(0, Math.ceil((crash.nextAt - input.now) / 1000));
    const reason = `crashed ${crash.count} time${crash.count === 1 ? "" : "s"}; restarting in ${wait} s`;
    return { ...base, state: "crashed", lastError: crash.lastError, reason };
  }
  const pending = input.pending.get(nodeId);
  if (pending && input.desired.has(nodeId)) return { ...base, state: "pending", reason: pending };
  if (disabled) return { ...base, reason: "node is disabled" };
  return base;
}

function connected(input: StatusInput, workerId: string): boolean {
  for (const w of input.workers) if (w.id === workerId) return w.link.kind === "connected";
  return false;
}

/** Restart delay after the n-th crash in a row: 1 s, doubling, at most 60 s (SCHED-7). */
export function crashBackoffMs(count: number): number {
  return Math.min(60_000, 1000 * 2 ** Math.max(0, count - 1));
}
