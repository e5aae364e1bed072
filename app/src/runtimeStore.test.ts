// The runtime store: every status push (EDITOR-1) replaces the edges' queue figures (DELIVERY-9), keyed by edge id.
import { createEffect, createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { BROKER } from "../../shared/limits.ts";
import type { EdgeStatus, GraphStatus, ProcessStatus } from "../../shared/status.ts";
import { edgeStatus } from "../../shared/testing/status.ts";
import { createRuntimeStore, type RuntimeStore } from "./runtimeStore.ts";

const status = (edges: EdgeStatus[]): GraphStatus => ({ running: true, workers: [], processes: [], edges });

/** Runs `run` outside the store's root, as the app does: pushes arrive later, from socket events. */
function withStore(run: (store: RuntimeStore) => void): void {
  const { store, dispose } = createRoot((dispose) => ({ store: createRuntimeStore(), dispose }));
  try {
    run(store);
  } finally {
    dispose();
  }
}

describe("runtime store edges", () => {
  it("keeps every pushed edge by id, and drops an edge the next push leaves out", () => {
    withStore((store) => {
      expect(store.state.edges).toEqual({});
      store.apply(status([edgeStatus("e1", { depth: 30, paused: true }), edgeStatus("e2", { deadLetters: 2 })]));
      expect(store.state.received).toBe(true);
      expect(store.state.edges.e1).toMatchObject({ depth: 30, paused: true });
      expect(store.state.edges.e2?.deadLetters).toBe(2);
      store.apply(status([edgeStatus("e1", { depth: 12, paused: false })]));
      expect(store.state.edges.e1).toMatchObject({ depth: 12, paused: false });
      expect(store.state.edges.e2).toBeUndefined();
    });
  });

  it("a push that changes one edge touches only that edge's readers", () => {
    withStore((store) => {
      store.apply(status([edgeStatus("e1", { depth: 1 }), edgeStatus("e2", { depth: 1 })]));
      let e1Runs = 0;
      let e2Runs = 0;
      const dispose = createRoot((dispose) => {
        createEffect(() => {
          void store.state.edges.e1?.depth;
          e1Runs++;
        });
        createEffect(() => {
          void store.state.edges.e2?.depth;
          e2Runs++;
        });
        return dispose;
      });
      expect({ e1Runs, e2Runs }).toEqual({ e1Runs: 1, e2Runs: 1 });
      store.apply(status([edgeStatus("e1", { depth: 2 }), edgeStatus("e2", { depth: 1 })]));
      expect({ e1Runs, e2Runs }).toEqual({ e1Runs: 2, e2Runs: 1 });
      dispose();
    });
  });

  it("fills fields a hub left out: counters as 0, limits as the broker's defaults", () => {
    withStore((store) => {
      // statusPush.ts checks only id, depth, inflight, deadLetters and paused.
      const sparse = { id: "e1", depth: 3, inflight: 1, deadLetters: 0, paused: false } as EdgeStatus;
      store.apply(status([sparse]));
      expect(store.state.edges.e1).toMatchObject({
        depth: 3,
        inflight: 1,
        bytes: 0,
        rateIn: 0,
        rateOut: 0,
        mode: "durable",
        maxDepth: BROKER.maxDepth,
        maxBytes: BROKER.maxBytes,
      });
    });
  });

  it("takes the HTTP status of a hub without edges", () => {
    withStore((store) => {
      const old = { running: false, workers: [], processes: [] } as unknown as GraphStatus;
      store.apply(old);
      expect(store.state.edges).toEqual({});
      expect(store.state.received).toBe(true);
    });
  });

  it("a push that leaves a process as it was reruns none of its readers; a changed field or sample reruns them", () => {
    withStore((store) => {
      const process = (nodeId: string, fields: Partial<ProcessStatus> = {}): ProcessStatus => ({
        nodeId,
        type: "log",
        state: "running",
        workerId: "w1",
        in: 1,
        out: 1,
        errors: 0,
        lastError: null,
        recent: [{ n: 1 }],
        ...fields,
      });
      const push = (processes: ProcessStatus[]) => store.apply({ running: true, workers: [], processes, edges: [] });
      push([process("a"), process("b")]);
      const runs = { a: 0, b: 0 };
      const dispose = createRoot((dispose) => {
        createEffect(() => {
          void store.state.processes.a;
          runs.a++;
        });
        createEffect(() => {
          void store.state.processes.b;
          runs.b++;
        });
        return dispose;
      });
      push([process("a"), process("b")]);
      expect(runs).toEqual({ a: 1, b: 1 });
      push([process("a", { in: 2 }), process("b", { recent: [{ n: 2 }] })]);
      expect(runs).toEqual({ a: 2, b: 2 });
      expect(store.state.processes.a?.in).toBe(2);
      push([process("a", { in: 2 })]);
      expect(runs).toEqual({ a: 2, b: 3 });
      expect(store.state.processes.b).toBeUndefined();
      dispose();
    });
  });
});
