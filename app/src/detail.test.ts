// Only nodes in or near the view get their body built, and none at far zoom; the level of detail waits for a
// zoom gesture to rest, but follows fit (and any other jump) at once.
import { createRoot, createSignal } from "solid-js";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { AHEAD, createDetail, nodesIn, viewRect } from "./detail.ts";
import { FAR_ZOOM, SETTLE_MS, ZOOM_REST_MS } from "./viewport.ts";
import { viewportOf } from "./viewportFake.ts";

describe("viewRect and nodesIn", () => {
  it("is the graph area the canvas shows, grown on each side", () => {
    expect(viewRect({ x: -100, y: 50, zoom: 0.5 }, { width: 400, height: 200 })).toEqual({
      x: 200,
      y: -100,
      width: 800,
      height: 400,
    });
    expect(viewRect({ x: 0, y: 0, zoom: 1 }, { width: 400, height: 200 }, 0.5)).toEqual({
      x: -200,
      y: -100,
      width: 800,
      height: 400,
    });
  });

  it("takes the nodes whose box may reach into it", () => {
    const nodes = {
      in: { x: 10, y: 10 },
      left: { x: -150, y: 0 },
      farLeft: { x: -300, y: 0 },
      below: { x: 0, y: 500 },
    };
    expect([...nodesIn(nodes, { x: 0, y: 0, width: 400, height: 200 })].sort()).toEqual(["in", "left"]);
  });
});

describe("createDetail", () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it("builds the bodies of the nodes near the view, none when far, and follows a pan once it settles", () => {
    const { viewport, dispose } = viewportOf(1000, 500);
    const nodes = { a: { x: 100, y: 100 }, b: { x: 3000, y: 100 } };
    const { detailed, near } = createRoot(() => createDetail(viewport, () => nodes));
    expect(viewport.far()).toBe(false);
    expect([detailed("a"), detailed("b")]).toEqual([true, false]);

    // b is 3,000 px right: a pan of 2,500 brings it into view, and a falls more than AHEAD behind.
    viewport.panBy(-2500, 0);
    vi.advanceTimersByTime(SETTLE_MS + 1);
    expect([detailed("a"), detailed("b")]).toEqual([false, true]);
    // Back until a is within AHEAD (half the view's width, 500 px) of its left edge: built again.
    viewport.panBy(2500 - 1000 * AHEAD + 100, 0);
    vi.advanceTimersByTime(SETTLE_MS + 1);
    expect(detailed("a")).toBe(true);

    viewport.fit({ x: 0, y: 0, width: 20_000, height: 10_000 });
    expect(viewport.view().zoom).toBeLessThan(FAR_ZOOM);
    expect(viewport.far()).toBe(true);
    expect(viewport.tiny()).toBe(true);
    expect([detailed("a"), detailed("b")]).toEqual([false, false]);
    expect(near().size).toBe(0);
    dispose();
  });

  it("reads the nodes untracked, again at each revision", () => {
    const { viewport, dispose } = viewportOf(1000, 500);
    const nodes = { a: { x: 100, y: 100 }, b: { x: 3000, y: 100 } };
    const [revision, setRevision] = createSignal(0);
    const { detailed } = createRoot(() => createDetail(viewport, () => nodes, revision));
    expect(detailed("b")).toBe(false);
    nodes.b.x = 200;
    expect(detailed("b")).toBe(false);
    setRevision(1);
    expect(detailed("b")).toBe(true);
    dispose();
  });

  it("moves the level of detail when a zoom gesture rests, not at each step", () => {
    const { viewport, dispose } = viewportOf(1000, 500);
    for (let i = 0; i < 10; i++) viewport.zoomAt(0.8);
    expect(viewport.view().zoom).toBeLessThan(FAR_ZOOM);
    expect(viewport.far()).toBe(false);
    vi.advanceTimersByTime(ZOOM_REST_MS - 10);
    viewport.zoomAt(0.99);
    vi.advanceTimersByTime(ZOOM_REST_MS - 10);
    expect(viewport.far()).toBe(false);
    vi.advanceTimersByTime(20);
    expect(viewport.far()).toBe(true);
    dispose();
  });
});
