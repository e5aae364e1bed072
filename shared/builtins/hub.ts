// Built-in node types: the hub group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const HUB_TYPES: readonly NodeTypeDef[] = [];
