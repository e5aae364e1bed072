// Test helper: a NodeContext that records emits and whose credit a test turns on and off.
import type { JsonValue } from "../../shared/graph.ts";
import type { ParamValue } from "../../shared/nodeTypes.ts";
import { silentLogger } from "../log.ts";
import type { NodeContext } from "../nodes/types.ts";

export interface TestContext extends NodeContext {
  readonly emitted: Array<[string, JsonValue]>;
  /** Credit for every port; switching it on wakes waitForCredit. */
  setCredit(on: boolean): void;
  abort(): void;
}

export function testContext(params: Record<string, ParamValue>, opts: { credit?: boolean } = {}): TestContext {
  const emitted: Array<[string, JsonValue]> = [];
  const controller = new AbortController();
  let credit = opts.credit ?? true;
  let waiters: Array<() => void> = [];
  return {
    graphId: "g",
    nodeId: "n",
    params,
    log: silentLogger(),
    signal: controller.signal,
    emitted,
    emit: (port, value) => emitted.push([port, value]) > 0,
    credit: () => credit,
    waitForCredit: () => (credit ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    setCredit(on) {
      credit = on;
      if (!on) return;
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
    abort() {
      controller.abort();
      this.setCredit(true);
    },
  };
}
