// Producer side of DELIVERY-2: batches emits per (node, port), numbers the batches, keeps them until
// `published{seq}`, and re-sends them after a reconnect once the room confirms the same epoch.
import type { JsonValue } from "../shared/graph.ts";
import { LIMITS } from "../shared/limits.ts";
import { randomSuffix } from "./identity.ts";

/**
 * Bound on messages a node holds in the publisher (buffered + sent but not acknowledged).
 * When it is reached, ctx.emit refuses the message: it is dropped and counted as an error of
 * the process (errors/lastError), so the loss is visible in the editor. Transforms are not hit by
 * this in practice: the runtime waits for room before handing a node its next deliveries
 * (waitForRoom), and un-acked deliveries hold the room's own delivery window. Sources (timers)
 * that outrun the room while it is slow or unreachable are what gets dropped.
 */
export const MAX_PENDING_PER_NODE = 10_000;

export interface PublisherOptions {
  workerId: string;
  /** How long an emitted message may wait for more to share its frame. */
  lingerMs?: number;
  /** A buffer of this many messages is sent at once. */
  maxBatch?: number;
  maxPendingPerNode?: number;
  /** After `channel_full` the refused batch is sent again after this delay. */
  channelFullRetryMs?: number;
  maxFrameBytes?: number;
  /** The room stored `count` messages of (nodeId, epoch). */
  onAcked?(nodeId: string, epoch: number, count: number): void;
  /** The room refused a batch for good; its `count` messages are lost. */
  onRefused?(nodeId: string, epoch: number, count: number, reason: string): void;
}

export interface PublishLink {
  send(text: string): void;
}

interface PortBuffer {
  nodeId: string;
  epoch: number;
  port: string;
  parts: string[];
  bytes: number;
}

interface Batch {
  seq: number;
  nodeId: string;
  epoch: number;
  port: string;
  count: number;
  text: string;
  /** Link generation it was last sent on; 0 = not sent on any. */
  sentOn: number;
}

/** Room for the publish frame's fields around the messages. */
const FRAME_OVERHEAD_BYTES = 512;

export class Publisher {
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly maxPending: number;
  private readonly retryMs: number;
  private readonly maxFrameBytes: number;
  private readonly idPrefix: string;
  private link: PublishLink | undefined;
  private generation = 0;
  /** nodeId → epoch the room confirmed on the current link; only those batches are sent. */
  private readonly live = new Map<string, number>();
  private readonly buffers = new Map<string, PortBuffer>();
  /** seq → batch, in seq order (Map keeps insertion order). */
  private readonly unacked = new Map<number, Batch>();
  private readonly pendingByNode = new Map<string, number>();
  /** nodeId → seqs of its unacked batches, ascending. */
  private readonly seqsByNode = new Map<string, Set<number>>();
  private settledWaiters: Array<{ nodeId: string; upTo: number; resolve: () => void }> = [];
  private readonly roomWaiters = new Map<string, Array<() => void>>();
  private drainWaiters: Array<() => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private lingerTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private counter = 0;

  constructor(private readonly options: PublisherOptions) {
    this.lingerMs = options.lingerMs ?? 2;
    this.maxBatch = Math.min(options.maxBatch ?? 500, LIMITS.maxBatchMessages);
    this.maxPending = options.maxPendingPerNode ?? MAX_PENDING_PER_NODE;
    this.retryMs = options.channelFullRetryMs ?? 1000;
    this.maxFrameBytes = options.maxFrameBytes ?? LIMITS.maxFrameBytes;
    this.idPrefix = `${options.workerId}-${randomSuffix()}`;
  }

  /** Queues one message; returns why it was refused, or undefined. */
  emit(nodeId: string, epoch: number, port: string, value: JsonValue): string | undefined {
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      return `emit needs a JSON value, got ${typeof value}`;
    }
    if (this.pending(nodeId) >= this.maxPending) {
      return `publish buffer full: ${this.maxPending} messages of node ${nodeId} await the room's ack; message dropped`;
    }
    let json: string;
    try {
      json = JSON.stringify({ id: this.nextId(), value, ts: Date.now() });
    } catch (error) {
      return `emit needs a JSON value: ${(error as Error).message}`;
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > LIMITS.maxMessageBytes) {
      return `message of ${bytes} bytes exceeds the ${LIMITS.maxMessageBytes}-byte limit; dropped`;
    }
    const key = `${nodeId}\u0000${port}`;
    let buffer = this.buffers.get(key);
    if (buffer && (buffer.epoch !== epoch || buffer.bytes + bytes + FRAME_OVERHEAD_BYTES > this.maxFrameBytes)) {
      this.flushBuffer(key, buffer);
      buffer = undefined;
    }
    if (!buffer) {
      buffer = { nodeId, epoch, port, parts: [], bytes: JSON.stringify(port).length + JSON.stringify(nodeId).length };
      this.buffers.set(key, buffer);
    }
    buffer.parts.push(json);
    buffer.bytes += bytes + 1;
    this.pendingByNode.set(nodeId, this.pending(nodeId) + 1);
    if (buffer.parts.length >= this.maxBatch) this.flushBuffer(key, buffer);
    else this.lingerTimer ??= setTimeout(() => this.flush(), this.lingerMs);
    return undefined;
  }

  /** Turns every buffer into a numbered batch (sent if its node is live on the link). */
  flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const [key, buffer] of this.buffers) this.flushBuffer(key, buffer);
  }

  /** A new connection: nothing is sent until the room confirms each node's epoch with claim(). */
  attach(link: PublishLink): void {
    this.link = link;
    this.generation += 1;
    this.live.clear();
  }

  detach(): void {
    this.link = undefined;
    this.live.clear();
  }

  /**
   * The room (re-)assigned `nodeId` with `epoch` on the current link: batches of that epoch not yet
   * sent on this link go out in seq order; batches of any other epoch are dropped (fencing).
   * Returns how many batches were sent again.
   */
  claim(nodeId: string, epoch: number): number {
    this.live.set(nodeId, epoch);
    let resent = 0;
    for (const [key, buffer] of this.buffers) {
      if (buffer.nodeId === nodeId && buffer.epoch !== epoch) this.dropBuffer(key, buffer);
    }
    for (const batch of this.unacked.values()) {
      if (batch.nodeId !== nodeId) continue;
      if (batch.epoch !== epoch) this.dropBatch(batch);
      else if (this.send(batch)) resent += 1;
    }
    return resent;
  }

  /** Forgets everything of `nodeId` (the process stopped or was replaced). Returns messages dropped. */
  release(nodeId: string): number {
    this.live.delete(nodeId);
    const before = this.pending(nodeId);
    for (const [key, buffer] of this.buffers) if (buffer.nodeId === nodeId) this.dropBuffer(key, buffer);
    for (const batch of this.unacked.values()) if (batch.nodeId === nodeId) this.dropBatch(batch);
    this.pendingByNode.delete(nodeId);
    this.wake(nodeId);
    return before;
  }

  /**
   * Forgets what `nodeId` emitted under `epoch` (a stop that could not flush, or a process the room
   * moved away); batches of other epochs stay. Returns messages dropped.
   */
  discard(nodeId: string, epoch: number): number {
    if (this.live.get(nodeId) === epoch) this.live.delete(nodeId);
    const before = this.pending(nodeId);
    for (const [key, buffer] of this.buffers) {
      if (buffer.nodeId === nodeId && buffer.epoch === epoch) this.dropBuffer(key, buffer);
    }
    for (const batch of this.unacked.values()) {
      if (batch.nodeId === nodeId && batch.epoch === epoch) this.dropBatch(batch);
    }
    return before - this.pending(nodeId);
  }

  /** `published{seq}`: the room stored the batch. False for an unknown seq. */
  published(seq: number): boolean {
    const batch = this.unacked.get(seq);
    if (!batch) return false;
    this.dropBatch(batch);
    this.options.onAcked?.(batch.nodeId, batch.epoch, batch.count);
    return true;
  }

  /**
   * `error{ref: seq}`: the room refused the batch. `channel_full` is back-pressure: the batch is
   * kept and sent again after channelFullRetryMs (so under back-pressure a port's batches may be
   * stored out of order). Any other code drops it for good and reports it through onRefused.
   */
  refused(seq: number, code: string, message: string): boolean {
    const batch = this.unacked.get(seq);
    if (!batch) return false;
    if (code === "channel_full") {
      batch.sentOn = 0;
      const timer = setTimeout(() => {
        this.retryTimers.delete(timer);
        if (this.unacked.get(seq) === batch) this.send(batch);
      }, this.retryMs);
      this.retryTimers.add(timer);
      return true;
    }
    this.dropBatch(batch);
    this.options.onRefused?.(batch.nodeId, batch.epoch, batch.count, `${code}: ${message}`);
    return true;
  }

  /** Messages of `nodeId` buffered or awaiting the room's ack. */
  pending(nodeId: string): number {
    return this.pendingByNode.get(nodeId) ?? 0;
  }

  /** Messages of every node buffered or awaiting the room's ack (what a shutdown would lose). */
  pendingTotal(): number {
    let total = 0;
    for (const count of this.pendingByNode.values()) total += count;
    return total;
  }

  /** Batches awaiting the room's ack, in seq order (for tests and shutdown). */
  unackedSeqs(): number[] {
    return [...this.unacked.keys()];
  }

  /** Resolves once `nodeId` holds fewer than maxPendingPerNode messages (or is released). */
  waitForRoom(nodeId: string): Promise<void> {
    if (this.pending(nodeId) < this.maxPending) return Promise.resolve();
    return new Promise((resolve) => {
      const list = this.roomWaiters.get(nodeId) ?? [];
      list.push(resolve);
      this.roomWaiters.set(nodeId, list);
    });
  }

  /**
   * Flushes `nodeId`'s buffers and resolves once every batch it has so far is acknowledged or
   * dropped. The runtime acks deliveries only after this, so a message a transform emitted while
   * handling a delivery is stored by the room before that delivery is acked (at-least-once
   * through transforms).
   */
  settled(nodeId: string): Promise<void> {
    for (const [key, buffer] of this.buffers) if (buffer.nodeId === nodeId) this.flushBuffer(key, buffer);
    const seqs = this.seqsByNode.get(nodeId);
    if (!seqs || seqs.size === 0) return Promise.resolve();
    const upTo = this.seq;
    return new Promise((resolve) => this.settledWaiters.push({ nodeId, upTo, resolve }));
  }

  /** Flushes, then resolves true once nothing awaits an ack, or false after `timeoutMs`. */
  drain(timeoutMs: number): Promise<boolean> {
    this.flush();
    if (this.unacked.size === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => resolve(false), timeoutMs);
      this.drainWaiters.push(() => {
        clearTimeout(timer);
        resolve(true);
      });
    });
  }

  /** Stops timers and releases waiters; buffered and unacked messages are abandoned. */
  close(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const timer of this.retryTimers) clearTimeout(timer);
    this.retryTimers.clear();
    for (const nodeId of [...this.roomWaiters.keys()]) this.release(nodeId);
    const settled = this.settledWaiters;
    this.settledWaiters = [];
    for (const waiter of settled) waiter.resolve();
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter.toString(36)}`;
  }

  private flushBuffer(key: string, buffer: PortBuffer): void {
    this.buffers.delete(key);
    if (buffer.parts.length === 0) return;
    this.seq += 1;
    const text =
      `{"type":"publish","seq":${this.seq},"nodeId":${JSON.stringify(buffer.nodeId)},"epoch":${buffer.epoch},` +
      `"port":${JSON.stringify(buffer.port)},"messages":[${buffer.parts.join(",")}]}`;
    const batch: Batch = {
      seq: this.seq,
      nodeId: buffer.nodeId,
      epoch: buffer.epoch,
      port: buffer.port,
      count: buffer.parts.length,
      text,
      sentOn: 0,
    };
    this.unacked.set(batch.seq, batch);
    const seqs = this.seqsByNode.get(batch.nodeId) ?? new Set<number>();
    seqs.add(batch.seq);
    this.seqsByNode.set(batch.nodeId, seqs);
    this.send(batch);
  }

  private send(batch: Batch): boolean {
    if (!this.link || this.live.get(batch.nodeId) !== batch.epoch || batch.sentOn === this.generation) return false;
    batch.sentOn = this.generation;
    this.link.send(batch.text);
    return true;
  }

  private dropBuffer(key: string, buffer: PortBuffer): void {
    this.buffers.delete(key);
    this.decrement(buffer.nodeId, buffer.parts.length);
  }

  private dropBatch(batch: Batch): void {
    if (!this.unacked.delete(batch.seq)) return;
    const seqs = this.seqsByNode.get(batch.nodeId);
    seqs?.delete(batch.seq);
    if (seqs?.size === 0) this.seqsByNode.delete(batch.nodeId);
    this.decrement(batch.nodeId, batch.count);
    this.wakeSettled(batch.nodeId);
    if (this.unacked.size === 0) {
      const waiters = this.drainWaiters;
      this.drainWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private decrement(nodeId: string, count: number): void {
    const left = this.pending(nodeId) - count;
    if (left > 0) this.pendingByNode.set(nodeId, left);
    else this.pendingByNode.delete(nodeId);
    this.wake(nodeId);
  }

  private wakeSettled(nodeId: string): void {
    if (this.settledWaiters.length === 0) return;
    const oldest = this.seqsByNode.get(nodeId)?.values().next().value;
    const keep: typeof this.settledWaiters = [];
    for (const waiter of this.settledWaiters) {
      if (waiter.nodeId === nodeId && (oldest === undefined || oldest > waiter.upTo)) waiter.resolve();
      else keep.push(waiter);
    }
    this.settledWaiters = keep;
  }

  private wake(nodeId: string): void {
    if (this.pending(nodeId) >= this.maxPending) return;
    const waiters = this.roomWaiters.get(nodeId);
    if (!waiters) return;
    this.roomWaiters.delete(nodeId);
    for (const resolve of waiters) resolve();
  }
}
