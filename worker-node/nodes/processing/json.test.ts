// Tests for the json node and its JSON text parser: parse, stringify, auto, indent, and errors that name
// the position of invalid JSON.
import { describe, expect, it } from "vitest";
import { startNode } from "../../testing/context.ts";
import { convertJson, jsonNode } from "./json.ts";
import { findJsonError, parseJsonText } from "./jsonText.ts";

describe("json node", () => {
  it("auto parses a string value and keeps key and headers", async () => {
    const node = await startNode(jsonNode, {});
    await node.send('{"a":[1,2]}', "in", { key: "k", headers: { h: "v" } });
    expect(node.ctx.emitted).toEqual([["out", { a: [1, 2] }, { key: "k", headers: { h: "v" } }]]);
  });

  it("auto stringifies any value that is not a string", async () => {
    const node = await startNode(jsonNode, {});
    await node.send({ a: 1 });
    await node.send(5);
    await node.send(null);
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual(['{"a":1}', "5", "null"]);
  });

  it("stringify turns a string into its quoted JSON and indents by indent", async () => {
    const node = await startNode(jsonNode, { mode: "stringify", indent: 2 });
    await node.send("hi");
    await node.send({ a: [1] });
    expect(node.ctx.emitted.map(([, value]) => value)).toEqual(['"hi"', '{\n  "a": [\n    1\n  ]\n}']);
  });

  it("parse refuses a value that is not a string, naming it", async () => {
    const node = await startNode(jsonNode, { mode: "parse" });
    await expect(node.send({ a: 1 })).rejects.toThrow(/json: mode parse needs a string value, got an object \{"a":1\}/);
  });

  it("parse refuses invalid JSON, naming the position", async () => {
    const node = await startNode(jsonNode, { mode: "parse" });
    await expect(node.send('{"a":}')).rejects.toThrow(
      /json: the value is not valid JSON: unexpected "}" where a value should be at position 5 \(line 1, column 6\)/,
    );
    expect(node.ctx.emitted).toEqual([]);
  });

  it("refuses an unknown mode and an indent above 8 through the schema", async () => {
    await expect(startNode(jsonNode, { mode: "yaml" })).rejects.toThrow(/param "mode" must be one of "auto"/);
    await expect(startNode(jsonNode, { indent: 9 })).rejects.toThrow(/param "indent" must be at most 8/);
  });

  it("convertJson parses in parse mode and stringifies in stringify mode", () => {
    expect(convertJson("[1]", "parse", 0)).toEqual([1]);
    expect(convertJson("[1]", "stringify", 0)).toBe('"[1]"');
  });
});

describe("parseJsonText", () => {
  it("parses valid JSON", () => {
    expect(parseJsonText(' {"a": [true, null, -1.5e3, "x\\u0041"]} ')).toEqual({
      ok: true,
      value: { a: [true, null, -1500, "xA"] },
    });
  });

  it.each([
    ["", 0, "unexpected end of the text"],
    ["[1,2", 4, "unexpected end of the text"],
    ["[1,]", 3, 'unexpected "]" where a value should be'],
    ['{"a":1,}', 7, 'unexpected "}" where a quoted property name should be'],
    ["{a:1}", 1, 'unexpected "a" where a quoted property name should be'],
    ['{"a" 1}', 5, "unexpected \"1\" where ':' should be"],
    ["[1 2]", 3, "unexpected \"2\" where ',' or ']' should be"],
    ['{"a":1]', 6, "unexpected \"]\" where ',' or '}' should be"],
    ['{"a":1} x', 8, 'unexpected "x" after the end of the JSON value'],
    ["01", 1, 'unexpected "1" after the end of the JSON value'],
    ["tru", 0, 'unexpected "t" where a value should be'],
    ['"a\\qb"', 2, "a bad escape \\q inside a string"],
    ['"\\u12"', 1, "a \\u escape without four hex digits"],
    ['"line\nbreak"', 5, "a control character"],
    ['"open', 5, "a string that is never closed"],
    ["hello", 0, 'unexpected "h" where a value should be'],
  ])("finds the error in %j at position %d", (text, position, problem) => {
    const found = findJsonError(text);
    expect(found?.position).toBe(position);
    expect(found?.problem).toContain(problem);
    const parsed = parseJsonText(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error).toContain(`at position ${position}`);
  });

  it("gives line and column on multi-line text", () => {
    const parsed = parseJsonText('{\n  "a": 1,\n  "b": }');
    expect(parsed).toEqual({ ok: false, error: expect.stringContaining("at position 19 (line 3, column 8)") });
  });

  it("finds no error in valid text, even deeply nested", () => {
    const deep = `${"[".repeat(50_000)}${"]".repeat(50_000)}`;
    expect(findJsonError(deep)).toBeUndefined();
    expect(findJsonError('{"a":[{"b":"\\"c"}]}')).toBeUndefined();
  });
});
