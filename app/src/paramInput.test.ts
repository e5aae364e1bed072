// Param form input parsing against ParamSpec (type, integer, min, max).
import { describe, expect, it } from "vitest";
import type { ParamSpec } from "../../shared/nodeTypes.ts";
import { parseParamInput } from "./paramInput.ts";

const interval: ParamSpec = { type: "integer", title: "Interval", default: 1000, min: 1, max: 3_600_000 };

describe("parseParamInput", () => {
  it("accepts an integer in range", () => {
    expect(parseParamInput(interval, " 250 ")).toEqual({ ok: true, value: 250 });
  });
  it("refuses empty, non-numbers, fractions and out-of-range integers", () => {
    expect(parseParamInput(interval, "").ok).toBe(false);
    expect(parseParamInput(interval, "abc").ok).toBe(false);
    expect(parseParamInput(interval, "2.5").ok).toBe(false);
    expect(parseParamInput(interval, "0")).toEqual({ ok: false, error: "At least 1." });
    expect(parseParamInput(interval, "3600001")).toEqual({ ok: false, error: "At most 3600000." });
  });
  it("accepts fractions for number params", () => {
    expect(parseParamInput({ type: "number", title: "Ratio", default: 0.5 }, "0.25")).toEqual({
      ok: true,
      value: 0.25,
    });
  });
  it("passes strings and booleans through", () => {
    expect(parseParamInput({ type: "text", title: "Prefix", default: "" }, "> ")).toEqual({ ok: true, value: "> " });
    expect(parseParamInput({ type: "boolean", title: "On", default: false }, true)).toEqual({ ok: true, value: true });
  });
});
