// Node implementations for tests: a `random` whose start always throws, to exercise crash reporting (SCHED-7).
import type { NodeImpl } from "../nodes/types.ts";

export function crashingRandom(message = "no entropy"): NodeImpl {
  return {
    type: "random",
    version: "1.0.0",
    create: () => ({
      start() {
        throw new Error(message);
      },
    }),
  };
}
