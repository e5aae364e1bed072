// The built-in node implementations this worker announces in hello and can run.
import type { NodeImpl } from "../../shared/sdk.ts";
import { counterNode } from "./counter.ts";
import { EXEC_IMPLS } from "./exec/index.ts";
import { factorizeNode } from "./factorize.ts";
import { fileWriteNode } from "./fileWrite.ts";
import { GRPC_IMPLS } from "./grpc/index.ts";
import { httpRequestNode } from "./httpRequest.ts";
import { IO_IMPLS } from "./io/index.ts";
import { logNode } from "./log.ts";
import { PROCESSING_IMPLS } from "./processing/index.ts";
import { randomNode } from "./random.ts";
import { TIMING_IMPLS } from "./timing/index.ts";
import { TRANSFORM_IMPLS } from "./transform/index.ts";

export const BUILTIN_IMPLS: readonly NodeImpl[] = [
  randomNode,
  counterNode,
  factorizeNode,
  httpRequestNode,
  fileWriteNode,
  logNode,
  ...IO_IMPLS,
  ...PROCESSING_IMPLS,
  ...TIMING_IMPLS,
  ...TRANSFORM_IMPLS,
  ...EXEC_IMPLS,
  ...GRPC_IMPLS,
];

const byType = new Map(BUILTIN_IMPLS.map((impl) => [impl.def.type, impl]));

export function findImpl(type: string): NodeImpl | undefined {
  return byType.get(type);
}
