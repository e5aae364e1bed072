// Every built-in node type the hub knows, by group; the worker has an implementation of each.
import type { NodeTypeDef } from "../nodeTypes.ts";
import { CORE_TYPES } from "./core.ts";
import { EXEC_TYPES } from "./exec.ts";
import { GRPC_TYPES } from "./grpc.ts";
import { HUB_TYPES } from "./hub.ts";
import { IO_TYPES } from "./io.ts";
import { PROCESSING_TYPES } from "./processing.ts";
import { TIMING_TYPES } from "./timing.ts";
import { TRANSFORM_TYPES } from "./transform.ts";

export const BUILTIN_NODE_TYPES: readonly NodeTypeDef[] = [
  ...CORE_TYPES,
  ...IO_TYPES,
  ...PROCESSING_TYPES,
  ...TIMING_TYPES,
  ...TRANSFORM_TYPES,
  ...EXEC_TYPES,
  ...GRPC_TYPES,
  ...HUB_TYPES,
];
