// Implementations of the transform group of built-in node types (shared/builtins/transform.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { transformNode } from "./transform.ts";

export const TRANSFORM_IMPLS: readonly NodeImpl[] = [transformNode];
