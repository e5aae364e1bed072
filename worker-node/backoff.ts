// Reconnect delays: exponential from 250 ms to 3 s (TIMING.reconnectMaxMs), with jitter so a fleet does not
// reconnect in step.
import { TIMING } from "../shared/limits.ts";

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { initialMs: 250, maxMs: TIMING.reconnectMaxMs };

/** Delay before reconnect attempt `attempt` (0-based): the exponential step ±20 %, never above maxMs. */
export function backoffDelay(
  attempt: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const step = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.round(Math.min(options.maxMs, step * (0.8 + 0.4 * random())));
}
