// Tests for the rule that turns what transform code returned into messages (outputs.ts).
import { describe, expect, it } from "vitest";
import { LIMITS } from "../../../shared/limits.ts";
import { MAX_KEY_CHARS, MAX_OUTPUTS, toOutputs } from "./outputs.ts";

describe("transform outputs", () => {
  it("null and undefined emit nothing", () => {
    expect(toOutputs(null)).toEqual([]);
    expect(toOutputs(undefined)).toEqual([]);
  });

  it("a message emits its value with its key and headers; id and ts are ignored", () => {
    expect(toOutputs({ id: "m1", ts: 5, value: 1 })).toEqual([{ value: 1 }]);
    expect(toOutputs({ value: { a: [1] }, key: "k", headers: { trace: "t" } })).toEqual([
      { value: { a: [1] }, options: { key: "k", headers: { trace: "t" } } },
    ]);
    expect(toOutputs({ value: null, key: null, headers: null })).toEqual([{ value: null }]);
  });

  it("an array emits each message in order and skips null entries", () => {
    expect(toOutputs([{ value: 1 }, null, { value: 2, key: "b" }])).toEqual([
      { value: 1 },
      { value: 2, options: { key: "b" } },
    ]);
    expect(toOutputs([])).toEqual([]);
  });

  it.each([
    [42, "transform returned 42 as result, not a message"],
    ["text", 'transform returned "text" as result, not a message'],
    [[{ value: 1 }, 7], "transform returned 7 as result[1], not a message"],
    [[[{ value: 1 }]], "transform returned an array as result[0], not a message"],
    [{ a: 1 }, 'transform returned result without a value field (it has "a")'],
    [{}, "transform returned result without a value field (it is {})"],
    [{ value: 1, valeu: 2 }, 'transform returned result with unknown field(s) "valeu"'],
    [{ value: 1, key: 5 }, "transform returned result.key 5; a key is a string"],
    [{ value: 1, key: "k".repeat(MAX_KEY_CHARS + 1) }, `result.key of ${MAX_KEY_CHARS + 1} characters`],
    [{ value: 1, headers: ["a"] }, "result.headers an array; headers are an object of strings"],
    [{ value: 1, headers: { n: 1 } }, 'result.headers["n"] 1; header values are strings'],
  ])("refuses %j, naming the problem", (result, problem) => {
    expect(() => toOutputs(result)).toThrow(problem);
  });

  it("refuses more messages than one publish batch holds, and a value over the message size limit", () => {
    const many = Array.from({ length: MAX_OUTPUTS + 1 }, (_, i) => ({ value: i }));
    expect(() => toOutputs(many)).toThrow(`transform returned ${MAX_OUTPUTS + 1} messages; at most ${MAX_OUTPUTS}`);
    expect(toOutputs(many.slice(1))).toHaveLength(MAX_OUTPUTS);
    const big = "x".repeat(LIMITS.maxMessageBytes);
    expect(() => toOutputs({ value: big })).toThrow(`result.value of ${LIMITS.maxMessageBytes + 2} bytes of JSON`);
  });
});
