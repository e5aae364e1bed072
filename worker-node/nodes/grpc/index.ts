// Implementations of the grpc group of built-in node types (shared/builtins/grpc.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";

export const GRPC_IMPLS: readonly NodeImpl[] = [];
