// Built-in node types: the io group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const IO_TYPES: readonly NodeTypeDef[] = [];
