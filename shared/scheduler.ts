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
/** What the room knows beyond the eligible workers, for pending reasons. */
export interface PlacementContext {
  /** Connected workers left out because they are draining. */
  draining?: number;
}

export function place(
  desired: readonly PlacementProcess[],
  workers: readonly PlacementWorker[],
  current: ReadonlyMap<string, string>,
  context: PlacementContext = {},
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
      pending.set(process.nodeId, pendingReason(process, workers, context));
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

export function pendingReason(
  process: PlacementProcess,
  workers: readonly PlacementWorker[],
  context: PlacementContext = {},
): string {
  const draining = context.draining ?? 0;
  if (workers.length === 0 && draining > 0) {
    const which = draining === 1 ? "the one connected worker is" : `all ${draining} connected workers are`;
    return `${which} draining (they take no new work); start another worker, or restart a drained one`;
  }
  if (workers.length === 0) return "no live worker is connected to this graph; start one with `weft worker`";
  const typed = workers.filter((w) => w.nodeTypes.includes(process.type));
  if (typed.length === 0) return `no live worker can run node type "${process.type}"`;
  const missing = process.labels.filter((label) => !typed.some((w) => w.labels.includes(label)));
  if (missing.length > 0) return `no live worker has label ${missing.join(", ")}`;
  return "every eligible worker is at capacity; add a worker or raise --capacity";
}

export interface Move {
  nodeId: string;
  from: string;
  to: string;
}

/**
 * Plans at most `maxMoves` moves, each from the most loaded worker to the least loaded worker that can
 * run the process, and only while their loads differ by more than one. Pure: the room carries them out.
 */
export function rebalance(
  desired: readonly PlacementProcess[],
  workers: readonly PlacementWorker[],
  placed: ReadonlyMap<string, string>,
  maxMoves: number,
): Move[] {
  const byNode = new Map(desired.map((p) => [p.nodeId, p]));
  const load = new Map(workers.map((w) => [w.id, w.otherLoad]));
  const holder = new Map<string, string>();
  for (const [nodeId, workerId] of placed) {
    if (!load.has(workerId) || !byNode.has(nodeId)) continue;
    holder.set(nodeId, workerId);
    load.set(workerId, (load.get(workerId) ?? 0) + 1);
  }
  const moves: Move[] = [];
  while (moves.length < maxMoves) {
    const move = bestMove(byNode, workers, holder, load);
    if (!move) break;
    moves.push(move);
    holder.set(move.nodeId, move.to);
    load.set(move.from, (load.get(move.from) ?? 0) - 1);
    load.set(move.to, (load.get(move.to) ?? 0) + 1);
  }
  return moves;
}

function bestMove(
  byNode: ReadonlyMap<string, PlacementProcess>,
  workers: readonly PlacementWorker[],
  holder: ReadonlyMap<string, string>,
  load: ReadonlyMap<string, number>,
): Move | undefined {
  const ranked = [...workers].sort((a, b) => (load.get(b.id) ?? 0) - (load.get(a.id) ?? 0) || (a.id < b.id ? -1 : 1));
  for (const from of ranked) {
    const fromLoad = load.get(from.id) ?? 0;
    const nodes = [...holder]
      .filter(([, w]) => w === from.id)
      .map(([n]) => n)
      .sort();
    for (const nodeId of nodes) {
      const process = byNode.get(nodeId);
      if (!process) continue;
      let to: PlacementWorker | undefined;
      for (const w of workers) {
        if (w.id === from.id || !canRun(w, process) || (load.get(w.id) ?? 0) >= w.capacity) continue;
        if (fromLoad - (load.get(w.id) ?? 0) <= 1) continue;
        if (!to || isLessLoaded(w, to, load)) to = w;
      }
      if (to) return { nodeId, from: from.id, to: to.id };
    }
  }
  return undefined;
}
