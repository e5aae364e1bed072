// Waiting for credit in a source that reads at its own pace: resolves when it may emit, or when it is stopping.
import type { NodeContext } from "../../../shared/sdk.ts";

/** Resolves once `signal` aborts (at once when it already has). */
export function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) resolve();
    else signal.addEventListener("abort", () => resolve(), { once: true });
  });
}

/** True once `port` has credit; false when the process is stopping instead (ctx.signal or `stopping`). */
export async function awaitCredit(ctx: NodeContext, stopping: AbortSignal, port = "out"): Promise<boolean> {
  while (!ctx.credit(port)) {
    if (ctx.signal.aborted || stopping.aborted) return false;
    await Promise.race([ctx.waitForCredit(port), aborted(stopping)]);
  }
  return !(ctx.signal.aborted || stopping.aborted);
}
