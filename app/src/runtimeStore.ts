// Runtime status pushed by the room (EDITOR-1), kept in stores keyed by node id and edge id for fine-grained reads.
import { type Accessor, batch, createSignal } from "solid-js";
import { createStore, produce, reconcile, unwrap } from "solid-js/store";
import { BROKER } from "../../shared/limits.ts";
import type { EdgeStatus, GraphStatus, ProcessStatus, WorkerStatus } from "../../shared/status.ts";
import { createRateMeter, RATE_FRESH_MS, type Rate } from "./rates.ts";

export interface RuntimeState {
  /** False until the first status push arrives. */
  received: boolean;
  running: boolean;
  workers: WorkerStatus[];
  processes: Record<string, ProcessStatus>;
  /** Each live edge's channel (DELIVERY-9), by edge id; an edge without a channel has no entry. */
  edges: Record<string, EdgeStatus>;
  /** Messages per second in and out of each node, from the counters' change between pushes (rates.ts). */
  rates: Record<string, Rate>;
}

export interface RuntimeStore {
  readonly state: RuntimeState;
  /** Changes with every push: what reads every entry at once tracks this and reads `raw` (see GraphStore). */
  readonly revision: Accessor<number>;
  readonly raw: Readonly<RuntimeState>;
  apply(status: GraphStatus): void;
}

export function createRuntimeStore(): RuntimeStore {
  const [state, setState] = createStore<RuntimeState>({
    received: false,
    running: false,
    workers: [],
    processes: {},
    edges: {},
    rates: {},
  });
  const meter = createRateMeter();
  // The room pushes only when something changed: rates not refreshed for a while are dropped, not left showing.
  let stale: ReturnType<typeof setTimeout> | undefined;
  const [revision, setRevision] = createSignal(0);
  return {
    state,
    revision,
    raw: unwrap(state),
    apply(status) {
      const rates = meter.update(status.processes, Date.now());
      clearTimeout(stale);
      if (Object.keys(rates).length > 0) stale = setTimeout(() => setState("rates", reconcile({})), RATE_FRESH_MS);
      batch(() => {
        setRevision((n) => n + 1);
        setState({ received: true, running: status.running });
        setState("workers", reconcile(status.workers, { key: "id" }));
        setState(
          "processes",
          produce((all) =>
            replaceEntries(
              all,
              byKey(status.processes, (p) => p.nodeId),
            ),
          ),
        );
        // The HTTP status (not checked like a push) of a hub from before the broker has no `edges`.
        const edges = (status.edges ?? []).filter((edge) => typeof edge?.id === "string").map(edgeEntry);
        setState(
          "edges",
          produce((all) =>
            replaceEntries(
              all,
              byKey(edges, (e) => e.id),
            ),
          ),
        );
        setState(
          "rates",
          produce((all) => replaceEntries(all, new Map(Object.entries(rates)))),
        );
      });
    },
  };
}

/**
 * A status entry as the store holds it: a leaf (Solid wraps only plain objects and arrays), so each id is one
 * signal, not one per field. A push replaces whole entries and one that did not change keeps its object, so
 * nothing reading it runs again. Wrapped, the first push of 1,000 processes cost ~100 ms (setting a value walks
 * every field of every entry) and each field read went through a proxy (bench/editor).
 */
class Entry {}

function byKey<T>(list: readonly T[], key: (item: T) => string): Map<string, T> {
  const out = new Map<string, T>();
  for (const item of list) out.set(key(item), item);
  return out;
}

/** Puts each entry of `next` that differs from the one in `all` (as a leaf), and deletes the ids `next` leaves out. */
function replaceEntries<T extends object>(all: Record<string, T>, next: ReadonlyMap<string, T>): void {
  for (const id of Object.keys(all)) if (!next.has(id)) delete all[id];
  for (const [id, value] of next) {
    const before = all[id];
    if (before === undefined || !sameFields(before, value)) all[id] = Object.assign(new Entry(), value) as T;
  }
}

function sameFields(a: object, b: object): boolean {
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = Object.keys(right);
  if (Object.keys(left).length !== keys.length) return false;
  for (const key of keys) {
    const x = left[key];
    const y = right[key];
    if (x === y) continue;
    // Only `recent` (a few sampled messages) and worker `labels` are not scalars.
    if (typeof x !== "object" || typeof y !== "object" || JSON.stringify(x) !== JSON.stringify(y)) return false;
  }
  return true;
}

/**
 * An edge's status with every field usable: the push parser (statusPush.ts) checks only the key fields, so a
 * counter a hub leaves out reads as 0 and a limit as the broker's default.
 */
export function edgeEntry(edge: EdgeStatus): EdgeStatus {
  const count = (value: unknown, fallback = 0) =>
    typeof value === "number" && Number.isFinite(value) && value >= 0 ? value : fallback;
  const text = (value: unknown) => (typeof value === "string" ? value : "");
  return {
    ...edge,
    id: edge.id,
    from: text(edge.from),
    fromPort: text(edge.fromPort),
    to: text(edge.to),
    toPort: text(edge.toPort),
    mode: edge.mode === "memory" ? "memory" : "durable",
    depth: count(edge.depth),
    inflight: count(edge.inflight),
    bytes: count(edge.bytes),
    rateIn: count(edge.rateIn),
    rateOut: count(edge.rateOut),
    totalIn: count(edge.totalIn),
    totalOut: count(edge.totalOut),
    deadLetters: count(edge.deadLetters),
    paused: edge.paused === true,
    maxDepth: count(edge.maxDepth, BROKER.maxDepth),
    maxBytes: count(edge.maxBytes, BROKER.maxBytes),
  };
}
