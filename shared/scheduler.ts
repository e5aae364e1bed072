// Placement: which live worker runs each desired process. Pure; the room applies the result.

export interface PlacementWorker {
  id: string;
  labels: readonly string[];
  capacity: number;
  /** Processes the worker runs for other graphs (its reported load less this graph's share). */
  otherLoad: number;
  nodeTypes: readonly string[];
}

export interface PlacementProcess {
  nodeId: string;
  type: string;
  /** Labels the node and its type require. */
  labels: readonly string[];
}

export interface PlacementResult {
  /** nodeId → workerId for every process that has a worker, kept or new. */
  placed: Map<string, string>;
  /** nodeId → why it could not be placed, in words a user can act on. */
  pending: Map<string, string>;
}

/**
 * Keeps every still-valid current placement, then places the rest on the least-loaded eligible
 * worker (ties broken by id), never past a worker's capacity.
 */
export function place(
  desired: readonly PlacementProcess[],
  workers: readonly PlacementWorker[],
  current: ReadonlyMap<string, string>,
): PlacementResult {
  const byId = new Map(workers.map((w) => [w.id, w]));
  const load = new Map(workers.map((w) => [w.id, w.otherLoad]));
  const placed = new Map<string, string>();
  const pending = new Map<string, string>();
  const unplaced: PlacementProcess[] = [];

  for (const process of desired) {
    const workerId = current.get(process.nodeId);
    const worker = workerId === undefined ? undefined : byId.get(workerId);
    if (worker && canRun(worker, process)) {
      placed.set(process.nodeId, worker.id);
      load.set(worker.id, (load.get(worker.id) ?? 0) + 1);
    } else {
      unplaced.push(process);
    }
  }

  for (const process of [...unplaced].sort((a, b) => a.nodeId.localeCompare(b.nodeId))) {
    let best: PlacementWorker | undefined;
    for (const worker of workers) {
      if (!canRun(worker, process) || (load.get(worker.id) ?? 0) >= worker.capacity) continue;
      if (!best || isLessLoaded(worker, best, load)) best = worker;
    }
    if (best) {
      placed.set(process.nodeId, best.id);
      load.set(best.id, (load.get(best.id) ?? 0) + 1);
    } else {
      pending.set(process.nodeId, pendingReason(process, workers));
    }
  }
  return { placed, pending };
}

function canRun(worker: PlacementWorker, process: PlacementProcess): boolean {
  return worker.nodeTypes.includes(process.type) && process.labels.every((l) => worker.labels.includes(l));
}

function isLessLoaded(a: PlacementWorker, b: PlacementWorker, load: ReadonlyMap<string, number>): boolean {
  const la = load.get(a.id) ?? 0;
  const lb = load.get(b.id) ?? 0;
  return la !== lb ? la < lb : a.id < b.id;
}

export function pendingReason(process: PlacementProcess, workers: readonly PlacementWorker[]): string {
  if (workers.length === 0) return "no live worker is connected to this graph; start one with `weft worker`";
  const typed = workers.filter((w) => w.nodeTypes.includes(process.type));
  if (typed.length === 0) return `no live worker can run node type "${process.type}"`;
  const missing = process.labels.filter((label) => !typed.some((w) => w.labels.includes(label)));
  if (missing.length > 0) return `no live worker has label ${missing.join(", ")}`;
  return "every eligible worker is at capacity; add a worker or raise --capacity";
}
