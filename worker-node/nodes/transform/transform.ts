// The `transform` node: runs the user's JavaScript on each message in a sandbox thread and emits what it returns.
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { Message } from "../../../shared/protocol.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { toOutputs } from "./outputs.ts";
import { Sandbox } from "./sandbox.ts";
import type { SandboxMessage } from "./thread.ts";

/** Exactly what the code sees as msg: a delivery's bookkeeping fields (d, attempt) stay out. */
export function sandboxMessage(message: Message): SandboxMessage {
  const msg: SandboxMessage = { id: message.id, value: message.value, ts: message.ts };
  if (message.key !== undefined) msg.key = message.key;
  if (message.headers !== undefined) msg.headers = message.headers;
  return msg;
}

export const transformNode: NodeImpl = {
  def: builtinType("transform"),
  create() {
    let ctx: NodeContext | undefined;
    let opening: Promise<Sandbox> | undefined;
    let sandbox: Sandbox | undefined;
    let stopped = false;
    return {
      async start(context) {
        ctx = context;
        const { code, timeout, memoryMb } = context.params;
        opening = Sandbox.open({
          code: String(code),
          timeoutMs: Number(timeout),
          memoryMb: Number(memoryMb),
          graphId: context.graphId,
          nodeId: context.nodeId,
          onLog: (level, text, messageId) => context.log[level]({ messageId }, text),
          onProblem: (text) => context.log.warn(text),
        });
        sandbox = await opening;
      },
      async onMessage(message) {
        if (stopped) throw new Error("transform is stopped");
        if (!sandbox || !ctx) throw new Error("transform is not started");
        const outputs = toOutputs(await sandbox.run(sandboxMessage(message)));
        for (const [i, output] of outputs.entries()) {
          if (!ctx.emit("out", output.value, output.options)) {
            throw new Error(`transform: out refused message ${i + 1} of ${outputs.length} (see the worker log)`);
          }
        }
      },
      async stop() {
        // A stop during start waits for the thread to be up, then ends it.
        stopped = true;
        const started = await opening?.catch(() => undefined);
        opening = undefined;
        sandbox = undefined;
        await started?.close();
      },
    };
  },
};
