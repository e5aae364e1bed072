// The RoomStore contract: one vitest suite every implementation must pass (MemoryRoomStore, SqlRoomStore).
import { describe, expect, it } from "vitest";
import type { Message, ProcessReport } from "../../shared/protocol.ts";
import type { Assignment, Channel, Crash, RoomStore, Stopping, WorkerRecord } from "./store.ts";

/**
 * Runs one test body. The default calls it directly; a runner for Durable Object SQLite can wrap it in the
 * object's context (e.g. vitest-pool-workers' `runInDurableObject`) so `make` can use `ctx.storage.sql`.
 */
export type ContractRunner = (body: () => void) => void | Promise<void>;

/** Defines `describe("RoomStore contract: <name>")`; `make` must return a new, empty store on every call. */
export function storeContract(name: string, make: () => RoomStore, run: ContractRunner = (body) => body()): void {
  const test = (title: string, body: (store: RoomStore) => void) => it(title, () => run(() => body(make())));

  describe(`RoomStore contract: ${name}`, () => {
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
        store.putWorker(worker("w2", { connId: "c9", capacity: 8 }));
        expect(store.workers().map((w) => [w.id, w.connId, w.capacity])).toEqual([
          ["w1", "c-w1", 4],
          ["w2", "c9", 8],
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

    describe("assignments", () => {
      test("put, list by node id, replace and remove", (store) => {
        store.putAssignment(assignment("b", "w1", 1));
        store.putAssignment(assignment("a", "w2", 2));
        expect(store.assignments()).toEqual([assignment("a", "w2", 2), assignment("b", "w1", 1)]);
        store.putAssignment(assignment("b", "w2", 3));
        expect(store.assignments()).toEqual([assignment("a", "w2", 2), assignment("b", "w2", 3)]);
        store.removeAssignment("a");
        store.removeAssignment("zzz");
        expect(store.assignments()).toEqual([assignment("b", "w2", 3)]);
      });
    });

    describe("stopping", () => {
      test("put, list by node id, replace and remove", (store) => {
        const s = (nodeId: string, epoch: number): Stopping => ({ nodeId, workerId: "w1", epoch, since: 100 * epoch });
        store.putStopping(s("n2", 1));
        store.putStopping(s("n1", 2));
        store.putStopping(s("n2", 3));
        expect(store.stopping()).toEqual([s("n1", 2), s("n2", 3)]);
        store.removeStopping("n1");
        expect(store.stopping()).toEqual([s("n2", 3)]);
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

    describe("queue", () => {
      const A: Channel = { nodeId: "a", port: "in" };
      const B: Channel = { nodeId: "b", port: "in" };
      const A2: Channel = { nodeId: "a", port: "other" };

      test("enqueue copies each message to each channel, channel by channel, with increasing delivery ids", (store) => {
        store.enqueue([A, B], [msg("m1"), msg("m2")]);
        store.enqueue([B], [msg("m3")]);
        const a = store.takeForDelivery(A, 10, 1e9);
        const b = store.takeForDelivery(B, 10, 1e9);
        expect(a.map((m) => m.id)).toEqual(["m1", "m2"]);
        expect(b.map((m) => m.id)).toEqual(["m1", "m2", "m3"]);
        // Channel-major order: every copy for A is numbered before any copy for B.
        const ds = [...a, ...b].map((m) => m.d);
        expect(ds).toEqual([...ds].sort((x, y) => x - y));
        expect(new Set(ds).size).toBe(5);
        expect(Math.max(...a.map((m) => m.d))).toBeLessThan(Math.min(...b.map((m) => m.d)));
      });

      test("enqueue with no channels or no messages stores nothing", (store) => {
        store.enqueue([], [msg("m1")]);
        store.enqueue([A], []);
        expect(store.depth(A)).toBe(0);
        expect(store.readyChannels("a")).toEqual([]);
      });

      test("deliveries round-trip every message field and add d", (store) => {
        const full: Message = {
          id: "m1",
          key: "k",
          value: { n: 42, s: "é☃𝄞", a: [1, null] },
          headers: { h: "v" },
          ts: 7,
        };
        store.enqueue([A], [full, msg("m2")]);
        const [first, second] = store.takeForDelivery(A, 10, 1e9);
        expect(first).toEqual({ ...full, d: first!.d });
        expect(second).toEqual({ ...msg("m2"), d: second!.d });
      });

      test("delivery ids are never reused after acks", (store) => {
        store.enqueue([A], [msg("m1"), msg("m2")]);
        const ds = store.takeForDelivery(A, 10, 1e9).map((m) => m.d);
        expect(store.ack("a", ds)).toBe(2);
        store.enqueue([A], [msg("m3")]);
        const [next] = store.takeForDelivery(A, 10, 1e9);
        expect(next!.d).toBeGreaterThan(Math.max(...ds));
      });

      test("depth counts queued and in-flight messages; inflight counts taken ones; per channel", (store) => {
        store.enqueue([A, B], [msg("m1"), msg("m2"), msg("m3")]);
        store.enqueue([A2], [msg("x")]);
        expect([store.depth(A), store.inflight(A)]).toEqual([3, 0]);
        store.takeForDelivery(A, 2, 1e9);
        expect([store.depth(A), store.inflight(A)]).toEqual([3, 2]);
        expect([store.depth(B), store.inflight(B)]).toEqual([3, 0]);
        expect([store.depth(A2), store.inflight(A2)]).toEqual([1, 0]);
        expect(store.depth({ nodeId: "zz", port: "in" })).toBe(0);
      });

      test("takeForDelivery takes in order up to the limit, then continues after what is in flight", (store) => {
        store.enqueue(
          [A],
          ["m1", "m2", "m3", "m4", "m5"].map((id) => msg(id)),
        );
        expect(store.takeForDelivery(A, 2, 1e9).map((m) => m.id)).toEqual(["m1", "m2"]);
        expect(store.takeForDelivery(A, 2, 1e9).map((m) => m.id)).toEqual(["m3", "m4"]);
        expect(store.takeForDelivery(A, 0, 1e9)).toEqual([]);
        expect(store.takeForDelivery(A, -1, 1e9)).toEqual([]);
        expect(store.takeForDelivery(A, 2, 1e9).map((m) => m.id)).toEqual(["m5"]);
        expect(store.takeForDelivery(A, 2, 1e9)).toEqual([]);
        expect(store.inflight(A)).toBe(5);
      });

      test("takeForDelivery keeps to the byte budget: UTF-8 bytes of each stored JSON + 16, at least one", (store) => {
        const messages = [msg("m1", "x".repeat(100)), msg("m2", "é".repeat(50)), msg("m3", "y"), msg("m4", "z")];
        store.enqueue([A], messages);
        const cost = messages.map((m) => new TextEncoder().encode(JSON.stringify(m)).byteLength + 16);
        // "é" is two bytes: m2 costs as much as m1 although its string is half as long.
        expect(cost[1]).toBe(cost[0]);
        // Exactly m1 + m2 fits; one byte less leaves m2 out.
        expect(store.takeForDelivery(A, 10, cost[0]! + cost[1]! - 1).map((m) => m.id)).toEqual(["m1"]);
        store.requeue("a");
        expect(store.takeForDelivery(A, 10, cost[0]! + cost[1]!).map((m) => m.id)).toEqual(["m1", "m2"]);
        // A budget smaller than the first message still takes that one, and only that one.
        expect(store.takeForDelivery(A, 10, 1).map((m) => m.id)).toEqual(["m3"]);
        expect(store.takeForDelivery(A, 10, 0).map((m) => m.id)).toEqual(["m4"]);
      });

      test("a large message after small ones waits for the next take", (store) => {
        const big = msg("big", "b".repeat(1000));
        store.enqueue([A], [msg("s1"), msg("s2"), big, msg("s3")]);
        expect(store.takeForDelivery(A, 10, 500).map((m) => m.id)).toEqual(["s1", "s2"]);
        expect(store.takeForDelivery(A, 10, 500).map((m) => m.id)).toEqual(["big"]);
        expect(store.takeForDelivery(A, 10, 500).map((m) => m.id)).toEqual(["s3"]);
      });

      test("ack deletes the node's listed deliveries, in flight or not, and counts them", (store) => {
        store.enqueue([A, B], [msg("m1"), msg("m2"), msg("m3")]);
        const a = store.takeForDelivery(A, 2, 1e9);
        const b = store.takeForDelivery(B, 1, 1e9);
        const readyA = store.takeForDelivery(A, 1, 1e9);
        store.requeue("a");
        // B's delivery id is not a's: it is left alone; unknown and repeated ids count once or not at all.
        expect(store.ack("a", [a[0]!.d, a[0]!.d, b[0]!.d, 999_999])).toBe(1);
        expect(store.depth(A)).toBe(2);
        expect(store.depth(B)).toBe(3);
        expect(store.ack("a", [readyA[0]!.d])).toBe(1);
        expect(store.takeForDelivery(A, 10, 1e9).map((m) => m.id)).toEqual(["m2"]);
        expect(store.ack("a", [a[0]!.d])).toBe(0);
      });

      test("requeue makes a node's in-flight deliveries ready again, in order, on all its channels only", (store) => {
        store.enqueue([A, A2, B], [msg("m1"), msg("m2")]);
        const first = store.takeForDelivery(A, 1, 1e9);
        store.takeForDelivery(A2, 2, 1e9);
        store.takeForDelivery(B, 2, 1e9);
        store.requeue("a");
        expect([store.inflight(A), store.inflight(A2), store.inflight(B)]).toEqual([0, 0, 2]);
        const again = store.takeForDelivery(A, 10, 1e9);
        expect(again.map((m) => m.id)).toEqual(["m1", "m2"]);
        expect(again[0]!.d).toBe(first[0]!.d);
        store.requeue("nobody");
        expect(store.inflight(B)).toBe(2);
      });

      test("readyChannels lists a node's channels holding ready messages", (store) => {
        expect(store.readyChannels("a")).toEqual([]);
        store.enqueue([A, A2, B], [msg("m1")]);
        expect(byPort(store.readyChannels("a"))).toEqual([A, A2]);
        store.takeForDelivery(A, 1, 1e9);
        expect(store.readyChannels("a")).toEqual([A2]);
        store.requeue("a");
        expect(byPort(store.readyChannels("a"))).toEqual([A, A2]);
        expect(store.readyChannels("b")).toEqual([B]);
      });

      test("purgeChannelsExcept drops every message of the other channels, in flight or not", (store) => {
        store.enqueue([A, A2, B], [msg("m1"), msg("m2")]);
        store.takeForDelivery(A2, 1, 1e9);
        store.purgeChannelsExcept([A, { nodeId: "b", port: "nope" }]);
        expect([store.depth(A), store.depth(A2), store.depth(B)]).toEqual([2, 0, 0]);
        store.purgeChannelsExcept([]);
        expect(store.depth(A)).toBe(0);
      });
    });
  });
}

function worker(id: string, over: Partial<WorkerRecord> = {}): WorkerRecord {
  return {
    id,
    connId: `c-${id}`,
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

function assignment(nodeId: string, workerId: string, epoch: number): Assignment {
  return { nodeId, workerId, epoch, type: "random", paramsJson: '{"intervalMs":1000}' };
}

function report(nodeId: string, epoch: number, over: Partial<ProcessReport> = {}): ProcessReport {
  return { nodeId, epoch, state: "running", in: 0, out: 0, errors: 0, lastError: null, ...over };
}

function msg(id: string, value: Message["value"] = id): Message {
  return { id, value, ts: 1 };
}

function byNode(reports: ProcessReport[]): ProcessReport[] {
  return [...reports].sort((a, b) => (a.nodeId < b.nodeId ? -1 : 1));
}

function byPort(channels: Channel[]): Channel[] {
  return [...channels].sort((a, b) => (a.port < b.port ? -1 : 1));
}
