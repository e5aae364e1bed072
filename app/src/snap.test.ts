// Snapping puts the grabbed node on the grid and moves the others of a drag by as much.
import { describe, expect, it } from "vitest";
import { GRID, snappedMove, snapTo } from "./snap.ts";

describe("snap", () => {
  it("rounds to the nearest grid line", () => {
    expect([snapTo(11), snapTo(13), snapTo(-13), snapTo(48)]).toEqual([0, GRID, -GRID, 48]);
  });

  it("moves by what puts the grabbed node on the grid, whatever its start", () => {
    expect(snappedMove({ x: 40, y: 40 }, 30, -5)).toEqual({ x: 32, y: -16 });
    const move = snappedMove({ x: 7, y: 0 }, 100, 100);
    expect([(7 + move.x) % GRID, move.y % GRID]).toEqual([0, 0]);
  });
});
