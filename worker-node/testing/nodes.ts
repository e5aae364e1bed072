// Node implementations for tests: a `random` whose start always throws, to exercise crash reporting (SCHED-7).
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeImpl } from "../../shared/sdk.ts";

export function crashingRandom(message = "no entropy"): NodeImpl {
  return {
    def: builtinType("random"),
    create: () => ({
      start() {
        throw new Error(message);
      },
    }),
  };
}
