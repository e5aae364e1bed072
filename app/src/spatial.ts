// Keyboard travel across the canvas: from one node, the nearest node in an arrow's direction.
import type { Point } from "./geometry.ts";

export type Direction = "left" | "right" | "up" | "down";

/**
 * The node nearest to `from` whose centre lies in `direction` within a 90° cone (45° each side), preferring ones
 * straight ahead: distance along the direction plus twice the distance across it. Undefined when none.
 */
export function nearestInDirection(
  centres: ReadonlyMap<string, Point>,
  from: string,
  direction: Direction,
): string | undefined {
  const origin = centres.get(from);
  if (!origin) return undefined;
  const [ax, ay] = { left: [-1, 0], right: [1, 0], up: [0, -1], down: [0, 1] }[direction];
  let best: string | undefined;
  let bestScore = Infinity;
  for (const [id, c] of centres) {
    if (id === from) continue;
    const dx = c.x - origin.x;
    const dy = c.y - origin.y;
    const along = dx * (ax as number) + dy * (ay as number);
    const across = Math.abs(dx * (ay as number) - dy * (ax as number));
    if (along <= 0 || across > along) continue;
    const score = along + 2 * across;
    if (score < bestScore || (score === bestScore && best !== undefined && id < best)) {
      best = id;
      bestScore = score;
    }
  }
  return best;
}
