// Built-in node types: the transform group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const TRANSFORM_TYPES: readonly NodeTypeDef[] = [];
