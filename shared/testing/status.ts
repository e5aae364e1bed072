// Status entries for tests: an edge's channel with every counter at zero and the broker's limits, then `fields`.
import { BROKER } from "../limits.ts";
import type { EdgeStatus } from "../status.ts";

export function edgeStatus(id: string, fields: Partial<EdgeStatus> = {}): EdgeStatus {
  return {
    id,
    from: "random",
    fromPort: "out",
    to: "log",
    toPort: "in",
    mode: "durable",
    depth: 0,
    inflight: 0,
    bytes: 0,
    rateIn: 0,
    rateOut: 0,
    totalIn: 0,
    totalOut: 0,
    deadLetters: 0,
    paused: false,
    maxDepth: BROKER.maxDepth,
    maxBytes: BROKER.maxBytes,
    ...fields,
  };
}
