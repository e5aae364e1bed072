// Test helper: polls a condition until it holds or a deadline passes (tests wait for conditions, never sleep).
import { prng } from "../../shared/testing/seeds.ts";

export async function waitFor<T>(
  check: () => T | undefined | false | null,
  what: string,
  timeoutMs = 5000,
  intervalMs = 5,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false && value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A seeded PRNG (mulberry32) so randomized tests replay; print the seed on failure. */
export const seededRandom = prng;
