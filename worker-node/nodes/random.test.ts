// Tests for the random node: its range with a seeded generator, and that it emits on a timer until stopped.
import { afterEach, describe, expect, it, vi } from "vitest";
import type { JsonValue } from "../../shared/graph.ts";
import { BUILTIN_NODE_TYPES, findNodeType } from "../../shared/nodeTypes.ts";
import { silentLogger } from "../log.ts";
import { seededRandom } from "../testing/waitFor.ts";
import { BUILTIN_IMPLS } from "./index.ts";
import { createRandomNode, randomInt } from "./random.ts";

describe("randomInt", () => {
  it("maps the ends of [0, 1) to 0 and 999", () => {
    expect(randomInt(() => 0)).toBe(0);
    expect(randomInt(() => 0.9999999999)).toBe(999);
  });

  it("stays in 0..999 and covers the range (seeded)", () => {
    const random = seededRandom(42);
    const seen = new Set<number>();
    for (let i = 0; i < 20_000; i++) {
      const n = randomInt(random);
      expect(Number.isInteger(n) && n >= 0 && n <= 999, `seed 42, draw ${i}: ${n}`).toBe(true);
      seen.add(n);
    }
    expect(seen.size).toBe(1000);
  });
});

describe("random node", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("emits an integer on out every intervalMs and nothing after stop()", async () => {
    vi.useFakeTimers();
    const emitted: Array<[string, JsonValue]> = [];
    const process = createRandomNode(seededRandom(7)).create();
    await process.start({
      graphId: "g",
      nodeId: "r",
      params: { intervalMs: 10 },
      log: silentLogger(),
      signal: new AbortController().signal,
      emit: (port, value) => emitted.push([port, value]) > 0,
      credit: () => true,
      waitForCredit: async () => {},
    });
    vi.advanceTimersByTime(55);
    expect(emitted).toHaveLength(5);
    for (const [port, value] of emitted) {
      expect(port).toBe("out");
      expect(typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= 999).toBe(true);
    }
    await process.stop?.();
    vi.advanceTimersByTime(1000);
    expect(emitted).toHaveLength(5);
  });
});

describe("built-in implementations", () => {
  it("match the shared node-type definitions", () => {
    for (const impl of BUILTIN_IMPLS) expect(findNodeType(impl.def.type), impl.def.type).toBe(impl.def);
    // Every built-in type a worker runs has an implementation here (hub types run on the hub).
    const implemented = new Set(BUILTIN_IMPLS.map((impl) => impl.def.type));
    const missing = BUILTIN_NODE_TYPES.filter((def) => def.runsOn !== "hub" && !implemented.has(def.type));
    expect(missing.map((def) => def.type)).toEqual([]);
  });
});
