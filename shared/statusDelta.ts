// Status deltas (EDITOR-1): the room sends a watching editor its graph's status in full once, then only what
// changed. A 1,000-process, 1,200-edge graph's status is ~400 KB of JSON; sent whole up to four times a second to
// every editor, most of it unchanged, it cost the room a stringify and each editor a parse of all of it. Entries
// are compared and sent whole (never field by field); the room keeps the status every delta-watching editor has
// (the base), so a delta applied to it gives the status the delta was made from.
import type { EdgeStatus, GraphStatus, ProcessStatus, StatusDelta } from "./status.ts";

/** A status with each entry's JSON, kept by the room as the base of the next delta. */
export interface StatusSnapshot {
  status: GraphStatus;
  processes: Map<string, string>;
  edges: Map<string, string>;
}

export function snapshotStatus(status: GraphStatus): StatusSnapshot {
  const processes = new Map<string, string>();
  for (const p of status.processes) processes.set(p.nodeId, JSON.stringify(p));
  const edges = new Map<string, string>();
  for (const e of status.edges) edges.set(e.id, JSON.stringify(e));
  return { status, processes, edges };
}

/** What changed from `base` to `now`, or undefined when nothing did. */
export function statusDelta(base: StatusSnapshot, now: StatusSnapshot): StatusDelta | undefined {
  const changed = <T>(
    list: readonly T[],
    key: (item: T) => string,
    before: Map<string, string>,
    after: Map<string, string>,
  ) => list.filter((item) => before.get(key(item)) !== after.get(key(item)));
  const removed = (before: Map<string, string>, after: Map<string, string>) =>
    [...before.keys()].filter((id) => !after.has(id));
  const delta: StatusDelta = {
    running: now.status.running,
    workers: now.status.workers,
    processes: changed(now.status.processes, (p) => p.nodeId, base.processes, now.processes),
    removedProcesses: removed(base.processes, now.processes),
    edges: changed(now.status.edges, (e) => e.id, base.edges, now.edges),
    removedEdges: removed(base.edges, now.edges),
  };
  if (now.status.storageBytes !== undefined) delta.storageBytes = now.status.storageBytes;
  const same =
    delta.processes.length === 0 &&
    delta.removedProcesses.length === 0 &&
    delta.edges.length === 0 &&
    delta.removedEdges.length === 0 &&
    delta.running === base.status.running &&
    delta.storageBytes === base.status.storageBytes &&
    JSON.stringify(delta.workers) === JSON.stringify(base.status.workers);
  return same ? undefined : delta;
}

/** `base` with `delta` applied: changed entries replaced (or added at the end), removed ones dropped. */
export function applyStatusDelta(base: GraphStatus, delta: StatusDelta): GraphStatus {
  const merge = <T>(
    list: readonly T[],
    key: (item: T) => string,
    changed: readonly T[],
    removed: readonly string[],
  ) => {
    const byId = new Map<string, T>();
    for (const item of list) byId.set(key(item), item);
    for (const id of removed) byId.delete(id);
    for (const item of changed) byId.set(key(item), item);
    return [...byId.values()];
  };
  const status: GraphStatus = {
    running: delta.running,
    workers: delta.workers,
    processes: merge<ProcessStatus>(base.processes, (p) => p.nodeId, delta.processes, delta.removedProcesses),
    edges: merge<EdgeStatus>(base.edges, (e) => e.id, delta.edges, delta.removedEdges),
  };
  if (delta.storageBytes !== undefined) status.storageBytes = delta.storageBytes;
  return status;
}
