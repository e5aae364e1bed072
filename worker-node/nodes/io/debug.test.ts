// Tests for the debug sink: what recent() keeps (path, truncation, keep), the samplers, and that it logs nothing.
import { afterEach, describe, expect, it, vi } from "vitest";
import { startNode } from "../../testing/context.ts";
import { debugNode, sampler } from "./debug.ts";
import { loggedNode } from "./logged.ts";

afterEach(() => {
  vi.useRealTimers();
});

describe("debug node", () => {
  it("keeps { at, id, value } with the whole message as value by default, and logs nothing", async () => {
    const started = loggedNode(debugNode, {});
    const node = await started.start();
    await node.process.onMessage?.({ id: "m1", key: "k", value: { a: 1 }, headers: { trace: "t" }, ts: 1000 }, "in");
    await node.process.onMessage?.({ id: "m2", value: 2, ts: 2000 }, "in");
    expect(node.process.recent?.()).toEqual([
      { at: 1000, id: "m1", value: { id: "m1", key: "k", value: { a: 1 }, headers: { trace: "t" }, ts: 1000 } },
      { at: 2000, id: "m2", value: { id: "m2", value: 2, ts: 2000 } },
    ]);
    expect(started.lines).toEqual([]);
    expect(node.ctx.emitted).toEqual([]);
  });

  it("a path picks one field (array indexes too); a message without it is kept with null", async () => {
    const node = await startNode(debugNode, { path: "value.items.1.name" });
    await node.send({ items: [{ name: "a" }, { name: "b" }] });
    await node.send({ items: [] });
    await node.send(7);
    expect(node.process.recent?.().map((e) => (e as { value: unknown }).value)).toEqual(["b", null, null]);
    const headers = await startNode(debugNode, { path: "headers.trace" });
    await headers.send(1, "in", { headers: { trace: "abc" } });
    expect(headers.process.recent?.()).toEqual([{ at: expect.any(Number), id: "m1", value: "abc" }]);
  });

  it("keeps only the last `keep` entries, and cuts a value over 1,000 characters of JSON", async () => {
    const node = await startNode(debugNode, { keep: 3, path: "value" });
    for (let i = 0; i < 5; i++) await node.send(i);
    expect(node.process.recent?.().map((e) => (e as { value: unknown }).value)).toEqual([2, 3, 4]);
    await node.send({ big: "x".repeat(2000) });
    const last = node.process.recent?.().at(-1) as { value: string };
    expect(last.value).toHaveLength(1001);
    expect(last.value.endsWith("…")).toBe(true);
    expect(last.value.startsWith('{"big":"xxx')).toBe(true);
  });

  it("every-nth keeps the 1st, (n+1)th, (2n+1)th … message", async () => {
    const node = await startNode(debugNode, { sample: "every-nth", n: 3, path: "value" });
    for (let i = 1; i <= 10; i++) await node.send(i);
    expect(node.process.recent?.().map((e) => (e as { value: unknown }).value)).toEqual([1, 4, 7, 10]);
  });

  it("per-second keeps at most n messages per second of the clock", async () => {
    vi.useFakeTimers({ now: 10_000 });
    const node = await startNode(debugNode, { sample: "per-second", n: 2, path: "value" });
    for (let i = 1; i <= 5; i++) await node.send(i);
    vi.advanceTimersByTime(999);
    await node.send(6);
    vi.advanceTimersByTime(1);
    await node.send(7);
    await node.send(8);
    await node.send(9);
    expect(node.process.recent?.().map((e) => (e as { value: unknown }).value)).toEqual([1, 2, 7, 8]);
  });

  it("refuses a path that is malformed or does not start with a message field, naming the param", async () => {
    await expect(startNode(debugNode, { path: "value..x" })).rejects.toThrow(
      /param "path" "value..x" has an empty step/,
    );
    await expect(startNode(debugNode, { path: "payload.x" })).rejects.toThrow(
      /param "path" "payload.x" must start with value, key, headers, id or ts/,
    );
    await expect(startNode(debugNode, { keep: 101 })).rejects.toThrow(/param "keep" must be at most 100/);
  });
});

describe("sampler", () => {
  it("all keeps everything", () => {
    const take = sampler("all", 5);
    expect([take(), take(), take()]).toEqual([true, true, true]);
  });

  it("per-second starts a new second at the first message after the last one ended", () => {
    let t = 0;
    const take = sampler("per-second", 1, () => t);
    expect(take()).toBe(true);
    t = 500;
    expect(take()).toBe(false);
    t = 1200;
    expect(take()).toBe(true);
    t = 2100;
    expect(take()).toBe(false);
    t = 2200;
    expect(take()).toBe(true);
  });
});
