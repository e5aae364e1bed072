// The minimap's geometry: which part of the graph it shows, and how its points map to graph points and back.
import type { Point, Rect } from "./geometry.ts";
import type { View } from "./viewport.ts";

export interface Size {
  width: number;
  height: number;
}

/** A uniform scale and an offset: a minimap point is `world * scale + offset`. */
export interface MinimapTransform {
  scale: number;
  offsetX: number;
  offsetY: number;
}

/** Minimap pixels kept free around the content, so edge nodes and the view frame stay visible. */
export const MINIMAP_PAD = 6;

/**
 * The graph rectangle the canvas shows, from the view and the graph point at the canvas centre
 * (viewport.center()): the left edge is where screen x 0 lands, the centre is halfway across.
 */
export function visibleRect(view: View, center: Point): Rect {
  const left = -view.x / view.zoom;
  const top = -view.y / view.zoom;
  return { x: left, y: top, width: Math.max(0, 2 * (center.x - left)), height: Math.max(0, 2 * (center.y - top)) };
}

export function unionRect(a: Rect | undefined, b: Rect): Rect {
  if (!a) return b;
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return {
    x,
    y,
    width: Math.max(a.x + a.width, b.x + b.width) - x,
    height: Math.max(a.y + a.height, b.y + b.height) - y,
  };
}

/**
 * Fits `content` (the nodes' bounds ∪ the visible rectangle) into a minimap of `size`, keeping its aspect
 * ratio and centring it, with `pad` pixels free on every side. Empty content gets scale 1 around its origin.
 */
export function minimapTransform(content: Rect, size: Size, pad = MINIMAP_PAD): MinimapTransform {
  const innerW = Math.max(1, size.width - pad * 2);
  const innerH = Math.max(1, size.height - pad * 2);
  const fits = [innerW / content.width, innerH / content.height].filter((s) => Number.isFinite(s) && s > 0);
  const scale = fits.length > 0 ? Math.min(...fits) : 1;
  return {
    scale,
    offsetX: (size.width - content.width * scale) / 2 - content.x * scale,
    offsetY: (size.height - content.height * scale) / 2 - content.y * scale,
  };
}

export function toMinimap(t: MinimapTransform, p: Point): Point {
  return { x: p.x * t.scale + t.offsetX, y: p.y * t.scale + t.offsetY };
}

export function rectToMinimap(t: MinimapTransform, r: Rect): Rect {
  return { ...toMinimap(t, r), width: r.width * t.scale, height: r.height * t.scale };
}

/** The graph point under minimap point `p` (what a click there centres the view on). */
export function fromMinimap(t: MinimapTransform, p: Point): Point {
  return { x: (p.x - t.offsetX) / t.scale, y: (p.y - t.offsetY) / t.scale };
}

/** The smallest rectangle holding all of `rects`; undefined when there are none. */
export function boundsOfRects(rects: Iterable<Rect>): Rect | undefined {
  let bounds: Rect | undefined;
  for (const r of rects) bounds = unionRect(bounds, r);
  return bounds;
}
