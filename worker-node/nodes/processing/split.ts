// The `split` node: one message per element of an array, entry of an object or piece of a string, each
// carrying the input's key and headers plus split.index and split.count.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { describeValue } from "./jsonValues.ts";
import { type MessagePath, parsePath, resolvePath } from "./path.ts";

/** The headers each part gets: its position (0, 1, …) and how many parts the message split into. */
export const SPLIT_INDEX_HEADER = "split.index";
export const SPLIT_COUNT_HEADER = "split.count";

/**
 * The parts of `value`: array elements, `{ key, value }` entries of an object, or pieces of a string cut at
 * `separator`. Throws naming the path for anything else, or a string with no separator, or more than `max`.
 */
export function splitParts(value: JsonValue | undefined, path: string, separator: string, max: number): JsonValue[] {
  let parts: JsonValue[];
  if (Array.isArray(value)) {
    parts = value;
  } else if (typeof value === "string") {
    if (separator === "") {
      throw new Error(
        `split: the value at ${JSON.stringify(path)} is a string; set the separator param to split strings`,
      );
    }
    parts = value === "" ? [] : value.split(separator);
  } else if (typeof value === "object" && value !== null) {
    parts = Object.entries(value).map(([key, item]) => ({ key, value: item }));
  } else {
    throw new Error(
      `split: the value at ${JSON.stringify(path)} must be an array, an object or a string, got ${describeValue(value)}`,
    );
  }
  if (parts.length > max) {
    throw new Error(`split: the value at ${JSON.stringify(path)} has ${parts.length} parts; maxParts is ${max}`);
  }
  return parts;
}

export const splitNode: NodeImpl = {
  def: builtinType("split"),
  create() {
    let ctx: NodeContext | undefined;
    let path: MessagePath | undefined;
    let separator = "";
    let maxParts = 0;
    return {
      start(context) {
        try {
          path = parsePath(String(context.params.path));
        } catch (error) {
          throw new Error(`split: param "path": ${(error as Error).message}`);
        }
        separator = String(context.params.separator);
        maxParts = Number(context.params.maxParts);
        ctx = context;
      },
      async onMessage(message) {
        if (!ctx || !path) throw new Error("split: a message arrived before start()");
        const parts = splitParts(resolvePath(message, path), path.text, separator, maxParts);
        await emitParts(ctx, message, parts);
      },
    };
  },
};

/** Emits the parts in order; waits for credit between them so a big split follows the consumers' pace. */
async function emitParts(ctx: NodeContext, message: Message, parts: JsonValue[]): Promise<void> {
  const count = String(parts.length);
  for (const [i, part] of parts.entries()) {
    if (!ctx.credit("out")) {
      await ctx.waitForCredit("out");
      if (ctx.signal.aborted) {
        throw new Error(`split: the process stopped after emitting ${i} of ${parts.length} parts`);
      }
    }
    const headers = { [SPLIT_INDEX_HEADER]: String(i), [SPLIT_COUNT_HEADER]: count };
    emitOrThrow(ctx, "split", "out", part, keepMeta(message, headers));
  }
}
