// Built-in node types: the exec group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const EXEC_TYPES: readonly NodeTypeDef[] = [];
