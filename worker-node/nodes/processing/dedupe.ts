// The `dedupe` node: passes a message on unless one with the same key, value or value at path passed within
// ttl; it remembers at most `window` ids (oldest forgotten first). The clock is injectable for tests.
import { createHash } from "node:crypto";
import type { JsonValue } from "../../../shared/graph.ts";
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { emitOrThrow, keepMeta } from "./emit.ts";
import { canonicalJson } from "./jsonValues.ts";
import { type MessagePath, parsePath, resolvePath } from "./path.ts";

/** Ids longer than this are remembered by their SHA-256, so memory per id stays small. */
const MAX_PLAIN_ID = 64;

/**
 * Remembers ids for `ttlMs` (0: until pushed out) and at most `window` of them. The map keeps insertion
 * order, which is also the order they passed in, so the oldest and the expired are always at its front.
 */
export class SeenIds {
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly window: number,
    private readonly ttlMs: number,
    private readonly now: () => number,
  ) {}

  /** Whether `id` passed within ttl (and is still among the last `window` remembered). */
  has(id: string): boolean {
    this.expire(this.now());
    return this.seen.has(id);
  }

  /** Remembers `id` as passed now, forgetting the oldest past `window`. */
  remember(id: string): void {
    const now = this.now();
    this.expire(now);
    this.seen.delete(id);
    this.seen.set(id, now);
    if (this.seen.size > this.window) {
      const oldest = this.seen.keys().next().value;
      if (oldest !== undefined) this.seen.delete(oldest);
    }
  }

  get size(): number {
    return this.seen.size;
  }

  private expire(now: number): void {
    if (this.ttlMs <= 0) return;
    for (const [id, at] of this.seen) {
      if (now - at < this.ttlMs) return;
      this.seen.delete(id);
    }
  }
}

type By = "key" | "value" | "path";

/** What identifies `message`; throws naming the missing key or path. */
function identity(message: Message, by: By, path: MessagePath): string {
  if (by === "key") {
    if (message.key === undefined) throw new Error(`dedupe: message ${message.id} has no key (by = key)`);
    return compact(`k${message.key}`);
  }
  const found: JsonValue | undefined = by === "value" ? message.value : resolvePath(message, path);
  if (found === undefined) {
    throw new Error(`dedupe: path ${JSON.stringify(path.text)} finds nothing in message ${message.id} (by = path)`);
  }
  return compact(`j${canonicalJson(found)}`);
}

function compact(id: string): string {
  return id.length <= MAX_PLAIN_ID ? id : `#${createHash("sha256").update(id).digest("base64")}`;
}

/** A dedupe implementation reading time from `now` (milliseconds); the built-in one uses Date.now. */
export function createDedupeNode(now: () => number): NodeImpl {
  return {
    def: builtinType("dedupe"),
    create() {
      let ctx: NodeContext | undefined;
      let seen: SeenIds | undefined;
      let by: By = "key";
      let path: MessagePath | undefined;
      return {
        start(context) {
          by = context.params.by as By;
          // The path matters (and is checked) only with by = path.
          try {
            path = by === "path" ? parsePath(String(context.params.path)) : parsePath("value");
          } catch (error) {
            throw new Error(`dedupe: param "path": ${(error as Error).message}`);
          }
          seen = new SeenIds(Number(context.params.window), Number(context.params.ttl), now);
          ctx = context;
        },
        onMessage(message) {
          if (!ctx || !seen || !path) throw new Error("dedupe: a message arrived before start()");
          const id = identity(message, by, path);
          if (seen.has(id)) {
            ctx.log.debug({ messageId: message.id }, "dedupe: dropped a duplicate");
            return;
          }
          // Remembered only once emitted: a refused emit fails the message, and its retry must not count as a duplicate.
          emitOrThrow(ctx, "dedupe", "out", message.value, keepMeta(message));
          seen.remember(id);
        },
      };
    },
  };
}

export const dedupeNode: NodeImpl = createDedupeNode(Date.now);
