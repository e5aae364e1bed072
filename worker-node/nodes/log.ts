// The `log` sink: prints each message on the worker log and keeps the last 100 for status.
import type { JsonValue } from "../../shared/graph.ts";
import { builtinType } from "../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../shared/sdk.ts";

export const RECENT_LIMIT = 100;
/** A kept value whose JSON is longer than this is kept as a truncated string, so heartbeats stay small. */
export const RECENT_VALUE_CHARS = 1000;
const PRINT_CHARS = 2000;

export const logNode: NodeImpl = {
  def: builtinType("log"),
  create() {
    const recent: JsonValue[] = [];
    let ctx: NodeContext | undefined;
    return {
      start(context) {
        ctx = context;
      },
      onMessage(message) {
        const { value } = message;
        const json = JSON.stringify(value);
        const prefix = String(ctx?.params.prefix ?? "");
        const text = json.length > PRINT_CHARS ? `${json.slice(0, PRINT_CHARS)}…` : json;
        ctx?.log.info({ messageId: message.id }, prefix ? `${prefix} ${text}` : text);
        recent.push(json.length > RECENT_VALUE_CHARS ? `${json.slice(0, RECENT_VALUE_CHARS)}…` : value);
        if (recent.length > RECENT_LIMIT) recent.shift();
      },
      recent() {
        return recent.slice();
      },
    };
  },
};
