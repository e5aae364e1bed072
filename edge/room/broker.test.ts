// Seeded property tests of the pure broker (fast-check; the seed is printed, WEFT_SEED=<seed> replays it):
// publish, deliver, ack, nack, lease expiry, consumer loss, edge removal, storage failures and restarts in
// any interleaving. Invariant (DELIVERY-2..8): every message the room acknowledged reaches each of its
// edges at least once, or that edge's dead letters; and once everything is acked the store holds nothing.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { GraphEdge } from "../../shared/graph.ts";
import { BROKER } from "../../shared/limits.ts";
import { parseRoomFrame, type RoomFrame, type WorkerFrameOf } from "../../shared/protocol.ts";
import { fuzzSeeds } from "../../shared/testing/seeds.ts";
import { Broker, type BrokerLeader, type Holder } from "./broker.ts";
import { MemoryQueueStore } from "./queueStore.ts";

type Op =
  | { kind: "publish"; size: number; resend: boolean }
  | { kind: "ack"; share: number }
  | { kind: "nack"; share: number }
  | { kind: "expire" }
  | { kind: "consumerLost" }
  | { kind: "consumerBack" }
  | { kind: "removeEdge"; edge: number }
  | { kind: "addEdge" }
  | { kind: "failNextStore" }
  | { kind: "commit" }
  | { kind: "restart" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("publish" as const),
      size: fc.integer({ min: 1, max: 40 }),
      resend: fc.boolean(),
    }),
  },
  {
    weight: 5,
    arbitrary: fc.record({ kind: fc.constant("ack" as const), share: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
  {
    weight: 2,
    arbitrary: fc.record({ kind: fc.constant("nack" as const), share: fc.double({ min: 0, max: 1, noNaN: true }) }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: "expire" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "consumerLost" as const }) },
  { weight: 2, arbitrary: fc.constant({ kind: "consumerBack" as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("removeEdge" as const), edge: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.constant({ kind: "addEdge" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "failNextStore" as const }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: "commit" as const }) },
);

/** A graph src → sink over several edges, one producer and one consumer process, fake time and sockets. */
class World {
  now = 1_000_000;
  readonly store = new MemoryQueueStore();
  edges: GraphEdge[] = [];
  nextEdge = 1;
  consumerEpoch = 1;
  consumerUp = true;
  readonly producer: Holder = { workerId: "wp", connId: "cp", epoch: 1, inputs: [], outputs: ["out"] };
  /** Deliveries the consumer holds, by edge: [d, message id]. */
  held: Array<{ d: number; id: string; edge: string; epoch: number }> = [];
  /** Message ids acknowledged by the room (published), per edge that was live when stored. */
  readonly owed = new Map<string, Set<string>>();
  /** Message ids the consumer acked, per edge. */
  readonly acked = new Map<string, Set<string>>();
  lastBatch: WorkerFrameOf<"publish"> | undefined;
  /** Room starts so far, and the start each message was first acknowledged in. */
  starts = 0;
  readonly firstStart = new Map<string, number>();
  seq = 0;
  msg = 0;
  broker: Broker;
  private readonly replies: RoomFrame[] = [];
  /** Publishes sent and not yet answered, with the edges live when they were sent. */
  private readonly sent = new Map<number, { frame: WorkerFrameOf<"publish">; edges: string[] }>();

  /** `deferred`: group commit (the broker stores and answers on commit()). */
  constructor(readonly deferred = false) {
    this.edges = [this.edge(), this.edge({ mode: "memory" }), this.edge({ maxAttempts: 2 })];
    this.broker = this.start();
  }

  edge(over: Partial<GraphEdge> = {}): GraphEdge {
    return { id: `e${this.nextEdge++}`, from: "src", fromPort: "out", to: "sink", toPort: "in", ...over };
  }

  consumer(): Holder | undefined {
    return this.consumerUp
      ? { workerId: "wc", connId: `cc${this.consumerEpoch}`, epoch: this.consumerEpoch, inputs: ["in"], outputs: [] }
      : undefined;
  }

  start(): Broker {
    const leader: BrokerLeader = {
      consumer: (nodeId) => (nodeId === "sink" ? this.consumer() : nodeId === "src" ? this.producer : undefined),
      holder: (nodeId, epoch, workerId) => {
        const h = nodeId === "sink" ? this.consumer() : nodeId === "src" ? this.producer : undefined;
        return h && h.epoch === epoch && h.workerId === workerId ? h : undefined;
      },
    };
    const broker = new Broker(
      {
        store: this.store,
        leader,
        now: () => this.now,
        send: (_connId, frame) => {
          this.replies.push(frame);
          if (frame.type === "published") this.answered(frame.seq);
        },
        sendText: (connId, text) => {
          const parsed = parseRoomFrame(text);
          if (!parsed.ok) throw new Error(`invalid deliver frame: ${parsed.message}`);
          const frame = parsed.frame;
          if (frame.type !== "deliver") throw new Error(`unexpected ${frame.type}`);
          const consumer = this.consumer();
          if (!consumer || connId !== consumer.connId)
            throw new Error(`delivery to a connection not the consumer's: ${connId}`);
          for (const m of frame.messages) this.held.push({ d: m.d, id: m.id, edge: frame.edge, epoch: frame.epoch });
        },
        edgesFrom: (nodeId, port) => (nodeId === "src" && port === "out" ? this.edges : []),
        errorEdges: () => ({ edges: [], viaCatch: false }),
        log: () => {},
        changed: () => {},
        ...(this.deferred ? { commitSoon: () => {} } : {}),
      },
      this.edges,
    );
    broker.holderChanged("src");
    broker.holderChanged("sink");
    return broker;
  }

  run(op: Op): void {
    switch (op.kind) {
      case "publish": {
        const frame: WorkerFrameOf<"publish"> =
          op.resend && this.lastBatch
            ? this.lastBatch
            : {
                type: "publish",
                seq: ++this.seq,
                nodeId: "src",
                epoch: 1,
                port: "out",
                messages: Array.from({ length: op.size }, () => ({
                  id: `m${++this.msg}`,
                  value: this.msg,
                  ts: this.now,
                })),
              };
        this.lastBatch = frame;
        // A copy sent again keeps the first copy's edges (that is where the room stored it).
        if (!this.sent.has(frame.seq)) this.sent.set(frame.seq, { frame, edges: this.edges.map((e) => e.id) });
        this.broker.publish(this.producer, frame);
        break;
      }
      case "ack":
      case "nack": {
        const consumer = this.consumer();
        if (!consumer) break;
        const count = Math.floor(this.held.length * op.share);
        const chosen = this.held.splice(0, count);
        if (chosen.length === 0) break;
        const deliveries = chosen.map((h) => h.d);
        if (op.kind === "ack") {
          for (const h of chosen) if (h.epoch === consumer.epoch) this.mark(h.edge, h.id);
          this.broker.ack(consumer, { type: "ack", nodeId: "sink", epoch: consumer.epoch, deliveries });
        } else
          this.broker.nack(consumer, {
            type: "nack",
            nodeId: "sink",
            epoch: consumer.epoch,
            deliveries,
            error: "failed",
          });
        break;
      }
      case "expire":
        this.now += BROKER.ackTimeoutMs + 1;
        this.held = [];
        this.broker.expireLeases();
        break;
      case "consumerLost":
        this.consumerUp = false;
        this.held = [];
        this.broker.holderChanged("sink");
        break;
      case "consumerBack":
        if (this.consumerUp) break;
        this.consumerUp = true;
        this.consumerEpoch += 1;
        this.broker.holderChanged("sink");
        break;
      case "removeEdge": {
        const edge = this.edges[op.edge % Math.max(1, this.edges.length)];
        if (!edge || this.edges.length === 1) break;
        this.edges = this.edges.filter((e) => e !== edge);
        this.held = this.held.filter((h) => h.edge !== edge.id);
        this.broker.syncEdges(this.edges);
        break;
      }
      case "addEdge":
        this.edges = [...this.edges, this.edge()];
        this.broker.syncEdges(this.edges);
        break;
      case "failNextStore":
        this.store.failOn.add("insertBatch");
        break;
      case "commit":
        this.broker.commit();
        break;
      case "restart":
        // Memory edges lose what only memory held (DELIVERY-10): they owe nothing across a restart.
        for (const edge of this.edges) if (edge.mode === "memory") this.owed.delete(edge.id);
        this.held = [];
        this.store.failOn.clear();
        this.starts += 1;
        // What was not committed is lost with the room; its producer never got `published` for it.
        this.sent.clear();
        this.broker = this.start();
        break;
      default: {
        const never: never = op;
        throw new Error(`unknown op ${JSON.stringify(never)}`);
      }
    }
  }

  /**
   * The room acknowledged a publish. Its messages are owed by the edges live when it was sent; a copy sent
   * again is a duplicate the room drops (DELIVERY-2), whatever edges came or memory was lost meanwhile.
   */
  answered(seq: number): void {
    const sent = this.sent.get(seq);
    if (!sent) return;
    this.sent.delete(seq);
    const fresh = sent.frame.messages.filter((m) => !this.firstStart.has(m.id));
    for (const m of fresh) this.firstStart.set(m.id, this.starts);
    for (const edge of sent.edges) {
      if (!this.edges.some((e) => e.id === edge) && !this.owed.has(edge)) continue;
      const set = this.owed.get(edge) ?? new Set<string>();
      for (const m of fresh) set.add(m.id);
      this.owed.set(edge, set);
    }
  }

  mark(edge: string, id: string): void {
    const set = this.acked.get(edge) ?? new Set<string>();
    set.add(id);
    this.acked.set(edge, set);
  }

  /** Brings the consumer back and acks everything until the edges are empty (bounded). */
  drain(): void {
    this.store.failOn.clear();
    this.broker.commit();
    this.run({ kind: "consumerBack" });
    for (let round = 0; round < 10_000 && this.held.length > 0; round++) {
      this.run({ kind: "ack", share: 1 });
      this.broker.commit();
    }
  }
}

describe("broker properties (DELIVERY-2..8)", () => {
  for (const seed of fuzzSeeds([20261202, 7])) {
    it(`seed ${seed}: every acknowledged message reaches each edge or its dead letters; drained, storage is empty`, () => {
      fc.assert(
        fc.property(fc.array(opArb, { minLength: 1, maxLength: 80 }), fc.boolean(), (ops, deferred) => {
          const world = new World(deferred);
          for (const op of ops) world.run(op);
          world.drain();
          const dead = new Map<string, Set<string>>();
          for (const row of world.broker.deadLetters(undefined, 0, 100_000)) {
            const set = dead.get(row.edge) ?? new Set<string>();
            set.add((JSON.parse(row.msg) as { id: string }).id);
            dead.set(row.edge, set);
          }
          for (const [edge, ids] of world.owed) {
            for (const id of ids) {
              if (!world.acked.get(edge)?.has(id) && !dead.get(edge)?.has(id)) {
                throw new Error(
                  `message ${id} was acknowledged for edge ${edge} but neither delivered nor dead-lettered`,
                );
              }
            }
          }
          expect(world.broker.edgeStatus().map((e) => [e.id, e.depth, e.inflight])).toEqual(
            world.edges.map((e) => [e.id, 0, 0]),
          );
          // Acked rows are deleted: nothing stays in the batches table (DELIVERY-2, storage bounded).
          expect(world.store.batches()).toEqual([]);
        }),
        { seed, numRuns: 150 },
      );
    });
  }

  it("FIFO per edge when nothing is redelivered: first deliveries come in publish order", () => {
    const world = new World();
    for (let i = 0; i < 100; i++) world.run({ kind: "publish", size: 25, resend: false });
    const firsts = world.held.filter((h) => h.edge === "e1").map((h) => Number(h.id.slice(1)));
    expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
    expect(firsts).toHaveLength(BROKER.deliveryWindow);
  });
});
