// The contract between the worker agent and a node implementation: the process API and its context.
import type { Logger } from "pino";
import type { JsonValue } from "../../shared/graph.ts";
import type { ParamValue } from "../../shared/nodeTypes.ts";
import type { Message } from "../../shared/protocol.ts";

export interface NodeContext {
  readonly graphId: string;
  readonly nodeId: string;
  /** Checked params with defaults filled in (shared/nodeTypes.ts checkParams). */
  readonly params: Readonly<Record<string, ParamValue>>;
  /** Child logger carrying workerId, graphId and nodeId. */
  readonly log: Logger;
  /** Aborted when the process is stopped. */
  readonly signal: AbortSignal;
  /**
   * Queues `value` on output `port`. Never throws, so it is safe from timers: a refused value
   * (unknown port, not JSON, too large, publish buffer full) counts as an error of the process
   * and returns false. After stop it returns false and does nothing.
   */
  emit(port: string, value: JsonValue): boolean;
  /**
   * Whether `port` may emit now: the room grants credit from the free room downstream (DELIVERY-7). A
   * source checks it before generating, so a slow consumer slows the source instead of filling queues.
   */
  credit(port: string): boolean;
  /** Resolves once `port` has credit, or the process is stopping (check `signal`). */
  waitForCredit(port: string): Promise<void>;
}

/** One running instance of a node type. An exception in start crashes it; one in onMessage counts as an error. */
export interface NodeProcess {
  start(ctx: NodeContext): void | Promise<void>;
  onMessage?(value: JsonValue, port: string, message: Message): void | Promise<void>;
  stop?(): void | Promise<void>;
  /**
   * Makes what onMessage did so far durable (a sink that buffers writes). The worker calls it before it
   * acknowledges a delivery batch; an exception fails every message of that batch (they are nacked).
   */
  flush?(): void | Promise<void>;
  /** Last values kept for status (sink nodes), newest last, at most 100. */
  recent?(): JsonValue[];
}

/** A node type this worker can run; `type` and `version` must match its shared/nodeTypes.ts definition. */
export interface NodeImpl {
  type: string;
  version: string;
  create(): NodeProcess;
}
