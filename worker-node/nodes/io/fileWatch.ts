// The `file-watch` source: follows a file like `tail -F`, emitting each appended line as a string on `out`.
// It polls with stat rather than fs.watch: fs.watch follows an inode, not a name (it misses a rotated-in file),
// is silent on many network and container file systems, and fires in bursts; a stat every pollInterval is cheap,
// works everywhere, and lets one poll at a time run to the end (waiting for credit) before the next one starts.
import { builtinType } from "../../../shared/nodeTypes.ts";
import type { NodeContext, NodeImpl } from "../../../shared/sdk.ts";
import { awaitCredit } from "./credit.ts";
import { FileTail } from "./fileTail.ts";

export const fileWatchNode: NodeImpl = {
  def: builtinType("file-watch"),
  create() {
    const stopping = new AbortController();
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | undefined;
    let running: Promise<void> | undefined;

    const pause = (ms: number) =>
      new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, ms);
      });

    async function follow(ctx: NodeContext, tail: FileTail, intervalMs: number): Promise<void> {
      let lastError = "";
      while (!stopping.signal.aborted && !ctx.signal.aborted) {
        try {
          await tail.poll();
          lastError = "";
        } catch (error) {
          // Keep following (a permission or disk error may pass), but say so once per distinct error.
          const message = (error as Error).message;
          if (message !== lastError) ctx.log.error({ path: tail.path, error: message }, `file-watch: ${message}`);
          lastError = message;
        }
        if (stopping.signal.aborted || ctx.signal.aborted) break;
        await pause(intervalMs);
      }
      await tail.close();
    }

    return {
      async start(ctx) {
        const tail = new FileTail(String(ctx.params.path ?? ""), ctx.params.fromStart === true, {
          log: ctx.log,
          credit: () => awaitCredit(ctx, stopping.signal),
          emit: (line) => {
            ctx.emit("out", line);
          },
        });
        await tail.prepare();
        running = follow(ctx, tail, Number(ctx.params.pollInterval));
      },
      async stop() {
        stopping.abort();
        clearTimeout(timer);
        wake?.();
        await running;
      },
    };
  },
};
