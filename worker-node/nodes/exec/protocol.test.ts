// Tests for the exec line protocol: the request line for a message, and every kind of answer line.
import { describe, expect, it } from "vitest";
import { parseAnswer, requestLine } from "./protocol.ts";

describe("requestLine", () => {
  it("is one JSON line with id and value, and key and headers only when the message has them", () => {
    expect(requestLine({ id: "m1", value: { n: 1 }, ts: 5 })).toBe('{"id":"m1","value":{"n":1}}\n');
    const line = requestLine({ id: "m2", key: "k", value: "a\nb", headers: { h: "v" }, ts: 5 });
    expect(line).toBe('{"id":"m2","value":"a\\nb","key":"k","headers":{"h":"v"}}\n');
    expect(line.indexOf("\n")).toBe(line.length - 1);
  });
});

describe("parseAnswer", () => {
  it.each([
    ['{"id":"a","value":3}', { kind: "values", id: "a", values: [3] }],
    ['{"id":"a","value":null}', { kind: "values", id: "a", values: [null] }],
    ['{"id":"a","values":[1,{"x":2}]}', { kind: "values", id: "a", values: [1, { x: 2 }] }],
    ['{"id":"a","values":[]}', { kind: "values", id: "a", values: [] }],
    ['{"id":"a","error":"bad input"}', { kind: "error", id: "a", error: "bad input" }],
    ['{"id":"a","error":{"code":7}}', { kind: "error", id: "a", error: '{"code":7}' }],
    ['{"id":"a","error":"e","value":1}', { kind: "error", id: "a", error: "e" }],
    ['{"id":"a","values":[1],"value":2}', { kind: "values", id: "a", values: [1] }],
  ])("reads %s", (line, answer) => {
    expect(parseAnswer(line)).toEqual(answer);
  });

  it.each([
    ['{"id":"a","values":3}', '"values" must be an array'],
    ['{"id":"a"}', 'an answer needs "value", "values" or "error"'],
  ])("calls %s malformed: %s", (line, problem) => {
    expect(parseAnswer(line)).toEqual({ kind: "malformed", id: "a", problem });
  });

  it.each([
    ["not json", "not JSON"],
    ["", "not JSON"],
    ["[1,2]", "not a JSON object"],
    ["null", "not a JSON object"],
    ['{"value":1}', 'no string "id"'],
    ['{"id":7,"value":1}', 'no string "id"'],
  ])("calls %j no answer: %s", (line, problem) => {
    expect(parseAnswer(line)).toEqual({ kind: "invalid", problem });
  });
});
