// Runtime status pushed by the room (EDITOR-1), kept in stores keyed by node id and edge id for fine-grained reads.
import { createStore, reconcile } from "solid-js/store";
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
  return {
    state,
    apply(status) {
      const processes: Record<string, ProcessStatus> = {};
      for (const process of status.processes) processes[process.nodeId] = process;
      const edges: Record<string, EdgeStatus> = {};
      // The HTTP status (not checked like a push) of a hub from before the broker has no `edges`.
      for (const edge of status.edges ?? []) if (typeof edge?.id === "string") edges[edge.id] = edgeEntry(edge);
      const rates = meter.update(status.processes, Date.now());
      clearTimeout(stale);
      if (Object.keys(rates).length > 0) stale = setTimeout(() => setState("rates", reconcile({})), RATE_FRESH_MS);
      const next = { received: true, running: status.running, workers: status.workers, processes, edges, rates };
      // The first status is set as is: diffing it against the empty store would only cost time.
      setState(state.received ? reconcile(next, { key: "id" }) : next);
    },
  };
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
