// Implementations of the processing group of built-in node types (shared/builtins/processing.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";

export const PROCESSING_IMPLS: readonly NodeImpl[] = [];
