// The room as broker (DESIGN "Messaging", PROTOCOL.md DELIVERY-*): one channel per edge, group commit of
// publish frames, leased deliveries, nacks and dead letters, and credit that carries back-pressure upstream.
// It sees the leader only through `BrokerLeader`: who may publish and ack for a node, and who receives.
import { utf8Bytes } from "../../shared/docModel.ts";
import type { GraphEdge } from "../../shared/graph.ts";
import { type DeliveryText, encodeDeliver, splitMessages } from "../../shared/hotFrames.ts";
import { BROKER, FRAME_BUDGET, LIMITS } from "../../shared/limits.ts";
import type { ErrorCode, Message, RoomFrame, WorkerFrameOf } from "../../shared/protocol.ts";
import type { EdgeStatus } from "../../shared/status.ts";
import { Credits, creditKey, type FreeRoom, UNLIMITED } from "./credit.ts";
import type { DeadLetterRow, NewDeadLetter, QueueStore, StoredBatch } from "./queueStore.ts";
import { RateMeter } from "./rateMeter.ts";

/** A process the leader lets publish and ack: where it runs and the ports it was started with. */
export interface Holder {
  workerId: string;
  connId: string;
  epoch: number;
  inputs: readonly string[];
  outputs: readonly string[];
}

export interface BrokerLeader {
  /** The process of `nodeId` that receives deliveries: assigned (not stopping) on a connected worker. */
  consumer(nodeId: string): Holder | undefined;
  /** The process (assigned or stopping) of `nodeId` at `epoch` on `workerId`, or undefined. */
  holder(nodeId: string, epoch: number, workerId: string): Holder | undefined;
}

export interface BrokerPorts {
  store: QueueStore;
  leader: BrokerLeader;
  now(): number;
  send(connId: string, frame: RoomFrame): void;
  /** Sends a frame already encoded (hot frames: deliver). */
  sendText(connId: string, text: string): void;
  /** Live edges leaving a node's output port (the dangling-edge rule applied). */
  edgesFrom(nodeId: string, port: string): readonly GraphEdge[];
  /**
   * Where a message `nodeId` failed on goes (ERROR-1, -2): the edges from its `error` port when wired, else
   * those from the graph's catch nodes; none: it is retried and at last dead-lettered.
   */
  errorEdges(nodeId: string): { edges: readonly GraphEdge[]; viaCatch: boolean };
  log(event: string, fields: Record<string, unknown>): void;
  /** Something shown in status changed (depths, dead letters). */
  changed(): void;
  /** Messages per second the whole room may take in (credit is paced to it); 0 or undefined: unlimited. */
  maxRate?: number;
  /**
   * Group commit across frames: when set, the broker stores publishes and deletions later, in one transaction,
   * when the shell calls commit() (soon after this is called); `published` goes out after that commit. When
   * unset, every frame is committed as it is handled.
   */
  commitSoon?(): void;
}

/** An edge's settings with defaults filled in. */
export interface EdgeSpec {
  id: string;
  from: string;
  fromPort: string;
  to: string;
  toPort: string;
  mode: "durable" | "memory";
  maxDepth: number;
  maxBytes: number;
  maxAttempts: number;
}

export function edgeSpec(edge: GraphEdge): EdgeSpec {
  return {
    id: edge.id,
    from: edge.from,
    fromPort: edge.fromPort,
    to: edge.to,
    toPort: edge.toPort,
    mode: edge.mode ?? "durable",
    maxDepth: edge.maxDepth ?? BROKER.maxDepth,
    maxBytes: edge.maxBytes ?? BROKER.maxBytes,
    maxAttempts: edge.maxAttempts ?? BROKER.maxAttempts,
  };
}

/** One message queued on one channel. */
interface Entry {
  /** Order in its channel: appended entries count up; a redelivered one goes back to its place. */
  seq: number;
  /** Its stored batch, or 0 for a message held only in memory (memory edge). */
  b: number;
  /** Its index in the batch. */
  i: number;
  /** JSON text of the Message; undefined while only SQLite holds it (read back when sent). */
  text: string | undefined;
  bytes: number;
  attempts: number;
  lastError: string;
}

/**
 * The deliveries of one deliver frame: consecutive delivery ids from `first`, one consumer, one deadline.
 * An entry leaves (undefined) when it is acked, nacked, expired or requeued; the block when none is left.
 * Blocks instead of one lease per message: an ack is an array lookup, not a map operation per message.
 */
interface LeaseBlock {
  first: number;
  entries: Array<Entry | undefined>;
  live: number;
  until: number;
  channel: Channel;
  nodeId: string;
  workerId: string;
  connId: string;
  epoch: number;
}

interface Channel {
  spec: EdgeSpec;
  /** Ready entries in seq order, from `head` on (a deque without shifting). */
  ready: Entry[];
  head: number;
  /** Lease blocks in the order they were given (so the oldest expires first), from `blocksHead` on. */
  blocks: LeaseBlock[];
  blocksHead: number;
  /** Deliveries outstanding (leased entries). */
  inflight: number;
  depth: number;
  bytes: number;
  /** No credit for the producer until the channel is back under half its limits (hysteresis). */
  paused: boolean;
  nextSeq: number;
  dead: number;
  meterIn: RateMeter;
  meterOut: RateMeter;
  totalIn: number;
  totalOut: number;
  /** When its consumer last acked or nacked a delivery: leases are renewed while it makes progress. */
  progressAt: number;
  /** The highest delivery id its consumer acked or nacked: it handles deliveries in order, so ones below are passed. */
  passed: number;
}

/** Delivery ids of one room start: start × 2^32 + a counter, so ids never repeat across restarts. */
const START_SPAN = 2 ** 32;
const DELIVER_BUDGET = LIMITS.maxFrameBytes - FRAME_BUDGET.deliverEnvelopeBytes;
const STORAGE_FAILED = "the room could not store the batch; it will be accepted when sent again";

export class Broker {
  private readonly store: QueueStore;
  private readonly channels = new Map<string, Channel>();
  /** Every channel's lease blocks in delivery-id order (ids only grow), from `blocksHead` on. */
  private blocks: LeaseBlock[] = [];
  private blocksHead = 0;
  /** Entries (across channels) still owed by each stored batch; the row goes once it reaches 0. */
  private readonly owed = new Map<number, number>();
  /** Batches with attempt rows (their delete removes those too). */
  private readonly attempted = new Set<number>();
  private readonly credits: Credits;
  /** Keys of batches recently stored, oldest first, for de-duplication (DELIVERY-2). */
  private readonly seen = new Set<string>();
  private readonly seenRing: Array<string | undefined> = [];
  private seenNext = 0;
  private readonly deadByEdge: Map<string, number>;
  private nextD: number;
  private nextB = 1;
  private resident = 0;
  /** Group commit: batches to insert (with the `published` each owes) and batch rows to delete. */
  private pendingRows: Array<{
    row: StoredBatch | undefined;
    connId: string;
    seq: number;
    /** Its de-duplication key, forgotten if the commit fails (so the batch is taken when sent again). */
    key: string | undefined;
    reply: RoomFrame;
  }> = [];
  private pendingDeletes: number[] = [];
  /** Batches queued but not yet committed; one done with before its commit is never written. */
  private readonly uncommitted = new Set<number>();

  constructor(
    private readonly ports: BrokerPorts,
    edges: Iterable<GraphEdge>,
  ) {
    this.store = ports.store;
    this.credits = new Credits(
      {
        now: ports.now,
        send: ports.send,
        freeRoom: (nodeId, port) => this.freeRoom(nodeId, port),
        holds: (nodeId, credit) =>
          this.ports.leader.holder(nodeId, credit.epoch, credit.workerId)?.connId === credit.connId,
      },
      ports.maxRate ?? 0,
    );
    this.nextD = ports.store.nextStart() * START_SPAN;
    this.deadByEdge = ports.store.deadLetterCounts();
    for (const edge of edges) this.channels.set(edge.id, this.newChannel(edgeSpec(edge)));
    this.load();
  }

  // ---- start: the stored batches become queued entries again ----------------------------------------

  private load(): void {
    const rows = this.store.attempts();
    const attempts = new Map(rows.map((row) => [`${row.b}\u0000${row.edge}\u0000${row.i}`, row]));
    for (const row of rows) this.attempted.add(row.b);
    const orphans: NewDeadLetter[] = [];
    const done: number[] = [];
    const now = this.ports.now();
    for (const batch of this.store.batches()) {
      this.nextB = Math.max(this.nextB, batch.b + 1);
      let owed = 0;
      for (const edgeId of batch.edges) {
        const channel = this.channels.get(edgeId);
        batch.messages.forEach((text, i) => {
          const row = attempts.get(`${batch.b}\u0000${edgeId}\u0000${i}`);
          if (!channel) {
            orphans.push({ edge: edgeId, msg: text, attempts: row?.attempts ?? 0, error: "edge removed", at: now });
            return;
          }
          owed += 1;
          this.append(channel, { b: batch.b, i, text, attempts: row?.attempts ?? 0, lastError: row?.error ?? "" });
        });
      }
      this.remember(batchKey(batch.messages.map(messageId)));
      if (owed > 0) this.owed.set(batch.b, owed);
      else done.push(batch.b);
    }
    if (orphans.length > 0 || done.length > 0) {
      this.store.transaction(() => {
        this.store.addDeadLetters(orphans);
        this.store.deleteBatches(done, true);
      });
      for (const row of orphans) this.deadByEdge.set(row.edge, (this.deadByEdge.get(row.edge) ?? 0) + 1);
    }
  }

  // ---- edges ----------------------------------------------------------------------------------------

  /**
   * The live edges changed: new ones get a channel, changed settings apply at once, and a removed edge's
   * messages go to its dead letters with reason `edge removed`, never silently away (DELIVERY-8).
   */
  syncEdges(edges: Iterable<GraphEdge>): void {
    const live = new Set<string>();
    const touchedProducers = new Set<string>();
    for (const edge of edges) {
      live.add(edge.id);
      const spec = edgeSpec(edge);
      const channel = this.channels.get(edge.id);
      if (!channel) {
        this.channels.set(edge.id, this.newChannel(spec));
        touchedProducers.add(creditKey(spec.from, spec.fromPort));
        continue;
      }
      if (JSON.stringify(channel.spec) === JSON.stringify(spec)) continue;
      const rewired = channel.spec.from !== spec.from || channel.spec.fromPort !== spec.fromPort;
      if (rewired) touchedProducers.add(creditKey(channel.spec.from, channel.spec.fromPort));
      const moved = channel.spec.to !== spec.to || channel.spec.toPort !== spec.toPort;
      channel.spec = spec;
      if (moved) this.requeueChannel(channel, () => true);
      this.updatePause(channel);
      touchedProducers.add(creditKey(spec.from, spec.fromPort));
      this.pump(channel);
    }
    const removed = [...this.channels.values()].filter((c) => !live.has(c.spec.id));
    for (const channel of removed) touchedProducers.add(creditKey(channel.spec.from, channel.spec.fromPort));
    if (removed.length > 0) this.deadLetterChannels(removed, "edge removed");
    for (const key of touchedProducers) this.credits.refreshKey(key);
    this.ports.changed();
  }

  private newChannel(spec: EdgeSpec): Channel {
    return {
      spec,
      ready: [],
      head: 0,
      blocks: [],
      blocksHead: 0,
      inflight: 0,
      depth: 0,
      bytes: 0,
      paused: false,
      nextSeq: 1,
      dead: 0,
      meterIn: new RateMeter(),
      meterOut: new RateMeter(),
      totalIn: 0,
      totalOut: 0,
      progressAt: Number.NEGATIVE_INFINITY,
      passed: 0,
    };
  }

  // ---- the leader's one event -------------------------------------------------------------------------

  /**
   * Who holds `nodeId` changed (assigned, stopping, moved, crashed, its worker gone or back). Leases held by
   * a process that may no longer ack go out again (DELIVERY-4); a new consumer gets the channel's messages,
   * and a new producer its credit.
   */
  holderChanged(nodeId: string): void {
    const consumer = this.ports.leader.consumer(nodeId);
    for (const channel of this.channels.values()) {
      if (channel.spec.to !== nodeId) continue;
      this.requeueChannel(
        channel,
        (block) => this.ports.leader.holder(nodeId, block.epoch, block.workerId)?.connId !== block.connId,
      );
      if (consumer) this.pump(channel);
    }
    this.credits.forgetStale(nodeId);
    if (consumer) for (const port of consumer.outputs) this.credits.grant(nodeId, port, consumer);
  }

  // ---- publish (DELIVERY-2, -5, -7) ---------------------------------------------------------------------

  /** `raw`: the frame's text, when the caller has it: messages are then stored as they came, not re-serialized. */
  publish(holder: Holder, frame: WorkerFrameOf<"publish">, raw?: string): void {
    const connId = holder.connId;
    if (!holder.outputs.includes(frame.port)) {
      this.refuse(connId, "unknown_port", `node ${frame.nodeId} has no output port "${frame.port}"`, frame.seq);
      return;
    }
    const texts: string[] = [];
    const sizes: number[] = [];
    const rejected: Array<{ id: string; code: ErrorCode; message: string }> = [];
    let total = 0;
    // DELIVERY-2: a batch the room stored before (a producer re-sends whole batches) is answered, not stored.
    const key = batchKey(frame.messages.map((m) => m.id));
    const duplicate = this.seen.has(key);
    const given = duplicate || raw === undefined ? undefined : splitMessages(raw, frame.messages.length);
    for (let i = 0; i < frame.messages.length && !duplicate; i++) {
      const message = frame.messages[i] as Message;
      const text = given?.[i] ?? JSON.stringify(message);
      const bytes = text.length * 3 <= LIMITS.maxMessageBytes ? text.length : utf8Bytes(text);
      if (bytes > LIMITS.maxMessageBytes) {
        rejected.push({
          id: message.id,
          code: "message_too_large",
          message: `message ${message.id} is ${bytes} bytes; the limit is ${LIMITS.maxMessageBytes}`,
        });
        continue;
      }
      texts.push(text);
      sizes.push(bytes);
      total += bytes;
    }
    const channels = this.ports
      .edgesFrom(frame.nodeId, frame.port)
      .map((e) => this.channels.get(e.id))
      .filter((c) => c !== undefined);
    for (const channel of channels) {
      const { maxDepth, maxBytes } = channel.spec;
      if (
        channel.depth + texts.length > maxDepth + BROKER.creditSlackMessages ||
        channel.bytes + total > maxBytes + BROKER.creditSlackBytes
      ) {
        const text =
          `edge ${channel.spec.id} holds ${channel.depth} messages (${channel.bytes} bytes; limits ${maxDepth} / ${maxBytes}); ` +
          "publish only within the credit the room grants";
        this.refuse(connId, "channel_full", text, frame.seq);
        return;
      }
    }
    const stored = channels.filter((c) => c.spec.mode === "durable" || c.depth >= BROKER.memorySpillDepth);
    const b = stored.length > 0 && texts.length > 0 ? this.nextB++ : 0;
    const reply: RoomFrame =
      rejected.length > 0 ? { type: "published", seq: frame.seq, rejected } : { type: "published", seq: frame.seq };
    // Deferred (group commit): queued and delivered now, stored with the next commit, `published` after it.
    // Past the resident budget a frame is committed at once, so its messages may leave memory.
    const deferred = b > 0 && this.ports.commitSoon !== undefined && this.resident <= BROKER.maxResidentBytes;
    if (b > 0) {
      const row: StoredBatch = { b, edges: stored.map((c) => c.spec.id), messages: texts };
      if (deferred) {
        this.uncommitted.add(b);
        this.pendingRows.push({ row, connId, seq: frame.seq, key, reply });
      } else {
        try {
          this.store.insertBatch(row);
        } catch (error) {
          this.ports.log("publish_store_failed", { nodeId: frame.nodeId, seq: frame.seq, error: String(error) });
          this.refuse(connId, "storage_failed", STORAGE_FAILED, frame.seq);
          return;
        }
      }
      this.owed.set(b, stored.length * texts.length);
    }
    this.remember(key);
    this.credits.received(frame.nodeId, frame.port, connId, frame.epoch, frame.messages.length, total);
    for (const channel of channels) {
      const durable = stored.includes(channel);
      const batch = durable ? b : 0;
      for (let i = 0; i < texts.length; i++) this.appendEntry(channel, batch, i, texts[i], sizes[i] as number, 0, "");
      channel.meterIn.add(this.ports.now(), texts.length);
      channel.totalIn += texts.length;
      this.updatePause(channel);
    }
    // With group commit every answer waits for the next commit, also one with nothing of its own to store:
    // it may repeat messages whose first copy is not committed yet.
    if (deferred) this.ports.commitSoon?.();
    else if (this.ports.commitSoon && this.pendingRows.length > 0) {
      this.pendingRows.push({ row: undefined, connId, seq: frame.seq, key: undefined, reply });
      this.ports.commitSoon();
    } else this.ports.send(connId, reply);
    for (const channel of channels) this.pump(channel);
    if (channels.length > 0) this.ports.changed();
  }

  private append(channel: Channel, item: Omit<Entry, "seq" | "bytes">, knownBytes?: number): void {
    this.appendEntry(
      channel,
      item.b,
      item.i,
      item.text,
      knownBytes ?? utf8Bytes(item.text ?? ""),
      item.attempts,
      item.lastError,
    );
  }

  /** The hot path of append: one object per queued message, nothing else allocated. */
  private appendEntry(
    channel: Channel,
    b: number,
    i: number,
    text: string | undefined,
    bytes: number,
    attempts: number,
    lastError: string,
  ): void {
    const entry: Entry = { seq: channel.nextSeq++, b, i, text, bytes, attempts, lastError };
    // Past the resident budget a stored message is read back from SQLite when it is sent.
    if (entry.b > 0 && !this.uncommitted.has(entry.b) && this.resident + bytes > BROKER.maxResidentBytes) {
      entry.text = undefined;
    } else this.resident += bytes;
    channel.ready.push(entry);
    channel.depth += 1;
    channel.bytes += bytes;
  }

  /** Adds a batch key to the de-duplication window; the oldest leaves once it is full (a ring, no iterators). */
  private remember(id: string | undefined): void {
    if (id === undefined || this.seen.has(id)) return;
    this.seen.add(id);
    const old = this.seenRing[this.seenNext];
    if (old !== undefined) this.seen.delete(old);
    this.seenRing[this.seenNext] = id;
    this.seenNext = (this.seenNext + 1) % BROKER.dedupWindow;
  }

  // ---- credit (DELIVERY-7) ------------------------------------------------------------------------

  /** Free room of a channel for its producer: none while paused. */
  private free(channel: Channel): { messages: number; bytes: number } {
    if (channel.paused) return { messages: 0, bytes: 0 };
    // A memory edge is granted only what it keeps in memory; past that it would spill to SQLite (DELIVERY-10).
    const depth =
      channel.spec.mode === "memory" ? Math.min(channel.spec.maxDepth, BROKER.memorySpillDepth) : channel.spec.maxDepth;
    return {
      messages: Math.max(0, depth - channel.depth),
      bytes: Math.max(0, channel.spec.maxBytes - channel.bytes),
    };
  }

  private updatePause(channel: Channel): boolean {
    const { maxDepth, maxBytes } = channel.spec;
    const was = channel.paused;
    if (!was && (channel.depth >= maxDepth || channel.bytes >= maxBytes)) channel.paused = true;
    else if (was && channel.depth <= maxDepth / 2 && channel.bytes <= maxBytes / 2) channel.paused = false;
    return was !== channel.paused;
  }

  /** The least free room of the edges leaving a port, and the grant threshold (UNLIMITED: none leaves). */
  private freeRoom(nodeId: string, port: string): FreeRoom {
    let messages = UNLIMITED;
    let bytes = UNLIMITED;
    let threshold: number = LIMITS.maxBatchMessages;
    for (const edge of this.ports.edgesFrom(nodeId, port)) {
      const channel = this.channels.get(edge.id);
      if (!channel) continue;
      const free = this.free(channel);
      messages = Math.min(messages, free.messages);
      bytes = Math.min(bytes, free.bytes);
      threshold = Math.min(threshold, Math.ceil(channel.spec.maxDepth / 4));
    }
    return { messages, bytes, threshold };
  }

  /** When the room's bucket holds a batch's worth again, if a producer waits for credit; else null. */
  refillAt(): number | null {
    return this.credits.refillAt();
  }

  /** The room's bucket has refilled: producers waiting for credit get it. */
  refill(): void {
    this.credits.refill();
  }

  // ---- deliver (DELIVERY-3) ---------------------------------------------------------------------------

  /** Sends ready messages to the channel's consumer, up to its window, in frames under the size limit. */
  private pump(channel: Channel): void {
    const consumer = this.ports.leader.consumer(channel.spec.to);
    if (!consumer?.inputs.includes(channel.spec.toPort)) return;
    while (channel.head < channel.ready.length && channel.inflight < BROKER.deliveryWindow) {
      const room = Math.min(BROKER.deliveryWindow - channel.inflight, LIMITS.maxBatchMessages);
      const entries: Entry[] = [];
      let bytes = 0;
      while (entries.length < room && channel.head < channel.ready.length) {
        const entry = channel.ready[channel.head] as Entry;
        const size = entry.bytes + FRAME_BUDGET.deliverPerMessageBytes;
        if (entries.length > 0 && bytes + size > DELIVER_BUDGET) break;
        entries.push(entry);
        bytes += size;
        channel.head += 1;
      }
      this.compact(channel);
      this.readBack(entries);
      const block: LeaseBlock = {
        first: this.nextD,
        entries,
        live: entries.length,
        until: this.ports.now() + BROKER.ackTimeoutMs,
        channel,
        nodeId: channel.spec.to,
        workerId: consumer.workerId,
        connId: consumer.connId,
        epoch: consumer.epoch,
      };
      this.nextD += entries.length;
      channel.blocks.push(block);
      this.blocks.push(block);
      channel.inflight += entries.length;
      const items: DeliveryText[] = [];
      for (let i = 0; i < entries.length; i++) {
        const entry = entries[i] as Entry;
        items.push({ d: block.first + i, attempt: entry.attempts + 1, text: entry.text ?? "{}" });
      }
      this.ports.sendText(
        consumer.connId,
        encodeDeliver(
          { nodeId: channel.spec.to, epoch: consumer.epoch, port: channel.spec.toPort, edge: channel.spec.id },
          items,
        ),
      );
    }
  }

  /** Drops the delivered prefix of the ready list once it is large. */
  private compact(channel: Channel): void {
    if (channel.head > 1024 && channel.head * 2 > channel.ready.length) {
      channel.ready = channel.ready.slice(channel.head);
      channel.head = 0;
    }
  }

  /** Fills in texts of entries only SQLite holds, reading each batch once. */
  private readBack(entries: Entry[]): void {
    const batches = new Map<number, string[] | undefined>();
    for (const entry of entries) {
      if (entry.text !== undefined) continue;
      if (!batches.has(entry.b)) batches.set(entry.b, this.store.batchMessages(entry.b));
      entry.text = batches.get(entry.b)?.[entry.i];
      if (entry.text !== undefined) this.resident += entry.bytes;
    }
  }

  // ---- ack, nack, lease expiry (DELIVERY-3, -4, -6) ------------------------------------------------------

  ack(holder: Holder, frame: WorkerFrameOf<"ack">): void {
    const touched = new Set<Channel>();
    const emptied: number[] = [];
    const now = this.ports.now();
    for (const d of frame.deliveries) {
      const block = this.leaseOf(d, frame.nodeId, holder);
      const entry = block && this.unlease(block, d);
      if (!block || !entry) continue;
      this.drop(block.channel, entry, emptied);
      block.channel.meterOut.add(now, 1);
      block.channel.totalOut += 1;
      block.channel.progressAt = now;
      block.channel.passed = Math.max(block.channel.passed, d);
      touched.add(block.channel);
    }
    if (emptied.length > 0) this.deleteBatches(emptied);
    this.afterRemoval(touched);
  }

  nack(holder: Holder, frame: WorkerFrameOf<"nack">): void {
    const touched = new Set<Channel>();
    const unknown: number[] = [];
    const dead: Array<{ channel: Channel; entry: Entry; error: string }> = [];
    const failed: Array<{ channel: Channel; entry: Entry }> = [];
    for (const d of frame.deliveries) {
      const block = this.leaseOf(d, frame.nodeId, holder);
      const entry = block && this.unlease(block, d);
      if (!block || !entry) {
        unknown.push(d);
        continue;
      }
      entry.attempts += 1;
      entry.lastError = frame.error.slice(0, LIMITS.maxErrorChars);
      block.channel.progressAt = this.ports.now();
      block.channel.passed = Math.max(block.channel.passed, d);
      failed.push({ channel: block.channel, entry });
      touched.add(block.channel);
    }
    // ERROR-1/-2: with an error wire (or a catch node) a failed message goes there at once, as an error message.
    const left = failed.length > 0 ? this.routeErrors(frame.nodeId, failed) : failed;
    for (const { channel, entry } of left) {
      if (entry.attempts >= channel.spec.maxAttempts) {
        const error = `failed ${entry.attempts} times (maxAttempts ${channel.spec.maxAttempts}); last error: ${entry.lastError}`;
        dead.push({ channel, entry, error });
      } else {
        this.putBack(channel, [entry]);
        if (entry.b > 0) this.saveAttempt(channel, entry);
      }
    }
    if (dead.length > 0) this.deadLetter(dead);
    if (unknown.length > 0) {
      const named = unknown.slice(0, 5).join(", ");
      this.refuse(
        holder.connId,
        "unknown_delivery",
        `nack for unknown or finished deliveries ${named}${unknown.length > 5 ? ` and ${unknown.length - 5} more` : ""}`,
      );
    }
    this.afterRemoval(touched);
    for (const channel of touched) this.pump(channel);
  }

  /** Leases past their ack timeout count an attempt and go again, or to dead letter. */
  expireLeases(): void {
    const now = this.ports.now();
    const dead: Array<{ channel: Channel; entry: Entry; error: string }> = [];
    const touched = new Set<Channel>();
    for (const channel of this.channels.values()) {
      const back: Entry[] = [];
      const expired: Entry[] = [];
      // DELIVERY-4: a consumer that acknowledged on this edge within the ack timeout is working through its
      // window (in order, one message at a time): the leases it has not reached yet are renewed, so a deep
      // backlog for a slow but healthy consumer is not redelivered. Ones it went past without an ack expire,
      // and so does everything of a consumer that made no progress for the timeout.
      const renewed = channel.progressAt + BROKER.ackTimeoutMs;
      // A snapshot: taking blocks out trims (and may compact) the channel's list.
      for (const block of channel.blocks.slice(channel.blocksHead)) {
        if (block.until > now) break;
        const ahead = block.first + block.entries.length - 1 > channel.passed;
        if (renewed > now && ahead) {
          block.until = renewed;
          continue;
        }
        if (block.live > 0) expired.push(...this.unleaseAll(block));
      }
      for (const entry of expired) {
        entry.attempts += 1;
        entry.lastError = `not acknowledged within ${BROKER.ackTimeoutMs} ms`;
        if (entry.attempts >= channel.spec.maxAttempts) {
          dead.push({ channel, entry, error: `${entry.lastError}, ${entry.attempts} times` });
        } else {
          back.push(entry);
          if (entry.b > 0) this.saveAttempt(channel, entry);
        }
        touched.add(channel);
      }
      if (back.length > 0) this.putBack(channel, back);
    }
    if (dead.length > 0) this.deadLetter(dead);
    this.afterRemoval(touched);
    for (const channel of touched) this.pump(channel);
  }

  /** When the next lease expires, or null. */
  wakeAt(): number | null {
    let next = Number.POSITIVE_INFINITY;
    for (const channel of this.channels.values()) {
      const first = channel.blocks[channel.blocksHead];
      if (first) next = Math.min(next, first.until);
    }
    return Number.isFinite(next) ? next : null;
  }

  /** The lease block holding delivery `d` for this node and holder, or undefined. */
  private leaseOf(d: number, nodeId: string, holder: Holder): LeaseBlock | undefined {
    let lo = this.blocksHead;
    let hi = this.blocks.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const block = this.blocks[mid] as LeaseBlock;
      if (d < block.first) hi = mid - 1;
      else if (d >= block.first + block.entries.length) lo = mid + 1;
      else {
        const ok = block.nodeId === nodeId && block.epoch === holder.epoch && block.workerId === holder.workerId;
        return ok ? block : undefined;
      }
    }
    return undefined;
  }

  /** Takes delivery `d` out of its block; returns its entry, or undefined when it was already out. */
  private unlease(block: LeaseBlock, d: number): Entry | undefined {
    const index = d - block.first;
    const entry = block.entries[index];
    if (!entry) return undefined;
    block.entries[index] = undefined;
    block.live -= 1;
    block.channel.inflight -= 1;
    if (block.live === 0) this.trimBlocks(block.channel);
    return entry;
  }

  /** Takes every entry still in a block out of it, in order. */
  private unleaseAll(block: LeaseBlock): Entry[] {
    const out: Entry[] = [];
    for (let i = 0; i < block.entries.length; i++) {
      const entry = block.entries[i];
      if (entry) out.push(entry);
    }
    block.entries.fill(undefined);
    block.channel.inflight -= block.live;
    block.live = 0;
    this.trimBlocks(block.channel);
    return out;
  }

  /** Drops finished blocks from the fronts of the channel's and the broker's lists (compacting now and then). */
  private trimBlocks(channel: Channel): void {
    while (
      channel.blocksHead < channel.blocks.length &&
      (channel.blocks[channel.blocksHead] as LeaseBlock).live === 0
    ) {
      channel.blocksHead += 1;
    }
    if (channel.blocksHead > 64 && channel.blocksHead * 2 > channel.blocks.length) {
      channel.blocks = channel.blocks.slice(channel.blocksHead);
      channel.blocksHead = 0;
    }
    while (this.blocksHead < this.blocks.length && (this.blocks[this.blocksHead] as LeaseBlock).live === 0) {
      this.blocksHead += 1;
    }
    if (this.blocksHead > 256 && this.blocksHead * 2 > this.blocks.length) {
      this.blocks = this.blocks.slice(this.blocksHead);
      this.blocksHead = 0;
    }
  }

  /** Every leased entry of a channel, oldest first (without taking them out). */
  private *leased(channel: Channel): Generator<Entry> {
    for (let k = channel.blocksHead; k < channel.blocks.length; k++) {
      for (const entry of (channel.blocks[k] as LeaseBlock).entries) if (entry) yield entry;
    }
  }

  private drop(channel: Channel, entry: Entry, emptied: number[]): void {
    channel.depth -= 1;
    channel.bytes -= entry.bytes;
    if (entry.text !== undefined) this.resident -= entry.bytes;
    if (entry.b === 0) return;
    const owed = (this.owed.get(entry.b) ?? 1) - 1;
    if (owed > 0) this.owed.set(entry.b, owed);
    else {
      this.owed.delete(entry.b);
      emptied.push(entry.b);
    }
  }

  /**
   * Batch rows every edge is done with: one not yet committed is simply never written; the others are
   * deleted with the next commit (at once without group commit). A delete that waits costs nothing but a
   * redelivery after a crash, which at-least-once allows.
   */
  private deleteBatches(bs: number[]): void {
    const committed = bs.filter((b) => !this.uncommitted.delete(b));
    if (committed.length === 0) return;
    if (this.ports.commitSoon) {
      for (const b of committed) this.pendingDeletes.push(b);
      this.ports.commitSoon();
      return;
    }
    const attempts = committed.some((b) => this.attempted.delete(b));
    this.store.deleteBatches(committed, attempts);
  }

  /**
   * Group commit: stores every publish since the last commit and deletes finished rows in one transaction,
   * then sends the `published` they owe. If storing fails, their producers get storage_failed (they send
   * again) and those messages leave the queues that have not sent them yet.
   */
  commit(): void {
    const rows = this.pendingRows;
    const deletes = this.pendingDeletes;
    this.pendingRows = [];
    this.pendingDeletes = [];
    if (rows.length === 0 && deletes.length === 0) return;
    const inserts = rows.filter(
      (r): r is (typeof rows)[number] & { row: StoredBatch } => r.row !== undefined && this.uncommitted.has(r.row.b),
    );
    const attempts = deletes.some((b) => this.attempted.has(b));
    try {
      this.store.transaction(() => {
        for (const r of inserts) this.store.insertBatch(r.row);
        if (deletes.length > 0) this.store.deleteBatches(deletes, attempts);
      });
    } catch (error) {
      this.ports.log("commit_failed", { batches: inserts.length, deletes: deletes.length, error: String(error) });
      this.pendingDeletes.push(...deletes);
      this.abandon(inserts);
      // A frame answered after a failed one may repeat its messages: it is refused too, to be sent again.
      const failed = new Set<(typeof rows)[number]>(inserts);
      let refusing = false;
      for (const r of rows) {
        refusing ||= failed.has(r);
        if (refusing) this.refuse(r.connId, "storage_failed", STORAGE_FAILED, r.seq);
        else this.ports.send(r.connId, r.reply);
      }
      return;
    }
    for (const b of deletes) this.attempted.delete(b);
    for (const r of inserts) this.uncommitted.delete(r.row.b);
    for (const r of rows) this.ports.send(r.connId, r.reply);
  }

  /** Batches whose commit failed: their messages leave the ready queues and their ids may come again. */
  private abandon(rows: Array<{ row: StoredBatch; key: string | undefined }>): void {
    if (rows.length === 0) return;
    const bs = new Set(rows.map((r) => r.row.b));
    for (const r of rows) {
      this.uncommitted.delete(r.row.b);
      this.owed.delete(r.row.b);
      if (r.key !== undefined) this.seen.delete(r.key);
    }
    for (const channel of this.channels.values()) {
      const kept: Entry[] = [];
      for (let i = channel.head; i < channel.ready.length; i++) {
        const entry = channel.ready[i] as Entry;
        if (bs.has(entry.b)) {
          channel.depth -= 1;
          channel.bytes -= entry.bytes;
          if (entry.text !== undefined) this.resident -= entry.bytes;
        } else kept.push(entry);
      }
      channel.ready = kept;
      channel.head = 0;
      this.updatePause(channel);
    }
  }

  private saveAttempt(channel: Channel, entry: Entry): void {
    this.attempted.add(entry.b);
    this.store.putAttempt({
      edge: channel.spec.id,
      b: entry.b,
      i: entry.i,
      attempts: entry.attempts,
      error: entry.lastError,
    });
  }

  /** Puts entries back at their place in the ready list (FIFO apart from redeliveries). */
  private putBack(channel: Channel, entries: Entry[]): void {
    const rest = channel.ready.slice(channel.head);
    channel.ready = [...entries, ...rest].sort((a, b) => a.seq - b.seq);
    channel.head = 0;
  }

  private requeueChannel(channel: Channel, stale: (block: LeaseBlock) => boolean): void {
    const back: Entry[] = [];
    for (const block of channel.blocks.slice(channel.blocksHead)) {
      if (block.live > 0 && stale(block)) back.push(...this.unleaseAll(block));
    }
    if (back.length > 0) this.putBack(channel, back);
  }

  private afterRemoval(touched: Set<Channel>): void {
    for (const channel of touched) {
      this.updatePause(channel);
      this.credits.refresh(channel.spec.from, channel.spec.fromPort);
      this.pump(channel);
    }
    if (touched.size > 0) this.ports.changed();
  }

  // ---- messages the room produces: failed messages on error ports, http-in, catch (ERROR-*, HOOK-*) ---------

  /**
   * Stores `messages` on every edge leaving `nodeId`'s `port`, as one batch, and delivers them; refused whole
   * (with the reason) when an edge lacks the room. For the room's own producers (http-in).
   */
  inject(
    nodeId: string,
    port: string,
    messages: readonly Message[],
  ): { edges: number } | { refused: string; kind: "too_large" | "full" | "storage_failed" } {
    const channels = this.channelsFor(this.ports.edgesFrom(nodeId, port));
    const texts = messages.map((m) => JSON.stringify(m));
    const tooLarge = texts.map(utf8Bytes).find((bytes) => bytes > LIMITS.maxMessageBytes);
    if (tooLarge !== undefined) {
      return {
        refused: `the message is ${tooLarge} bytes as JSON; the limit is ${LIMITS.maxMessageBytes}`,
        kind: "too_large",
      };
    }
    const full = this.roomProblem(channels, texts);
    if (full) return { refused: full, kind: "full" };
    if (channels.length === 0 || texts.length === 0) return { edges: channels.length };
    let rows: StoredRows;
    try {
      rows = this.store.transaction(() => this.storeRows(channels, texts));
    } catch (error) {
      this.ports.log("inject_store_failed", { nodeId, port, error: String(error) });
      return { refused: "the room could not store the message", kind: "storage_failed" };
    }
    this.appendRows(channels, rows);
    this.afterInject(channels);
    return { edges: channels.length };
  }

  /**
   * Failed deliveries of `nodeId` become error messages on its error edges (or the catch nodes' edges), and
   * leave their own edge, in one transaction. Returns those not routed, to be retried as usual: all of them
   * when there is nowhere to send them or an error edge is full, and error messages that failed again past
   * the loop guard (ERROR-3: a catch never takes an error message; an error wire at most MAX_ERROR_DEPTH deep).
   */
  private routeErrors(
    nodeId: string,
    failed: Array<{ channel: Channel; entry: Entry }>,
  ): Array<{ channel: Channel; entry: Entry }> {
    const { edges, viaCatch } = this.ports.errorEdges(nodeId);
    const channels = this.channelsFor(edges);
    if (channels.length === 0) return failed;
    this.readBack(failed.map((f) => f.entry));
    const limit = viaCatch ? 1 : MAX_ERROR_DEPTH;
    const route = failed.filter(({ entry }) => errorDepth(parseMessage(entry.text)) < limit);
    const left = failed.filter((f) => !route.includes(f));
    if (route.length === 0) return left;
    const now = this.ports.now();
    const texts = route.map(({ channel, entry }) => errorMessage(nodeId, channel.spec, entry, now));
    if (this.roomProblem(channels, texts)) return failed;
    // The batch rows the failed messages empty (worked out before anything changes, so a failed write
    // changes nothing in memory either).
    const counts = new Map<number, number>();
    for (const { entry } of route) if (entry.b > 0) counts.set(entry.b, (counts.get(entry.b) ?? 0) + 1);
    const emptied = [...counts].filter(([b, n]) => (this.owed.get(b) ?? 1) - n <= 0).map(([b]) => b);
    const deletes = emptied.filter((b) => !this.uncommitted.has(b));
    const attempts = deletes.some((b) => this.attempted.has(b));
    let rows: StoredRows;
    try {
      // The error messages and the deletion of what they came from land together: never both, never neither.
      rows = this.store.transaction(() => {
        const stored = this.storeRows(channels, texts);
        if (deletes.length > 0) this.store.deleteBatches(deletes, attempts);
        return stored;
      });
    } catch (error) {
      this.ports.log("errors_route_failed", { nodeId, count: texts.length, error: String(error) });
      return failed;
    }
    const dropped: number[] = [];
    for (const { channel, entry } of route) {
      this.drop(channel, entry, dropped);
      channel.meterOut.add(now, 1);
      channel.totalOut += 1;
    }
    for (const b of dropped) {
      this.uncommitted.delete(b);
      if (deletes.includes(b)) this.attempted.delete(b);
    }
    this.appendRows(channels, rows);
    this.afterInject(channels);
    this.ports.log("errors_routed", { nodeId, count: texts.length, edges: channels.map((c) => c.spec.id) });
    return left;
  }

  private channelsFor(edges: readonly GraphEdge[]): Channel[] {
    return edges.map((e) => this.channels.get(e.id)).filter((c) => c !== undefined);
  }

  /** Why `texts` do not fit on every channel (message size, depth, bytes), or undefined. */
  private roomProblem(channels: readonly Channel[], texts: readonly string[]): string | undefined {
    let total = 0;
    for (const text of texts) {
      const bytes = utf8Bytes(text);
      if (bytes > LIMITS.maxMessageBytes) return `a message is ${bytes} bytes; the limit is ${LIMITS.maxMessageBytes}`;
      total += bytes;
    }
    for (const channel of channels) {
      const { maxDepth, maxBytes } = channel.spec;
      if (channel.depth + texts.length > maxDepth || channel.bytes + total > maxBytes) {
        return `edge ${channel.spec.id} is full (${channel.depth} messages, ${channel.bytes} bytes; limits ${maxDepth} / ${maxBytes})`;
      }
    }
    return undefined;
  }

  /**
   * Stores messages for channels (call inside a transaction): rows of at most ROW_BYTES each when one of
   * the channels is durable (or spilling), none otherwise. Memory is changed only by appendRows, after.
   */
  private storeRows(channels: readonly Channel[], texts: readonly string[]): StoredRows {
    const stored = channels.filter((c) => c.spec.mode === "durable" || c.depth >= BROKER.memorySpillDepth);
    const rows: StoredRows = { stored, rows: [] };
    let current: { b: number; texts: string[]; bytes: number } | undefined;
    for (const text of texts) {
      const bytes = utf8Bytes(text);
      if (!current || current.bytes + bytes > ROW_BYTES) {
        current = { b: stored.length > 0 ? this.nextB++ : 0, texts: [], bytes: 0 };
        rows.rows.push(current);
      }
      current.texts.push(text);
      current.bytes += bytes;
    }
    if (stored.length > 0) {
      for (const row of rows.rows) {
        this.store.insertBatch({ b: row.b, edges: stored.map((c) => c.spec.id), messages: row.texts });
      }
    }
    return rows;
  }

  /** Queues stored rows on their channels (after storeRows' transaction committed). */
  private appendRows(channels: readonly Channel[], { stored, rows }: StoredRows): void {
    const now = this.ports.now();
    for (const row of rows) if (row.b > 0) this.owed.set(row.b, stored.length * row.texts.length);
    for (const channel of channels) {
      const durable = stored.includes(channel);
      let count = 0;
      for (const row of rows) {
        for (const [i, text] of row.texts.entries()) {
          this.appendEntry(channel, durable ? row.b : 0, i, text, utf8Bytes(text), 0, "");
        }
        count += row.texts.length;
      }
      channel.meterIn.add(now, count);
      channel.totalIn += count;
    }
  }

  private afterInject(channels: readonly Channel[]): void {
    for (const channel of channels) {
      this.updatePause(channel);
      this.credits.refresh(channel.spec.from, channel.spec.fromPort);
      this.pump(channel);
    }
    this.ports.changed();
  }

  // ---- dead letters (DELIVERY-6, -8) ------------------------------------------------------------------

  private deadLetter(items: Array<{ channel: Channel; entry: Entry; error: string }>): void {
    const now = this.ports.now();
    this.readBack(items.map((item) => item.entry));
    const rows: NewDeadLetter[] = items.map(({ channel, entry, error }) => ({
      edge: channel.spec.id,
      msg: entry.text ?? "{}",
      attempts: entry.attempts,
      error,
      at: now,
    }));
    const emptied: number[] = [];
    for (const { channel, entry } of items) this.drop(channel, entry, emptied);
    // The dead letters and the deletion of the rows they empty land together: a message is never in both.
    const deletes = emptied.filter((b) => !this.uncommitted.delete(b));
    const attempts = deletes.some((b) => this.attempted.delete(b));
    this.store.transaction(() => {
      this.store.addDeadLetters(rows);
      if (deletes.length > 0) this.store.deleteBatches(deletes, attempts);
    });
    for (const { channel } of items) {
      channel.dead += 1;
      this.deadByEdge.set(channel.spec.id, (this.deadByEdge.get(channel.spec.id) ?? 0) + 1);
    }
    this.ports.log("dead_lettered", { count: rows.length, edges: [...new Set(rows.map((r) => r.edge))].slice(0, 10) });
  }

  private deadLetterChannels(channels: Channel[], error: string): void {
    const items: Array<{ channel: Channel; entry: Entry; error: string }> = [];
    for (const channel of channels) {
      for (const block of channel.blocks.slice(channel.blocksHead)) {
        for (const entry of this.unleaseAll(block)) items.push({ channel, entry, error });
      }
      for (let i = channel.head; i < channel.ready.length; i++)
        items.push({ channel, entry: channel.ready[i] as Entry, error });
      channel.ready = [];
      channel.head = 0;
    }
    if (items.length > 0) this.deadLetter(items);
    for (const channel of channels) this.channels.delete(channel.spec.id);
  }

  /** Dead letters of an edge (all edges when undefined), oldest first, after id `after`. */
  deadLetters(edge: string | undefined, after: number, limit: number): DeadLetterRow[] {
    return this.store.deadLetters(edge, after, Math.min(limit, BROKER.deadLetterPage));
  }

  /**
   * Puts dead letters back on their edge, at the end, with their attempts reset (one page per call).
   * Refused when the edge is gone.
   */
  replay(edge: string, ids: readonly number[] | "all"): { replayed: number; left: number } | { error: string } {
    const channel = this.channels.get(edge);
    if (!channel) return { error: `edge ${edge} is not in the graph; its dead letters can only be purged` };
    // Stored like the room's other messages (rows under ROW_BYTES), queued only once the transaction committed.
    const { taken, stored } = this.store.transaction(() => {
      const taken = this.store.takeDeadLetters(edge, ids, BROKER.deadLetterPage);
      const messages = taken.map((r) => r.msg);
      return { taken, stored: taken.length > 0 ? this.storeRows([channel], messages) : undefined };
    });
    this.adjustDead(edge, -taken.length);
    if (stored) this.appendRows([channel], stored);
    this.afterInject([channel]);
    return { replayed: taken.length, left: this.deadByEdge.get(edge) ?? 0 };
  }

  purge(edge: string, ids: readonly number[] | "all"): number {
    const rows = this.store.takeDeadLetters(edge, ids, ids === "all" ? Number.MAX_SAFE_INTEGER : BROKER.deadLetterPage);
    this.adjustDead(edge, -rows.length);
    this.ports.changed();
    return rows.length;
  }

  private adjustDead(edge: string, by: number): void {
    const n = Math.max(0, (this.deadByEdge.get(edge) ?? 0) + by);
    if (n > 0) this.deadByEdge.set(edge, n);
    else this.deadByEdge.delete(edge);
    const channel = this.channels.get(edge);
    if (channel) channel.dead = n;
  }

  // ---- visibility ----------------------------------------------------------------------------------

  /** The first `n` messages queued on an edge (in flight first), without changing anything. */
  peek(edge: string, n: number): Array<{ message: Message; attempts: number; inflight: boolean }> | undefined {
    const channel = this.channels.get(edge);
    if (!channel) return undefined;
    const out: Array<{ entry: Entry; inflight: boolean }> = [];
    for (const entry of this.leased(channel)) {
      if (out.length >= n) break;
      out.push({ entry, inflight: true });
    }
    for (let i = channel.head; i < channel.ready.length && out.length < n; i++)
      out.push({ entry: channel.ready[i] as Entry, inflight: false });
    const texts = new Map<number, string[] | undefined>();
    return out.map(({ entry, inflight }) => {
      let text = entry.text;
      if (text === undefined) {
        if (!texts.has(entry.b)) texts.set(entry.b, this.store.batchMessages(entry.b));
        text = texts.get(entry.b)?.[entry.i] ?? "{}";
      }
      return { message: JSON.parse(text) as Message, attempts: entry.attempts, inflight };
    });
  }

  edgeStatus(): EdgeStatus[] {
    const now = this.ports.now();
    return [...this.channels.values()]
      .map((c) => ({
        id: c.spec.id,
        from: c.spec.from,
        fromPort: c.spec.fromPort,
        to: c.spec.to,
        toPort: c.spec.toPort,
        mode: c.spec.mode,
        depth: c.depth,
        inflight: c.inflight,
        bytes: c.bytes,
        rateIn: c.meterIn.rate(now),
        rateOut: c.meterOut.rate(now),
        totalIn: c.totalIn,
        totalOut: c.totalOut,
        deadLetters: this.deadByEdge.get(c.spec.id) ?? 0,
        paused: c.paused,
        maxDepth: c.spec.maxDepth,
        maxBytes: c.spec.maxBytes,
      }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** The graph was deleted: forget every queue and dead letter (the document is gone, and with it every edge). */
  reset(): void {
    this.store.clear();
    for (const map of [this.channels, this.owed, this.deadByEdge]) map.clear();
    this.blocks = [];
    this.blocksHead = 0;
    this.credits.clear();
    this.pendingRows = [];
    this.pendingDeletes = [];
    this.uncommitted.clear();
    this.attempted.clear();
    this.seen.clear();
    this.seenRing.length = 0;
    this.seenNext = 0;
    this.resident = 0;
    this.ports.changed();
  }

  private refuse(connId: string, code: ErrorCode, message: string, ref?: number): void {
    this.ports.send(
      connId,
      ref === undefined ? { type: "error", code, message } : { type: "error", code, message, ref },
    );
  }
}

/**
 * What identifies a batch for de-duplication: its first and last message ids and its size (ids are unique per
 * producer, and a producer re-sends a batch whole). One key per frame, not per message, keeps the window cheap.
 */
function batchKey(ids: ReadonlyArray<string | undefined>): string {
  return `${ids[0] ?? ""}\u0000${ids.at(-1) ?? ""}\u0000${ids.length}`;
}

/** The id of a stored message text, for de-duplication after a restart. */
function messageId(text: string): string | undefined {
  try {
    const id = (JSON.parse(text) as { id?: unknown }).id;
    return typeof id === "string" ? id : undefined;
  } catch {
    return undefined;
  }
}

/** Batch rows the room writes for its own messages stay under this (a SQLite row may hold 2 MB). */
const ROW_BYTES = 1024 * 1024;

/** What storeRows wrote: the channels that keep rows, and the rows with their batch numbers. */
interface StoredRows {
  stored: Channel[];
  rows: Array<{ b: number; texts: string[]; bytes: number }>;
}

/** An error message that fails again goes to an error wire at most this many times (ERROR-3). */
const MAX_ERROR_DEPTH = 3;
/** The header the room sets on error messages: how many times the message was wrapped as one (ERROR-3). */
export const ERROR_DEPTH_HEADER = "weft-error-depth";

/** How many times a message was wrapped as an error message, from the header only the room sets. */
function errorDepth(message: Message | undefined): number {
  const depth = Number(message?.headers?.[ERROR_DEPTH_HEADER] ?? 0);
  return Number.isInteger(depth) && depth > 0 ? depth : 0;
}

function parseMessage(text: string | undefined): Message | undefined {
  try {
    return JSON.parse(text ?? "") as Message;
  } catch {
    return undefined;
  }
}

/**
 * The error message for a failed delivery (ERROR-1): what failed, where, and the message itself; its key and
 * headers are kept. A message too large to wrap whole keeps its id, key and headers only.
 */
function errorMessage(nodeId: string, spec: EdgeSpec, entry: Entry, now: number): string {
  const original = parseMessage(entry.text);
  // Unique per failing node and attempt, within the 128 characters an id may have.
  const id = `${(original?.id ?? `b${entry.b}-${entry.i}`).slice(0, 50)}!error${entry.attempts}@${nodeId}`;
  const headers = { ...original?.headers, [ERROR_DEPTH_HEADER]: String(errorDepth(original) + 1) };
  const value = {
    error: entry.lastError,
    nodeId,
    port: spec.toPort,
    edge: spec.id,
    attempts: entry.attempts,
    message: original ?? null,
  };
  const head: Record<string, unknown> = { id };
  if (original?.key !== undefined) head.key = original.key;
  const text = JSON.stringify({ ...head, value, headers, ts: now });
  if (utf8Bytes(text) <= LIMITS.maxMessageBytes - 1024) return text;
  const { value: _dropped, ...rest } = original ?? { id };
  return JSON.stringify({ ...head, value: { ...value, message: { ...rest, truncated: true } }, headers, ts: now });
}
