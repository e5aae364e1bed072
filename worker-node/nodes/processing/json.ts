// The `json` node: parses a string value as JSON, or turns a value into its JSON text (mode auto, parse or
// stringify), and emits the result with the input's key and headers.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { parseJsonText } from "./jsonText.ts";
import { describeValue } from "./jsonValues.ts";

export type JsonMode = "auto" | "parse" | "stringify";

/** What the json node makes of `value`; throws naming the mode, the value or the position of bad JSON. */
export function convertJson(value: JsonValue, mode: JsonMode, indent: number): JsonValue {
  const parse = mode === "parse" || (mode === "auto" && typeof value === "string");
  if (!parse) return JSON.stringify(value, null, indent);
  if (typeof value !== "string") {
    throw new Error(`json: mode parse needs a string value, got ${describeValue(value)}`);
  }
  const parsed = parseJsonText(value);
  if (!parsed.ok) throw new Error(`json: the value is not valid JSON: ${parsed.error}`);
  return parsed.value;
}

export const jsonNode: NodeImpl = {
  def: builtinType("json"),
  create() {
    let ctx: NodeContext | undefined;
    let mode: JsonMode = "auto";
    let indent = 0;
    return {
      start(context) {
        mode = context.params.mode as JsonMode;
        indent = Number(context.params.indent);
        ctx = context;
      },
      onMessage(message) {
        if (!ctx) throw new Error("json: a message arrived before start()");
        emitOrThrow(ctx, "json", "out", convertJson(message.value, mode, indent), keepMeta(message));
      },
    };
  },
};
