// How the processing nodes emit: keeping the input's key and headers, and failing the message (so it is
// retried or goes to the error output) when an emit is refused instead of losing it silently.
import type { JsonValue } from "../../../shared/graph.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { EmitOptions, NodeContext } from "../../../shared/sdk.ts";

/** The input's key and headers, as emit options (only those it has). */
export function keepMeta(message: Message, extraHeaders?: Record<string, string>): EmitOptions {
  const options: EmitOptions = {};
  if (message.key !== undefined) options.key = message.key;
  if (message.headers !== undefined || extraHeaders !== undefined) {
    options.headers = { ...message.headers, ...extraHeaders };
  }
  return options;
}

/** Emits, or throws naming the node type and the port when the worker refused the value. */
export function emitOrThrow(
  ctx: NodeContext,
  type: string,
  port: string,
  value: JsonValue,
  options: EmitOptions,
): void {
  if (!ctx.emit(port, value, options)) {
    throw new Error(
      `${type}: the worker refused the message on output "${port}" (too large, the publish buffer full, or the process stopping)`,
    );
  }
}
