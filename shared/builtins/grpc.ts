// Built-in node types: the grpc group (see docs/nodes.md).
import type { NodeTypeDef } from "../nodeTypes.ts";

export const GRPC_TYPES: readonly NodeTypeDef[] = [];
