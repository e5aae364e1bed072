// Implementations of the exec group of built-in node types (shared/builtins/exec.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { execNode } from "./exec.ts";

export const EXEC_IMPLS: readonly NodeImpl[] = [execNode];
