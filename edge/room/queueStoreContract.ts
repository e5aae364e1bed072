// The QueueStore contract: one vitest suite every implementation must pass (MemoryQueueStore, SqlQueueStore).
import { describe, expect, it } from "vitest";
import type { ContractRunner } from "./leaderStoreContract.ts";
import type { NewDeadLetter, QueueStore, StoredBatch } from "./queueStore.ts";

/** Defines `describe("QueueStore contract: <name>")`; `make` must return a new, empty store on every call. */
export function queueStoreContract(name: string, make: () => QueueStore, run: ContractRunner = (body) => body()): void {
  const test = (title: string, body: (store: QueueStore) => void) => it(title, () => run(() => body(make())));

  describe(`QueueStore contract: ${name}`, () => {
    test("room starts count up from 1", (store) => {
      expect([store.nextStart(), store.nextStart()]).toEqual([1, 2]);
    });

    test("batches round-trip their edges and message texts, in b order; one batch reads back alone", (store) => {
      const texts = ['{"id":"m1","value":"é☃𝄞\\n","ts":1}', '{"id":"m2","value":{"a":[1,null]},"ts":2}'];
      store.insertBatch(batch(7, ["e2", "e1"], texts));
      store.insertBatch(batch(3, ["e1"], ['{"id":"x","value":0,"ts":0}']));
      expect(store.batches()).toEqual([
        batch(3, ["e1"], ['{"id":"x","value":0,"ts":0}']),
        batch(7, ["e2", "e1"], texts),
      ]);
      expect(store.batchMessages(7)).toEqual(texts);
      expect(store.batchMessages(99)).toBeUndefined();
    });

    test("a batch of 1,000 messages of 1 KiB is one row and reads back whole", (store) => {
      const texts = Array.from({ length: 1000 }, (_, i) =>
        JSON.stringify({ id: `m${i}`, value: "v".repeat(1000), ts: i }),
      );
      store.insertBatch(batch(1, ["e"], texts));
      expect(store.batchMessages(1)).toEqual(texts);
    });

    test("a b already stored is refused and the first batch is kept", (store) => {
      store.insertBatch(batch(1, ["e"], ["{}"]));
      expect(() => store.insertBatch(batch(1, ["f"], ['{"id":"y"}']))).toThrow();
      expect(store.batches()).toEqual([batch(1, ["e"], ["{}"])]);
    });

    test("deleteBatches removes the listed batches (one or many), and their attempt rows when asked", (store) => {
      for (const b of [1, 2, 3, 4]) store.insertBatch(batch(b, ["e"], [`{"id":"m${b}"}`]));
      store.putAttempt({ edge: "e", b: 2, i: 0, attempts: 2, error: "boom" });
      store.putAttempt({ edge: "e", b: 4, i: 0, attempts: 1, error: "x" });
      store.deleteBatches([1], false);
      store.deleteBatches([2, 3, 99], true);
      store.deleteBatches([], true);
      expect(store.batches().map((b) => b.b)).toEqual([4]);
      expect(store.attempts()).toEqual([{ edge: "e", b: 4, i: 0, attempts: 1, error: "x" }]);
    });

    test("putAttempt replaces the row of one message on one edge", (store) => {
      store.putAttempt({ edge: "e", b: 1, i: 0, attempts: 1, error: "a" });
      store.putAttempt({ edge: "e", b: 1, i: 0, attempts: 2, error: "b" });
      store.putAttempt({ edge: "f", b: 1, i: 0, attempts: 1, error: "c" });
      const rows = store.attempts().sort((x, y) => (x.edge < y.edge ? -1 : 1));
      expect(rows).toEqual([
        { edge: "e", b: 1, i: 0, attempts: 2, error: "b" },
        { edge: "f", b: 1, i: 0, attempts: 1, error: "c" },
      ]);
    });

    test("dead letters: added in order with increasing ids, counted and listed per edge, paged by id", (store) => {
      store.addDeadLetters([dead("e1", "a"), dead("e2", "b"), dead("e1", "c")]);
      store.addDeadLetters([]);
      expect([...store.deadLetterCounts()].sort()).toEqual([
        ["e1", 2],
        ["e2", 1],
      ]);
      const all = store.deadLetters(undefined, 0, 10);
      expect(all.map((r) => [r.edge, r.msg])).toEqual([
        ["e1", "a"],
        ["e2", "b"],
        ["e1", "c"],
      ]);
      expect(all.map((r) => r.id)).toEqual([...all.map((r) => r.id)].sort((x, y) => x - y));
      expect(all[0]).toEqual({ id: all[0]!.id, ...dead("e1", "a") });
      const e1 = store.deadLetters("e1", 0, 1);
      expect(e1.map((r) => r.msg)).toEqual(["a"]);
      expect(store.deadLetters("e1", e1[0]!.id, 10).map((r) => r.msg)).toEqual(["c"]);
    });

    test("takeDeadLetters removes listed ids of one edge only, or the oldest of the edge up to a limit", (store) => {
      store.addDeadLetters([dead("e1", "a"), dead("e2", "b"), dead("e1", "c"), dead("e1", "d")]);
      const [a, b] = store.deadLetters(undefined, 0, 2);
      expect(store.takeDeadLetters("e1", [a!.id, b!.id, 999], 10).map((r) => r.msg)).toEqual(["a"]);
      expect(store.takeDeadLetters("e1", "all", 1).map((r) => r.msg)).toEqual(["c"]);
      expect(store.deadLetters(undefined, 0, 10).map((r) => r.msg)).toEqual(["b", "d"]);
      expect([...store.deadLetterCounts()].sort()).toEqual([
        ["e1", 1],
        ["e2", 1],
      ]);
    });

    test("clear forgets batches, attempts and dead letters", (store) => {
      store.insertBatch(batch(1, ["e"], ["{}"]));
      store.putAttempt({ edge: "e", b: 1, i: 0, attempts: 1, error: "x" });
      store.addDeadLetters([dead("e", "a")]);
      store.clear();
      expect([store.batches(), store.attempts(), store.deadLetters(undefined, 0, 10)]).toEqual([[], [], []]);
      expect(store.deadLetterCounts().size).toBe(0);
    });

    test("a transaction that throws part-way leaves every table as it was", (store) => {
      store.insertBatch(batch(1, ["e"], ["{}"]));
      expect(() =>
        store.transaction(() => {
          store.addDeadLetters([dead("e", "moved")]);
          store.deleteBatches([1], true);
          throw new Error("injected");
        }),
      ).toThrow("injected");
      expect(store.batches().map((b) => b.b)).toEqual([1]);
      expect(store.deadLetters(undefined, 0, 10)).toEqual([]);
      expect(store.transaction(() => store.batches().length)).toBe(1);
    });
  });
}

function batch(b: number, edges: string[], messages: string[]): StoredBatch {
  return { b, edges, messages };
}

function dead(edge: string, msg: string): NewDeadLetter {
  return { edge, msg, attempts: 5, error: `failed: ${msg}`, at: 1000 };
}
