// The `factorize` transform: emits { n, factors } with the prime factors of each input integer.
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeImpl } from "../../shared/sdk.ts";

/**
 * Prime factors of `n` with multiplicity, ascending, by trial division. 0 and 1 have none ([]).
 * Throws a RangeError for anything but a safe non-negative integer.
 */
export function primeFactors(n: unknown): number[] {
  if (typeof n !== "number" || !Number.isInteger(n)) {
    throw new RangeError(`factorize needs an integer, got ${describe(n)}`);
  }
  if (n < 0) throw new RangeError(`factorize needs a non-negative integer, got ${n}`);
  if (n > Number.MAX_SAFE_INTEGER) throw new RangeError(`factorize needs an integer up to 2^53-1, got ${n}`);
  const factors: number[] = [];
  let rest = n;
  for (const p of [2, 3]) {
    while (rest % p === 0 && rest >= p) {
      factors.push(p);
      rest /= p;
    }
  }
  // Candidates 6k±1 up to sqrt(rest).
  for (let d = 5; d * d <= rest; d += 6) {
    while (rest % d === 0) {
      factors.push(d);
      rest /= d;
    }
    while (rest % (d + 2) === 0) {
      factors.push(d + 2);
      rest /= d + 2;
    }
  }
  if (rest > 1) factors.push(rest);
  return factors;
}

function describe(value: unknown): string {
  if (typeof value === "number") return String(value);
  const json = JSON.stringify(value);
  return json === undefined ? typeof value : json.slice(0, 60);
}

export const factorizeNode: NodeImpl = {
  def: builtinType("factorize"),
  create() {
    let emit: ((port: string, value: { n: number; factors: number[] }) => boolean) | undefined;
    return {
      start(ctx) {
        emit = ctx.emit;
      },
      onMessage({ value }) {
        const factors = primeFactors(value);
        emit?.("out", { n: value as number, factors });
      },
    };
  },
};
