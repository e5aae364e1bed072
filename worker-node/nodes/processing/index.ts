// Implementations of the processing group of built-in node types (shared/builtins/processing.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { dedupeNode } from "./dedupe.ts";
import { filterNode } from "./filter.ts";
import { jsonNode } from "./json.ts";
import { splitNode } from "./split.ts";
import { switchNode } from "./switch.ts";
import { templateNode } from "./template.ts";

export const PROCESSING_IMPLS: readonly NodeImpl[] = [
  filterNode,
  switchNode,
  splitNode,
  jsonNode,
  templateNode,
  dedupeNode,
];
