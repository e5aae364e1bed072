// Built-in node types: the processing group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const PROCESSING_TYPES: readonly NodeTypeDef[] = [];
