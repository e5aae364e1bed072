// Alt+arrow goes to the nearest node that way, preferring nodes straight ahead over closer ones off to the side.
import { describe, expect, it } from "vitest";
import { nearestInDirection } from "./spatial.ts";

describe("nearestInDirection", () => {
  // A grid: o in the middle, r right, l left, u up, d down, and rf far right but straight ahead vs rs right-ish.
  const centres = new Map([
    ["o", { x: 0, y: 0 }],
    ["r", { x: 300, y: 0 }],
    ["l", { x: -300, y: 10 }],
    ["u", { x: 20, y: -200 }],
    ["d", { x: -20, y: 200 }],
    ["diag", { x: 150, y: 140 }],
  ]);

  it("goes each way to the node in that direction", () => {
    expect(nearestInDirection(centres, "o", "right")).toBe("r");
    expect(nearestInDirection(centres, "o", "left")).toBe("l");
    expect(nearestInDirection(centres, "o", "up")).toBe("u");
    expect(nearestInDirection(centres, "o", "down")).toBe("d");
  });

  it("prefers a node straight ahead to a closer one off to the side", () => {
    // diag is closer (205) than r (300) and within the cone, but 140 across costs it 280.
    expect(nearestInDirection(centres, "o", "right")).toBe("r");
    expect(nearestInDirection(new Map([...centres].filter(([id]) => id !== "r")), "o", "right")).toBe("diag");
  });

  it("finds nothing past the edge, or from a node that is gone", () => {
    expect(nearestInDirection(centres, "r", "right")).toBeUndefined();
    expect(nearestInDirection(centres, "ghost", "left")).toBeUndefined();
  });
});
