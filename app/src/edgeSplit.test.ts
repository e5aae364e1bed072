// Which edges are built as elements and which are only drawn.
import { describe, expect, it } from "vitest";
import { builtAlone, splitEdges } from "./edgeSplit.ts";

const edges: Record<string, { from: string; to: string }> = {
  quiet: { from: "a", to: "b" },
  nearEnd: { from: "c", to: "near" },
  queued: { from: "a", to: "b" },
  paused: { from: "a", to: "b" },
  dead: { from: "a", to: "b" },
  picked: { from: "a", to: "b" },
};
const status: Record<string, { depth: number; paused: boolean; deadLetters: number }> = {
  quiet: { depth: 0, paused: false, deadLetters: 0 },
  queued: { depth: 3, paused: false, deadLetters: 0 },
  paused: { depth: 0, paused: true, deadLetters: 0 },
  dead: { depth: 0, paused: false, deadLetters: 1 },
};
const inputs = {
  edge: (id: string) => edges[id],
  status: (id: string) => status[id],
  near: new Set(["near"]),
  selected: new Set(["picked"]),
};

describe("splitEdges", () => {
  it("builds the selected edges, those with a queue, back-pressure or dead letters, and those with an end near", () => {
    expect(splitEdges([...Object.keys(edges), "gone"], inputs)).toEqual({
      built: ["nearEnd", "queued", "paused", "dead", "picked"],
      drawn: ["quiet", "gone"],
    });
  });

  it("draws every edge at far zoom (nothing near) that has nothing to show", () => {
    expect(builtAlone("quiet", { ...inputs, near: new Set() })).toBe(false);
    expect(builtAlone("nearEnd", { ...inputs, near: new Set() })).toBe(false);
    expect(builtAlone("queued", { ...inputs, near: new Set() })).toBe(true);
  });
});
