// The built-in node implementations this worker announces in hello and can run.
import { counterNode } from "./counter.ts";
import { factorizeNode } from "./factorize.ts";
import { fileWriteNode } from "./fileWrite.ts";
import { httpRequestNode } from "./httpRequest.ts";
import { logNode } from "./log.ts";
import { randomNode } from "./random.ts";
import type { NodeImpl } from "./types.ts";

export const BUILTIN_IMPLS: readonly NodeImpl[] = [
  randomNode,
  counterNode,
  factorizeNode,
  httpRequestNode,
  fileWriteNode,
  logNode,
];

const byType = new Map(BUILTIN_IMPLS.map((impl) => [impl.type, impl]));

export function findImpl(type: string): NodeImpl | undefined {
  return byType.get(type);
}
