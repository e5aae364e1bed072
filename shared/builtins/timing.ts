// Built-in node types: the timing group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const TIMING_TYPES: readonly NodeTypeDef[] = [];
