// Edge settings from the form: parsing what was typed, and the would-be edge object judged by the room's rule.
import { describe, expect, it } from "vitest";
import { edgeValueProblem } from "../../shared/docModel.ts";
import { checkEdgeSettings, parseModeSetting, parseNumericSetting, patchedEdge } from "./edgeSettings.ts";

const ends = { from: "random", fromPort: "out", to: "log", toPort: "in" };

describe("parseNumericSetting", () => {
  it("reads blank as cleared and numbers as numbers (the room's rule judges them)", () => {
    expect(parseNumericSetting("  ")).toBeNull();
    expect(parseNumericSetting(" 20 ")).toBe(20);
    expect(parseNumericSetting("0")).toBe(0);
    expect(parseNumericSetting("2.5")).toBe(2.5);
  });
  it("refuses text that is not a number, and a number input's bad input", () => {
    expect(parseNumericSetting("abc")).toEqual({ error: "must be a number" });
    expect(parseNumericSetting("", true)).toEqual({ error: "must be a number" });
  });
});

describe("parseModeSetting", () => {
  it("reads the select: blank is the default", () => {
    expect(parseModeSetting("")).toBeNull();
    expect(parseModeSetting("memory")).toBe("memory");
    expect(parseModeSetting("fast")).toMatchObject({ error: expect.any(String) });
  });
});

describe("patchedEdge", () => {
  it("sets, removes and keeps fields, and never touches the endpoints", () => {
    const current = { ...ends, maxDepth: 50, maxAttempts: 3 };
    const next = patchedEdge(current, { maxDepth: null, maxBytes: 2048, maxAttempts: undefined });
    expect(next).toEqual({ ...ends, maxBytes: 2048, maxAttempts: 3 });
    expect(current).toEqual({ ...ends, maxDepth: 50, maxAttempts: 3 });
    const sneaky = { to: "elsewhere" } as unknown as Parameters<typeof patchedEdge>[1];
    expect(patchedEdge(current, sneaky).to).toBe("log");
  });
});

describe("checkEdgeSettings", () => {
  it("accepts what the room accepts, saying whether anything changed", () => {
    expect(checkEdgeSettings(ends, { maxDepth: 20 })).toEqual({
      ok: true,
      edge: { ...ends, maxDepth: 20 },
      changed: true,
    });
    expect(checkEdgeSettings({ ...ends, maxDepth: 20 }, { maxDepth: 20 })).toMatchObject({ ok: true, changed: false });
    expect(checkEdgeSettings({ ...ends, mode: "memory" }, { mode: null })).toEqual({
      ok: true,
      edge: ends,
      changed: true,
    });
  });

  it("refuses what the room refuses, naming the field with the room's own words", () => {
    const zero = checkEdgeSettings(ends, { maxDepth: 0 });
    expect(zero).toEqual({ ok: false, field: "maxDepth", reason: "must be from 1 to 1000000, got 0" });
    expect(edgeValueProblem({ ...ends, maxDepth: 0 })).toBe(`maxDepth: ${zero.ok ? "" : zero.reason}`);
    expect(checkEdgeSettings(ends, { maxBytes: 1023 })).toMatchObject({ ok: false, field: "maxBytes" });
    expect(checkEdgeSettings(ends, { maxBytes: 1024 ** 4 + 1 })).toMatchObject({ ok: false, field: "maxBytes" });
    expect(checkEdgeSettings(ends, { maxAttempts: 2.5 })).toMatchObject({ ok: false, field: "maxAttempts" });
    expect(checkEdgeSettings(ends, { maxAttempts: 1001 })).toMatchObject({ ok: false, field: "maxAttempts" });
  });

  it("refuses an edge that is gone", () => {
    expect(checkEdgeSettings(undefined, { maxDepth: 20 })).toEqual({
      ok: false,
      field: undefined,
      reason: "that edge no longer exists",
    });
  });
});
