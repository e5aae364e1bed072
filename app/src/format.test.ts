// Number formatting for the canvas and the side panel: queue depths, counters, bytes, rates, JSON previews.
import { describe, expect, it } from "vitest";
import { compactCount, formatBytes, formatCount, formatRate, jsonPreview } from "./format.ts";

describe("compactCount (edge depth labels)", () => {
  it("is exact below a thousand", () => {
    expect([0, 7, 30, 999].map(compactCount)).toEqual(["0", "7", "30", "999"]);
  });
  it("keeps one decimal below ten of a unit, none above", () => {
    expect([1000, 1234, 1250, 9_949, 12_345, 999_499].map(compactCount)).toEqual([
      "1k",
      "1.2k",
      "1.3k",
      "9.9k",
      "12k",
      "999k",
    ]);
    expect([1_200_000, 10_000_000, 2_500_000_000].map(compactCount)).toEqual(["1.2M", "10M", "2.5G"]);
  });
  it("rounds up into the next unit rather than showing 1000k or 10.0k", () => {
    expect(compactCount(999_950)).toBe("1M");
    expect(compactCount(9_960)).toBe("10k");
  });
  it("says ? for what is not a number", () => {
    expect(compactCount(Number.NaN)).toBe("?");
  });
});

describe("formatCount (node counters)", () => {
  it("is exact below 10,000", () => {
    expect([0, 9999, 12_345, 123_456, 1_234_567].map(formatCount)).toEqual(["0", "9999", "12.3k", "123k", "1.2M"]);
  });
});

describe("formatBytes", () => {
  it("uses binary units", () => {
    expect([0, 512, 1024, 1536, 64 * 1024 ** 2, 1024 ** 4, 150 * 1024].map(formatBytes)).toEqual([
      "0 B",
      "512 B",
      "1 KiB",
      "1.5 KiB",
      "64 MiB",
      "1 TiB",
      "150 KiB",
    ]);
  });
  it("says ? for negative or non-finite input", () => {
    expect(formatBytes(-1)).toBe("?");
    expect(formatBytes(Number.POSITIVE_INFINITY)).toBe("?");
  });
});

describe("formatRate", () => {
  it("shows messages per second with one decimal when small", () => {
    expect([0, 0.25, 3, 12.4, 1500, -1].map(formatRate)).toEqual(["0", "0.3", "3", "12", "1.5k", "0"]);
  });
});

describe("jsonPreview", () => {
  it("shows JSON cut to a length with an ellipsis", () => {
    expect(jsonPreview({ n: 12, factors: [2, 2, 3] })).toBe('{"n":12,"factors":[2,2,3]}');
    const long = jsonPreview("x".repeat(500), 20);
    expect(long).toHaveLength(20);
    expect(long.endsWith("…")).toBe(true);
  });
  it("never throws", () => {
    const cycle: Record<string, unknown> = {};
    cycle.self = cycle;
    expect(jsonPreview(cycle)).toBe("[object Object]");
    expect(jsonPreview(undefined)).toBe("undefined");
  });
});
