// Stands in for vitest inside workerd: collects describe/it, and `expect` is vitest's own (chai + jest matchers).
import { chai, JestAsymmetricMatchers, JestChaiExpect, JestExtend } from "@vitest/expect";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

export const expect = chai.expect;

interface Test {
  name: string;
  fn: () => unknown;
}
export const tests: Test[] = [];
const prefix: string[] = [];

export function describe(name: string, fn: () => void): void {
  prefix.push(name);
  fn();
  prefix.pop();
}

export function it(name: string, fn: () => unknown): void {
  tests.push({ name: [...prefix, name].join(" > "), fn });
}

/** Runs every collected test in order; a failure is kept as its message (cut to 2,000 characters), not thrown. */
export async function runTests(): Promise<Array<{ name: string; error?: string }>> {
  const results: Array<{ name: string; error?: string }> = [];
  for (const test of tests) {
    try {
      await test.fn();
      results.push({ name: test.name });
    } catch (error) {
      results.push({ name: test.name, error: String((error as Error).message ?? error).slice(0, 2000) });
    }
  }
  return results;
}
