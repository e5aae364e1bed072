// The `debug` sink: keeps a sample of the messages it receives for the editor's debug panel (recent()), unlogged.
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeImpl } from "../../../shared/sdk.ts";
import { RECENT_VALUE_CHARS } from "../log.ts";

const MESSAGE_FIELDS = new Set(["id", "key", "value", "headers", "ts"]);

/** The path's steps ("value.items.0" → ["value", "items", "0"]); throws naming the param when it is malformed. */
export function parsePath(path: string): string[] {
  if (path === "") return [];
  const steps = path.split(".");
  if (steps.some((s) => s === "")) {
    throw new Error(`debug: param "path" ${JSON.stringify(path)} has an empty step; write fields as value.a.b`);
  }
  if (!MESSAGE_FIELDS.has(steps[0] as string)) {
    throw new Error(
      `debug: param "path" ${JSON.stringify(path)} must start with value, key, headers, id or ts (a field of the message)`,
    );
  }
  return steps;
}

/** What `steps` picks out of the message: the whole message for no steps, null for a field it does not have. */
export function pick(message: Message, steps: readonly string[]): JsonValue {
  if (steps.length === 0) {
    const whole: { [k: string]: JsonValue } = { id: message.id };
    if (message.key !== undefined) whole.key = message.key;
    whole.value = message.value;
    if (message.headers !== undefined) whole.headers = message.headers;
    whole.ts = message.ts;
    return whole;
  }
  let at: unknown = message;
  for (const step of steps) {
    if (typeof at !== "object" || at === null || !Object.hasOwn(at, step)) return null;
    at = (at as Record<string, unknown>)[step];
  }
  return (at ?? null) as JsonValue;
}

/** A value as the debug panel keeps it: itself, or its JSON cut to RECENT_VALUE_CHARS with "…". */
function kept(value: JsonValue): JsonValue {
  const json = JSON.stringify(value);
  return json.length > RECENT_VALUE_CHARS ? `${json.slice(0, RECENT_VALUE_CHARS)}…` : value;
}

/** Decides which messages are kept: all, the 1st then every n-th, or at most n per second of `now()`. */
export function sampler(sample: string, n: number, now: () => number = Date.now): () => boolean {
  switch (sample) {
    case "every-nth": {
      let seen = 0;
      return () => seen++ % n === 0;
    }
    case "per-second": {
      let windowStart = Number.NEGATIVE_INFINITY;
      let inWindow = 0;
      return () => {
        const t = now();
        if (t - windowStart >= 1000) {
          windowStart = t;
          inWindow = 0;
        }
        inWindow += 1;
        return inWindow <= n;
      };
    }
    default:
      return () => true;
  }
}

export const debugNode: NodeImpl = {
  def: builtinType("debug"),
  create() {
    const recent: JsonValue[] = [];
    let keep = 20;
    let steps: string[] = [];
    let take: () => boolean = () => true;
    return {
      start(ctx) {
        steps = parsePath(String(ctx.params.path ?? ""));
        keep = Number(ctx.params.keep);
        take = sampler(String(ctx.params.sample ?? "all"), Number(ctx.params.n));
      },
      onMessage(message) {
        if (!take()) return;
        recent.push({ at: message.ts, id: message.id, value: kept(pick(message, steps)) });
        if (recent.length > keep) recent.splice(0, recent.length - keep);
      },
      recent() {
        return recent.slice();
      },
    };
  },
};
