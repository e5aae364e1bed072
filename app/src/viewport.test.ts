// The viewport measures where the canvas is once, and again only after it may have moved.
import { createRoot } from "solid-js";
import { describe, expect, it } from "vitest";
import { createViewport } from "./viewport.ts";

describe("viewport origin", () => {
  it("measures the canvas's place once, and again after a resize or a scroll", () => {
    let resized: (() => void) | undefined;
    (globalThis as { ResizeObserver?: unknown }).ResizeObserver = class {
      constructor(callback: (entries: { contentRect: { width: number; height: number } }[]) => void) {
        resized = () => callback([{ contentRect: { width: 800, height: 600 } }]);
      }
      observe() {}
      disconnect() {}
    };
    const listeners = new Map<string, () => void>();
    const win = {
      addEventListener: (type: string, fn: () => void) => listeners.set(type, fn),
      removeEventListener() {},
    };
    let left = 100;
    let measured = 0;
    const element = {
      ownerDocument: { defaultView: win },
      getBoundingClientRect: () => {
        measured++;
        return { left, top: 50 };
      },
    } as unknown as HTMLElement;
    createRoot((dispose) => {
      const viewport = createViewport();
      const detach = viewport.attach(element);
      resized?.();
      const at = viewport.view();
      expect(viewport.toWorld(100 + at.x, 50 + at.y)).toEqual({ x: 0, y: 0 });
      viewport.toWorld(0, 0);
      viewport.zoomAt(1.1, 10, 10);
      expect(measured).toBe(1);
      left = 300;
      listeners.get("scroll")?.();
      const now = viewport.view();
      expect(viewport.toWorld(300 + now.x, 50 + now.y)).toEqual({ x: 0, y: 0 });
      expect(measured).toBe(2);
      resized?.();
      viewport.toWorld(0, 0);
      listeners.get("resize")?.();
      viewport.toWorld(0, 0);
      expect(measured).toBe(4);
      detach();
      dispose();
    });
  });
});
