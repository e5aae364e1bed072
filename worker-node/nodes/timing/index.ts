// Implementations of the timing group of built-in node types (shared/builtins/timing.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { batchNode } from "./batch.ts";
import { delayNode } from "./delay.ts";
import { rateLimitNode } from "./rateLimit.ts";

export const TIMING_IMPLS: readonly NodeImpl[] = [batchNode, delayNode, rateLimitNode];
