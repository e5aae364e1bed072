// Tests for message paths: parsing (roots, fields, indexes, quoted names, header names) and resolving.
import { describe, expect, it } from "vitest";
import type { Message } from "../../../shared/protocol.ts";
import { PathError, parsePath, pathProblem, resolvePath } from "./path.ts";

const message: Message = {
  id: "m1",
  key: "sensor-7",
  ts: 1234,
  headers: { kind: "reading", "split.index": "2" },
  value: { temperature: 21.5, items: [{ name: "a" }, { name: "b" }], "odd.name": 1, nested: { deep: [0, [5]] } },
};

const resolve = (path: string) => resolvePath(message, parsePath(path));

describe("parsePath", () => {
  it("parses fields after dots and indexes in brackets", () => {
    expect(parsePath("value.items[1].name")).toEqual({
      text: "value.items[1].name",
      root: "value",
      segments: ["items", 1, "name"],
    });
  });

  it("parses quoted names in brackets, with either quote and escapes", () => {
    expect(parsePath('value["odd.name"]').segments).toEqual(["odd.name"]);
    expect(parsePath("value['it\\'s']").segments).toEqual(["it's"]);
  });

  it("trims spaces around the path", () => {
    expect(parsePath("  value.a  ").text).toBe("value.a");
  });

  it("takes the whole rest after headers. as the header name", () => {
    expect(parsePath("headers.split.index").segments).toEqual(["split.index"]);
    expect(parsePath('headers["split.index"]').segments).toEqual(["split.index"]);
  });

  it.each([
    ["", /is empty; start it with one of value, key, headers, id, ts/],
    ["temperature", /must start with one of value, key, headers, id, ts/],
    ["values.a", /must start with one of value, key, headers, id, ts/],
    ["[0]", /must start with one of/],
    ["key.length", /goes past key, which has no fields/],
    ["id[0]", /goes past id/],
    ["ts.x", /goes past ts/],
    ["value.", /empty field name/],
    ["value..a", /empty field name/],
    ["value[x]", /neither an index/],
    ["value[-1]", /neither an index/],
    ['value["ab', /unclosed quoted name/],
    ['value["a"', /needs a '\]' after the quoted name/],
    ['value["a"x]', /needs a '\]' after the quoted name/],
    ["value]", /where a '\.' or '\[' should be/],
    ["headers.", /empty header name/],
    ['headers["a"].b', /goes past a header/],
    ["headers[0]", /quoted header name/],
    [`value.${"a".repeat(1000)}`, /longer than 1000 characters/],
  ])("refuses %j, naming the problem", (path, problem) => {
    expect(() => parsePath(path)).toThrow(PathError);
    expect(() => parsePath(path)).toThrow(problem);
    expect(pathProblem(path)).toMatch(/^path "/);
  });

  it("pathProblem is undefined for a valid path", () => {
    expect(pathProblem("value.a[0]")).toBeUndefined();
  });
});

describe("resolvePath", () => {
  it.each([
    ["value", message.value],
    ["value.temperature", 21.5],
    ["value.items[0].name", "a"],
    ["value.items.1.name", "b"],
    ['value["odd.name"]', 1],
    ["value.nested.deep[1][0]", 5],
    ["key", "sensor-7"],
    ["id", "m1"],
    ["ts", 1234],
    ["headers", message.headers],
    ["headers.kind", "reading"],
    ["headers.split.index", "2"],
  ])("resolves %s", (path, expected) => {
    expect(resolve(path)).toEqual(expected);
  });

  it.each([
    "value.missing",
    "value.items[5]",
    "value.items.x",
    "value.temperature.x",
    "value.items[0].name.length",
    "headers.missing",
    "value.constructor",
    "value.__proto__",
    "value.items.length",
    "headers.toString",
  ])("resolves %s to undefined (own properties only)", (path) => {
    expect(resolve(path)).toBeUndefined();
  });

  it("resolves key and headers to undefined on a message without them", () => {
    const bare: Message = { id: "m2", value: 1, ts: 0 };
    expect(resolvePath(bare, parsePath("key"))).toBeUndefined();
    expect(resolvePath(bare, parsePath("headers"))).toBeUndefined();
    expect(resolvePath(bare, parsePath("headers.kind"))).toBeUndefined();
  });
});
