// Tests for the publisher (DELIVERY-2): batching by linger and size, acks, re-send after reconnect, fencing, bounds.
import { afterEach, describe, expect, it, vi } from "vitest";
import { BROKER, LIMITS } from "../shared/limits.ts";
import { parseWorkerFrame, type WorkerFrameOf } from "../shared/protocol.ts";
import { Publisher, type PublisherOptions } from "./publisher.ts";

/** A fake socket: records every frame, validated with the room's own parser. */
class FakeLink {
  readonly frames: Array<WorkerFrameOf<"publish">> = [];
  send(text: string): void {
    const parsed = parseWorkerFrame(text);
    if (!parsed.ok) throw new Error(`invalid frame: ${parsed.message}`);
    if (parsed.frame.type !== "publish") throw new Error(`unexpected ${parsed.frame.type}`);
    this.frames.push(parsed.frame);
  }
  seqs(): number[] {
    return this.frames.map((frame) => frame.seq);
  }
}

function setup(options: Partial<PublisherOptions> = {}) {
  const acked: Array<[string, number, number]> = [];
  const refused: string[] = [];
  const publisher = new Publisher({
    workerId: "w1",
    onAcked: (nodeId, epoch, count) => acked.push([nodeId, epoch, count]),
    onRefused: (_nodeId, _epoch, count, reason) => refused.push(`${count} ${reason}`),
    ...options,
  });
  const link = new FakeLink();
  publisher.attach(link);
  /** The room's assign and its credit (DELIVERY-7) for port "out": plenty, unless `messages` says how much. */
  const claim = (nodeId: string, epoch: number, messages = 1_000_000) => {
    publisher.credit({ type: "credit", nodeId, epoch, port: "out", messages, bytes: 1e12 });
    return publisher.claim(nodeId, epoch);
  };
  return { publisher, link, acked, refused, claim };
}

const published = (seq: number) => ({ type: "published" as const, seq });

afterEach(() => {
  vi.useRealTimers();
});

describe("Publisher batching", () => {
  it("sends one frame per (node, port) after the linger, with unique ids and increasing seqs", () => {
    vi.useFakeTimers();
    const { publisher, link, claim } = setup();
    claim("a", 1);
    claim("b", 2);
    for (let i = 0; i < 3; i++) expect(publisher.emit("a", 1, "out", i)).toBeUndefined();
    publisher.emit("b", 2, "out", { x: 1 });
    expect(link.frames).toHaveLength(0);
    vi.advanceTimersByTime(BROKER.lingerMs);
    expect(link.frames.map((f) => [f.nodeId, f.epoch, f.port, f.messages.map((m) => m.value)])).toEqual([
      ["a", 1, "out", [0, 1, 2]],
      ["b", 2, "out", [{ x: 1 }]],
    ]);
    expect(link.seqs()).toEqual([1, 2]);
    const ids = link.frames.flatMap((f) => f.messages.map((m) => m.id));
    expect(new Set(ids).size).toBe(4);
    publisher.close();
  });

  it("sends a full batch at once without waiting for the linger", () => {
    vi.useFakeTimers();
    const { publisher, link, claim } = setup({ maxBatch: 500 });
    claim("a", 1);
    for (let i = 0; i < 1200; i++) publisher.emit("a", 1, "out", i);
    expect(link.frames.map((f) => f.messages.length)).toEqual([500, 500]);
    vi.advanceTimersByTime(BROKER.lingerMs);
    expect(link.frames.map((f) => f.messages.length)).toEqual([500, 500, 200]);
    expect(link.frames.flatMap((f) => f.messages.map((m) => m.value))).toEqual([...Array(1200).keys()]);
    publisher.close();
  });

  it("keeps every frame under the frame limit (FRAME-1)", () => {
    const { publisher, link, claim } = setup();
    claim("a", 1);
    const big = "x".repeat(200_000);
    for (let i = 0; i < 12; i++) publisher.emit("a", 1, "out", big);
    publisher.flush();
    expect(link.frames.reduce((n, f) => n + f.messages.length, 0)).toBe(12);
    for (const frame of link.frames) expect(JSON.stringify(frame).length).toBeLessThanOrEqual(LIMITS.maxFrameBytes);
    publisher.close();
  });

  it("refuses values that are not JSON or too large (DELIVERY-5) without throwing", () => {
    const { publisher } = setup();
    expect(publisher.emit("a", 1, "out", undefined as never)).toMatch(/JSON value/);
    expect(publisher.emit("a", 1, "out", 10n as never)).toMatch(/JSON value/);
    expect(publisher.emit("a", 1, "out", "x".repeat(LIMITS.maxMessageBytes))).toMatch(/exceeds/);
    expect(publisher.pending("a")).toBe(0);
    publisher.close();
  });
});

describe("Publisher acks and re-sends (DELIVERY-2)", () => {
  it("forgets a batch on published and reports the count", () => {
    const { publisher, link, acked, claim } = setup();
    claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    publisher.emit("a", 1, "out", 2);
    publisher.flush();
    expect(publisher.pending("a")).toBe(2);
    expect(publisher.published(published(link.seqs()[0] ?? -1))).toBe(true);
    expect(acked).toEqual([["a", 1, 2]]);
    expect(publisher.pending("a")).toBe(0);
    expect(publisher.published(published(999))).toBe(false);
    publisher.close();
  });

  it("re-sends un-acked batches in seq order after a reconnect when the epoch is the same", () => {
    const { publisher, link, claim } = setup();
    claim("a", 3);
    for (let i = 0; i < 3; i++) {
      publisher.emit("a", 3, "out", i);
      publisher.flush();
    }
    publisher.published(published(2));
    publisher.detach();
    publisher.emit("a", 3, "out", 3); // emitted while disconnected: kept, not sent
    publisher.flush();
    expect(link.seqs()).toEqual([1, 2, 3]);

    const next = new FakeLink();
    publisher.attach(next);
    expect(next.frames).toHaveLength(0); // nothing goes out before the room confirms the epoch
    // Two batches go again; what was emitted meanwhile gathered in its buffer and goes as a new batch.
    expect(claim("a", 3)).toBe(2);
    expect(next.seqs()).toEqual([1, 3, 4]);
    expect(next.frames.map((f) => f.messages[0]?.id)).toEqual(
      [link.frames[0], link.frames[2]].map((f) => f?.messages[0]?.id).concat(next.frames[2]?.messages[0]?.id),
    );
    expect(claim("a", 3)).toBe(0); // a repeated assign does not send them twice
    publisher.close();
  });

  it("drops un-acked batches when the room assigns another epoch (fencing, SCHED-3)", () => {
    const { publisher, link, claim } = setup();
    claim("a", 3);
    publisher.emit("a", 3, "out", 1);
    publisher.flush();
    publisher.detach();
    const next = new FakeLink();
    publisher.attach(next);
    claim("a", 4);
    expect(next.frames).toHaveLength(0);
    expect(publisher.pending("a")).toBe(0);
    expect(publisher.unackedSeqs()).toEqual([]);
    expect(link.frames).toHaveLength(1);
    publisher.close();
  });

  it("keeps a batch refused with channel_full until new credit comes, drops one refused for good", () => {
    const { publisher, link, refused, claim } = setup();
    claim("a", 1, 1);
    publisher.emit("a", 1, "out", 1);
    publisher.flush();
    publisher.emit("a", 1, "out", "too big for the room");
    publisher.flush();
    // The second batch waits: the first used the one message of credit.
    expect(link.seqs()).toEqual([1]);
    expect(publisher.refused(1, "channel_full", "edge e holds 10000 messages")).toBe(true);
    // The refused batch's credit is given back, so it goes again first, in order.
    expect(link.seqs()).toEqual([1]);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "out", messages: 2, bytes: 1e12 });
    expect(link.seqs()).toEqual([1, 1, 2]);
    expect(publisher.refused(2, "message_too_large", "too large")).toBe(true);
    expect(refused).toEqual(["1 message_too_large: too large"]);
    expect(publisher.unackedSeqs()).toEqual([1]);
    publisher.close();
  });

  it("sends a batch refused with storage_failed again after retryMs", () => {
    vi.useFakeTimers();
    const { publisher, link, claim } = setup({ retryMs: 100 });
    claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    publisher.flush();
    publisher.refused(1, "storage_failed", "the room could not store the batch");
    vi.advanceTimersByTime(100);
    expect(link.seqs()).toEqual([1, 1]);
    publisher.close();
  });

  it("counts messages the room rejected in `published` as refused, the rest as acked", () => {
    const { publisher, link, acked, refused, claim } = setup();
    claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    publisher.emit("a", 1, "out", 2);
    publisher.flush();
    const id = link.frames[0]!.messages[1]!.id;
    publisher.published({ type: "published", seq: 1, rejected: [{ id, code: "message_too_large", message: "big" }] });
    expect(acked).toEqual([["a", 1, 1]]);
    expect(refused).toEqual(["1 message_too_large: big"]);
    publisher.close();
  });
});

describe("Publisher in-flight bound (adaptive batching)", () => {
  it("past maxInFlight batches awaiting `published`, emits gather into one bigger batch that goes once one is acked", () => {
    vi.useFakeTimers();
    const { publisher, link, claim } = setup({ maxInFlight: 1 });
    claim("a", 1);
    publisher.emit("a", 1, "out", 0);
    vi.advanceTimersByTime(BROKER.lingerMs);
    expect(link.frames.map((f) => f.messages.length)).toEqual([1]);
    for (let i = 1; i <= 50; i++) {
      publisher.emit("a", 1, "out", i);
      vi.advanceTimersByTime(1);
    }
    // Nothing more on the wire while the first batch awaits its `published`.
    expect(link.frames).toHaveLength(1);
    publisher.published(published(1));
    expect(link.frames.map((f) => f.messages.length)).toEqual([1, 50]);
    expect(link.frames.flatMap((f) => f.messages.map((m) => m.value))).toEqual([...Array(51).keys()]);
    publisher.close();
  });
});

describe("Publisher credit (DELIVERY-7)", () => {
  it("sends nothing before the room's credit; then in seq order while the credit lasts, one batch past it at most", () => {
    const { publisher, link } = setup({ maxBatch: 10 });
    publisher.claim("a", 1);
    for (let i = 0; i < 35; i++) publisher.emit("a", 1, "out", i);
    publisher.flush();
    expect(link.frames).toHaveLength(0);
    expect(publisher.hasCredit("a", "out")).toBe(false);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "out", messages: 15, bytes: 1e12 });
    // 10 sent, 5 left: the next batch of 10 starts within the credit and may overshoot it.
    expect(link.frames.map((f) => f.messages.length)).toEqual([10, 10]);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "out", messages: 100, bytes: 1e12 });
    expect(link.frames.flatMap((f) => f.messages.map((m) => m.value))).toEqual([...Array(35).keys()]);
    expect(publisher.hasCredit("a", "out")).toBe(true);
    publisher.close();
  });

  it("credit of another epoch or an older, smaller limit changes nothing; the byte limit counts too", () => {
    const { publisher, link } = setup();
    publisher.claim("a", 2);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "out", messages: 100, bytes: 1e12 });
    publisher.emit("a", 2, "out", "x");
    publisher.flush();
    expect(link.frames).toHaveLength(0);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 2, port: "out", messages: 100, bytes: 10 });
    expect(link.frames).toHaveLength(1);
    publisher.emit("a", 2, "out", "y");
    publisher.flush();
    // The first message used the 10 bytes: the second waits.
    expect(link.frames).toHaveLength(1);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 2, port: "out", messages: 50, bytes: 5 });
    expect(link.frames).toHaveLength(1);
    publisher.close();
  });

  it("waitForCredit resolves once every listed port has credit", async () => {
    const { publisher } = setup();
    publisher.claim("a", 1);
    let ready = false;
    const waiting = publisher.waitForCredit("a", ["out", "err"]).then(() => {
      ready = true;
    });
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "out", messages: 5, bytes: 1e12 });
    await Promise.resolve();
    expect(ready).toBe(false);
    publisher.credit({ type: "credit", nodeId: "a", epoch: 1, port: "err", messages: 5, bytes: 1e12 });
    await waiting;
    expect(ready).toBe(true);
    await publisher.waitForCredit("a", []);
    publisher.close();
  });
});

describe("Publisher bounds", () => {
  it("refuses emits past maxPendingPerNode and makes room as acks arrive", async () => {
    const { publisher, link, claim } = setup({ maxPendingPerNode: 10, maxBatch: 5 });
    claim("a", 1);
    for (let i = 0; i < 10; i++) expect(publisher.emit("a", 1, "out", i)).toBeUndefined();
    expect(publisher.emit("a", 1, "out", 10)).toMatch(/publish buffer full/);
    let roomy = false;
    const waiting = publisher.waitForRoom("a").then(() => {
      roomy = true;
    });
    await Promise.resolve();
    expect(roomy).toBe(false);
    publisher.published(published(link.seqs()[0] ?? -1));
    await waiting;
    expect(roomy).toBe(true);
    expect(publisher.emit("a", 1, "out", 10)).toBeUndefined();
    publisher.close();
  });

  it("settled() resolves only once what the node emitted so far is acknowledged", async () => {
    const { publisher, link, claim } = setup();
    claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    let settled = false;
    const done = publisher.settled("a").then(() => {
      settled = true;
    });
    expect(link.seqs()).toEqual([1]); // settled() flushes without waiting for the linger
    publisher.emit("a", 1, "out", 2);
    publisher.flush();
    await Promise.resolve();
    expect(settled).toBe(false);
    publisher.published(published(1));
    await done;
    expect(settled).toBe(true);
    expect(publisher.unackedSeqs()).toEqual([2]);
    publisher.close();
  });
});
