// Implementations of the io group of built-in node types (shared/builtins/io.ts).
import type { NodeImpl } from "../../../shared/sdk.ts";
import { cronNode } from "./cron.ts";
import { debugNode } from "./debug.ts";
import { fileReadNode } from "./fileRead.ts";
import { fileWatchNode } from "./fileWatch.ts";

export const IO_IMPLS: readonly NodeImpl[] = [cronNode, fileReadNode, fileWatchNode, debugNode];
