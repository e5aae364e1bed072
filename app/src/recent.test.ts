// How kept messages read in the side panel: debug samples newest first, with time, id and pretty JSON.
import { describe, expect, it } from "vitest";
import { clockTime, debugSamples, prettyValue, recentKind } from "./recent.ts";

describe("recent messages", () => {
  it("shows log values and debug samples, and nothing for other types", () => {
    expect(recentKind("log")).toBe("values");
    expect(recentKind("debug")).toBe("samples");
    expect(recentKind("random")).toBeUndefined();
    expect(recentKind("constructor")).toBeUndefined();
  });

  it("lists debug samples newest first, and shows an entry of another shape whole", () => {
    const samples = debugSamples([
      { at: 1000, id: "m1", value: { n: 1 } },
      { at: 2000, id: "m2", value: null },
      42,
      { at: "soon", id: 7, value: "x" },
    ]);
    expect(samples).toEqual([
      { at: undefined, id: "", value: "x" },
      { at: undefined, id: "", value: 42 },
      { at: 2000, id: "m2", value: null },
      { at: 1000, id: "m1", value: { n: 1 } },
    ]);
  });

  it("drops a time no Date can hold", () => {
    expect(debugSamples([{ at: 1e20, id: "m", value: 1 }])[0]?.at).toBeUndefined();
  });

  it("prints local wall-clock time with milliseconds", () => {
    expect(clockTime(new Date(2024, 0, 1, 9, 5, 7, 42).getTime())).toBe("09:05:07.042");
    expect(clockTime(new Date(2024, 0, 1, 23, 59, 59, 999).getTime())).toBe("23:59:59.999");
  });

  it("pretty-prints values, and shows a value the worker cut as its cut text", () => {
    expect(prettyValue({ a: [1, 2] })).toEqual({ text: '{\n  "a": [\n    1,\n    2\n  ]\n}', cut: false });
    expect(prettyValue("short…")).toEqual({ text: '"short…"', cut: false });
    const cut = `{"a":"${"x".repeat(1000)}…`;
    expect(prettyValue(cut)).toEqual({ text: cut, cut: true });
  });
});
