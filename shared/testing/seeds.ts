// Seeds for property and fuzz tests: fixed regression seeds plus one fresh seed per run, printed so it replays.

/**
 * The seeds a fuzz test runs: `WEFT_SEED=<n>` replays exactly one; otherwise the fixed regression seeds
 * and one fresh seed, which is printed (a failure names its seed, so it can join the fixed ones).
 */
export function fuzzSeeds(regression: readonly number[]): number[] {
  const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
  const replay = env?.WEFT_SEED;
  if (replay !== undefined && replay !== "") return [Number(replay)];
  const fresh = (Date.now() ^ Math.floor(Math.random() * 0x7fffffff)) >>> 0;
  console.log(`fresh fuzz seed ${fresh} (replay with WEFT_SEED=${fresh})`);
  return [...regression, fresh];
}

/** mulberry32: a small seeded PRNG, so a failing run replays from its seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
