// Implementations of the timing group of built-in node types (shared/builtins/timing.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";

export const TIMING_IMPLS: readonly NodeImpl[] = [];
