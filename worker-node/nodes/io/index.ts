// Implementations of the io group of built-in node types (shared/builtins/io.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";

export const IO_IMPLS: readonly NodeImpl[] = [];
