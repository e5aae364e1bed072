// Tests for the dedupe node with an injected clock: duplicates by key, value and path are dropped, ttl
// forgets, the window bounds memory, and messages without the chosen field are errors naming it.
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { createDedupeNode, SeenIds } from "./dedupe.ts";

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe("dedupe node", () => {
  it("by key: passes the first message of each key and drops repeats, keeping key and headers", async () => {
    const time = clock();
    const node = await startNode(createDedupeNode(time.now), {});
    await node.send(1, "in", { key: "a", headers: { h: "1" } });
    await node.send(2, "in", { key: "a" });
    await node.send(3, "in", { key: "b" });
    expect(node.ctx.emitted).toEqual([
      ["out", 1, { key: "a", headers: { h: "1" } }],
      ["out", 3, { key: "b" }],
    ]);
  });

  it("by value: equal values are duplicates whatever their key order", async () => {
    const node = await startNode(createDedupeNode(clock().now), { by: "value" });
    await node.send({ a: 1, b: [1, 2] });
    await node.send({ b: [1, 2], a: 1 });
    await node.send({ a: 1, b: [2, 1] });
    await node.send("x".repeat(1000));
    await node.send("x".repeat(1000));
    await node.send("x".repeat(999));
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([
      { a: 1, b: [1, 2] },
      { a: 1, b: [2, 1] },
      "x".repeat(1000),
      "x".repeat(999),
    ]);
  });

  it("by path: messages with the same value at path are duplicates", async () => {
    const node = await startNode(createDedupeNode(clock().now), { by: "path", path: "value.orderId" });
    await node.send({ orderId: 7, n: 1 });
    await node.send({ orderId: 7, n: 2 });
    await node.send({ orderId: "7", n: 3 });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([
      { orderId: 7, n: 1 },
      { orderId: "7", n: 3 },
    ]);
  });

  it("forgets an id ttl after it passed, then passes it again", async () => {
    const time = clock();
    const node = await startNode(createDedupeNode(time.now), { ttl: "10s" });
    await node.send(1, "in", { key: "a" });
    time.advance(9_999);
    await node.send(2, "in", { key: "a" });
    time.advance(1);
    await node.send(3, "in", { key: "a" });
    time.advance(5_000);
    await node.send(4, "in", { key: "a" });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([1, 3]);
  });

  it('with ttl "0ms" never forgets by time', async () => {
    const time = clock();
    const node = await startNode(createDedupeNode(time.now), { ttl: "0ms" });
    await node.send(1, "in", { key: "a" });
    time.advance(365 * 86_400_000);
    await node.send(2, "in", { key: "a" });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([1]);
  });

  it("remembers at most window ids, forgetting the oldest", async () => {
    const node = await startNode(createDedupeNode(clock().now), { window: 2 });
    for (const key of ["a", "b", "c", "a", "c"]) await node.send(key, "in", { key });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual(["a", "b", "c", "a"]);
  });

  it("by key: a message without a key is an error naming it", async () => {
    const node = await startNode(createDedupeNode(clock().now), {});
    await expect(node.send(1)).rejects.toThrow(/dedupe: message m1 has no key \(by = key\)/);
  });

  it("by path: a message where the path finds nothing is an error naming the path", async () => {
    const node = await startNode(createDedupeNode(clock().now), { by: "path", path: "value.id" });
    await expect(node.send({ other: 1 })).rejects.toThrow(/dedupe: path "value.id" finds nothing in message m1/);
  });

  it("a message whose emit is refused is not remembered, so its retry passes", async () => {
    const node = await startNode(createDedupeNode(clock().now), {});
    const emit = node.ctx.emit;
    node.ctx.emit = () => false;
    await expect(node.send(1, "in", { key: "a" })).rejects.toThrow(/dedupe: the worker refused the message/);
    node.ctx.emit = emit;
    await node.send(1, "in", { key: "a" });
    expect(node.ctx.emitted).toEqual([["out", 1, { key: "a" }]]);
  });

  it("start() refuses a bad path with by = path, and ignores the path otherwise", async () => {
    await expect(startNode(createDedupeNode(clock().now), { by: "path", path: "id.x" })).rejects.toThrow(
      /dedupe: param "path": path "id.x" goes past id/,
    );
    await expect(startNode(createDedupeNode(clock().now), { by: "key", path: "id.x" })).resolves.toBeDefined();
  });

  it("refuses a window out of 1..1000000, a bad ttl and an unknown by through the schema", async () => {
    const impl = createDedupeNode(clock().now);
    await expect(startNode(impl, { window: 0 })).rejects.toThrow(/param "window" must be at least 1/);
    await expect(startNode(impl, { window: 1_000_001 })).rejects.toThrow(/param "window" must be at most 1000000/);
    await expect(startNode(impl, { ttl: "soon" })).rejects.toThrow(/param "ttl" must be a duration/);
    await expect(startNode(impl, { by: "id" })).rejects.toThrow(/param "by" must be one of "key", "value", "path"/);
  });
});

describe("SeenIds", () => {
  it("never holds more than window ids, however many pass", () => {
    const time = clock();
    const seen = new SeenIds(100, 0, time.now);
    for (let i = 0; i < 10_000; i++) seen.remember(`id${i}`);
    expect(seen.size).toBe(100);
    expect(seen.has("id9999")).toBe(true);
    expect(seen.has("id9899")).toBe(false);
  });

  it("drops expired ids from memory as time passes", () => {
    const time = clock();
    const seen = new SeenIds(1000, 1000, time.now);
    for (let i = 0; i < 10; i++) seen.remember(`id${i}`);
    time.advance(1000);
    seen.remember("late");
    expect(seen.size).toBe(1);
  });
});
