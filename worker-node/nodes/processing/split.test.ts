// Tests for the split node: arrays, objects and strings into parts with split.index/split.count headers,
// maxParts, back-pressure between parts, and values it cannot split.
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { splitNode } from "./split.ts";

describe("split node", () => {
  it("emits one message per array element, keeping key and headers and adding split.index and split.count", async () => {
    const node = await startNode(splitNode, {});
    await node.send(["a", { b: 1 }, 3], "in", { key: "k", headers: { trace: "t1" } });
    expect(node.ctx.emitted).toEqual([
      ["out", "a", { key: "k", headers: { trace: "t1", "split.index": "0", "split.count": "3" } }],
      ["out", { b: 1 }, { key: "k", headers: { trace: "t1", "split.index": "1", "split.count": "3" } }],
      ["out", 3, { key: "k", headers: { trace: "t1", "split.index": "2", "split.count": "3" } }],
    ]);
  });

  it("splits an object into { key, value } entries", async () => {
    const node = await startNode(splitNode, { path: "value.readings" });
    await node.send({ readings: { t: 21, h: 40 } });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([
      { key: "t", value: 21 },
      { key: "h", value: 40 },
    ]);
  });

  it("splits a string at the separator", async () => {
    const node = await startNode(splitNode, { separator: "," });
    await node.send("a,b,,c");
    await node.send("");
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual(["a", "b", "", "c"]);
  });

  it("emits nothing for an empty array", async () => {
    const node = await startNode(splitNode, {});
    await node.send([]);
    expect(node.ctx.emitted).toEqual([]);
  });

  it("refuses a string when no separator is set, naming the param", async () => {
    const node = await startNode(splitNode, {});
    await expect(node.send("a,b")).rejects.toThrow(
      /split: the value at "value" is a string; set the separator param to split strings/,
    );
  });

  it.each([[5], [null], [true]])("refuses %j, which is not an array, object or string", async (value) => {
    const node = await startNode(splitNode, {});
    await expect(node.send(value)).rejects.toThrow(
      /split: the value at "value" must be an array, an object or a string/,
    );
  });

  it("refuses a path that finds nothing, naming it", async () => {
    const node = await startNode(splitNode, { path: "value.items" });
    await expect(node.send({})).rejects.toThrow(/split: the value at "value.items" must be .*got nothing/);
  });

  it("refuses more parts than maxParts without emitting any", async () => {
    const node = await startNode(splitNode, { maxParts: 3 });
    await node.send([1, 2, 3]);
    await expect(node.send([1, 2, 3, 4])).rejects.toThrow(/split: the value at "value" has 4 parts; maxParts is 3/);
    expect(node.ctx.emitted).toHaveLength(3);
  });

  it("refuses maxParts above 100000 or below 1 through the schema", async () => {
    await expect(startNode(splitNode, { maxParts: 100_001 })).rejects.toThrow(
      /param "maxParts" must be at most 100000/,
    );
    await expect(startNode(splitNode, { maxParts: 0 })).rejects.toThrow(/param "maxParts" must be at least 1/);
  });

  it("start() refuses a bad path, naming the roots", async () => {
    await expect(startNode(splitNode, { path: "items" })).rejects.toThrow(
      /split: param "path": path "items" must start with one of value, key, headers, id, ts/,
    );
  });

  it("waits for credit between parts and goes on when credit returns", async () => {
    const node = await startNode(splitNode, {});
    node.ctx.setCredit(false);
    const sent = node.send([1, 2]);
    await Promise.resolve();
    expect(node.ctx.emitted).toHaveLength(0);
    node.ctx.setCredit(true);
    await sent;
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual([1, 2]);
  });

  it("fails the message when the process stops while it waits for credit", async () => {
    const node = await startNode(splitNode, {});
    node.ctx.setCredit(false);
    const sent = node.send([1, 2]);
    node.ctx.abort();
    await expect(sent).rejects.toThrow(/split: the process stopped after emitting 0 of 2 parts/);
  });

  it("fails the message when the worker refuses a part", async () => {
    const node = await startNode(splitNode, {});
    node.ctx.emit = () => false;
    await expect(node.send([1])).rejects.toThrow(/split: the worker refused the message on output "out"/);
  });
});
