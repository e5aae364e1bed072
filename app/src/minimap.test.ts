// The minimap's geometry: the visible rectangle agrees with the real viewport, content fits the map, and a click
// on the map centres the view on the graph point drawn there.
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fuzzSeeds, prng } from "../../shared/testing/seeds.ts";
import type { Rect } from "./geometry.ts";
import {
  boundsOfRects,
  fromMinimap,
  MINIMAP_PAD,
  minimapTransform,
  rectToMinimap,
  toMinimap,
  unionRect,
  visibleRect,
} from "./minimap.ts";
import { viewportOf } from "./viewportFake.ts";

const MAP = { width: 200, height: 140 };

const expectRect = (actual: Rect, expected: Rect) => {
  expect(actual.x).toBeCloseTo(expected.x, 6);
  expect(actual.y).toBeCloseTo(expected.y, 6);
  expect(actual.width).toBeCloseTo(expected.width, 6);
  expect(actual.height).toBeCloseTo(expected.height, 6);
};

describe("visible rectangle", () => {
  let saved: unknown;
  beforeEach(() => {
    saved = (globalThis as { ResizeObserver?: unknown }).ResizeObserver;
  });
  afterEach(() => {
    (globalThis as { ResizeObserver?: unknown }).ResizeObserver = saved;
  });

  it("is the graph rectangle between the canvas corners, after pans and zooms", () => {
    const { viewport, dispose } = viewportOf(800, 600);
    viewport.panBy(-130, 45);
    viewport.zoomAt(0.4, 210, 90);
    const v = viewport.view();
    const from = viewport.toWorld(0, 0);
    const to = viewport.toWorld(800, 600);
    expect(v.zoom).toBeCloseTo(0.4, 6);
    expectRect(visibleRect(v, viewport.center()), {
      x: from.x,
      y: from.y,
      width: to.x - from.x,
      height: to.y - from.y,
    });
    dispose();
  });

  it("is empty, not negative, while the canvas has no size yet", () => {
    const r = visibleRect({ x: 40, y: 40, zoom: 1 }, { x: -40, y: -40 });
    expect(r).toEqual({ x: -40, y: -40, width: 0, height: 0 });
  });

  it("a click on the map centres the real view on the point drawn there, keeping the zoom", () => {
    const { viewport, dispose } = viewportOf(1000, 700);
    viewport.zoomAt(0.5);
    const nodes = { x: -500, y: 200, width: 3000, height: 900 };
    const t = minimapTransform(unionRect(nodes, visibleRect(viewport.view(), viewport.center())), MAP);
    const click = { x: 150, y: 60 };
    viewport.centerOn(fromMinimap(t, click), viewport.view().zoom);
    const seen = rectToMinimap(t, visibleRect(viewport.view(), viewport.center()));
    expect(viewport.view().zoom).toBeCloseTo(0.5, 6);
    expect(seen.x + seen.width / 2).toBeCloseTo(click.x, 6);
    expect(seen.y + seen.height / 2).toBeCloseTo(click.y, 6);
    dispose();
  });
});

describe("minimap transform", () => {
  it("fits wide content to the map's width and centres it vertically", () => {
    const t = minimapTransform({ x: 100, y: -50, width: 1880, height: 200 }, MAP);
    expect(t.scale).toBeCloseTo((MAP.width - 2 * MINIMAP_PAD) / 1880, 9);
    expectRect(rectToMinimap(t, { x: 100, y: -50, width: 1880, height: 200 }), {
      x: MINIMAP_PAD,
      y: (MAP.height - 200 * t.scale) / 2,
      width: MAP.width - 2 * MINIMAP_PAD,
      height: 200 * t.scale,
    });
  });

  it("fits tall content to the map's height", () => {
    const t = minimapTransform({ x: 0, y: 0, width: 100, height: 1280 }, MAP);
    expect(t.scale).toBeCloseTo((MAP.height - 2 * MINIMAP_PAD) / 1280, 9);
  });

  it("stays finite for empty content (no nodes, no canvas size yet)", () => {
    const t = minimapTransform({ x: 7, y: 9, width: 0, height: 0 }, MAP);
    expect(t).toEqual({ scale: 1, offsetX: 100 - 7, offsetY: 70 - 9 });
    expect(minimapTransform({ x: 0, y: 0, width: 0, height: 50 }, MAP).scale).toBeCloseTo(128 / 50, 9);
  });

  it("unions the nodes' bounds with the view, or takes the view when there are no nodes", () => {
    const view = { x: -10, y: 5, width: 100, height: 50 };
    expect(unionRect({ x: 0, y: 0, width: 400, height: 20 }, view)).toEqual({ x: -10, y: 0, width: 410, height: 55 });
    expect(unionRect(undefined, view)).toBe(view);
  });

  it("bounds a set of node boxes, and nothing for no boxes", () => {
    const boxes = [
      { x: 10, y: 0, width: 200, height: 100 },
      { x: -50, y: 300, width: 200, height: 124 },
      { x: 400, y: -20, width: 200, height: 100 },
    ];
    expect(boundsOfRects(boxes)).toEqual({ x: -50, y: -20, width: 650, height: 444 });
    expect(boundsOfRects([])).toBeUndefined();
  });

  it.each(fuzzSeeds([20260517, 7]))(
    "seed %i: content fits inside the padding, tightly, and points round-trip",
    (seed) => {
      const rand = prng(seed);
      for (let run = 0; run < 500; run++) {
        const content = {
          x: (rand() - 0.5) * 1e5,
          y: (rand() - 0.5) * 1e5,
          width: 1 + rand() * 5e4,
          height: 1 + rand() * 5e4,
        };
        const size = { width: 40 + rand() * 400, height: 40 + rand() * 400 };
        const t = minimapTransform(content, size);
        const r = rectToMinimap(t, content);
        const why = `seed ${seed} run ${run}: ${JSON.stringify({ content, size })}`;
        const eps = 1e-6;
        expect(r.x, why).toBeGreaterThanOrEqual(MINIMAP_PAD - eps);
        expect(r.y, why).toBeGreaterThanOrEqual(MINIMAP_PAD - eps);
        expect(r.x + r.width, why).toBeLessThanOrEqual(size.width - MINIMAP_PAD + eps);
        expect(r.y + r.height, why).toBeLessThanOrEqual(size.height - MINIMAP_PAD + eps);
        // Tight: one axis spans the whole inner box, and the other is centred.
        const fillsX = Math.abs(r.width - (size.width - 2 * MINIMAP_PAD)) < 1e-6;
        const fillsY = Math.abs(r.height - (size.height - 2 * MINIMAP_PAD)) < 1e-6;
        expect(fillsX || fillsY, why).toBe(true);
        expect(r.x + r.width / 2, why).toBeCloseTo(size.width / 2, 6);
        expect(r.y + r.height / 2, why).toBeCloseTo(size.height / 2, 6);
        const p = { x: rand() * size.width, y: rand() * size.height };
        const back = toMinimap(t, fromMinimap(t, p));
        expect(back.x, why).toBeCloseTo(p.x, 6);
        expect(back.y, why).toBeCloseTo(p.y, 6);
      }
    },
  );
});
