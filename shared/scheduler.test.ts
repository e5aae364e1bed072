import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type PlacementProcess, type PlacementWorker, place, rebalance } from "./scheduler.ts";

const SEED = Number(process.env.WEFT_SEED ?? 20261129);
const TYPES = ["random", "factorize", "log", "ml"];
const LABELS = ["ml", "gpu", "edge"];

const workerArb = fc.record({
  id: fc.stringMatching(/^w[0-9]{1,2}$/),
  labels: fc.subarray(LABELS),
  capacity: fc.integer({ min: 1, max: 6 }),
  otherLoad: fc.integer({ min: 0, max: 4 }),
  nodeTypes: fc.subarray(TYPES, { minLength: 1 }),
});
const processArb = fc.record({
  nodeId: fc.stringMatching(/^n[0-9]{1,3}$/),
  type: fc.constantFrom(...TYPES),
  labels: fc.subarray(LABELS, { maxLength: 1 }),
});
const scenario = fc
  .record({
    workers: fc.uniqueArray(workerArb, { selector: (w) => w.id, maxLength: 6 }),
    desired: fc.uniqueArray(processArb, { selector: (p) => p.nodeId, maxLength: 30 }),
  })
  .chain((s) =>
    fc
      .array(
        fc.tuple(
          fc.constantFrom(...s.desired.map((p) => p.nodeId), "gone"),
          fc.constantFrom(...s.workers.map((w) => w.id), "dead"),
        ),
        { maxLength: 10 },
      )
      .map((pairs) => ({ ...s, current: new Map(pairs) })),
  );

const canRun = (w: PlacementWorker, p: PlacementProcess) =>
  w.nodeTypes.includes(p.type) && p.labels.every((l) => w.labels.includes(l));

describe(`place (seed ${SEED}; replay with WEFT_SEED=${SEED})`, () => {
  it("places every process at most once, only on eligible workers, within capacity", () => {
    fc.assert(
      fc.property(scenario, ({ workers, desired, current }) => {
        const { placed, pending } = place(desired, workers, current);
        for (const p of desired) expect(placed.has(p.nodeId) !== pending.has(p.nodeId)).toBe(true);
        const load = new Map(workers.map((w) => [w.id, w.otherLoad]));
        for (const [nodeId, workerId] of placed) {
          const w = workers.find((x) => x.id === workerId)!;
          expect(canRun(w, desired.find((p) => p.nodeId === nodeId)!)).toBe(true);
          load.set(workerId, load.get(workerId)! + 1);
        }
        // New placements never push a worker past capacity (kept ones may already be over).
        for (const w of workers) {
          const kept = [...current].filter(([n, id]) => id === w.id && placed.get(n) === w.id).length;
          if (load.get(w.id)! > w.capacity) expect(load.get(w.id)! - kept).toBeLessThanOrEqual(w.otherLoad);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("a pending process has no eligible worker with room", () => {
    fc.assert(
      fc.property(scenario, ({ workers, desired, current }) => {
        const { placed, pending } = place(desired, workers, current);
        const load = new Map(workers.map((w) => [w.id, w.otherLoad]));
        for (const workerId of placed.values()) load.set(workerId, load.get(workerId)! + 1);
        for (const nodeId of pending.keys()) {
          const p = desired.find((x) => x.nodeId === nodeId)!;
          for (const w of workers) if (canRun(w, p)) expect(load.get(w.id)!).toBeGreaterThanOrEqual(w.capacity);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("keeps valid current placements (no needless moves)", () => {
    fc.assert(
      fc.property(scenario, ({ workers, desired, current }) => {
        const { placed } = place(desired, workers, current);
        for (const [nodeId, workerId] of current) {
          const p = desired.find((x) => x.nodeId === nodeId);
          const w = workers.find((x) => x.id === workerId);
          if (p && w && canRun(w, p)) expect(placed.get(nodeId)).toBe(workerId);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("explains why a process is pending", () => {
    const p = { nodeId: "n", type: "ml", labels: ["ml"] };
    expect(place([p], [], new Map()).pending.get("n")).toMatch(/no live worker is connected/);
    const w = { id: "w", labels: [], capacity: 1, otherLoad: 0, nodeTypes: ["ml"] };
    expect(place([p], [w], new Map()).pending.get("n")).toBe("no live worker has label ml");
    expect(place([p], [{ ...w, nodeTypes: ["log"] }], new Map()).pending.get("n")).toBe(
      'no live worker can run node type "ml"',
    );
    expect(place([p], [{ ...w, labels: ["ml"], otherLoad: 1 }], new Map()).pending.get("n")).toMatch(/at capacity/);
  });

  it("picks the least loaded worker", () => {
    const a = { id: "a", labels: [], capacity: 9, otherLoad: 3, nodeTypes: ["log"] };
    const b = { ...a, id: "b", otherLoad: 1 };
    const { placed } = place([{ nodeId: "x", type: "log", labels: [] }], [a, b], new Map());
    expect(placed.get("x")).toBe("b");
  });
});

describe(`rebalance (seed ${SEED})`, () => {
  it("moves at most maxMoves, only to eligible workers with room, each move narrowing a gap of more than one", () => {
    fc.assert(
      fc.property(scenario, fc.integer({ min: 0, max: 4 }), ({ workers, desired, current }, maxMoves) => {
        const { placed } = place(desired, workers, current);
        const moves = rebalance(desired, workers, placed, maxMoves);
        expect(moves.length).toBeLessThanOrEqual(maxMoves);
        const load = new Map(workers.map((w) => [w.id, w.otherLoad]));
        for (const workerId of placed.values()) load.set(workerId, load.get(workerId)! + 1);
        const holder = new Map(placed);
        for (const move of moves) {
          expect(holder.get(move.nodeId)).toBe(move.from);
          const to = workers.find((w) => w.id === move.to)!;
          expect(canRun(to, desired.find((p) => p.nodeId === move.nodeId)!)).toBe(true);
          expect(load.get(move.from)! - load.get(move.to)!).toBeGreaterThan(1);
          expect(load.get(move.to)!).toBeLessThan(to.capacity);
          holder.set(move.nodeId, move.to);
          load.set(move.from, load.get(move.from)! - 1);
          load.set(move.to, load.get(move.to)! + 1);
        }
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("evens out an uneven fleet one bounded step at a time and is off with maxMoves 0", () => {
    const a = { id: "a", labels: [], capacity: 10, otherLoad: 0, nodeTypes: ["log"] };
    const b = { ...a, id: "b" };
    const desired = ["n1", "n2", "n3", "n4"].map((nodeId) => ({ nodeId, type: "log", labels: [] }));
    const placed = new Map(desired.map((p) => [p.nodeId, "a"]));
    expect(rebalance(desired, [a, b], placed, 0)).toEqual([]);
    expect(rebalance(desired, [a, b], placed, 1)).toEqual([{ nodeId: "n1", from: "a", to: "b" }]);
    expect(rebalance(desired, [a, b], placed, 5)).toHaveLength(2);
  });
});
