// Implementations of the grpc group of built-in node types (shared/builtins/grpc.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { grpcNode } from "./grpc.ts";

export const GRPC_IMPLS: readonly NodeImpl[] = [grpcNode];
