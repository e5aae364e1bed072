// Producer side of DELIVERY-2 and -7: batches emits per (node, port), numbers the batches, sends them
// within the credit the room grants, keeps them until `published{seq}`, and re-sends them after a reconnect
// once the room confirms the same epoch.
import type { JsonValue } from "../shared/graph.ts";
import { encodePublish } from "../shared/hotFrames.ts";
import { BROKER, FRAME_BUDGET, LIMITS } from "../shared/limits.ts";
import type { RoomFrameOf } from "../shared/protocol.ts";
import type { EmitOptions } from "../shared/sdk.ts";
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

/** Batches of one port on the wire at once (sent, not yet `published`): enough to keep the room busy. */
export const MAX_IN_FLIGHT = 4;

export interface PublisherOptions {
  workerId: string;
  /** How long an emitted message may wait for more to share its frame. */
  lingerMs?: number;
  /** A buffer of this many messages is sent at once. */
  maxBatch?: number;
  /** Batches of one port sent and not yet `published`; past it, emits gather into bigger batches. */
  maxInFlight?: number;
  maxPendingPerNode?: number;
  /** After `storage_failed` the refused batch is sent again after this delay. */
  retryMs?: number;
  maxFrameBytes?: number;
  /** The room stored `count` messages of (nodeId, epoch). */
  onAcked?(nodeId: string, epoch: number, count: number): void;
  /** The room refused a batch (or `count` messages of it) for good; they are lost. */
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
  /** When its first message was emitted: it waits at most lingerMs for more. */
  since: number;
  /** Its linger passed (or a flush was asked for) while the port could not send: it goes as soon as it can. */
  due?: boolean;
}

interface Batch {
  seq: number;
  nodeId: string;
  epoch: number;
  port: string;
  count: number;
  /** Bytes of its messages' JSON, as the room counts them for credit. */
  bytes: number;
  text: string;
  /** Link generation it was last sent on; 0 = not sent on any. */
  sentOn: number;
}

/** What the room lets one port publish on this link and epoch (DELIVERY-7), and what it has used. */
interface Credit {
  epoch: number;
  limit: number;
  limitBytes: number;
  sent: number;
  sentBytes: number;
}

export class Publisher {
  private readonly lingerMs: number;
  private readonly maxBatch: number;
  private readonly maxInFlight: number;
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
  /** (node, port) → its unacked batches in seq order: they go out in that order, within credit. */
  private readonly byPort = new Map<string, Batch[]>();
  private readonly credits = new Map<string, Credit>();
  private readonly pendingByNode = new Map<string, number>();
  /** nodeId → seqs of its unacked batches, ascending. */
  private readonly seqsByNode = new Map<string, Set<number>>();
  private settledWaiters: Array<{ nodeId: string; upTo: number; resolve: () => void }> = [];
  private readonly roomWaiters = new Map<string, Array<() => void>>();
  private creditWaiters: Array<{ nodeId: string; ports: readonly string[]; resolve: () => void }> = [];
  private drainWaiters: Array<() => void> = [];
  private readonly retryTimers = new Set<NodeJS.Timeout>();
  private lingerTimer: NodeJS.Timeout | undefined;
  private seq = 0;
  private counter = 0;

  constructor(private readonly options: PublisherOptions) {
    this.lingerMs = options.lingerMs ?? BROKER.lingerMs;
    this.maxBatch = Math.min(options.maxBatch ?? LIMITS.maxBatchMessages, LIMITS.maxBatchMessages);
    this.maxInFlight = options.maxInFlight ?? MAX_IN_FLIGHT;
    this.maxPending = options.maxPendingPerNode ?? MAX_PENDING_PER_NODE;
    this.retryMs = options.retryMs ?? 1000;
    this.maxFrameBytes = options.maxFrameBytes ?? LIMITS.maxFrameBytes;
    this.idPrefix = `${options.workerId}-${randomSuffix()}`;
  }

  /** Queues one message; returns why it was refused, or undefined. */
  emit(nodeId: string, epoch: number, port: string, value: JsonValue, options?: EmitOptions): string | undefined {
    if (value === undefined || typeof value === "function" || typeof value === "symbol") {
      return `emit needs a JSON value, got ${typeof value}`;
    }
    const problem = options && emitOptionsProblem(options);
    if (problem) return problem;
    if (this.pending(nodeId) >= this.maxPending) {
      return `publish buffer full: ${this.maxPending} messages of node ${nodeId} await the room's ack; message dropped`;
    }
    let json: string;
    try {
      json = JSON.stringify(
        options?.key !== undefined || options?.headers !== undefined
          ? { id: this.nextId(), key: options.key, value, headers: options.headers, ts: Date.now() }
          : { id: this.nextId(), value, ts: Date.now() },
      );
    } catch (error) {
      return `emit needs a JSON value: ${(error as Error).message}`;
    }
    const bytes = Buffer.byteLength(json);
    if (bytes > LIMITS.maxMessageBytes) {
      return `message of ${bytes} bytes exceeds the ${LIMITS.maxMessageBytes}-byte limit; dropped`;
    }
    const key = portKey(nodeId, port);
    let buffer = this.buffers.get(key);
    const envelope = FRAME_BUDGET.publishEnvelopeBytes;
    if (buffer && (buffer.epoch !== epoch || buffer.bytes + bytes + envelope > this.maxFrameBytes)) {
      this.flushBuffer(key, buffer);
      buffer = undefined;
    }
    if (!buffer) {
      buffer = { nodeId, epoch, port, parts: [], bytes: 0, since: Date.now() };
      this.buffers.set(key, buffer);
    }
    buffer.parts.push(json);
    buffer.bytes += bytes + 1;
    this.pendingByNode.set(nodeId, this.pending(nodeId) + 1);
    if (buffer.parts.length >= this.maxBatch) this.flushBuffer(key, buffer);
    else this.lingerTimer ??= setTimeout(() => this.flush(), this.lingerMs);
    return undefined;
  }

  /**
   * The linger passed: a buffer becomes a numbered batch and goes out — unless its port cannot send now
   * (no credit, or maxInFlight batches awaiting `published`): then it keeps gathering emits, so under load
   * frames grow towards maxBatch instead of many small ones queueing up (it goes once the port can send).
   */
  flush(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const [key, buffer] of this.buffers) {
      if (this.canSend(key, buffer.nodeId, buffer.epoch)) this.flushBuffer(key, buffer);
      else buffer.due = true;
    }
  }

  /** Every buffer becomes a batch now, whether or not it can go (a stop, a drain, shutdown). */
  flushAll(): void {
    clearTimeout(this.lingerTimer);
    this.lingerTimer = undefined;
    for (const [key, buffer] of this.buffers) this.flushBuffer(key, buffer);
  }

  /** A new connection: nothing is sent until the room confirms each node's epoch with claim() and grants credit. */
  attach(link: PublishLink): void {
    this.link = link;
    this.generation += 1;
    this.live.clear();
    this.credits.clear();
  }

  detach(): void {
    this.link = undefined;
    this.live.clear();
    this.credits.clear();
  }

  /**
   * The room (re-)assigned `nodeId` with `epoch` on the current link: batches of that epoch not yet
   * sent on this link go out in seq order as credit allows; batches of any other epoch are dropped
   * (fencing). Returns how many batches were sent again.
   */
  claim(nodeId: string, epoch: number): number {
    this.live.set(nodeId, epoch);
    for (const [key, buffer] of this.buffers) {
      if (buffer.nodeId === nodeId && buffer.epoch !== epoch) this.dropBuffer(key, buffer);
    }
    for (const batch of [...this.unacked.values()]) {
      if (batch.nodeId === nodeId && batch.epoch !== epoch) this.dropBatch(batch);
    }
    let resent = 0;
    for (const [key, batches] of this.byPort) if (batches[0]?.nodeId === nodeId) resent += this.pump(key);
    return resent;
  }

  /** `credit` (DELIVERY-7): the port may publish up to these totals on this link; held batches go out. */
  credit(frame: RoomFrameOf<"credit">): void {
    const key = portKey(frame.nodeId, frame.port);
    const old = this.credits.get(key);
    const credit: Credit =
      old && old.epoch === frame.epoch
        ? { ...old, limit: Math.max(old.limit, frame.messages), limitBytes: Math.max(old.limitBytes, frame.bytes) }
        : { epoch: frame.epoch, limit: frame.messages, limitBytes: frame.bytes, sent: 0, sentBytes: 0 };
    this.credits.set(key, credit);
    this.pump(key);
    this.wakeCredit();
  }

  /**
   * Whether `port` of `nodeId` may take another message now: it has credit beyond what is already
   * waiting to go. A source checks this before generating (ctx.credit).
   */
  hasCredit(nodeId: string, port: string): boolean {
    // A full publish buffer is no room either: emits would be refused (and a source would spin on them).
    if (this.pending(nodeId) >= this.maxPending) return false;
    const key = portKey(nodeId, port);
    const credit = this.credits.get(key);
    if (!credit || credit.epoch !== this.live.get(nodeId)) return false;
    let queued = this.buffers.get(key)?.parts.length ?? 0;
    let queuedBytes = this.buffers.get(key)?.bytes ?? 0;
    for (const batch of this.byPort.get(key) ?? []) {
      if (batch.sentOn === this.generation) continue;
      queued += batch.count;
      queuedBytes += batch.bytes;
    }
    return credit.sent + queued < credit.limit && credit.sentBytes + queuedBytes < credit.limitBytes;
  }

  /** Resolves once every one of `ports` has credit (a transform without output credit takes no input). */
  waitForCredit(nodeId: string, ports: readonly string[]): Promise<void> {
    if (ports.every((port) => this.hasCredit(nodeId, port))) return Promise.resolve();
    return new Promise((resolve) => this.creditWaiters.push({ nodeId, ports, resolve }));
  }

  /** Forgets everything of `nodeId` (the process stopped or was replaced). Returns messages dropped. */
  release(nodeId: string): number {
    this.live.delete(nodeId);
    const before = this.pending(nodeId);
    for (const [key, buffer] of this.buffers) if (buffer.nodeId === nodeId) this.dropBuffer(key, buffer);
    for (const batch of [...this.unacked.values()]) if (batch.nodeId === nodeId) this.dropBatch(batch);
    this.pendingByNode.delete(nodeId);
    this.wake(nodeId);
    this.releaseCreditWaiters(nodeId);
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
    for (const batch of [...this.unacked.values()]) {
      if (batch.nodeId === nodeId && batch.epoch === epoch) this.dropBatch(batch);
    }
    this.releaseCreditWaiters(nodeId);
    return before - this.pending(nodeId);
  }

  /** `published{seq}`: the room stored the batch (less any messages it rejected). False for an unknown seq. */
  published(frame: RoomFrameOf<"published">): boolean {
    const batch = this.unacked.get(frame.seq);
    if (!batch) return false;
    this.dropBatch(batch);
    const rejected = frame.rejected ?? [];
    this.options.onAcked?.(batch.nodeId, batch.epoch, batch.count - rejected.length);
    if (rejected.length > 0) {
      const first = rejected[0];
      const reason = `${first?.code}: ${first?.message}${rejected.length > 1 ? ` (and ${rejected.length - 1} more)` : ""}`;
      this.options.onRefused?.(batch.nodeId, batch.epoch, rejected.length, reason);
    }
    this.pump(portKey(batch.nodeId, batch.port));
    return true;
  }

  /**
   * `error{ref: seq}`: the room refused the batch. `channel_full` (credit overrun) and `storage_failed`
   * keep it: it goes again, in order, once credit allows (after retryMs for a storage failure). Any other
   * code drops it for good and reports it through onRefused.
   */
  refused(seq: number, code: string, message: string): boolean {
    const batch = this.unacked.get(seq);
    if (!batch) return false;
    if (code === "channel_full" || code === "storage_failed") {
      const key = portKey(batch.nodeId, batch.port);
      const credit = this.credits.get(key);
      if (batch.sentOn === this.generation && credit?.epoch === batch.epoch) {
        credit.sent -= batch.count;
        credit.sentBytes -= batch.bytes;
      }
      batch.sentOn = 0;
      if (code === "storage_failed") {
        const timer = setTimeout(() => {
          this.retryTimers.delete(timer);
          this.pump(key);
        }, this.retryMs);
        this.retryTimers.add(timer);
      }
      return true;
    }
    this.dropBatch(batch);
    this.options.onRefused?.(batch.nodeId, batch.epoch, batch.count, `${code}: ${message}`);
    this.pump(portKey(batch.nodeId, batch.port));
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
    this.flushAll();
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
    const credit = this.creditWaiters;
    this.creditWaiters = [];
    for (const waiter of credit) waiter.resolve();
  }

  private nextId(): string {
    this.counter += 1;
    return `${this.idPrefix}-${this.counter.toString(36)}`;
  }

  private flushBuffer(key: string, buffer: PortBuffer): void {
    this.buffers.delete(key);
    if (buffer.parts.length === 0) return;
    this.seq += 1;
    const batch: Batch = {
      seq: this.seq,
      nodeId: buffer.nodeId,
      epoch: buffer.epoch,
      port: buffer.port,
      count: buffer.parts.length,
      bytes: buffer.bytes - buffer.parts.length,
      text: encodePublish(
        { seq: this.seq, nodeId: buffer.nodeId, epoch: buffer.epoch, port: buffer.port },
        buffer.parts,
      ),
      sentOn: 0,
    };
    this.unacked.set(batch.seq, batch);
    const list = this.byPort.get(key) ?? [];
    list.push(batch);
    this.byPort.set(key, list);
    const seqs = this.seqsByNode.get(batch.nodeId) ?? new Set<number>();
    seqs.add(batch.seq);
    this.seqsByNode.set(batch.nodeId, seqs);
    this.pump(key);
  }

  /** Whether a port could send a batch now: live, within credit, under maxInFlight, nothing waiting before it. */
  private canSend(key: string, nodeId: string, epoch: number): boolean {
    if (!this.link || this.live.get(nodeId) !== epoch) return false;
    const credit = this.credits.get(key);
    if (!credit || credit.epoch !== epoch || credit.sent >= credit.limit || credit.sentBytes >= credit.limitBytes)
      return false;
    let inFlight = 0;
    for (const batch of this.byPort.get(key) ?? []) {
      if (batch.sentOn !== this.generation) return false;
      inFlight += 1;
    }
    return inFlight < this.maxInFlight;
  }

  /**
   * Sends a port's unsent batches in seq order while its credit and in-flight room last; then, if nothing
   * waits, the port's gathering buffer too. Returns how many batches went.
   */
  private pump(key: string): number {
    const batches = this.byPort.get(key);
    if (!this.link) return 0;
    let sent = 0;
    let inFlight = 0;
    for (const batch of batches ?? []) {
      if (batch.sentOn === this.generation) {
        inFlight += 1;
        continue;
      }
      if (inFlight >= this.maxInFlight) break;
      if (this.live.get(batch.nodeId) !== batch.epoch) break;
      const credit = this.credits.get(key);
      // One batch may overshoot the credit it starts within; the room allows for that.
      if (
        !credit ||
        credit.epoch !== batch.epoch ||
        credit.sent >= credit.limit ||
        credit.sentBytes >= credit.limitBytes
      )
        break;
      credit.sent += batch.count;
      credit.sentBytes += batch.bytes;
      batch.sentOn = this.generation;
      this.link.send(batch.text);
      sent += 1;
      inFlight += 1;
    }
    const buffer = this.buffers.get(key);
    // A buffer left gathering while the port was busy goes now that it can (flushBuffer pumps again).
    // Only once it has lingered: a fast room must not turn every emit into a frame of its own.
    const lingered =
      buffer && (buffer.due || buffer.parts.length >= this.maxBatch || Date.now() - buffer.since >= this.lingerMs);
    if (buffer && lingered && this.canSend(key, buffer.nodeId, buffer.epoch)) this.flushBuffer(key, buffer);
    else if (buffer) this.lingerTimer ??= setTimeout(() => this.flush(), this.lingerMs);
    return sent;
  }

  private dropBuffer(key: string, buffer: PortBuffer): void {
    this.buffers.delete(key);
    this.decrement(buffer.nodeId, buffer.parts.length);
  }

  private dropBatch(batch: Batch): void {
    if (!this.unacked.delete(batch.seq)) return;
    const key = portKey(batch.nodeId, batch.port);
    const list = this.byPort.get(key);
    if (list) {
      const index = list.indexOf(batch);
      if (index >= 0) list.splice(index, 1);
      if (list.length === 0) this.byPort.delete(key);
    }
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
    this.wakeCredit();
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

  private wakeCredit(): void {
    if (this.creditWaiters.length === 0) return;
    const keep: typeof this.creditWaiters = [];
    for (const waiter of this.creditWaiters) {
      if (waiter.ports.every((port) => this.hasCredit(waiter.nodeId, port))) waiter.resolve();
      else keep.push(waiter);
    }
    this.creditWaiters = keep;
  }

  /** A released node's waiters go on (their process is stopping, so they will find nothing to do). */
  private releaseCreditWaiters(nodeId: string): void {
    const keep: typeof this.creditWaiters = [];
    for (const waiter of this.creditWaiters) {
      if (waiter.nodeId === nodeId) waiter.resolve();
      else keep.push(waiter);
    }
    this.creditWaiters = keep;
  }

  private wake(nodeId: string): void {
    if (this.pending(nodeId) >= this.maxPending) return;
    const waiters = this.roomWaiters.get(nodeId);
    if (!waiters) return;
    this.roomWaiters.delete(nodeId);
    for (const resolve of waiters) resolve();
  }
}

function portKey(nodeId: string, port: string): string {
  return `${nodeId}\u0000${port}`;
}

/** Why a message key or headers cannot go out (the room checks the same, shared/protocol.ts), or undefined. */
function emitOptionsProblem(options: EmitOptions): string | undefined {
  const { key, headers } = options;
  if (key !== undefined && (typeof key !== "string" || key.length > 256)) {
    return "emit: key must be a string of at most 256 characters";
  }
  if (headers === undefined) return undefined;
  if (typeof headers !== "object" || headers === null || Array.isArray(headers)) {
    return "emit: headers must be an object of strings";
  }
  for (const [name, value] of Object.entries(headers)) {
    if (typeof value !== "string") return `emit: header "${name.slice(0, 40)}" must be a string, got ${typeof value}`;
  }
  return undefined;
}
