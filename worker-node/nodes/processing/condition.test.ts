// Tests for filter/switch conditions: every op on matching, non-matching and mixed-type values, and the
// compared values each op refuses at start.
import { describe, expect, it } from "vitest";
import type { JsonValue } from "../../../shared/graph.ts";
import { compileCondition, OPS } from "./condition.ts";
import { canonicalJson, deepEqual } from "./jsonValues.ts";

type Case = [op: string, value: JsonValue | undefined, actual: JsonValue | undefined, expected: boolean];

const cases: Case[] = [
  ["eq", 5, 5, true],
  ["eq", 5, 6, false],
  ["eq", 5, "5", false],
  ["eq", { a: [1, { b: 2 }], c: null }, { c: null, a: [1, { b: 2 }] }, true],
  ["eq", { a: 1 }, { a: 1, b: 2 }, false],
  ["eq", [1, 2], [2, 1], false],
  ["eq", null, null, true],
  ["eq", null, undefined, false],
  ["ne", 5, 6, true],
  ["ne", 5, 5, false],
  ["ne", { a: 1 }, { a: 1 }, false],
  ["ne", null, undefined, true],
  ["gt", 10, 11, true],
  ["gt", 10, 10, false],
  ["gt", 10, "11", false],
  ["gt", "b", "c", true],
  ["gt", "b", "a", false],
  ["gte", 10, 10, true],
  ["gte", 10, 9.5, false],
  ["gte", "b", "b", true],
  ["lt", 10, 9, true],
  ["lt", 10, 10, false],
  ["lt", 10, null, false],
  ["lt", "b", "a", true],
  ["lte", 10, 10, true],
  ["lte", 10, 11, false],
  ["lte", 10, undefined, false],
  ["lte", "b", 1, false],
  ["contains", "err", "an error here", true],
  ["contains", "err", "all fine", false],
  ["contains", 1, "a 1 in text", false],
  ["contains", { id: 2 }, [{ id: 1 }, { id: 2 }], true],
  ["contains", { id: 3 }, [{ id: 1 }, { id: 2 }], false],
  ["contains", "a", { a: 1 }, false],
  ["contains", "a", undefined, false],
  ["matches", "^temp-\\d+$", "temp-42", true],
  ["matches", "^temp-\\d+$", "temp-x", false],
  ["matches", "\\d", 5, false],
  ["exists", null, 0, true],
  ["exists", null, null, true],
  ["exists", null, undefined, false],
  ["truthy", null, 1, true],
  ["truthy", null, "x", true],
  ["truthy", null, [], true],
  ["truthy", null, 0, false],
  ["truthy", null, "", false],
  ["truthy", null, false, false],
  ["truthy", null, null, false],
  ["truthy", null, undefined, false],
];

describe("compileCondition", () => {
  it.each(cases)("%s %j against %j is %s", (op, value, actual, expected) => {
    expect(compileCondition(op, value)(actual)).toBe(expected);
  });

  it("has a case for every op, matching and not", () => {
    for (const op of OPS) {
      expect(cases.some(([o, , , e]) => o === op && e)).toBe(true);
      expect(cases.some(([o, , , e]) => o === op && !e)).toBe(true);
    }
  });

  it.each([
    ["bigger", 1, /op "bigger" is not one of eq, ne, gt/],
    [undefined, 1, /op undefined is not one of/],
    ["gt", null, /op gt needs a number or a string to compare with, got null/],
    ["lte", [1], /op lte needs a number or a string to compare with, got an array \[1\]/],
    ["matches", "([a-z", /op matches: "\(\[a-z" is not a valid regular expression/],
    ["matches", 5, /op matches needs a regular expression as a string, got a number 5/],
    ["eq", undefined, /op eq needs a value to compare with/],
    ["contains", undefined, /op contains needs a value/],
  ])("refuses op %j with value %j, naming the problem", (op, value, problem) => {
    expect(() => compileCondition(op, value as JsonValue)).toThrow(problem);
  });

  it("exists and truthy need no compared value", () => {
    expect(compileCondition("exists", undefined)(1)).toBe(true);
    expect(compileCondition("truthy", undefined)(1)).toBe(true);
  });
});

describe("JSON values", () => {
  it("deepEqual tells arrays from objects and compares nested values", () => {
    expect(deepEqual([], {})).toBe(false);
    expect(deepEqual({ a: [1, 2] }, { a: [1, 2] })).toBe(true);
    expect(deepEqual({ a: undefined as unknown as JsonValue }, { b: 1 })).toBe(false);
  });

  it("canonicalJson sorts keys so equal objects have one text", () => {
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
    expect(canonicalJson({ b: 1, a: 2 })).toBe(canonicalJson({ a: 2, b: 1 }));
    expect(canonicalJson("x")).not.toBe(canonicalJson(["x"]));
  });
});
