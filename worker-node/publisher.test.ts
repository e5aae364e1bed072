// Tests for the publisher (DELIVERY-2): batching by linger and size, acks, re-send after reconnect, fencing, bounds.
import { afterEach, describe, expect, it, vi } from "vitest";
import { LIMITS } from "../shared/limits.ts";
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
  return { publisher, link, acked, refused };
}

afterEach(() => {
  vi.useRealTimers();
});

describe("Publisher batching", () => {
  it("sends one frame per (node, port) after the linger, with unique ids and increasing seqs", () => {
    vi.useFakeTimers();
    const { publisher, link } = setup();
    publisher.claim("a", 1);
    publisher.claim("b", 2);
    for (let i = 0; i < 3; i++) expect(publisher.emit("a", 1, "out", i)).toBeUndefined();
    publisher.emit("b", 2, "out", { x: 1 });
    expect(link.frames).toHaveLength(0);
    vi.advanceTimersByTime(2);
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
    const { publisher, link } = setup({ maxBatch: 500 });
    publisher.claim("a", 1);
    for (let i = 0; i < 1200; i++) publisher.emit("a", 1, "out", i);
    expect(link.frames.map((f) => f.messages.length)).toEqual([500, 500]);
    vi.advanceTimersByTime(2);
    expect(link.frames.map((f) => f.messages.length)).toEqual([500, 500, 200]);
    expect(link.frames.flatMap((f) => f.messages.map((m) => m.value))).toEqual([...Array(1200).keys()]);
    publisher.close();
  });

  it("keeps every frame under the frame limit (FRAME-1)", () => {
    const { publisher, link } = setup();
    publisher.claim("a", 1);
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
    const { publisher, link, acked } = setup();
    publisher.claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    publisher.emit("a", 1, "out", 2);
    publisher.flush();
    expect(publisher.pending("a")).toBe(2);
    expect(publisher.published(link.seqs()[0] ?? -1)).toBe(true);
    expect(acked).toEqual([["a", 1, 2]]);
    expect(publisher.pending("a")).toBe(0);
    expect(publisher.published(999)).toBe(false);
    publisher.close();
  });

  it("re-sends un-acked batches in seq order after a reconnect when the epoch is the same", () => {
    const { publisher, link } = setup();
    publisher.claim("a", 3);
    for (let i = 0; i < 3; i++) {
      publisher.emit("a", 3, "out", i);
      publisher.flush();
    }
    publisher.published(2);
    publisher.detach();
    publisher.emit("a", 3, "out", 3); // emitted while disconnected: kept, not sent
    publisher.flush();
    expect(link.seqs()).toEqual([1, 2, 3]);

    const next = new FakeLink();
    publisher.attach(next);
    expect(next.frames).toHaveLength(0); // nothing goes out before the room confirms the epoch
    expect(publisher.claim("a", 3)).toBe(3);
    expect(next.seqs()).toEqual([1, 3, 4]);
    expect(next.frames.map((f) => f.messages[0]?.id)).toEqual(
      [link.frames[0], link.frames[2]].map((f) => f?.messages[0]?.id).concat(next.frames[2]?.messages[0]?.id),
    );
    expect(publisher.claim("a", 3)).toBe(0); // a repeated assign does not send them twice
    publisher.close();
  });

  it("drops un-acked batches when the room assigns another epoch (fencing, SCHED-3)", () => {
    const { publisher, link } = setup();
    publisher.claim("a", 3);
    publisher.emit("a", 3, "out", 1);
    publisher.flush();
    publisher.detach();
    const next = new FakeLink();
    publisher.attach(next);
    publisher.claim("a", 4);
    expect(next.frames).toHaveLength(0);
    expect(publisher.pending("a")).toBe(0);
    expect(publisher.unackedSeqs()).toEqual([]);
    expect(link.frames).toHaveLength(1);
    publisher.close();
  });

  it("retries a batch refused with channel_full and drops one refused for good", () => {
    vi.useFakeTimers();
    const { publisher, link, refused } = setup({ channelFullRetryMs: 100 });
    publisher.claim("a", 1);
    publisher.emit("a", 1, "out", 1);
    publisher.flush();
    publisher.emit("a", 1, "out", "too big for the room");
    publisher.flush();
    expect(publisher.refused(1, "channel_full", "channel b.in is full")).toBe(true);
    expect(publisher.refused(2, "message_too_large", "too large")).toBe(true);
    expect(refused).toEqual(["1 message_too_large: too large"]);
    vi.advanceTimersByTime(100);
    expect(link.seqs()).toEqual([1, 2, 1]);
    expect(publisher.unackedSeqs()).toEqual([1]);
    publisher.close();
  });
});

describe("Publisher bounds", () => {
  it("refuses emits past maxPendingPerNode and makes room as acks arrive", async () => {
    const { publisher, link } = setup({ maxPendingPerNode: 10, maxBatch: 5 });
    publisher.claim("a", 1);
    for (let i = 0; i < 10; i++) expect(publisher.emit("a", 1, "out", i)).toBeUndefined();
    expect(publisher.emit("a", 1, "out", 10)).toMatch(/publish buffer full/);
    let roomy = false;
    const waiting = publisher.waitForRoom("a").then(() => {
      roomy = true;
    });
    await Promise.resolve();
    expect(roomy).toBe(false);
    publisher.published(link.seqs()[0] ?? -1);
    await waiting;
    expect(roomy).toBe(true);
    expect(publisher.emit("a", 1, "out", 10)).toBeUndefined();
    publisher.close();
  });

  it("settled() resolves only once what the node emitted so far is acknowledged", async () => {
    const { publisher, link } = setup();
    publisher.claim("a", 1);
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
    publisher.published(1);
    await done;
    expect(settled).toBe(true);
    expect(publisher.unackedSeqs()).toEqual([2]);
    publisher.close();
  });
});
