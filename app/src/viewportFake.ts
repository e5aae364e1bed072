// For unit tests: a real viewport attached to a fake canvas (ResizeObserver stubbed), inside a Solid root.
import { createRoot } from "solid-js";
import { createViewport, type Viewport } from "./viewport.ts";

/** A viewport attached to a fake canvas of `width`×`height` at the page origin. */
export function viewportOf(width: number, height: number): { viewport: Viewport; dispose: () => void } {
  let resized: ((entries: { contentRect: { width: number; height: number } }[]) => void) | undefined;
  (globalThis as { ResizeObserver?: unknown }).ResizeObserver = class {
    constructor(callback: typeof resized) {
      resized = callback;
    }
    observe() {}
    disconnect() {}
  };
  const element = { getBoundingClientRect: () => ({ left: 0, top: 0 }) } as unknown as HTMLElement;
  return createRoot((dispose) => {
    const viewport = createViewport();
    viewport.attach(element);
    resized?.([{ contentRect: { width, height } }]);
    return { viewport, dispose };
  });
}
