// The LeaderStore contract: one vitest suite every implementation must pass (MemoryLeaderStore, SqlLeaderStore).
import { describe, expect, it } from "vitest";
import type { NodeTypeDef } from "../../shared/nodeTypes.ts";
import type { ProcessReport } from "../../shared/protocol.ts";
import type { Crash, LeaderStore, NodeRun, WorkerRecord } from "./leaderStore.ts";

/**
 * Runs one test body. The default calls it directly; a runner for Durable Object SQLite can wrap it in the
 * object's context (e.g. vitest-pool-workers' `runInDurableObject`) so `make` can use `ctx.storage.sql`.
 */
export type ContractRunner = (body: () => void) => void | Promise<void>;

/** Defines `describe("LeaderStore contract: <name>")`; `make` must return a new, empty store on every call. */
export function leaderStoreContract(
  name: string,
  make: () => LeaderStore,
  run: ContractRunner = (body) => body(),
): void {
  const test = (title: string, body: (store: LeaderStore) => void) => it(title, () => run(() => body(make())));

  describe(`LeaderStore contract: ${name}`, () => {
    describe("epochs", () => {
      test("count up from 1 and never repeat", (store) => {
        expect([store.nextEpoch(), store.nextEpoch(), store.nextEpoch()]).toEqual([1, 2, 3]);
      });
    });

    describe("workers", () => {
      test("put, list by id, replace and remove", (store) => {
        expect(store.workers()).toEqual([]);
        store.putWorker(worker("w2"));
        store.putWorker(worker("w1", { labels: ["gpu"], draining: true }));
        expect(store.workers()).toEqual([worker("w1", { labels: ["gpu"], draining: true }), worker("w2")]);
        store.putWorker(worker("w2", { link: { kind: "awaited", since: 9 }, capacity: 8 }));
        expect(store.workers().map((w) => [w.id, w.link, w.capacity])).toEqual([
          ["w1", { kind: "connected", connId: "c-w1" }, 4],
          ["w2", { kind: "awaited", since: 9 }, 8],
        ]);
        store.removeWorker("w1");
        store.removeWorker("nobody");
        expect(store.workers().map((w) => w.id)).toEqual(["w2"]);
      });

      test("touch updates lastSeen, load and ownLoad only, and ignores unknown ids", (store) => {
        store.putWorker(worker("w1"));
        store.touchWorker("w1", 5000, 7, 3);
        store.touchWorker("ghost", 1, 1, 1);
        expect(store.workers()).toEqual([worker("w1", { lastSeen: 5000, load: 7, ownLoad: 3 })]);
      });

      test("records are copies: changing one after put or get does not change the store", (store) => {
        const w = worker("w1");
        store.putWorker(w);
        w.capacity = 99;
        w.labels.push("x");
        const listed = store.workers()[0]!;
        listed.load = 42;
        expect(store.workers()).toEqual([worker("w1")]);
      });
    });

    describe("node runs", () => {
      test("one record per node: put, list by node id, replace (assigned → stopping) and remove", (store) => {
        store.putRun(nodeRun("b", "w1", 1));
        store.putRun(nodeRun("a", "w2", 2));
        expect(store.runs()).toEqual([nodeRun("a", "w2", 2), nodeRun("b", "w1", 1)]);
        const stopping: NodeRun = { ...nodeRun("b", "w1", 1), kind: "stopping", since: 500 };
        store.putRun(stopping);
        expect(store.runs()).toEqual([nodeRun("a", "w2", 2), stopping]);
        store.removeRun("a");
        store.removeRun("zzz");
        expect(store.runs()).toEqual([stopping]);
      });
    });

    describe("known node types", () => {
      test("put, list by type, replace", (store) => {
        expect(store.knownTypes()).toEqual([]);
        store.putKnownType(typeDef("b", "1.0.0"));
        store.putKnownType(typeDef("a", "1.0.0"));
        store.putKnownType(typeDef("b", "2.0.0"));
        expect(store.knownTypes().map((d) => `${d.type}@${d.version}`)).toEqual(["a@1.0.0", "b@2.0.0"]);
        expect(store.knownTypes()[0]).toEqual(typeDef("a", "1.0.0"));
        store.removeKnownType("a");
        store.removeKnownType("nothing");
        expect(store.knownTypes().map((d) => d.type)).toEqual(["b"]);
      });
    });

    describe("transactions", () => {
      test("writes inside land together; an exception part-way leaves everything as it was", (store) => {
        store.putRun(nodeRun("a", "w1", store.nextEpoch()));
        expect(() =>
          store.transaction(() => {
            store.putRun(nodeRun("b", "w1", store.nextEpoch()));
            store.removeRun("a");
            throw new Error("injected");
          }),
        ).toThrow("injected");
        expect(store.runs()).toEqual([nodeRun("a", "w1", 1)]);
        // The epoch counter rolled back too, so epochs still never repeat and never skip.
        expect(store.nextEpoch()).toBe(2);
        expect(store.transaction(() => store.nextEpoch())).toBe(3);
      });
    });

    describe("crashes", () => {
      test("put, list by node id, replace and remove", (store) => {
        const c = (nodeId: string, count: number): Crash => ({
          nodeId,
          count,
          nextAt: 1000 * count,
          lastError: `boom ${count}`,
          paramsJson: '{"intervalMs":5}',
          restartedAt: 0,
        });
        store.putCrash(c("n2", 1));
        store.putCrash(c("n1", 1));
        store.putCrash(c("n2", 2));
        expect(store.crashes()).toEqual([c("n1", 1), c("n2", 2)]);
        store.removeCrash("n2");
        expect(store.crashes()).toEqual([c("n1", 1)]);
      });
    });

    describe("reports", () => {
      test("are keyed by node id: a newer report replaces the older, even within one batch", (store) => {
        store.putReports([]);
        expect(store.reports()).toEqual([]);
        store.putReports([report("n1", 1, { in: 1 }), report("n2", 2)]);
        store.putReports([report("n1", 3, { in: 5, recent: [1, "a", { k: null }] }), report("n3", 4, { in: 1 })]);
        store.putReports([report("n3", 4, { in: 2 }), report("n3", 4, { in: 3, lastError: "late" })]);
        expect(byNode(store.reports())).toEqual([
          report("n1", 3, { in: 5, recent: [1, "a", { k: null }] }),
          report("n2", 2),
          report("n3", 4, { in: 3, lastError: "late" }),
        ]);
        store.removeReport("n2");
        store.removeReport("none");
        expect(byNode(store.reports()).map((r) => r.nodeId)).toEqual(["n1", "n3"]);
      });
    });
  });
}

function worker(id: string, over: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id,
    link: { kind: "connected", connId: `c-${id}` },
    name: `worker ${id}`,
    version: "0.1.0",
    labels: [],
    capacity: 4,
    load: 0,
    ownLoad: 0,
    nodeTypes: ["random", "log"],
    lastSeen: 1000,
    ...over,
  };
}

function typeDef(type: string, version: string): NodeTypeDef {
  return {
    type,
    version,
    title: type,
    category: "plugin",
    description: `the ${type} plugin`,
    inputs: ["in"],
    outputs: ["out", "error"],
    params: { n: { type: "integer", title: "N", default: 1, min: 0 } },
    labels: ["ml"],
  };
}

function nodeRun(nodeId: string, workerId: string, epoch: number): NodeRun {
  return {
    kind: "assigned",
    nodeId,
    workerId,
    epoch,
    type: "random",
    paramsJson: '{"intervalMs":1000}',
    inputs: [],
    outputs: ["out"],
  };
}

function report(nodeId: string, epoch: number, over: Partial<ProcessReport> = {}): ProcessReport {
  return { nodeId, epoch, state: "running", in: 0, out: 0, errors: 0, lastError: null, ...over };
}

function byNode(reports: ProcessReport[]): ProcessReport[] {
  return [...reports].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}
