// Tests for the factorize node: a table of known factorizations, a seeded property check, and bad inputs.
import { describe, expect, it } from "vitest";
import { silentLogger } from "../log.ts";
import { seededRandom } from "../testing/waitFor.ts";
import { factorizeNode, primeFactors } from "./factorize.ts";

describe("primeFactors", () => {
  it.each([
    [0, []],
    [1, []],
    [2, [2]],
    [3, [3]],
    [4, [2, 2]],
    [12, [2, 2, 3]],
    [97, [97]],
    [360, [2, 2, 2, 3, 3, 5]],
    [999, [3, 3, 3, 37]],
    [1001, [7, 11, 13]],
    [2 ** 40, Array(40).fill(2)],
    [600851475143, [71, 839, 1471, 6857]],
    [9007199254740881, [9007199254740881]], // the largest prime below 2^53
    [Number.MAX_SAFE_INTEGER, [6361, 69431, 20394401]],
  ])("factors %d", (n, factors) => {
    expect(primeFactors(n)).toEqual(factors);
  });

  it("multiplies back to n with prime, ascending factors (seeded)", () => {
    const seed = 20260426;
    const random = seededRandom(seed);
    for (let i = 0; i < 500; i++) {
      const n = 2 + Math.floor(random() * 1e9);
      const factors = primeFactors(n);
      const context = `seed ${seed}, n ${n}`;
      expect(
        factors.reduce((a, b) => a * b, 1),
        context,
      ).toBe(n);
      expect(
        [...factors].sort((a, b) => a - b),
        context,
      ).toEqual(factors);
      for (const p of factors) expect(primeFactors(p), `${context}: ${p} is prime`).toEqual([p]);
    }
  });

  it.each([[-1], [2.5], [Number.NaN], [Number.POSITIVE_INFINITY], [2 ** 53], ["12"], [null], [[4]]])(
    "refuses %j",
    (value) => {
      expect(() => primeFactors(value)).toThrow(RangeError);
    },
  );
});

describe("factorize node", () => {
  it("emits { n, factors } for each input and throws on a bad one", async () => {
    const emitted: unknown[] = [];
    const process = factorizeNode.create();
    await process.start({
      graphId: "g",
      nodeId: "f",
      params: {},
      log: silentLogger(),
      signal: new AbortController().signal,
      emit: (port, value) => emitted.push([port, value]) > 0,
      credit: () => true,
      waitForCredit: async () => {},
    });
    const message = { id: "m1", value: 84, ts: 0 };
    await process.onMessage?.(message, "in");
    expect(emitted).toEqual([["out", { n: 84, factors: [2, 2, 3, 7] }]]);
    expect(() => process.onMessage?.({ ...message, value: -4 }, "in")).toThrow(/non-negative/);
    expect(emitted).toHaveLength(1);
  });
});
