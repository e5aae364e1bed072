// Tests for the switch node: first-match and all-matches routing, otherwise, key and headers kept, and
// rules refused at start() naming the rule.
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { switchNode } from "./switch.ts";

const signRules = [
  { op: "lt", value: 0 },
  { op: "eq", value: 0 },
  { op: "gt", value: 0 },
];

describe("switch node", () => {
  it("sends each message to the port of the first matching rule, keeping key and headers", async () => {
    const node = await startNode(switchNode, { path: "value.n", rules: signRules });
    await node.send({ n: -3 }, "in", { key: "a", headers: { h: "1" } });
    await node.send({ n: 0 });
    await node.send({ n: 7 }, "in", { key: "c" });
    expect(node.ctx.emitted).toEqual([
      ["case1", { n: -3 }, { key: "a", headers: { h: "1" } }],
      ["case2", { n: 0 }, {}],
      ["case3", { n: 7 }, { key: "c" }],
    ]);
  });

  it("sends a message no rule matches to otherwise", async () => {
    const node = await startNode(switchNode, { path: "value.n", rules: signRules });
    await node.send({ n: "text" });
    await node.send({});
    expect(node.ctx.emitted.map(([port]) => port)).toEqual(["otherwise", "otherwise"]);
  });

  it("stops at the first match unless all is set", async () => {
    const rules = [{ op: "gt", value: 0 }, { op: "gt", value: 10 }, { op: "truthy" }, { op: "eq", value: 5 }];
    const first = await startNode(switchNode, { rules });
    await first.send(50);
    expect(first.ctx.emitted.map(([port]) => port)).toEqual(["case1"]);
    const all = await startNode(switchNode, { rules, all: true });
    await all.send(50);
    await all.send(5);
    expect(all.ctx.emitted.map(([port, value]) => [port, value])).toEqual([
      ["case1", 50],
      ["case2", 50],
      ["case3", 50],
      ["case1", 5],
      ["case3", 5],
      ["case4", 5],
    ]);
  });

  it("with no rules sends everything to otherwise", async () => {
    const node = await startNode(switchNode, {});
    await node.send(1);
    expect(node.ctx.emitted).toEqual([["otherwise", 1, {}]]);
  });

  it.each([
    [
      { op: "matches", value: "[" },
      /param "rules" rules\[0\] \(case1\): op matches: "\[" is not a valid regular expression/,
    ],
    [{ op: "near", value: 1 }, /rules\[0\] \(case1\): op "near" is not one of eq/],
    [{ op: "gt" }, /rules\[0\] \(case1\): op gt needs a number or a string/],
    [{ op: "eq" }, /rules\[0\] \(case1\): op eq needs a value/],
    [{ op: "eq", vaule: 1 }, /rules\[0\] \(case1\) has unknown field\(s\) "vaule"/],
    ["eq", /rules\[0\] \(case1\) must be an object/],
  ])("start() refuses the rule %j, naming it", async (rule, problem) => {
    await expect(startNode(switchNode, { rules: [rule] })).rejects.toThrow(problem);
  });

  it("start() names the index of a bad rule after good ones", async () => {
    const rules = [{ op: "eq", value: 1 }, { op: "truthy" }, { op: "lt", value: null }];
    await expect(startNode(switchNode, { rules })).rejects.toThrow(/rules\[2\] \(case3\): op lt/);
  });

  it("start() refuses more than four rules and rules that are not an array", async () => {
    const five = Array.from({ length: 5 }, () => ({ op: "truthy" }));
    await expect(startNode(switchNode, { rules: five })).rejects.toThrow(
      /switch: param "rules" has 5 rules; at most 4/,
    );
    await expect(startNode(switchNode, { rules: { op: "eq" } })).rejects.toThrow(
      /switch: param "rules" must be an array/,
    );
  });

  it("start() refuses a bad path, naming the roots", async () => {
    await expect(startNode(switchNode, { path: "n" })).rejects.toThrow(
      /switch: param "path": path "n" must start with one of value, key, headers, id, ts/,
    );
  });

  it("refuses a non-boolean all through the schema", async () => {
    await expect(startNode(switchNode, { all: "yes" })).rejects.toThrow(/param "all" must be a boolean/);
  });
});
