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
