// Test helper for io nodes: starts a process like startNode, with a logger whose lines a test can read.
import { checkParams } from "../../../shared/nodeTypes.ts";
import type { NodeImpl, NodeProcess } from "../../../shared/sdk.ts";
import { type TestContext, testContext } from "../../testing/context.ts";
import { captureLogger, type LogLine } from "../../testing/logs.ts";

export interface LoggedNode {
  process: NodeProcess;
  ctx: TestContext;
  lines: LogLine[];
  /** stop() and abort the signal, as the worker does. */
  stop(): Promise<void>;
}

/** A process of `impl` created with checked params (durations in ms) and a capturing logger, not started yet. */
export function loggedNode(impl: NodeImpl, params: Record<string, unknown>, opts: { credit?: boolean } = {}) {
  const checked = checkParams(impl.def, params, "runtime");
  if (!checked.ok) throw new Error(checked.error);
  const { log, lines } = captureLogger("w");
  const ctx: TestContext = { ...testContext(checked.params, opts), log };
  const process = impl.create();
  return {
    process,
    ctx,
    lines,
    async start(): Promise<LoggedNode> {
      await process.start(ctx);
      return {
        process,
        ctx,
        lines,
        async stop() {
          ctx.abort();
          await process.stop?.();
        },
      };
    },
  };
}

/** The log lines' messages at or above pino `level` (30 info, 40 warn, 50 error). */
export function messages(lines: readonly LogLine[], level = 30): string[] {
  return lines.filter((l) => l.level >= level).map((l) => l.msg);
}
