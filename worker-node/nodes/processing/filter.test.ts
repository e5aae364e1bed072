// Tests for the filter node: matching messages go to out and the others to rejected with key and headers
// kept, each op through the node, and params refused by the schema or by start().
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { filterNode } from "./filter.ts";

describe("filter node", () => {
  it("sends a matching message to out and another to rejected, keeping key and headers", async () => {
    const node = await startNode(filterNode, { path: "value.temperature", op: "gt", value: 30 });
    await node.send({ temperature: 35 }, "in", { key: "s1", headers: { kind: "reading" } });
    await node.send({ temperature: 20 }, "in", { key: "s2" });
    expect(node.ctx.emitted).toEqual([
      ["out", { temperature: 35 }, { key: "s1", headers: { kind: "reading" } }],
      ["rejected", { temperature: 20 }, { key: "s2" }],
    ]);
    await node.stop();
  });

  it("by default passes truthy values and rejects falsy ones", async () => {
    const node = await startNode(filterNode, {});
    for (const value of [1, "x", true, 0, "", null]) await node.send(value);
    expect(node.ctx.emitted.map(([port, value]) => [port, value])).toEqual([
      ["out", 1],
      ["out", "x"],
      ["out", true],
      ["rejected", 0],
      ["rejected", ""],
      ["rejected", null],
    ]);
  });

  it.each([
    ["eq", { a: 1 }, "value", { a: 1 }, { a: 2 }],
    ["ne", "off", "value", "on", "off"],
    ["gte", 10, "value", 10, 9],
    ["lt", "m", "value", "a", "z"],
    ["lte", 0, "value.n", { n: -1 }, { n: 1 }],
    ["contains", "alarm", "value", "fire alarm", "quiet"],
    ["contains", "red", "value.tags", { tags: ["red", "hot"] }, { tags: ["blue"] }],
    ["matches", "^a.+e$", "value", "amaze", "maze"],
    ["exists", null, "value.id", { id: 0 }, { other: 1 }],
    ["eq", "sensor-1", "key", "any", "any"],
  ])("op %s %j on %s passes %j and rejects %j", async (op, value, path, pass, reject) => {
    const node = await startNode(filterNode, { op, value, path });
    const extra = path === "key" ? [{ key: "sensor-1" }, { key: "sensor-2" }] : [{}, {}];
    await node.send(pass, "in", extra[0]);
    await node.send(reject, "in", extra[1]);
    expect(node.ctx.emitted.map(([port]) => port)).toEqual(["out", "rejected"]);
  });

  it("tests headers by name", async () => {
    const node = await startNode(filterNode, { path: "headers.kind", op: "eq", value: "alert" });
    await node.send(1, "in", { headers: { kind: "alert" } });
    await node.send(2, "in", { headers: { kind: "info" } });
    await node.send(3);
    expect(node.ctx.emitted.map(([port, value]) => [port, value])).toEqual([
      ["out", 1],
      ["rejected", 2],
      ["rejected", 3],
    ]);
  });

  it("refuses an unknown op through the schema", async () => {
    await expect(startNode(filterNode, { op: "bigger" })).rejects.toThrow(/param "op" must be one of "eq"/);
  });

  it("refuses an empty path through the schema", async () => {
    await expect(startNode(filterNode, { path: "" })).rejects.toThrow(/param "path" is required/);
  });

  it("start() refuses a path outside value/key/headers/id/ts, naming the roots", async () => {
    await expect(startNode(filterNode, { path: "temperature" })).rejects.toThrow(
      /filter: param "path": path "temperature" must start with one of value, key, headers, id, ts/,
    );
  });

  it("start() refuses an invalid regular expression", async () => {
    await expect(startNode(filterNode, { op: "matches", value: "(unclosed" })).rejects.toThrow(
      /filter: param "value": op matches: "\(unclosed" is not a valid regular expression/,
    );
  });

  it("start() refuses a gt value that is neither a number nor a string", async () => {
    await expect(startNode(filterNode, { op: "gt", value: { a: 1 } })).rejects.toThrow(
      /filter: param "value": op gt needs a number or a string/,
    );
  });

  it("fails the message when the worker refuses the emit", async () => {
    const node = await startNode(filterNode, {});
    node.ctx.emit = () => false;
    await expect(node.send(1)).rejects.toThrow(/filter: the worker refused the message on output "out"/);
  });
});
