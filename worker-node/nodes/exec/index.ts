// Implementations of the exec group of built-in node types (shared/builtins/exec.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";

export const EXEC_IMPLS: readonly NodeImpl[] = [];
