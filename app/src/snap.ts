// Grid snap for dragged nodes: on or off per browser (the toolbar's toggle, kept in localStorage), and Alt held
// during a drag does the opposite for that drag.
import { createSignal } from "solid-js";
import type { Point } from "./geometry.ts";

/** The grid's spacing in graph units (the canvas's dots are this far apart at 100 %). */
export const GRID = 24;
const KEY = "weft.snapToGrid.v1";

function stored(): boolean {
  try {
    return globalThis.localStorage?.getItem(KEY) === "on";
  } catch {
    return false; // storage blocked: off, as by default
  }
}

const [snapOn, setSnapOn] = createSignal(stored());

export { snapOn };

export function setSnap(on: boolean): void {
  setSnapOn(on);
  try {
    globalThis.localStorage?.setItem(KEY, on ? "on" : "off");
  } catch {
    // Not kept across reloads; it still applies now.
  }
}

export function snapTo(value: number, grid = GRID): number {
  return Math.round(value / grid) * grid;
}

/**
 * The move (dx, dy), in graph units, that puts the grabbed node's top-left (`start`) on the grid: every node of
 * a multi-node drag moves by it, so their arrangement is kept.
 */
export function snappedMove(start: Point, dx: number, dy: number, grid = GRID): Point {
  return { x: snapTo(start.x + dx, grid) - start.x, y: snapTo(start.y + dy, grid) - start.y };
}
