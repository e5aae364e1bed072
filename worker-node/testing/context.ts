// Test helpers for node implementations: a NodeContext that records emits and whose credit a test turns on
// and off, and startNode, which checks params with the type's own schema as the worker does.
import type { JsonValue } from "../../shared/graph.ts";
import { checkParams, type ParamValue } from "../../shared/nodeTypes.ts";
import type { Message } from "../../shared/protocol.ts";
import type { EmitOptions, NodeContext, NodeImpl, NodeProcess } from "../../shared/sdk.ts";
import { silentLogger } from "../log.ts";

/** One emit: port and value, and the options when some were given. */
export type Emitted = [string, JsonValue] | [string, JsonValue, EmitOptions];

export interface TestContext extends NodeContext {
  readonly emitted: Emitted[];
  /** Credit for every port; switching it on wakes waitForCredit. */
  setCredit(on: boolean): void;
  abort(): void;
  /** Runs `body` as the worker runs a process's stop(): after abort, emits made in it still count. */
  stopping<T>(body: () => T): T;
}

export function testContext(params: Record<string, ParamValue>, opts: { credit?: boolean } = {}): TestContext {
  const emitted: Emitted[] = [];
  const controller = new AbortController();
  let credit = opts.credit ?? true;
  let waiters: Array<() => void> = [];
  let inStop = 0;
  return {
    graphId: "g",
    nodeId: "n",
    params,
    log: silentLogger(),
    signal: controller.signal,
    emitted,
    emit: (port, value, options) => {
      if (controller.signal.aborted && inStop === 0) return false;
      emitted.push(options ? [port, value, options] : [port, value]);
      return true;
    },
    credit: () => credit,
    waitForCredit: () => (credit ? Promise.resolve() : new Promise((resolve) => waiters.push(resolve))),
    setCredit(on) {
      credit = on;
      if (!on) return;
      const woken = waiters;
      waiters = [];
      for (const resolve of woken) resolve();
    },
    abort() {
      controller.abort();
      this.setCredit(true);
    },
    stopping(body) {
      inStop += 1;
      try {
        const result = body();
        if (result instanceof Promise) {
          return result.finally(() => {
            inStop -= 1;
          }) as typeof result;
        }
        inStop -= 1;
        return result;
      } catch (error) {
        inStop -= 1;
        throw error;
      }
    },
  };
}

export interface StartedNode {
  process: NodeProcess;
  ctx: TestContext;
  /** Hands one message to onMessage (ids m1, m2, … unless given). */
  send(value: JsonValue, port?: string, extra?: Partial<Message>): Promise<void>;
  /** Aborts the signal, then calls stop(), whose emits still count: as the worker does (SCHED-6). */
  stop(): Promise<void>;
}

/**
 * Starts a process of `impl` as the worker would: params checked against its schema with defaults filled in
 * (durations in ms); throws the check's error for invalid params.
 */
export async function startNode(
  impl: NodeImpl,
  params: Record<string, unknown> = {},
  opts: { credit?: boolean } = {},
): Promise<StartedNode> {
  const checked = checkParams(impl.def, params, "runtime");
  if (!checked.ok) throw new Error(checked.error);
  const ctx = testContext(checked.params, opts);
  const process = impl.create();
  await process.start(ctx);
  let n = 0;
  return {
    process,
    ctx,
    async send(value, port = impl.def.inputs[0] ?? "in", extra = {}) {
      n += 1;
      await process.onMessage?.({ id: `m${n}`, value, ts: Date.now(), ...extra }, port);
    },
    async stop() {
      ctx.abort();
      await ctx.stopping(async () => process.stop?.());
    },
  };
}
